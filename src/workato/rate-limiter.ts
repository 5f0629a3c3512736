import { sleep as realSleep } from './retry.policy';
import { RateLimitBucket, RateLimitFamily, RateLimits, spacingMs } from './rate-limits';

/**
 * Paces every request to Workato. A request takes a slot (a moment to be sent at) that is at
 * least the bucket's spacing away from every other slot of the overall bucket and of its
 * family's bucket (see rate-limits.ts). Slots are a log of send times, so a request may take a
 * free moment between another bucket's queued ones: a slow family (portals, 60/minute) never
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

export interface BucketState {
  /** Send times (epoch ms), ascending: the ones still within a spacing of now, and ahead. */
  slots: number[];
  pausedUntil: number;
}

/**
 * The schedule itself, over buckets however they are kept (in memory, or rows locked for one
 * transaction): the one place a slot is chosen.
 */
export class SlotSchedule {
  constructor(
    private readonly limits: RateLimits,
    private readonly bucket: (name: RateLimitBucket) => BucketState,
  ) {}

  /** Reserves the earliest slot at or after `now` for a request of `family`. */
  reserve(family: RateLimitFamily, now: number): number {
    const overall = this.fresh('overall', now);
    const own = this.fresh(family, now);
    const slot = earliestFreeInBoth(
      { slots: overall.slots, spacing: spacingMs(this.limits, 'overall') },
      { slots: own.slots, spacing: spacingMs(this.limits, family) },
      Math.max(now, overall.pausedUntil, own.pausedUntil),
    );
    for (const b of [overall, own]) insertSorted(b.slots, slot);
    return slot;
  }

  /** A bucket without the slots that can no longer constrain anything (older than a spacing). */
  private fresh(name: RateLimitBucket, now: number): BucketState {
    const b = this.bucket(name);
    const horizon = now - spacingMs(this.limits, name);
    let drop = 0;
    while (drop < b.slots.length && b.slots[drop] <= horizon) drop++;
    if (drop > 0) b.slots.splice(0, drop);
    return b;
  }
}

function insertSorted(list: number[], value: number): void {
  let i = list.length;
  while (i > 0 && list[i - 1] > value) i--;
  list.splice(i, 0, value);
}

export interface RateLimiterDeps {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * The slot schedule in memory, for one process only (benchmark baselines, unit tests, tools that
 * run alone). The service uses PostgresRateLimiter, so the limits hold across instances.
 */
export class InProcessRateLimiter extends WorkatoRateLimiter {
  private readonly buckets = new Map<RateLimitBucket, BucketState>();
  private readonly schedule: SlotSchedule;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(limits: RateLimits, deps: RateLimiterDeps = {}) {
    super();
    this.sleep = deps.sleep ?? realSleep;
    this.now = deps.now ?? Date.now;
    this.schedule = new SlotSchedule(limits, (name) => this.bucketState(name));
  }

  /** Reserves a slot and returns how long to wait for it, without waiting. */
  reserve(family: RateLimitFamily): number {
    const now = this.now();
    return this.schedule.reserve(family, now) - now;
  }

  async acquire(family: RateLimitFamily): Promise<{ waitedMs: number }> {
    const waitMs = this.reserve(family);
    if (waitMs > 0) await this.sleep(waitMs);
    return { waitedMs: waitMs };
  }

  async pause(bucket: RateLimitBucket, untilEpochMs: number): Promise<void> {
    const b = this.bucketState(bucket);
    b.pausedUntil = Math.max(b.pausedUntil, untilEpochMs);
  }

  private bucketState(name: RateLimitBucket): BucketState {
    let b = this.buckets.get(name);
    if (!b) this.buckets.set(name, (b = { slots: [], pausedUntil: 0 }));
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

/** Reservations made in one statement at most. */
const MAX_GROUP = 200;

/**
 * The slot schedule kept in Postgres (table workato_rate_limit, one row per bucket, and
 * workato_reserve_slots, the same schedule as SlotSchedule in one statement), so every instance
 * that shares the database shares the limits.
 *
 * Requests that ask for a slot while a reservation is under way wait for the next one and go
 * together: under load one statement reserves many slots. Time is the database's clock, so
 * instances with skewed clocks agree. The statement commits without waiting for its WAL flush
 * (synchronous_commit off): a Postgres crash can forget the last few milliseconds of
 * reservations, which costs at worst one request sent early once, never an onboarding step.
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
  /** Reservation statements so far (for the benchmark's commit accounting). */
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

  /** Reserves a slot in the shared schedule and returns how long to wait for it. */
  async reserve(family: RateLimitFamily): Promise<number> {
    return (await this.reserveSlot(family)).waitMs;
  }

  /** Reserves a slot; returns the wait and the slot in the database's clock (epoch ms). */
  reserveSlot(family: RateLimitFamily): Promise<Slot> {
    return new Promise<Slot>((resolve, reject) => {
      this.queue.push({ family, resolve, reject });
      // The first request of a group lets the rest of this turn of the event loop join it.
      if (!this.inFlight) {
        this.inFlight = true;
        setImmediate(() => void this.flush());
      }
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
