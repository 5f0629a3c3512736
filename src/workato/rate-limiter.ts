import { sleep as realSleep } from './retry.policy';

/**
 * Workato's rate limits apply to the whole Embed admin workspace (the API token), not to one
 * process: 10 requests/second over all API platform endpoints (001), and 60 requests/minute
 * (003) which we apply to the portal endpoints. A portal call takes a token from both buckets.
 */
export type RateLimitBucket = 'default' | 'portal';
export const RATE_LIMIT_BUCKETS: readonly RateLimitBucket[] = ['default', 'portal'];

/** Port used by WorkatoClient; the abstract class doubles as the Nest injection token. */
export abstract class WorkatoRateLimiter {
  /** Waits until a request may be sent in `bucket`; resolves with how long that took. */
  abstract acquire(bucket: RateLimitBucket): Promise<{ waitedMs: number }>;
  /** After a 429: nobody sends in `bucket` before `untilEpochMs` (caller's clock). */
  abstract pauseUntil(bucket: RateLimitBucket, untilEpochMs: number): Promise<void>;
}

export interface BucketRate {
  /** Sustained rate. */
  refillPerSecond: number;
  /** Burst size in tokens, >= 1. */
  capacity: number;
}

export interface RateLimitOptions {
  /** WORKATO_RATE_LIMIT_RPS; default 10. */
  ratePerSecond?: number;
  /** WORKATO_PORTAL_RATE_LIMIT_PER_MINUTE; default 60. */
  portalRatePerMinute?: number;
  /**
   * Burst in seconds of rate; default 0, meaning a single token. A bucket that holds no burst
   * spaces requests evenly at 1/rate, so whatever window or bucket Workato counts with, it
   * never sees more than the rate, while the sustained throughput is still the full rate.
   */
  burstSeconds?: number;
}

/** Bucket sizes from configuration. Capacity never exceeds one second of rate (or 1 token). */
export function bucketRates(options: RateLimitOptions = {}): Record<RateLimitBucket, BucketRate> {
  const rps = options.ratePerSecond ?? 10;
  const portalRps = (options.portalRatePerMinute ?? 60) / 60;
  const burst = Math.min(1, Math.max(0, options.burstSeconds ?? 0));
  if (!(rps > 0) || !(portalRps > 0)) throw new RangeError('rate limits must be positive');
  return {
    default: { refillPerSecond: rps, capacity: Math.max(1, rps * burst) },
    portal: { refillPerSecond: portalRps, capacity: Math.max(1, portalRps * burst) },
  };
}

export interface RateLimiterDeps {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * A reserving token bucket in memory: tokens may go negative, which is a queue of callers each
 * sleeping until its own slot. For one process only (the sandbox demo tools, benchmark
 * baselines, unit tests); the service uses PostgresRateLimiter so the limit holds across
 * instances.
 */
export class InProcessRateLimiter extends WorkatoRateLimiter {
  private readonly rates: Record<RateLimitBucket, BucketRate>;
  private readonly state = new Map<RateLimitBucket, { tokens: number; at: number }>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(options: RateLimitOptions = {}, deps: RateLimiterDeps = {}) {
    super();
    this.rates = bucketRates(options);
    this.sleep = deps.sleep ?? realSleep;
    this.now = deps.now ?? Date.now;
  }

  /** Reserves a slot and returns how long to wait for it, without waiting. */
  reserve(bucket: RateLimitBucket): number {
    const { refillPerSecond, capacity } = this.rates[bucket];
    const now = this.now();
    const s = this.state.get(bucket) ?? { tokens: capacity, at: now };
    // `at` is the moment `tokens` is valid for; it is in the future while a pause is on.
    const elapsed = Math.max(0, now - s.at) / 1000;
    const tokens = Math.min(capacity, s.tokens + elapsed * refillPerSecond) - 1;
    const at = Math.max(s.at, now);
    this.state.set(bucket, { tokens, at });
    return at - now + (tokens < 0 ? (-tokens / refillPerSecond) * 1000 : 0);
  }

  async acquire(bucket: RateLimitBucket): Promise<{ waitedMs: number }> {
    const waitMs = this.reserve(bucket);
    if (waitMs > 0) await this.sleep(waitMs);
    return { waitedMs: waitMs };
  }

  async pauseUntil(bucket: RateLimitBucket, untilEpochMs: number): Promise<void> {
    const { refillPerSecond, capacity } = this.rates[bucket];
    const s = this.state.get(bucket) ?? { tokens: capacity, at: this.now() };
    if (untilEpochMs <= s.at) return;
    // The bucket as it will be at `until` with nobody taking from it, minus any burst: after a
    // 429 requests resume one slot at a time.
    const tokens = Math.min(
      1,
      capacity,
      s.tokens + ((untilEpochMs - s.at) / 1000) * refillPerSecond,
    );
    this.state.set(bucket, { tokens, at: untilEpochMs });
  }
}

/** Anything with a `query(sql, params)`: a TypeORM DataSource, a pg Pool or pg Client. */
export interface SqlQueryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export const RATE_LIMIT_TABLE = 'workato_rate_limit_bucket';

/**
 * The token bucket kept in Postgres (table `workato_rate_limit_bucket`, migration
 * 1763870000000), so every instance of the service that shares the database shares the limit.
 *
 * Each acquire is ONE statement and one round trip: an upsert that refills the bucket for the
 * time since its last use, takes a token and returns the wait. Tokens may go negative: that is
 * a reservation queue, each caller sleeping until its own slot, so the bucket is used at its
 * full rate without polling and without retries. Time is always the database's
 * `clock_timestamp()` so instances with skewed clocks agree; `pauseUntil` converts the caller's
 * deadline to a duration for the same reason. The upsert also writes the configured rate, so a
 * changed WORKATO_RATE_LIMIT_RPS applies on the next call (all instances should agree on it).
 *
 * Row-level locking makes concurrent upserts on one bucket serialise; the lock is held for the
 * duration of one tiny statement.
 */
export class PostgresRateLimiter extends WorkatoRateLimiter {
  private readonly rates: Record<RateLimitBucket, BucketRate>;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly db: SqlQueryable,
    options: RateLimitOptions = {},
    deps: RateLimiterDeps = {},
  ) {
    super();
    this.rates = bucketRates(options);
    this.sleep = deps.sleep ?? realSleep;
    this.now = deps.now ?? Date.now;
  }

  /** Reserves a slot in the shared bucket and returns how long to wait for it. */
  async reserve(bucket: RateLimitBucket): Promise<number> {
    return (await this.reserveSlot(bucket)).waitMs;
  }

  /**
   * Reserves a slot; returns the wait and the slot itself in the database's clock (epoch ms),
   * which is what the instances agree on.
   */
  async reserveSlot(bucket: RateLimitBucket): Promise<{ waitMs: number; slotAtMs: number }> {
    const { refillPerSecond, capacity } = this.rates[bucket];
    // `updated_at` is the moment `tokens` is valid for; it is in the future while the bucket is
    // paused. The slot is that moment plus the time to refill whatever the tokens are below
    // zero (the reservations queued ahead of this one).
    const rows = await this.run(
      `INSERT INTO ${RATE_LIMIT_TABLE} AS b
         (name, tokens, capacity, refill_per_second, updated_at, paused_until)
       VALUES ($1, $2::float8 - 1, $2, $3, clock_timestamp(), NULL)
       ON CONFLICT (name) DO UPDATE SET
         tokens = least(
           EXCLUDED.capacity,
           b.tokens + greatest(0, extract(epoch FROM clock_timestamp() - b.updated_at))::float8
             * b.refill_per_second
         ) - 1,
         capacity = EXCLUDED.capacity,
         refill_per_second = EXCLUDED.refill_per_second,
         updated_at = greatest(b.updated_at, clock_timestamp())
       RETURNING
         extract(epoch FROM b.updated_at)::float8 * 1000
           + greatest(0, -b.tokens) / b.refill_per_second * 1000 AS slot_at_ms,
         extract(epoch FROM clock_timestamp())::float8 * 1000 AS db_now_ms`,
      [bucket, capacity, refillPerSecond],
    );
    const slotAtMs = Number(rows[0]?.slot_at_ms);
    const dbNowMs = Number(rows[0]?.db_now_ms);
    if (!Number.isFinite(slotAtMs) || !Number.isFinite(dbNowMs)) {
      throw new Error(`rate limiter: no row returned for bucket ${bucket}`);
    }
    return { waitMs: Math.max(0, slotAtMs - dbNowMs), slotAtMs };
  }

  async acquire(bucket: RateLimitBucket): Promise<{ waitedMs: number }> {
    const started = this.now();
    const waitMs = await this.reserve(bucket);
    if (waitMs > 0) await this.sleep(waitMs);
    return { waitedMs: Math.max(waitMs, this.now() - started) };
  }

  async pauseUntil(bucket: RateLimitBucket, untilEpochMs: number): Promise<void> {
    const { refillPerSecond, capacity } = this.rates[bucket];
    const inMs = Math.max(0, untilEpochMs - this.now());
    // Moves the bucket to `until`: its tokens become what they would be then with nobody taking
    // any, capped at one so requests resume one slot at a time. Reservations already handed out
    // stay counted (negative tokens). A pause that ends before the current one is a no-op.
    await this.run(
      `INSERT INTO ${RATE_LIMIT_TABLE} AS b
         (name, tokens, capacity, refill_per_second, updated_at, paused_until)
       VALUES ($1, least(1, $2::float8), $2, $3,
               clock_timestamp() + $4::float8 * interval '1 millisecond',
               clock_timestamp() + $4::float8 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET
         tokens = least(
           1,
           b.capacity,
           b.tokens + extract(epoch FROM EXCLUDED.updated_at - b.updated_at)::float8
             * b.refill_per_second
         ),
         updated_at = EXCLUDED.updated_at,
         paused_until = EXCLUDED.paused_until
       WHERE b.updated_at < EXCLUDED.updated_at
       RETURNING b.name`,
      [bucket, capacity, refillPerSecond, inMs],
    );
  }

  private async run(sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
    const result = await this.db.query(sql, params);
    // TypeORM's DataSource.query returns the rows of an INSERT ... RETURNING; pg returns a
    // result object with `rows`.
    if (Array.isArray(result)) return result as Array<Record<string, unknown>>;
    const rows = (result as { rows?: unknown } | null)?.rows;
    return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
  }
}
