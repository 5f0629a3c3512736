import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The shared token buckets of the Workato rate limiter (src/workato/rate-limiter.ts). Workato's
 * quota belongs to the Embed admin workspace, so every instance of the service takes its tokens
 * from these rows. Rows are upserted by the limiter on first use with the configured rate.
 *
 * `updated_at` is the moment `tokens` is valid for: it runs ahead of the clock while a bucket is
 * paused after a 429, and `tokens` is negative while callers hold reservations for future slots.
 */
export class WorkatoRateLimit1763870000000 implements MigrationInterface {
  name = 'WorkatoRateLimit1763870000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE workato_rate_limit_bucket (
        name text PRIMARY KEY,
        tokens double precision NOT NULL,
        capacity double precision NOT NULL,
        refill_per_second double precision NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        paused_until timestamptz,
        CONSTRAINT workato_rate_limit_bucket_capacity_check CHECK (capacity >= 1),
        CONSTRAINT workato_rate_limit_bucket_refill_check CHECK (refill_per_second > 0)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE workato_rate_limit_bucket`);
  }
}
