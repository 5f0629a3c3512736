import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer operations after day one (key rotation, offboarding, reactivation) are sagas of the
 * same table as onboardings: `operation_type` says which. `ingest_seq` is the order events were
 * ingested in (created_at ties within a batch), so a customer's sagas run one at a time in that
 * order. A step of an operation records the resource it acts on in `target`.
 */
export class CustomerOperations1764630000000 implements MigrationInterface {
  name = 'CustomerOperations1764630000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE onboarding ADD COLUMN operation_type text NOT NULL DEFAULT 'ONBOARDING'`,
    );
    await queryRunner.query(`ALTER TABLE onboarding ADD COLUMN ingest_seq bigserial`);
    await queryRunner.query(
      `ALTER TABLE onboarding ADD CONSTRAINT onboarding_operation_type_check
         CHECK (operation_type IN ('ONBOARDING','KEY_ROTATION','OFFBOARDING','REACTIVATION'))`,
    );
    await queryRunner.query(`ALTER TABLE onboarding_step ADD COLUMN target jsonb`);
    await queryRunner.query(
      `ALTER TABLE onboarding_step DROP CONSTRAINT onboarding_step_kind_check`,
    );
    await queryRunner.query(
      `ALTER TABLE onboarding_step ADD CONSTRAINT onboarding_step_kind_check CHECK (kind IN
         ('API_COLLECTION','API_CLIENT','API_KEY','ROTATED_API_KEY','GRACE_PERIOD',
          'API_KEY_REFRESH','API_KEY_DISABLE','API_KEY_ENABLE','API_KEY_DELETE','API_CLIENT_DELETE'))`,
    );
    // A customer's history (GET /v1/customers/:id, an operation's plan) and the claim's check
    // for an earlier unfinished saga of the same customer.
    await queryRunner.query(
      `CREATE INDEX onboarding_customer_idx ON onboarding (managed_user_id, workato_account, ingest_seq)`,
    );
    await queryRunner.query(
      `CREATE INDEX onboarding_operation_list_idx ON onboarding (operation_type, created_at DESC, id DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX onboarding_operation_list_idx`);
    await queryRunner.query(`DROP INDEX onboarding_customer_idx`);
    await queryRunner.query(`DELETE FROM onboarding WHERE operation_type <> 'ONBOARDING'`);
    await queryRunner.query(
      `ALTER TABLE onboarding_step DROP CONSTRAINT onboarding_step_kind_check`,
    );
    await queryRunner.query(
      `ALTER TABLE onboarding_step ADD CONSTRAINT onboarding_step_kind_check
         CHECK (kind IN ('API_COLLECTION','API_CLIENT','API_KEY'))`,
    );
    await queryRunner.query(`ALTER TABLE onboarding_step DROP COLUMN target`);
    await queryRunner.query(
      `ALTER TABLE onboarding DROP CONSTRAINT onboarding_operation_type_check`,
    );
    await queryRunner.query(`ALTER TABLE onboarding DROP COLUMN ingest_seq`);
    await queryRunner.query(`ALTER TABLE onboarding DROP COLUMN operation_type`);
  }
}
