import { sleep as realSleep } from './retry.policy';
import {
  RateLimitBucket,
  RateLimitFamily,
  RateLimits,
  sendToleranceMs,
  spacingMs,
} from './rate-limits';

/**
 * Paces every request to Workato. A request takes a slot (a moment to be sent at) that is at
 * least the bucket's spacing away from every other slot of the overall bucket and of its
 * family's bucket (see rate-limits.ts). Slots are a log of send times, so a request may take a
 * free moment between another bucket's queued ones: a slow family (portals, 60/minute) never
 * holds up the others.
 */
export interface Acquired {
  waitedMs: number;
  missedSlots?: number;
}

export abstract class WorkatoRateLimiter {
  /**
   * Waits until a request of `family` may be sent; resolves with how long that took and how
   * many slots it gave up on the way (woken too late for them).
   */
  abstract acquire(family: RateLimitFamily): Promise<Acquired>;
  /** After a 429: no request of `bucket` is sent before `untilEpochMs` (caller's clock). */
  abstract pause(bucket: RateLimitBucket, untilEpochMs: number): Promise<void>;
}

/**
 * After this many slots missed in a row the request is sent anyway: an event loop that late
 * is a fault of its own, and a 429 is still retried after its Retry-After.
 */
const MAX_SLOTS_PER_REQUEST = 5;

export interface RateLimiterDeps {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * A limiter that hands out slots: a request waits for its slot and is sent at it. A slot is
 * only as good as its punctuality: a request sent late lands next to the slot after it, which
 * another instance may be using at that moment. So a request that wakes more than
 * sendToleranceMs after its slot (a busy event loop, a slow reservation) does not go out: it
 * takes a new slot, and the missed one is left empty.
 */
export abstract class SlotRateLimiter extends WorkatoRateLimiter {
  protected readonly sleep: (ms: number) => Promise<void>;
  protected readonly now: () => number;
  protected readonly toleranceMs: number;
  /** Slots given up because the request woke too late for them. */
  missedSlots = 0;

  constructor(limits: RateLimits, deps: RateLimiterDeps) {
    super();
    this.sleep = deps.sleep ?? realSleep;
    this.now = deps.now ?? Date.now;
    this.toleranceMs = sendToleranceMs(limits);
  }

  /**
   * Reserves the next slot of `family`; resolves with it in this process's clock, the latest
   * moment it may be, and how much earlier it may be (what the clock estimate does not know).
   */
  protected abstract reserveDue(family: RateLimitFamily): Promise<Due>;

  /** The request is about to be sent, `latenessMs` after its slot (the benchmark records it). */
  protected sending(_latenessMs: number): void {}

  async acquire(family: RateLimitFamily): Promise<Acquired> {
    const started = this.now();
    for (let slot = 1; ; slot++) {
      const { atMs, uncertaintyMs } = await this.reserveDue(family);
      // Never before the slot. A timer may fire up to a millisecond early (the event loop's
      // cached clock), and early is as bad as late: sleep again for what is left.
      for (let nap = 0; nap < 3 && atMs > this.now(); nap++) await this.sleep(atMs - this.now());
      const latenessMs = this.now() - atMs + uncertaintyMs;
      if (latenessMs <= this.toleranceMs || slot >= MAX_SLOTS_PER_REQUEST) {
        this.sending(latenessMs);
        this.missedSlots += slot - 1;
        return { waitedMs: Math.max(0, this.now() - started), missedSlots: slot - 1 };
      }
    }
  }
}

interface Due {
  atMs: number;
  uncertaintyMs: number;
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

/**
 * The slot schedule in memory, for one process only (benchmark baselines, unit tests, tools that
 * run alone). The service uses PostgresRateLimiter, so the limits hold across instances.
 */
export class InProcessRateLimiter extends SlotRateLimiter {
  private readonly buckets = new Map<RateLimitBucket, BucketState>();
  private readonly schedule: SlotSchedule;

  constructor(limits: RateLimits, deps: RateLimiterDeps = {}) {
    super(limits, deps);
    this.schedule = new SlotSchedule(limits, (name) => this.bucketState(name));
  }

  /** Reserves a slot and returns how long to wait for it, without waiting. */
  reserve(family: RateLimitFamily): number {
    const now = this.now();
    return this.schedule.reserve(family, now) - now;
  }

  protected async reserveDue(family: RateLimitFamily): Promise<Due> {
    return { atMs: this.schedule.reserve(family, this.now()), uncertaintyMs: 0 };
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
  /** From now until the slot (never negative). */
  waitMs: number;
  /** The slot, in the database's clock (epoch ms). */
  slotAtMs: number;
}

/** Reservations made in one statement at most. */
const MAX_GROUP = 200;

/** How fast two clocks may drift apart (a quartz clock's 100 ppm), to age what was measured. */
const CLOCK_DRIFT_PER_MS = 1e-4;

/**
 * The database's clock against this process's: the offset lies between what a statement read
 * from Postgres's clock minus the local time after it answered, and minus the local time before
 * it was sent. Each reservation narrows the interval; it widens with time by the clocks' drift,
 * and starts again from the latest statement when the two no longer agree. A slow round trip
 * (a busy event loop) therefore never moves the estimate by more than the best one seen.
 */
export class ClockOffset {
  private low = -Infinity;
  private high = Infinity;
  private at = 0;

  observe(databaseMs: number, sentAtMs: number, answeredAtMs: number): void {
    if (!Number.isFinite(databaseMs)) return;
    const aged = (answeredAtMs - this.at) * CLOCK_DRIFT_PER_MS;
    const low = Math.max(this.low - aged, databaseMs - answeredAtMs);
    const high = Math.min(this.high + aged, databaseMs - sentAtMs);
    [this.low, this.high] =
      low <= high ? [low, high] : [databaseMs - answeredAtMs, databaseMs - sentAtMs];
    this.at = answeredAtMs;
  }

  /** Database time minus local time, as best known (0 before anything was measured). */
  get estimateMs(): number {
    return Number.isFinite(this.low) ? (this.low + this.high) / 2 : 0;
  }

  /** The least the offset may be: a slot turned into local time with it is never early. */
  get lowMs(): number {
    return Number.isFinite(this.low) ? this.low : 0;
  }

  /** How far the offset may be above lowMs. */
  get uncertaintyMs(): number {
    return Number.isFinite(this.low) ? this.high - this.low : 0;
  }
}

/**
 * The slot schedule kept in Postgres (table workato_rate_limit, one row per bucket, and
 * workato_reserve_slots, the same schedule as SlotSchedule in one statement), so every instance
 * that shares the database shares the limits.
 *
 * Requests that ask for a slot while a reservation is under way wait for the next one and go
 * together: under load one statement reserves many slots. Time is the database's clock, so
 * instances with skewed clocks agree; each instance turns a slot into its own clock with the
 * measured offset (ClockOffset), not by counting from when the answer arrived, which would make
 * every send late by the way back. The statement commits without waiting for its WAL flush
 * (synchronous_commit off): a Postgres crash can forget the last few milliseconds of
 * reservations, which costs at worst one request sent early once, never an onboarding step.
 *
 * `scope` prefixes the bucket names: one Workato account's quota is not another's.
 */
export class PostgresRateLimiter extends SlotRateLimiter {
  private queue: {
    family: RateLimitFamily;
    resolve: (slot: Slot) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private inFlight = false;
  private readonly clock = new ClockOffset();
  private clockRead: Promise<void> | undefined;
  /** Reservation statements so far (for the benchmark's commit accounting). */
  statements = 0;

  constructor(
    private readonly db: SqlQueryable,
    private readonly limits: RateLimits,
    private readonly scope = 'default',
    deps: RateLimiterDeps = {},
  ) {
    super(limits, deps);
  }

  /** Reserves a slot in the shared schedule and returns how long to wait for it. */
  async reserve(family: RateLimitFamily): Promise<number> {
    return (await this.reserveSlot(family)).waitMs;
  }

  /** Reserves a slot; returns the wait and the slot in both clocks. */
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

  protected async reserveDue(family: RateLimitFamily): Promise<Due> {
    const { slotAtMs } = await this.reserveSlot(family);
    // A reservation's round trip may have been too slow to tell the clocks apart well enough
    // (the first one, a busy moment): a few bare reads of the database's clock settle it.
    for (let read = 0; read < 3 && this.clock.uncertaintyMs > this.toleranceMs / 2; read++)
      await this.readDatabaseClock();
    return { atMs: slotAtMs - this.clock.lowMs, uncertaintyMs: this.clock.uncertaintyMs };
  }

  /** One read of the database's clock, shared by every request that asks meanwhile. */
  private readDatabaseClock(): Promise<void> {
    this.clockRead ??= (async () => {
      try {
        const sentAt = this.now();
        const rows = rowsOf(
          await this.db.query(`SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now_ms`),
        );
        this.clock.observe(Number(rows[0]?.now_ms), sentAt, this.now());
      } finally {
        this.clockRead = undefined;
      }
    })();
    return this.clockRead;
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
    const sentAt = this.now();
    const result = await this.db.query(
      `SELECT set_config('synchronous_commit', 'off', true), s.slot_ms,
         extract(epoch FROM clock_timestamp()) * 1000 AS now_ms
       FROM workato_reserve_slots($1, $2, $3::text[], $4::float8[]) WITH ORDINALITY AS s(slot_ms, n)
       ORDER BY s.n`,
      [
        this.bucketName('overall'),
        spacingMs(this.limits, 'overall'),
        families.map((f) => this.bucketName(f)),
        families.map((f) => spacingMs(this.limits, f)),
      ],
    );
    const answeredAt = this.now();
    const rows = rowsOf(result);
    if (rows.length !== families.length)
      throw new Error(`rate limiter: ${rows.length} slots for ${families.length} requests`);
    // Every row's clock was read between the statement's sending and its answer.
    this.clock.observe(Number(rows[0].now_ms), sentAt, answeredAt);
    return rows.map((r) => {
      const slotAtMs = Number(r.slot_ms);
      return { slotAtMs, waitMs: Math.max(0, slotAtMs - this.clock.lowMs - answeredAt) };
    });
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
