import { Pool } from 'pg';
import { RunningSandbox, SandboxControl, startSandbox } from '../../workato-sandbox/sandbox.server';
import { PostgresRateLimiter, RateLimitBucket } from '../../src/workato/rate-limiter';
import { WorkatoClient } from '../../src/workato/workato.client';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * The Postgres rate limiter as several service instances use it: separate connection pools on
 * one database, one shared limit.
 */
let db: TestDatabase;
let otherPool: Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  // A second instance: a plain pg Pool rather than a TypeORM DataSource, so both kinds are used.
  otherPool = new Pool({ connectionString: db.url, max: 10 });
});

afterAll(async () => {
  await otherPool.end();
  await db.drop();
});

beforeEach(async () => {
  await db.dataSource.query('DELETE FROM workato_rate_limit_bucket');
});

/** The most timestamps inside any window of `windowMs`. */
function maxInWindow(timestamps: number[], windowMs: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

async function fire(limiter: PostgresRateLimiter, n: number, bucket: RateLimitBucket = 'default') {
  return Promise.all(
    Array.from({ length: n }, async () => {
      await limiter.acquire(bucket);
      return Date.now();
    }),
  );
}

/**
 * How many of these send times a server enforcing `rate` with a token bucket of one second's
 * burst would reject: the sandbox's limiter, and our reading of Workato's per-second limit.
 */
function rejectedByServerBucket(timestamps: number[], rate: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let tokens = rate;
  let last = sorted[0];
  let rejected = 0;
  for (const t of sorted) {
    tokens = Math.min(rate, tokens + ((t - last) / 1000) * rate);
    last = t;
    if (tokens >= 1) tokens -= 1;
    else rejected++;
  }
  return rejected;
}

describe('PostgresRateLimiter', () => {
  it('two instances sharing the database hand out one schedule at exactly the rate', async () => {
    const rate = 20;
    const a = new PostgresRateLimiter(db.dataSource, { ratePerSecond: rate });
    const b = new PostgresRateLimiter(otherPool, { ratePerSecond: rate });
    const reserve = (limiter: PostgresRateLimiter) =>
      Promise.all(Array.from({ length: 60 }, () => limiter.reserveSlot('default')));
    const [fromA, fromB] = await Promise.all([reserve(a), reserve(b)]);
    // Slots in the database's clock: what every instance agrees on.
    const slots = [...fromA, ...fromB].map((r) => r.slotAtMs).sort((x, y) => x - y);

    const gaps = slots.slice(1).map((t, i) => t - slots[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000 / rate - 0.01);
    // Burst is one token: never more than rate + 1 slots in any second.
    expect(maxInWindow(slots, 1000)).toBeLessThanOrEqual(rate + 1);
    // And no idling either: 120 slots back to back take 119 / 20 s.
    const span = slots[slots.length - 1] - slots[0];
    expect(span).toBeGreaterThanOrEqual(5950 - 1);
    expect(span).toBeLessThan(5950 + 200);
  });

  it('two instances acquiring concurrently stay within the limit together, at nearly full rate', async () => {
    const rate = 20;
    const a = new PostgresRateLimiter(db.dataSource, { ratePerSecond: rate });
    const b = new PostgresRateLimiter(otherPool, { ratePerSecond: rate });
    const started = Date.now();
    const [fromA, fromB] = await Promise.all([fire(a, 60), fire(b, 60)]);
    const all = [...fromA, ...fromB];
    const elapsed = Math.max(...all) - started;

    // Send times as this process saw them, so with its timer and event-loop delays: a late
    // wake-up can bunch with the next slot, which a server allowing one second of burst absorbs.
    expect(rejectedByServerBucket(all, rate)).toBe(0);
    expect(maxInWindow(all, 1000)).toBeLessThanOrEqual(rate + 3);
    // 120 slots at 20/s: the last one 119/20 = 5.95 s after the first.
    expect(elapsed).toBeGreaterThanOrEqual(5_900);
    expect(elapsed).toBeLessThan(7_000);
    // Achieved rate at least 0.95 of the limit, and not above it.
    const achieved = (all.length - 1) / ((Math.max(...all) - Math.min(...all)) / 1000);
    expect(achieved).toBeGreaterThanOrEqual(0.95 * rate);
    expect(achieved).toBeLessThanOrEqual(rate * 1.01);
  });

  it('a limiter that ignores the other instance would be caught', () => {
    // The check above is not vacuous: two instances each pacing 20/s on their own.
    const t0 = 1_000_000;
    const own = Array.from({ length: 60 }, (_, i) => t0 + i * 50);
    expect(rejectedByServerBucket([...own, ...own.map((t) => t + 25)], 20)).toBeGreaterThan(0);
    expect(maxInWindow([...own, ...own.map((t) => t + 25)], 1000)).toBe(40);
  });

  it('upserts the bucket row with the configured rate and follows a changed rate', async () => {
    await new PostgresRateLimiter(db.dataSource, { ratePerSecond: 7 }).acquire('default');
    await new PostgresRateLimiter(db.dataSource, { portalRatePerMinute: 30 }).acquire('portal');
    let rows = await db.dataSource.query(
      'SELECT name, capacity, refill_per_second FROM workato_rate_limit_bucket ORDER BY name',
    );
    expect(rows).toEqual([
      { name: 'default', capacity: 1, refill_per_second: 7 },
      { name: 'portal', capacity: 1, refill_per_second: 0.5 },
    ]);
    await new PostgresRateLimiter(db.dataSource, { ratePerSecond: 12 }).acquire('default');
    rows = await db.dataSource.query(
      "SELECT refill_per_second FROM workato_rate_limit_bucket WHERE name = 'default'",
    );
    expect(rows).toEqual([{ refill_per_second: 12 }]);
  });

  it('a pause set by one instance holds back the others', async () => {
    const a = new PostgresRateLimiter(db.dataSource, { ratePerSecond: 50 });
    const b = new PostgresRateLimiter(otherPool, { ratePerSecond: 50 });
    await a.acquire('default');
    await a.pauseUntil('default', Date.now() + 3000);
    const first = await b.reserveSlot('default');
    // Generous bounds: the time between the two statements depends on the machine's load.
    expect(first.waitMs).toBeGreaterThan(2500);
    expect(first.waitMs).toBeLessThanOrEqual(3000);
    // Later reservations queue behind it, one slot (20 ms) apart.
    const second = await b.reserveSlot('default');
    expect(second.slotAtMs - first.slotAtMs).toBeCloseTo(20, 3);
    // A shorter pause does not shorten the current one.
    await b.pauseUntil('default', Date.now() + 100);
    const third = await a.reserveSlot('default');
    expect(third.slotAtMs - second.slotAtMs).toBeCloseTo(20, 3);
  });

  it('uses the database clock: an instance with a skewed clock pauses for the right duration', async () => {
    const skewedNow = () => Date.now() + 3_600_000;
    const skewed = new PostgresRateLimiter(otherPool, { ratePerSecond: 50 }, { now: skewedNow });
    const honest = new PostgresRateLimiter(db.dataSource, { ratePerSecond: 50 });
    await skewed.pauseUntil('default', skewedNow() + 1000);
    const wait = await honest.reserve('default');
    expect(wait).toBeGreaterThan(500);
    expect(wait).toBeLessThanOrEqual(1000);
  });

  it('portal and default buckets are independent', async () => {
    const limiter = new PostgresRateLimiter(db.dataSource, {
      ratePerSecond: 10,
      portalRatePerMinute: 60,
    });
    const portal1 = await limiter.reserveSlot('portal');
    const default1 = await limiter.reserveSlot('default');
    expect(portal1.waitMs).toBe(0);
    expect(default1.waitMs).toBe(0);
    const portal2 = await limiter.reserveSlot('portal');
    const default2 = await limiter.reserveSlot('default');
    // Each bucket's slots at its own rate (a slot may come later, never earlier).
    expect(portal2.slotAtMs - portal1.slotAtMs).toBeGreaterThanOrEqual(1000 - 0.01);
    expect(default2.slotAtMs - default1.slotAtMs).toBeGreaterThanOrEqual(100 - 0.01);
    expect(default2.waitMs).toBeLessThanOrEqual(100);
  });
});

describe('two WorkatoClients sharing the Postgres limiter against a rate-limited sandbox', () => {
  let sandbox: RunningSandbox;
  let control: SandboxControl;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, rateLimitRps: 10, portalRateLimitPerMinute: 60 });
    control = new SandboxControl(sandbox.url);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('gets no 429 at the full documented rate', async () => {
    const make = (db: ConstructorParameters<typeof PostgresRateLimiter>[0]) =>
      new WorkatoClient({
        baseUrl: sandbox.url,
        apiToken: sandbox.token,
        rateLimiter: new PostgresRateLimiter(db, { ratePerSecond: 10, portalRatePerMinute: 60 }),
      });
    const one = make(db.dataSource);
    const two = make(otherPool);
    try {
      await control.resetStats();
      const started = Date.now();
      await Promise.all([
        ...Array.from({ length: 20 }, () => one.listApiClients(5454)),
        ...Array.from({ length: 20 }, () => two.listApiCollections(5454)),
        ...Array.from({ length: 2 }, () => one.listApiPortals(5454)),
        ...Array.from({ length: 2 }, () => two.listApiPortals(5454)),
      ]);
      const elapsed = Date.now() - started;
      const stats = await control.stats();
      expect(stats.rateLimited429).toBe(0);
      expect(stats.requests).toBe(44);
      // 44 slots at 10/s, and four portal calls a second apart in between.
      expect(elapsed).toBeGreaterThanOrEqual(4_000);
      expect(elapsed).toBeLessThan(6_500);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
