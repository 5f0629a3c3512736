import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An outbox row is claimed (and its attempt counted) in a committed write before it is sent, so
 * a relay that died between Kafka's ack and its own commit leaves evidence: the next relay sees
 * an attempt was made and checks the topic before sending again.
 */
export class OutboxClaims1763890000000 implements MigrationInterface {
  name = 'OutboxClaims1763890000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox_message ADD COLUMN claimed_until timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox_message DROP COLUMN claimed_until`);
  }
}
