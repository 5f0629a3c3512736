import { Pool } from 'pg';
import { RunningSandbox, SandboxControl, startSandbox } from '../../workato-sandbox/sandbox.server';
import {
  BucketState,
  PostgresRateLimiter,
  SlotSchedule,
  SqlQueryable,
} from '../../src/workato/rate-limiter';
import { RateLimitFamily, rateLimits, spacingMs } from '../../src/workato/rate-limits';
import { WorkatoClient } from '../../src/workato/workato.client';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * The Postgres rate limiter as several service instances use it: separate connection pools on
 * one database, one shared log of send slots.
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
  await db.dataSource.query('DELETE FROM workato_rate_limit');
});

/** The most timestamps inside any half-open window of `windowMs`. */
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

/** Slots in the database's clock: reserve-time + wait, for the instances to compare. */
async function reserveMany(
  limiter: PostgresRateLimiter,
  n: number,
  family: RateLimitFamily = 'clients',
): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, async () => (await limiter.reserveSlot(family)).slotAtMs),
  );
}

async function dbNow(): Promise<number> {
  const [row] = await db.dataSource.query(
    'SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now',
  );
  return Number(row.now);
}

describe('PostgresRateLimiter', () => {
  // The clients family above its published 1,000/min, so the per-second limit is what binds.
  const limits = rateLimits({ perSecond: 20, perMinute: { clients: 100_000 }, safetyMarginMs: 50 });
  const spacing = (1000 + 50) / 20;

  it('two instances sharing the database hand out one schedule, a spacing apart', async () => {
    const a = new PostgresRateLimiter(db.dataSource, limits);
    const b = new PostgresRateLimiter(otherPool, limits);
    const [fromA, fromB] = await Promise.all([reserveMany(a, 60), reserveMany(b, 60)]);
    const slots = [...fromA, ...fromB].sort((x, y) => x - y);
    const gaps = slots.slice(1).map((t, i) => t - slots[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(spacing - 0.01);
    // With ±20 ms of arrival jitter, never more than the limit in any 1-second window.
    expect(maxInWindow(slots, 1000 + 40)).toBeLessThanOrEqual(20);
    // And no idling either: 120 slots back to back take 119 spacings.
    const span = slots[slots.length - 1] - slots[0];
    expect(span).toBeGreaterThanOrEqual(119 * spacing - 0.01);
    expect(span).toBeLessThan(119 * spacing + 300);
  });

  it('reserves a group of waiting requests in far fewer statements than requests', async () => {
    const limiter = new PostgresRateLimiter(db.dataSource, limits);
    await reserveMany(limiter, 100);
    expect(limiter.statements).toBeLessThan(20);
  });

  it('spaces a family by its own limit when that binds (clients at 1,000 a minute)', async () => {
    const limiter = new PostgresRateLimiter(db.dataSource, rateLimits({ perSecond: 20 }));
    const slots = await reserveMany(limiter, 30);
    const gaps = slots.slice(1).map((t, i) => t - slots[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(60_050 / 1000 - 0.01);
  });

  it('keeps a slow family (portals) from holding the others up', async () => {
    const limiter = new PostgresRateLimiter(db.dataSource, rateLimits({ perSecond: 10 }));
    const base = await dbNow();
    const portals = await reserveMany(limiter, 3, 'portals');
    const clients = await reserveMany(limiter, 3, 'clients');
    // Portals a minute's spacing (60 050 / 60 ms) apart; clients fill the gaps at 105 ms.
    expect(portals[2] - portals[0]).toBeGreaterThan(2000);
    expect(Math.max(...clients) - base).toBeLessThan(600);
  });

  it('a pause set by one instance holds back the others', async () => {
    const a = new PostgresRateLimiter(db.dataSource, limits);
    const b = new PostgresRateLimiter(otherPool, limits);
    await a.pause('overall', Date.now() + 3000);
    const first = await b.reserve('clients');
    // Generous bounds: the time between the two statements depends on the machine's load.
    expect(first).toBeGreaterThan(2500);
    expect(first).toBeLessThanOrEqual(3000);
    // A shorter pause does not shorten the current one.
    await b.pause('overall', Date.now() + 100);
    expect(await a.reserve('collections')).toBeGreaterThan(2500);
    // A family's pause holds only that family.
    await a.pause('portals', Date.now() + 30_000);
    expect(await b.reserve('portals')).toBeGreaterThan(29_000);
  });

  it('uses the database clock: an instance with a skewed clock pauses for the right duration', async () => {
    const skewedNow = () => Date.now() + 3_600_000;
    const skewed = new PostgresRateLimiter(otherPool, limits, 'default', {
      now: skewedNow,
    });
    const honest = new PostgresRateLimiter(db.dataSource, limits);
    await skewed.pause('overall', skewedNow() + 1000);
    const wait = await honest.reserve('clients');
    expect(wait).toBeGreaterThan(500);
    expect(wait).toBeLessThanOrEqual(1000);
  });

  it('chooses the same slots in SQL as the in-memory schedule does', async () => {
    const limits = rateLimits({ perSecond: 10 });
    const families: RateLimitFamily[] = [
      'portals',
      'clients',
      'portals',
      'collections',
      'clients',
      'portals',
      'clients',
      'collections',
    ];
    const rows = await db.dataSource.query(
      `SELECT s FROM workato_reserve_slots('x:overall', $1, $2::text[], $3::float8[]) AS s`,
      [
        spacingMs(limits, 'overall'),
        families.map((f) => `x:${f}`),
        families.map((f) => spacingMs(limits, f)),
      ],
    );
    const fromSql = rows.map((r: { s: number }) => Number(r.s));
    const start = Math.min(...fromSql);
    // The in-memory schedule, started at the same moment, in the order the SQL handles families.
    const buckets = new Map<string, BucketState>();
    const schedule = new SlotSchedule(limits, (name) => {
      if (!buckets.has(name)) buckets.set(name, { slots: [], pausedUntil: 0 });
      return buckets.get(name)!;
    });
    const expected: number[] = [];
    for (const family of ['portals', 'clients', 'collections'] as const)
      families.forEach((f, i) => {
        if (f === family) expected[i] = schedule.reserve(f, start);
      });
    expect(fromSql.map((t: number) => Math.round((t - start) * 1000) / 1000)).toEqual(
      expected.map((t) => Math.round((t - start) * 1000) / 1000),
    );
  });

  it('keeps the quotas of two Workato accounts apart', async () => {
    const us = new PostgresRateLimiter(db.dataSource, limits, 'us');
    const eu = new PostgresRateLimiter(otherPool, limits, 'eu');
    await reserveMany(us, 20);
    expect(await eu.reserve('clients')).toBe(0);
  });
});

describe('two WorkatoClients sharing the Postgres limiter against a strict sandbox', () => {
  let sandbox: RunningSandbox;
  let control: SandboxControl;

  beforeAll(async () => {
    // Workato's published limits, any window, with requests arriving up to ±20 ms off.
    sandbox = await startSandbox({ port: 0, limits: 'workato', arrivalJitterMs: 20 });
    control = new SandboxControl(sandbox.url);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('gets no 429 at nearly the full documented rate', async () => {
    const make = (db: SqlQueryable) =>
      new WorkatoClient({
        baseUrl: sandbox.url,
        apiToken: sandbox.token,
        rateLimiter: new PostgresRateLimiter(db, rateLimits()),
      });
    const one = make(db.dataSource);
    const two = make(otherPool);
    try {
      await control.resetStats();
      const started = Date.now();
      await Promise.all([
        ...Array.from({ length: 20 }, () => one.call('listApiClients', { mu: 5454 })),
        ...Array.from({ length: 20 }, () => two.call('listApiCollections', { mu: 5454 })),
        ...Array.from({ length: 2 }, () => one.call('listApiPortals', { mu: 5454 })),
        ...Array.from({ length: 2 }, () => two.call('listApiPortals', { mu: 5454 })),
      ]);
      const elapsed = Date.now() - started;
      const stats = await control.stats();
      expect(stats.rateLimited429).toBe(0);
      expect(stats.requests).toBe(44);
      expect(stats.limits.overall.peak).toBeLessThanOrEqual(10);
      // 44 slots 105 ms apart, the four portal calls a second apart among them.
      expect(elapsed).toBeGreaterThanOrEqual(43 * 105 - 100);
      expect(elapsed).toBeLessThan(7_000);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('gives up the slots a blocked event loop wakes too late for, and still gets no 429', async () => {
    const limiters = [
      new PostgresRateLimiter(db.dataSource, rateLimits()),
      new PostgresRateLimiter(otherPool, rateLimits()),
    ];
    const [one, two] = limiters.map(
      (rateLimiter) =>
        new WorkatoClient({ baseUrl: sandbox.url, apiToken: sandbox.token, rateLimiter }),
    );
    // Something else in the process holds the event loop for 60 ms every 200 ms, as a burst of
    // ingestion or a large JSON body would: timers due meanwhile fire up to 60 ms late.
    const hog = setInterval(() => {
      const until = Date.now() + 60;
      while (Date.now() < until);
    }, 200);
    try {
      await control.resetStats();
      await Promise.all([
        ...Array.from({ length: 30 }, () => one.call('listApiClients', { mu: 5454 })),
        ...Array.from({ length: 30 }, () => two.call('listApiCollections', { mu: 5454 })),
      ]);
    } finally {
      clearInterval(hog);
      await Promise.all([one.close(), two.close()]);
    }
    const stats = await control.stats();
    expect(stats.rateLimited429).toBe(0);
    expect(stats.requests).toBe(60);
    expect(stats.limits.overall.peak).toBeLessThanOrEqual(10);
    expect(limiters[0].missedSlots + limiters[1].missedSlots).toBeGreaterThan(0);
  });
});
