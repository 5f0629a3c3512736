import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Workato rate limiter becomes a log of send slots (src/workato/rate-limiter.ts): per bucket
 * (`<account>:overall`, `<account>:<family>`) the slots still within a spacing of now and the
 * ones reserved ahead, plus a pause after a 429. workato_reserve_slots reserves, for each
 * request of a group, the earliest moment at least a spacing away from every slot of the
 * overall bucket and of its family's bucket, under one lock of both rows.
 *
 * The token buckets of 1763870000000 counted tokens, not send times: paced at exactly the limit
 * they let more than N requests into some 1-second window once arrival jitter is counted.
 */
export class WorkatoRateLimitSlots1764600000000 implements MigrationInterface {
  name = 'WorkatoRateLimitSlots1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS workato_rate_limit_bucket`);
    await queryRunner.query(`
      CREATE TABLE workato_rate_limit (
        bucket text PRIMARY KEY,
        slots double precision[] NOT NULL DEFAULT '{}',
        paused_until_ms double precision NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`
      CREATE FUNCTION workato_earliest_free(slots double precision[], from_ms double precision,
        spacing double precision) RETURNS double precision
      LANGUAGE plpgsql IMMUTABLE AS $$
      DECLARE
        t double precision := from_ms;
        s double precision;
      BEGIN
        FOREACH s IN ARRAY slots LOOP
          CONTINUE WHEN s <= t - spacing;
          EXIT WHEN s >= t + spacing;
          t := s + spacing;
        END LOOP;
        RETURN t;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION workato_reserve_slots(overall text, overall_spacing double precision,
        families text[], family_spacings double precision[]) RETURNS SETOF double precision
      LANGUAGE plpgsql AS $$
      DECLARE
        now_ms double precision := extract(epoch FROM clock_timestamp()) * 1000;
        t double precision;
        a double precision;
        b double precision;
        ov_slots double precision[];
        ov_pause double precision;
        f_slots double precision[];
        f_pause double precision;
      BEGIN
        INSERT INTO workato_rate_limit (bucket)
          SELECT DISTINCT x FROM unnest(families || overall) AS x
          ON CONFLICT DO NOTHING;
        -- One lock order for every instance: no deadlock between two groups.
        PERFORM 1 FROM workato_rate_limit WHERE bucket = ANY (families || overall)
          ORDER BY bucket FOR UPDATE;
        FOR i IN 1 .. coalesce(array_length(families, 1), 0) LOOP
          SELECT slots, paused_until_ms INTO ov_slots, ov_pause
            FROM workato_rate_limit WHERE bucket = overall;
          SELECT slots, paused_until_ms INTO f_slots, f_pause
            FROM workato_rate_limit WHERE bucket = families[i];
          -- A slot further back than a spacing can no longer constrain a new one.
          ov_slots := ARRAY(SELECT x FROM unnest(ov_slots) x WHERE x > now_ms - overall_spacing ORDER BY x);
          f_slots := ARRAY(SELECT x FROM unnest(f_slots) x WHERE x > now_ms - family_spacings[i] ORDER BY x);
          t := greatest(now_ms, ov_pause, f_pause);
          LOOP
            a := workato_earliest_free(f_slots, t, family_spacings[i]);
            b := workato_earliest_free(ov_slots, a, overall_spacing);
            EXIT WHEN b = a;
            t := b;
          END LOOP;
          UPDATE workato_rate_limit SET slots = ARRAY(SELECT x FROM unnest(ov_slots || a) x ORDER BY x)
            WHERE bucket = overall;
          UPDATE workato_rate_limit SET slots = ARRAY(SELECT x FROM unnest(f_slots || a) x ORDER BY x)
            WHERE bucket = families[i];
          RETURN NEXT a;
        END LOOP;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION workato_reserve_slots`);
    await queryRunner.query(`DROP FUNCTION workato_earliest_free`);
    await queryRunner.query(`DROP TABLE workato_rate_limit`);
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
}
