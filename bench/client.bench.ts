import { Pool } from 'undici';
import { createDataSource } from '../src/persistence/data-source';
import { SandboxControl, startSandbox } from '../workato-sandbox/sandbox.server';
import {
  InProcessRateLimiter,
  PostgresRateLimiter,
  WorkatoRateLimiter,
} from '../src/workato/rate-limiter';
import { ARRIVAL_JITTER_MS, PUBLISHED_RATE_LIMITS, rateLimits } from '../src/workato/rate-limits';
import { WorkatoClient } from '../src/workato/workato.client';
import { BenchEnvironment } from './bench-environment';
import { seedWorkspaces } from './events';
import { closedLoop, Log } from './measure';
import { Figure, figure, formatNumber } from './report';
import { BenchScale } from './scale';
import {
  acceptedRate,
  rateLimitedContext,
  receiptGaps,
  tightestFigure,
  tightestSpanMs,
} from './workato-traffic';

/** "Unlimited" for the client's limiter: far above anything the machine can send. */
const UNLIMITED_RPS = 100_000;
const UNLIMITED = rateLimits({
  perSecond: UNLIMITED_RPS,
  perMinute: { collections: UNLIMITED_RPS * 60, portals: UNLIMITED_RPS * 60 },
  safetyMarginMs: 0,
});

/**
 * The service's limiter, also recording how late each request's wake-up came after the moment
 * its slot said (timer and event-loop lateness in this process, before the request is sent).
 */
class WakeRecordingLimiter extends PostgresRateLimiter {
  readonly latenessMs: number[] = [];

  protected override sending(latenessMs: number): void {
    this.latenessMs.push(latenessMs);
  }
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function newClient(baseUrl: string, token: string, rateLimiter: WorkatoRateLimiter): WorkatoClient {
  return new WorkatoClient({ baseUrl, apiToken: token, rateLimiter });
}

/**
 * 1a: requests/second through WorkatoClient + PostgresRateLimiter against the unlimited sandbox,
 * beside undici alone. Two diagnostics split the difference: the client with an in-memory limiter
 * (the client's own cost) and the Postgres limiter's acquire alone (the shared bucket's cost).
 */
export async function benchClientUnlimited(
  env: BenchEnvironment,
  scale: BenchScale,
  log: Log,
): Promise<Figure[]> {
  const db = await env.createDatabase('client_unlimited');
  const sandbox = await startSandbox({ port: 0, limits: 'off' });
  const control = new SandboxControl(sandbox.url);
  const clients: WorkatoClient[] = [];
  const undici = new Pool(sandbox.url, { connections: 16 });
  try {
    const [ws] = await seedWorkspaces(control, 1);
    const setup = newClient(sandbox.url, sandbox.token, new InProcessRateLimiter(UNLIMITED));
    clients.push(setup);
    // A few collections so the list answers something, as a real workspace would.
    for (let i = 1; i <= 3; i++)
      await setup.call('createApiCollection', {
        mu: ws.ref,
        projectId: ws.projectId,
        body: { name: `Bench collection ${i}` },
      });

    const concurrency = scale.clientConcurrency;
    const loop = (call: (caller: number) => Promise<unknown>) =>
      closedLoop({
        concurrency,
        warmupMs: scale.warmupMs,
        durationMs: scale.clientUnlimitedMs,
        call,
      });
    const path = `/api/managed_users/${encodeURIComponent(ws.ref)}/api_collections`;
    const headers = {
      authorization: `Bearer ${sandbox.token}`,
      accept: 'application/json',
      'user-agent': 'workato-onboarding-bench',
    };

    log(`1a baseline: undici alone, ${concurrency} callers, GET ${path}`);
    const baseline = await loop(async () => {
      const response = await undici.request({ method: 'GET', path, headers });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${text}`);
    });
    log(`   ${formatNumber(baseline.perSecond)} req/s (${baseline.errors} errors)`);

    const pgClient = newClient(
      sandbox.url,
      sandbox.token,
      new PostgresRateLimiter(db.dataSource, UNLIMITED),
    );
    clients.push(pgClient);
    log(`1a: WorkatoClient + PostgresRateLimiter (${UNLIMITED_RPS} rps), ${concurrency} callers`);
    const withPg = await loop(() => pgClient.call('listApiCollections', { mu: ws.ref }));
    log(`   ${formatNumber(withPg.perSecond)} req/s (${withPg.errors} errors)`);

    const memClient = newClient(sandbox.url, sandbox.token, new InProcessRateLimiter(UNLIMITED));
    clients.push(memClient);
    log(`1a diagnostic: WorkatoClient + InProcessRateLimiter, ${concurrency} callers`);
    const withMem = await loop(() => memClient.call('listApiCollections', { mu: ws.ref }));
    log(`   ${formatNumber(withMem.perSecond)} req/s (${withMem.errors} errors)`);

    const limiter = new PostgresRateLimiter(db.dataSource, UNLIMITED);
    log(`1a diagnostic: PostgresRateLimiter.acquire alone, ${concurrency} callers, no HTTP`);
    const acquireOnly = await loop(() => limiter.acquire('collections'));
    log(`   ${formatNumber(acquireOnly.perSecond)} acquires/s (${acquireOnly.errors} errors)`);

    const common = {
      concurrency,
      windowSeconds: withPg.windowMs / 1000,
      request: `GET ${path} (3 collections)`,
    };
    return [
      figure({
        id: '1a',
        name: 'Workato client + Postgres limiter, unlimited',
        value: withPg.perSecond,
        unit: 'req/s',
        baseline: { name: 'undici alone', value: baseline.perSecond, unit: 'req/s' },
        details: {
          ...common,
          limiterRps: UNLIMITED_RPS,
          requests: withPg.completed,
          errors: withPg.errors,
          firstError: withPg.firstError,
          baselineRequests: baseline.completed,
          baselineErrors: baseline.errors,
          connections: 16,
          databasePoolSize: 10,
        },
      }),
      figure({
        id: '1a.i',
        name: 'Workato client + in-memory limiter (diagnostic)',
        value: withMem.perSecond,
        unit: 'req/s',
        baseline: { name: 'undici alone', value: baseline.perSecond, unit: 'req/s' },
        details: { ...common, requests: withMem.completed, errors: withMem.errors },
      }),
      figure({
        id: '1a.ii',
        name: 'PostgresRateLimiter.acquire alone (diagnostic)',
        value: acquireOnly.perSecond,
        unit: 'acquires/s',
        baseline: { name: 'undici alone', value: baseline.perSecond, unit: 'req/s' },
        details: {
          concurrency,
          acquires: acquireOnly.completed,
          errors: acquireOnly.errors,
          databasePoolSize: 10,
          meaning:
            'acquires waiting together share one statement of the shared slot log (workato_reserve_slots)',
        },
      }),
    ];
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    await undici.close().catch(() => undefined);
    await sandbox.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

/** Workato's documented limit: 10 requests in any 1-second window. */
const LIMIT_RPS = 10;
/** The margin the service uses unless WORKATO_RATE_LIMIT_SAFETY_MS says otherwise. */
export const DEFAULT_SAFETY_MARGIN_MS = PUBLISHED_RATE_LIMITS.safetyMarginMs;

/**
 * 1b: two instances against Workato's published limits, counted strictly (any 1-second window)
 * with every request arriving up to ±20 ms off when it was sent. Two clients, each with its own
 * PostgresRateLimiter on its own DataSource (two instances sharing the database), send 2.5x the
 * limit in concurrent demand: a backlog that never drains. Run once per safety margin, to show
 * what the margin buys (no 429) and what it costs (rate): the rate the sandbox accepted during
 * the window, its 429s (each one retried by the client after its Retry-After), and the most
 * requests it accepted in any 1 s.
 */
export async function benchClientLimited(
  env: BenchEnvironment,
  scale: BenchScale,
  safetyMarginMs: number,
  log: Log,
): Promise<Figure[]> {
  const db = await env.createDatabase(`client_limited_${safetyMarginMs}`);
  const sandbox = await startSandbox({
    port: 0,
    limits: 'workato',
    arrivalJitterMs: ARRIVAL_JITTER_MS,
  });
  const control = new SandboxControl(sandbox.url);
  const dataSources = [
    createDataSource(db.url, { poolSize: 5 }),
    createDataSource(db.url, { poolSize: 5 }),
  ];
  const clients: WorkatoClient[] = [];
  const limiters: WakeRecordingLimiter[] = [];
  try {
    for (const ds of dataSources) await ds.initialize();
    const [ws] = await seedWorkspaces(control, 1);
    const limits = rateLimits({ perSecond: LIMIT_RPS, safetyMarginMs });
    for (const ds of dataSources) {
      const limiter = new WakeRecordingLimiter(ds, limits);
      limiters.push(limiter);
      clients.push(newClient(sandbox.url, sandbox.token, limiter));
    }
    await control.resetStats();
    const firstCall = await control.lastCallSeq();

    const concurrency = Math.ceil(LIMIT_RPS * 2.5);
    const durationMs = scale.clientLimitedMs;
    const ceiling = (1000 / (1000 + safetyMarginMs)) * LIMIT_RPS;
    log(
      `1b: safety margin ${safetyMarginMs} ms (at most ${formatNumber(ceiling)} req/s), strict sandbox at ` +
        `${LIMIT_RPS} rps with ±${ARRIVAL_JITTER_MS} ms arrival jitter, 2 clients x ${concurrency / 2} ` +
        `callers (2.5x the limit) for ${durationMs / 1000} s`,
    );
    const window = { from: 0, to: 0 };
    const result = await closedLoop({
      concurrency,
      warmupMs: scale.warmupMs,
      durationMs,
      call: async (caller) => {
        await clients[caller % 2].call('listApiCollections', { mu: ws.ref });
      },
      onWindowStart: () => {
        window.from = Date.now();
      },
      onWindowEnd: () => {
        window.to = Date.now();
      },
    });
    const perClient = [0, 0];
    result.perCaller.forEach((n, i) => (perClient[i % 2] += n));
    const stats = await control.stats();
    const calls = await control.calls(firstCall);
    const rate = acceptedRate(calls, window.from, window.to);
    const overall = stats.limits.overall;
    const tightest = tightestSpanMs(calls, LIMIT_RPS + 1);
    const gaps = receiptGaps(calls);
    const lateness = limiters.flatMap((l) => l.latenessMs).sort((a, b) => a - b);
    const wakeLateness = {
      p50Ms: percentile(lateness, 0.5),
      p99Ms: percentile(lateness, 0.99),
      maxMs: lateness[lateness.length - 1] ?? NaN,
    };
    log(
      `   sandbox accepted ${formatNumber(rate.perSecond)} req/s = ${(rate.perSecond / LIMIT_RPS).toFixed(3)} of the limit ` +
        `(${rate.accepted} in ${rate.windowSeconds.toFixed(1)} s); ${stats.rateLimited429} x 429 over ` +
        `${stats.requests} requests; busiest 1 s: ${overall.peak}; tightest ${LIMIT_RPS + 1} requests ` +
        `received in ${tightest?.spanMs ?? '-'} ms (smallest gap ${gaps?.minMs ?? '-'} ms); wake-up lateness ` +
        `p50 ${wakeLateness.p50Ms.toFixed(1)} / p99 ${wakeLateness.p99Ms.toFixed(1)} / max ${wakeLateness.maxMs.toFixed(1)} ms; ` +
        `client errors ${result.errors}`,
    );
    const isDefault = safetyMarginMs === DEFAULT_SAFETY_MARGIN_MS;
    const label = `2 instances at ${LIMIT_RPS} rps, ±${ARRIVAL_JITTER_MS} ms jitter, margin ${safetyMarginMs} ms${isDefault ? ' (default)' : ''}`;
    const details = {
      limitRps: LIMIT_RPS,
      safetyMarginMs,
      arrivalJitterMs: ARRIVAL_JITTER_MS,
      rateCeilingRps: ceiling,
      clients: 2,
      concurrency,
      window: rate,
      completedInWindowPerClient: perClient,
      totalRequests: stats.requests,
      rateLimited429: stats.rateLimited429,
      byStatus: stats.byStatus,
      busiestSecond: overall.peak,
      tightestElevenRequestsMs: tightest,
      receiptGaps: gaps,
      wakeLateness,
      rateLimited: rateLimitedContext(calls),
      clientErrors: result.errors,
      firstClientError: result.firstError,
    };
    const figures = [
      figure({
        id: '1b',
        name: `${label}: achieved rate (${stats.rateLimited429} x 429)`,
        value: rate.perSecond,
        unit: 'req/s',
        baseline: { name: 'configured limit', value: LIMIT_RPS, unit: 'req/s' },
        target: isDefault
          ? { description: '>= 0.95x', met: rate.perSecond / LIMIT_RPS >= 0.95 }
          : undefined,
        details,
      }),
    ];
    if (isDefault)
      figures.push(
        figure({
          id: '1b',
          name: `${label}: sandbox 429s`,
          value: stats.rateLimited429,
          unit: '429s',
          target: { description: '= 0', met: stats.rateLimited429 === 0 },
          details: { totalRequests: stats.requests, over: 'warm-up, window and drain' },
        }),
        figure({
          id: '1b',
          name: `${label}: most requests accepted in any 1 s`,
          value: overall.peak,
          unit: 'req',
          baseline: { name: 'configured limit', value: LIMIT_RPS, unit: 'req' },
          target: { description: `<= ${LIMIT_RPS}`, met: overall.peak <= LIMIT_RPS },
          details: { limit: overall },
        }),
        tightestFigure({
          id: '1b',
          name: label,
          tightest,
          limit: LIMIT_RPS,
          windowMs: 1000,
          jitterMs: ARRIVAL_JITTER_MS,
          details: { receiptGaps: gaps, wakeLateness },
        }),
      );
    return figures;
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    for (const ds of dataSources) if (ds.isInitialized) await ds.destroy().catch(() => undefined);
    await sandbox.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}
