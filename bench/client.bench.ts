import { Pool } from 'undici';
import { createDataSource } from '../src/persistence/data-source';
import { SandboxControl, startSandbox } from '../workato-sandbox/sandbox.server';
import {
  InProcessRateLimiter,
  PostgresRateLimiter,
  WorkatoRateLimiter,
} from '../src/workato/rate-limiter';
import { rateLimits } from '../src/workato/rate-limits';
import { WorkatoClient } from '../src/workato/workato.client';
import { BenchEnvironment } from './bench-environment';
import { seedWorkspaces } from './events';
import { closedLoop, Log, now } from './measure';
import { Figure, figure, formatNumber } from './report';
import { BenchScale } from './scale';

/** "Unlimited" for the client's limiter: far above anything the machine can send. */
const UNLIMITED_RPS = 100_000;
const UNLIMITED = rateLimits({
  perSecond: UNLIMITED_RPS,
  perMinute: { collections: UNLIMITED_RPS * 60, portals: UNLIMITED_RPS * 60 },
  safetyMarginMs: 0,
});
/** Arrival jitter the strict sandbox applies in 1b, as an independent stand-in for Workato did. */
const ARRIVAL_JITTER_MS = 20;

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
  const sandbox = await startSandbox({ port: 0, rateLimitRps: null });
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

/**
 * 1b: the limiter and the sandbox both set to `limitRps`; two clients, each with its own
 * DataSource on one database (two instances of the service), together send 2.5x the limit in
 * concurrent demand. Reports the rate the sandbox received over the window, and its 429s.
 */
export async function benchClientLimited(
  env: BenchEnvironment,
  scale: BenchScale,
  limitRps: number,
  log: Log,
): Promise<Figure[]> {
  const db = await env.createDatabase(`client_limited_${limitRps}`);
  // Workato's limits counted strictly (any 1-second window), with requests arriving up to
  // ±20 ms off when they were sent.
  const sandbox = await startSandbox({
    port: 0,
    limits: { perSecond: limitRps, perMinute: { api_collections: 1000, api_portals: 60 } },
    arrivalJitterMs: ARRIVAL_JITTER_MS,
  });
  const control = new SandboxControl(sandbox.url);
  const dataSources = [
    createDataSource(db.url, { poolSize: 5 }),
    createDataSource(db.url, { poolSize: 5 }),
  ];
  const clients: WorkatoClient[] = [];
  try {
    for (const ds of dataSources) await ds.initialize();
    const [ws] = await seedWorkspaces(control, 1);
    for (const ds of dataSources)
      clients.push(
        newClient(
          sandbox.url,
          sandbox.token,
          new PostgresRateLimiter(ds, rateLimits({ perSecond: limitRps })),
        ),
      );
    await control.resetStats();

    const concurrency = Math.ceil(limitRps * 2.5);
    const durationMs = scale.clientLimitedMs;
    log(
      `1b: limiter and sandbox at ${limitRps} rps, 2 clients x ${concurrency / 2} callers ` +
        `(${concurrency} concurrent, 2.5x the limit) for ${durationMs / 1000} s`,
    );
    let windowStart = { requests: 0, at: 0 };
    let windowEnd = { requests: 0, at: 0 };
    const perClient = [0, 0];
    const result = await closedLoop({
      concurrency,
      warmupMs: scale.warmupMs,
      durationMs,
      call: async (caller) => {
        await clients[caller % 2].call('listApiCollections', { mu: ws.ref });
      },
      onWindowStart: async () => {
        windowStart = { requests: (await control.stats()).requests, at: now() };
      },
      onWindowEnd: async () => {
        windowEnd = { requests: (await control.stats()).requests, at: now() };
      },
    });
    result.perCaller.forEach((n, i) => (perClient[i % 2] += n));
    const stats = await control.stats();
    const achieved =
      (windowEnd.requests - windowStart.requests) / ((windowEnd.at - windowStart.at) / 1000);
    log(
      `   sandbox received ${formatNumber(achieved)} req/s = ${(achieved / limitRps).toFixed(3)} of the limit; ` +
        `${stats.rateLimited429} x 429 over ${stats.requests} requests; client errors ${result.errors}`,
    );
    const details = {
      limitRps,
      clients: 2,
      concurrency,
      windowSeconds: (windowEnd.at - windowStart.at) / 1000,
      requestsInWindow: windowEnd.requests - windowStart.requests,
      completedInWindowPerClient: perClient,
      totalRequests: stats.requests,
      rateLimited429: stats.rateLimited429,
      byStatus: stats.byStatus,
      sandboxPeakRps: stats.peakRps,
      clientErrors: result.errors,
      firstClientError: result.firstError,
    };
    return [
      figure({
        id: '1b',
        name: `Limited at ${limitRps} rps, 2 instances: achieved rate`,
        value: achieved,
        unit: 'req/s',
        baseline: { name: 'configured limit', value: limitRps, unit: 'req/s' },
        target: { description: '>= 0.95x', met: achieved / limitRps >= 0.95 },
        details,
      }),
      figure({
        id: '1b',
        name: `Limited at ${limitRps} rps, 2 instances: sandbox 429s`,
        value: stats.rateLimited429,
        unit: '429s',
        target: { description: '= 0', met: stats.rateLimited429 === 0 },
        details: { limitRps, totalRequests: stats.requests },
      }),
    ];
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    for (const ds of dataSources) if (ds.isInitialized) await ds.destroy().catch(() => undefined);
    await sandbox.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}
