import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The list filtered by managed user and status read every onboarding of that status and sorted
 * them before the page limit (found by the status-queries benchmark at 100,000 rows). Built
 * CONCURRENTLY, outside a transaction, so a large table stays writable while it builds.
 */
export class OnboardingListIndex1763880000000 implements MigrationInterface {
  name = 'OnboardingListIndex1763880000000';
  transaction = false as const;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS onboarding_managed_user_status_idx
         ON onboarding (managed_user_id, status, created_at DESC, id DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS onboarding_managed_user_status_idx`);
  }
}
