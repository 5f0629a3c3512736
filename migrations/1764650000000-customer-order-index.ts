import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The runner's check that a saga has no earlier unfinished customer operation of its customer
 * (one at a time, in ingest order) probes this partial index: it holds unfinished operations
 * only, so in an onboarding backlog it is empty and the check costs nothing. Its predicate
 * matches the claim's statuses literally (onboarding.repository.ts, claimRunnable).
 */
export class CustomerOrderIndex1764650000000 implements MigrationInterface {
  name = 'CustomerOrderIndex1764650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX onboarding_open_operation_idx
        ON onboarding (managed_user_id, workato_account, ingest_seq)
        WHERE operation_type <> 'ONBOARDING'
          AND status IN ('RECEIVED', 'IN_PROGRESS', 'COMPENSATING')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX onboarding_open_operation_idx`);
  }
}
