import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several Workato accounts in one deployment: each onboarding belongs to one (the event's
 * `workatoAccount`, or the only or `default` account). Existing onboardings were all made with
 * the single account of their time, which is `default` now.
 */
export class WorkatoAccount1764610000000 implements MigrationInterface {
  name = 'WorkatoAccount1764610000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE onboarding ADD COLUMN workato_account text NOT NULL DEFAULT 'default'`,
    );
    await queryRunner.query(
      `CREATE INDEX onboarding_account_list_idx ON onboarding (workato_account, created_at DESC, id DESC)`,
    );
    // The runner's claim: due onboardings of one account by due time.
    await queryRunner.query(`DROP INDEX onboarding_runnable_idx`);
    await queryRunner.query(`
      CREATE INDEX onboarding_runnable_idx ON onboarding (workato_account, next_run_at)
        WHERE status IN ('RECEIVED','IN_PROGRESS','COMPENSATING')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX onboarding_runnable_idx`);
    await queryRunner.query(`
      CREATE INDEX onboarding_runnable_idx ON onboarding (next_run_at)
        WHERE status IN ('RECEIVED','IN_PROGRESS','COMPENSATING')`);
    await queryRunner.query(`DROP INDEX onboarding_account_list_idx`);
    await queryRunner.query(`ALTER TABLE onboarding DROP COLUMN workato_account`);
  }
}
