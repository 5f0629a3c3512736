import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Workato rate limiter becomes a log of send slots (src/workato/rate-limiter.ts): per bucket
 * (`<account>:overall`, `<account>:<family>`) the slots still within a spacing of now and the
 * ones reserved ahead, plus a pause after a 429. workato_reserve_slots reserves slots for a
 * group of requests in one statement, under one lock of the rows it needs.
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
    // The schedule of src/workato/rate-limiter.ts (SlotSchedule), in one statement so that a
    // reservation is one round trip: each row is read and written once per group, the slots
    // chosen in between. test/workato/rate-limiter.test.ts holds the two against each other.
    await queryRunner.query(`
      CREATE FUNCTION workato_reserve_slots(overall text, overall_spacing double precision,
        families text[], family_spacings double precision[]) RETURNS SETOF double precision
      LANGUAGE plpgsql AS $$
      DECLARE
        now_ms double precision := extract(epoch FROM clock_timestamp()) * 1000;
        n int := coalesce(array_length(families, 1), 0);
        result double precision[] := array_fill(0::double precision, ARRAY[n]);
        ov double precision[];
        ov_pause double precision;
        fam double precision[];
        fam_pause double precision;
        f text;
        sp double precision;
        t double precision;
        a double precision;
        b double precision;
        x double precision;
        k int;
      BEGIN
        -- One lock order for every instance: no deadlock between two reservations. A bucket's
        -- row is made on its first use.
        PERFORM 1 FROM workato_rate_limit WHERE bucket = ANY (families || overall)
          ORDER BY bucket FOR UPDATE;
        GET DIAGNOSTICS k = ROW_COUNT;
        IF k < (SELECT count(DISTINCT u) FROM unnest(families || overall) AS u) THEN
          INSERT INTO workato_rate_limit (bucket)
            SELECT DISTINCT u FROM unnest(families || overall) AS u ON CONFLICT DO NOTHING;
          PERFORM 1 FROM workato_rate_limit WHERE bucket = ANY (families || overall)
            ORDER BY bucket FOR UPDATE;
        END IF;
        SELECT slots, paused_until_ms INTO ov, ov_pause FROM workato_rate_limit WHERE bucket = overall;
        ov := ARRAY(SELECT s FROM unnest(ov) s WHERE s > now_ms - overall_spacing ORDER BY s);
        -- Family by family, in the order they first appear in the group.
        FOR f IN SELECT u FROM unnest(families) WITH ORDINALITY AS x(u, i) GROUP BY u ORDER BY min(i) LOOP
          SELECT slots, paused_until_ms INTO fam, fam_pause FROM workato_rate_limit WHERE bucket = f;
          sp := family_spacings[array_position(families, f)];
          fam := ARRAY(SELECT s FROM unnest(fam) s WHERE s > now_ms - sp ORDER BY s);
          FOR i IN 1 .. n LOOP
            CONTINUE WHEN families[i] <> f;
            t := greatest(now_ms, ov_pause, fam_pause);
            LOOP
              a := t;
              FOREACH x IN ARRAY fam LOOP
                CONTINUE WHEN x <= a - sp;
                EXIT WHEN x >= a + sp;
                a := x + sp;
              END LOOP;
              b := a;
              FOREACH x IN ARRAY ov LOOP
                CONTINUE WHEN x <= b - overall_spacing;
                EXIT WHEN x >= b + overall_spacing;
                b := x + overall_spacing;
              END LOOP;
              EXIT WHEN b = a;
              t := b;
            END LOOP;
            k := coalesce(array_length(fam, 1), 0);
            WHILE k > 0 AND fam[k] > a LOOP k := k - 1; END LOOP;
            fam := fam[1:k] || a || fam[k + 1:];
            k := coalesce(array_length(ov, 1), 0);
            WHILE k > 0 AND ov[k] > a LOOP k := k - 1; END LOOP;
            ov := ov[1:k] || a || ov[k + 1:];
            result[i] := a;
          END LOOP;
          UPDATE workato_rate_limit SET slots = fam WHERE bucket = f;
        END LOOP;
        UPDATE workato_rate_limit SET slots = ov WHERE bucket = overall;
        RETURN QUERY SELECT unnest(result);
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION workato_reserve_slots`);
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
