import { sleep as realSleep } from './retry.policy';
import { RateLimitBucket, RateLimitFamily, RateLimits, spacingMs } from './rate-limits';

/**
 * Paces every request to Workato. A request takes a slot (a moment to be sent at) that is at
 * least the bucket's spacing away from every other slot of the overall bucket and of its
 * family's bucket (see rate-limits.ts). Slots are a log of send times, so a request may take a
 * free moment before another bucket's queued ones: a slow family (portals, 60/minute) never
 * holds up the others.
 */
export abstract class WorkatoRateLimiter {
  /** Waits until a request of `family` may be sent; resolves with how long that took. */
  abstract acquire(family: RateLimitFamily): Promise<{ waitedMs: number }>;
  /** After a 429: no request of `bucket` is sent before `untilEpochMs` (caller's clock). */
  abstract pause(bucket: RateLimitBucket, untilEpochMs: number): Promise<void>;
}

/** The moment, at or after `from`, at least `spacing` away from every slot (sorted ascending). */
export function earliestFree(slots: readonly number[], from: number, spacing: number): number {
  let t = from;
  for (const slot of slots) {
    if (slot <= t - spacing) continue;
    if (slot >= t + spacing) break;
    t = slot + spacing;
  }
  return t;
}

/** The earliest moment free in both buckets of a request. */
export function earliestFreeInBoth(
  a: { slots: readonly number[]; spacing: number },
  b: { slots: readonly number[]; spacing: number },
  from: number,
): number {
  let t = from;
  for (;;) {
    const inA = earliestFree(a.slots, t, a.spacing);
    const inB = earliestFree(b.slots, inA, b.spacing);
    if (inB === inA) return inA;
    t = inB;
  }
}

export interface RateLimiterDeps {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * The slot log in memory, for one process only (benchmark baselines, unit tests, tools that run
 * alone). The service uses PostgresRateLimiter, so the limits hold across instances.
 */
export class InProcessRateLimiter extends WorkatoRateLimiter {
  private readonly buckets = new Map<RateLimitBucket, { slots: number[]; pausedUntil: number }>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly limits: RateLimits,
    deps: RateLimiterDeps = {},
  ) {
    super();
    this.sleep = deps.sleep ?? realSleep;
    this.now = deps.now ?? Date.now;
  }

  /** Reserves a slot and returns how long to wait for it, without waiting. */
  reserve(family: RateLimitFamily): number {
    const now = this.now();
    const overall = this.bucket('overall', now);
    const own = this.bucket(family, now);
    const slot = earliestFreeInBoth(
      { slots: overall.slots, spacing: spacingMs(this.limits, 'overall') },
      { slots: own.slots, spacing: spacingMs(this.limits, family) },
      Math.max(now, overall.pausedUntil, own.pausedUntil),
    );
    for (const b of [overall, own]) {
      b.slots.push(slot);
      b.slots.sort((x, y) => x - y);
    }
    return slot - now;
  }

  async acquire(family: RateLimitFamily): Promise<{ waitedMs: number }> {
    const waitMs = this.reserve(family);
    if (waitMs > 0) await this.sleep(waitMs);
    return { waitedMs: waitMs };
  }

  async pause(bucket: RateLimitBucket, untilEpochMs: number): Promise<void> {
    const b = this.bucket(bucket, this.now());
    b.pausedUntil = Math.max(b.pausedUntil, untilEpochMs);
  }

  /** A bucket with the slots that still matter (none older than its spacing). */
  private bucket(name: RateLimitBucket, now: number) {
    let b = this.buckets.get(name);
    if (!b) this.buckets.set(name, (b = { slots: [], pausedUntil: 0 }));
    const horizon = now - spacingMs(this.limits, name);
    b.slots = b.slots.filter((s) => s > horizon);
    return b;
  }
}

/** Anything with a `query(sql, params)`: a TypeORM DataSource, a pg Pool or pg Client. */
export interface SqlQueryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

interface Slot {
  waitMs: number;
  slotAtMs: number;
}

/** Reservations sent in one statement at most. */
const MAX_GROUP = 200;

/**
 * The slot log kept in Postgres (table workato_rate_limit and function workato_reserve_slots,
 * migration 1764600000000), so every instance that shares the database shares the limits.
 *
 * Requests that ask for a slot while a reservation is on its way to Postgres wait for the next
 * one and go together: under load a statement reserves many slots, so the limiter costs far
 * less than a commit per request. Time is the database's clock, so instances with skewed
 * clocks agree. The statement commits without waiting for its WAL flush (synchronous_commit
 * off): a Postgres crash can forget the last few milliseconds of reservations, which costs at
 * worst one request sent early once, never an onboarding step.
 *
 * `scope` prefixes the bucket names: one Workato account's quota is not another's.
 */
export class PostgresRateLimiter extends WorkatoRateLimiter {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private queue: {
    family: RateLimitFamily;
    resolve: (slot: Slot) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private inFlight = false;
  /** Statements sent so far (for the benchmark's commit accounting). */
  statements = 0;

  constructor(
    private readonly db: SqlQueryable,
    private readonly limits: RateLimits,
    private readonly scope = 'default',
    deps: RateLimiterDeps = {},
  ) {
    super();
    this.sleep = deps.sleep ?? realSleep;
    this.now = deps.now ?? Date.now;
  }

  /** Reserves a slot in the shared log and returns how long to wait for it. */
  async reserve(family: RateLimitFamily): Promise<number> {
    return (await this.reserveSlot(family)).waitMs;
  }

  /** Reserves a slot; returns the wait and the slot in the database's clock (epoch ms). */
  reserveSlot(family: RateLimitFamily): Promise<Slot> {
    return new Promise<Slot>((resolve, reject) => {
      this.queue.push({ family, resolve, reject });
      if (!this.inFlight) void this.flush();
    });
  }

  async acquire(family: RateLimitFamily): Promise<{ waitedMs: number }> {
    const started = this.now();
    const waitMs = await this.reserve(family);
    if (waitMs > 0) await this.sleep(waitMs);
    return { waitedMs: Math.max(waitMs, this.now() - started) };
  }

  async pause(bucket: RateLimitBucket, untilEpochMs: number): Promise<void> {
    const inMs = Math.max(0, untilEpochMs - this.now());
    await this.db.query(
      `INSERT INTO workato_rate_limit AS b (bucket, paused_until_ms)
       VALUES ($1, extract(epoch FROM clock_timestamp()) * 1000 + $2)
       ON CONFLICT (bucket) DO UPDATE
         SET paused_until_ms = greatest(b.paused_until_ms, EXCLUDED.paused_until_ms)`,
      [this.bucketName(bucket), inMs],
    );
  }

  private async flush(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, MAX_GROUP);
        try {
          const slots = await this.reserveGroup(group.map((g) => g.family));
          group.forEach((g, i) => g.resolve(slots[i]));
        } catch (error) {
          for (const g of group) g.reject(error);
        }
      }
    } finally {
      this.inFlight = false;
    }
  }

  /** One statement for the whole group. */
  private async reserveGroup(families: RateLimitFamily[]): Promise<Slot[]> {
    this.statements++;
    const result = await this.db.query(
      `SELECT set_config('synchronous_commit', 'off', true), s.slot_ms,
         s.slot_ms - extract(epoch FROM clock_timestamp()) * 1000 AS wait_ms
       FROM workato_reserve_slots($1, $2, $3::text[], $4::float8[]) WITH ORDINALITY AS s(slot_ms, n)
       ORDER BY s.n`,
      [
        this.bucketName('overall'),
        spacingMs(this.limits, 'overall'),
        families.map((f) => this.bucketName(f)),
        families.map((f) => spacingMs(this.limits, f)),
      ],
    );
    const rows = rowsOf(result);
    if (rows.length !== families.length)
      throw new Error(`rate limiter: ${rows.length} slots for ${families.length} requests`);
    return rows.map((r) => ({
      waitMs: Math.max(0, Number(r.wait_ms)),
      slotAtMs: Number(r.slot_ms),
    }));
  }

  private bucketName(bucket: RateLimitBucket): string {
    return `${this.scope}:${bucket}`;
  }
}

function rowsOf(result: unknown): Record<string, unknown>[] {
  // TypeORM's DataSource.query returns the rows; pg returns a result object with `rows`.
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
}
