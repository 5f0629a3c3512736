import { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS = `'API_COLLECTION','API_CLIENT','API_KEY','ROTATED_API_KEY','GRACE_PERIOD',
  'API_KEY_REFRESH','API_KEY_DISABLE','API_KEY_ENABLE','API_KEY_DELETE','API_CLIENT_DELETE'`;
const TYPES = `'ONBOARDING','KEY_ROTATION','OFFBOARDING','REACTIVATION'`;

/**
 * Drift repair: a reconciliation is a customer operation (RECONCILIATION) with steps of its own
 * (API_KEY_RECREATE, API_CLIENT_RESTORE, DRIFT_REPORT). The CHECK constraints on the saga's
 * operation type and the step's kind are replaced to admit them.
 */
export class Reconciliation1764640000000 implements MigrationInterface {
  name = 'Reconciliation1764640000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await replaceChecks(
      queryRunner,
      `${TYPES},'RECONCILIATION'`,
      `${KINDS},'API_KEY_RECREATE','API_CLIENT_RESTORE','DRIFT_REPORT'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM onboarding WHERE operation_type = 'RECONCILIATION'`);
    await replaceChecks(queryRunner, TYPES, KINDS);
  }
}

async function replaceChecks(queryRunner: QueryRunner, types: string, kinds: string) {
  await queryRunner.query(`ALTER TABLE onboarding DROP CONSTRAINT onboarding_operation_type_check`);
  await queryRunner.query(
    `ALTER TABLE onboarding ADD CONSTRAINT onboarding_operation_type_check
       CHECK (operation_type IN (${types}))`,
  );
  await queryRunner.query(`ALTER TABLE onboarding_step DROP CONSTRAINT onboarding_step_kind_check`);
  await queryRunner.query(
    `ALTER TABLE onboarding_step ADD CONSTRAINT onboarding_step_kind_check CHECK (kind IN (${kinds}))`,
  );
}
