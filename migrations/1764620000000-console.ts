import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the operator console reads that nothing else does:
 *
 * - `dead_letter`: the recent rejections of the dead-letter producer with their reasons, so the
 *   console shows them without reading the DLQ topic. The message bytes are stored redacted
 *   (src/console/dead-letter-log.repository.ts), never as received; the table is bounded by its
 *   writer to the latest rows.
 * - an index on `onboarding.updated_at`, for the console's one shared query per interval that
 *   finds changes made by other instances (`updated_at > $since`).
 *
 * Without a transaction so the index is built CONCURRENTLY (a large onboarding table stays
 * writable meanwhile); each statement is idempotent, so a run cut short can simply run again.
 */
export class Console1764620000000 implements MigrationInterface {
  name = 'Console1764620000000';
  transaction = false as const;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS dead_letter (
        id bigserial PRIMARY KEY,
        reason text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        message_offset text NOT NULL,
        message_key text,
        redacted_value text,
        value_bytes integer NOT NULL,
        rejected_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS onboarding_updated_idx ON onboarding (updated_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS onboarding_updated_idx`);
    await queryRunner.query(`DROP TABLE IF EXISTS dead_letter`);
  }
}
