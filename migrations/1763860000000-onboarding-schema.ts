import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable truth of every onboarding: the onboarding row, one row per step with the Workato
 * id it created, the results outbox, and the audit trail of operator actions.
 */
export class OnboardingSchema1763860000000 implements MigrationInterface {
  name = 'OnboardingSchema1763860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE onboarding (
        id uuid PRIMARY KEY,
        event_id text NOT NULL,
        managed_user_id text NOT NULL,
        customer_name text NOT NULL,
        source text NOT NULL,
        status text NOT NULL,
        attempt integer NOT NULL DEFAULT 1,
        request jsonb NOT NULL,
        jwt_secret_ciphertext text,
        error jsonb,
        next_run_at timestamptz NOT NULL DEFAULT now(),
        deadline_at timestamptz NOT NULL,
        lease_owner text,
        lease_expires_at timestamptz,
        credentials_retrieved_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CONSTRAINT onboarding_event_id_unique UNIQUE (event_id),
        CONSTRAINT onboarding_status_check CHECK (status IN
          ('RECEIVED','IN_PROGRESS','COMPLETED','COMPENSATING','FAILED','COMPENSATION_FAILED'))
      )`);
    // The runner's claim query: runnable onboardings by due time.
    await queryRunner.query(`
      CREATE INDEX onboarding_runnable_idx ON onboarding (next_run_at)
        WHERE status IN ('RECEIVED','IN_PROGRESS','COMPENSATING')`);
    await queryRunner.query(
      `CREATE INDEX onboarding_list_idx ON onboarding (created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX onboarding_status_list_idx ON onboarding (status, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX onboarding_managed_user_idx ON onboarding (managed_user_id, created_at DESC, id DESC)`,
    );

    await queryRunner.query(`
      CREATE TABLE onboarding_step (
        onboarding_id uuid NOT NULL REFERENCES onboarding (id) ON DELETE CASCADE,
        name text NOT NULL,
        position integer NOT NULL,
        kind text NOT NULL,
        natural_key text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        compensation_attempts integer NOT NULL DEFAULT 0,
        intent_recorded_at timestamptz,
        workato_id text,
        adopted boolean NOT NULL DEFAULT false,
        secret_ciphertext text,
        last_error jsonb,
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (onboarding_id, name),
        CONSTRAINT onboarding_step_kind_check CHECK (kind IN ('API_COLLECTION','API_CLIENT','API_KEY')),
        CONSTRAINT onboarding_step_status_check CHECK (status IN
          ('PENDING','SUCCEEDED','FAILED','COMPENSATED','RETAINED','COMPENSATION_FAILED'))
      )`);

    await queryRunner.query(`
      CREATE TABLE outbox_message (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        message_key text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        publish_attempts integer NOT NULL DEFAULT 0,
        last_error text
      )`);
    await queryRunner.query(
      `CREATE INDEX outbox_message_pending_idx ON outbox_message (id) WHERE published_at IS NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE onboarding_audit (
        id bigserial PRIMARY KEY,
        onboarding_id uuid NOT NULL REFERENCES onboarding (id) ON DELETE CASCADE,
        action text NOT NULL,
        actor_role text NOT NULL,
        actor_fingerprint text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        details jsonb
      )`);
    await queryRunner.query(
      `CREATE INDEX onboarding_audit_onboarding_idx ON onboarding_audit (onboarding_id, at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE onboarding_audit`);
    await queryRunner.query(`DROP TABLE outbox_message`);
    await queryRunner.query(`DROP TABLE onboarding_step`);
    await queryRunner.query(`DROP TABLE onboarding`);
  }
}
