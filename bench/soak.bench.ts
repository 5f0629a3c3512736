import { startLocalSandbox } from '../src/platform/local/local-sandbox';
import { freePort } from '../test/support/test-infrastructure';
import type { FaultSpec } from '../workato-sandbox/sandbox-control.client';
import { SandboxControl } from '../workato-sandbox/sandbox.server';
import { BenchEnvironment, statusCounts } from './bench-environment';
import { BenchWorkspace, customerOnboarded, produceEvents, runTag, seedWorkspaces } from './events';
import { describeLogged, Log, MiB, now, sleep } from './measure';
import { Figure, figure, formatNumber } from './report';
import { BenchScale } from './scale';
import { ServiceProcess } from './service-process';
import { ARRIVAL_JITTER_MS } from '../src/workato/rate-limits';
import {
  AcceptedRate,
  acceptedRate,
  ofFamily,
  rateLimitedContext,
  receiptGaps,
  tightestFigure,
  tightestSpanMs,
} from './workato-traffic';

const PARTITIONS = 6;
/** Workato's documented limits, and the service's defaults: 10/s overall, 60/min for portals. */
const LIMIT_RPS = 10;
const PORTAL_LIMIT_PER_MINUTE = 60;
/** Two instances of the service share the quota (and the database). */
const INSTANCES = 2;
/** The service process's RSS target (issue 6): 250 MB, decimal. */
const RSS_TARGET_BYTES = 250e6;
const INGEST_TIMEOUT_MS = 5 * 60_000;
/** After the last event is in Postgres, before the window starts. */
const SETTLE_MS = 2_000;
const TERMINAL_FAILURES = ['FAILED', 'COMPENSATION_FAILED'];
/**
 * Workato requests of one onboarding with token auth and one API key in a workspace of its own
 * with adoption on (the default): a look-up and a create for the collection and the client, a
 * create for the key (bench 6). A portal by name adds one portal list.
 */
const MIN_REQUESTS_PER_ONBOARDING = 5;
/** 4: a share of the look-ups (GET) answered 503, so the soak's traffic includes retries. */
const LOOKUP_FAULT: FaultSpec = { method: 'GET', status: 503, probability: 0.02, count: -1 };

/** The counters a window is measured between. */
interface Mark {
  at: number;
  epochMs: number;
  requests: number;
  rateLimited: number;
  statuses: Record<string, number>;
}

interface SoakPlan {
  id: '4' | '4b';
  label: string;
  onboardings: number;
  windowMs: number;
  faults: FaultSpec[];
  /** Seeds the sandbox and answers the events, in the order they are produced. */
  events(control: SandboxControl): Promise<Record<string, unknown>[]>;
}

interface SoakResult {
  window: { start: Mark; end: Mark; seconds: number };
  /** What the sandbox accepted in the window: every request, and the API portals family's. */
  overall: AcceptedRate;
  portals: AcceptedRate;
  stats: Awaited<ReturnType<SandboxControl['stats']>>;
  /** Over the whole run, by receipt time: the tightest 11 requests, and 61 portal requests. */
  tightest: {
    elevenRequests: ReturnType<typeof tightestSpanMs>;
    elevenRequestsInWindow: ReturnType<typeof tightestSpanMs>;
    sixtyOnePortalRequests: ReturnType<typeof tightestSpanMs>;
    gaps: ReturnType<typeof receiptGaps>;
  };
  rateLimited: ReturnType<typeof rateLimitedContext>;
  per10Seconds: {
    atSeconds: number;
    requestsPerSecond: number;
    completed: number;
    rssMiB: number[];
    heapUsedMiB: (number | null)[];
  }[];
  services: {
    pid: number;
    readyBytes: number;
    peakBytes: number;
    windowPeakBytes: number;
    metrics: Record<string, number | string>;
    logged: Record<string, number>;
    exitCode: number | null;
    stopSeconds: number;
  }[];
  ingestSeconds: number;
  readySeconds: number;
  /** When both services were ready (ISO time, the sandbox's clock). */
  readyAt: string;
  requestsPerSecondWhileIngesting: number;
}

/**
 * 4: the soak. N onboardings (token auth, one API key each, spread over a few seeded
 * workspaces) are produced to Kafka before the service starts. Two instances of the built
 * service (`node dist/src/main.js`, each a child process with the default limits: 10/s, a 50 ms
 * safety margin) share them and Workato's quota, against a sandbox that enforces Workato's
 * published limits strictly with ±20 ms arrival jitter; 2 % of the look-ups are answered 503,
 * so retries are part of the traffic. Working through N at 10 rps takes far longer than a bench
 * may, so the figures come from a steady-state window once every event is in Postgres: the
 * rate the sandbox accepted, its 429s, its busiest second, the onboardings completed and the
 * RSS peak of each process.
 */
export async function benchSoak(
  env: BenchEnvironment,
  scale: BenchScale,
  log: Log,
): Promise<Figure[]> {
  const n = scale.soakOnboardings;
  const tag = runTag();
  const label = `${n.toLocaleString('en-US')} queued, ${INSTANCES} instances, ${LIMIT_RPS} rps`;
  const r = await runSoak(
    env,
    {
      id: '4',
      label,
      onboardings: n,
      windowMs: scale.soakWindowMs,
      faults: [LOOKUP_FAULT],
      events: async (control) => {
        const workspaces = await seedWorkspaces(control, scale.soakWorkspaces);
        return Array.from({ length: n }, (_, i) =>
          customerOnboarded(tag, i, workspaces[i % workspaces.length]),
        );
      },
    },
    log,
  );
  const { start, end, seconds: windowSeconds } = r.window;
  const overallLimit = r.stats.limits.overall;
  const windowCompleted = completed(end) - completed(start);
  const peakBytes = Math.max(...r.services.map((s) => s.peakBytes));
  const readyBytes = Math.max(...r.services.map((s) => s.readyBytes));
  const retries = r.services.map((s) => sumMetric(s.metrics, 'workato_retries_total'));
  const common = {
    onboardings: n,
    workspaces: scale.soakWorkspaces,
    instances: INSTANCES,
    limitRps: LIMIT_RPS,
    arrivalJitterMs: ARRIVAL_JITTER_MS,
    windowSeconds,
    settleSeconds: SETTLE_MS / 1000,
    faults: [LOOKUP_FAULT],
    serviceSettings: 'defaults (ONBOARDING_CONCURRENCY 16, WORKATO_RATE_LIMIT_SAFETY_MS 50)',
  };
  return [
    figure({
      id: '4',
      name: `Soak (${label}): achieved Workato rate`,
      value: r.overall.perSecond,
      unit: 'req/s',
      baseline: { name: 'configured limit', value: LIMIT_RPS, unit: 'req/s' },
      target: { description: '>= 0.95x', met: r.overall.perSecond / LIMIT_RPS >= 0.95 },
      details: {
        ...common,
        window: r.overall,
        per10Seconds: r.per10Seconds,
        serviceStartToReadySeconds: r.readySeconds,
        ingestSecondsAfterReady: r.ingestSeconds,
        requestsPerSecondWhileIngesting: r.requestsPerSecondWhileIngesting,
        sandboxByStatus: r.stats.byStatus,
        faultsTriggered: r.stats.faultsTriggered,
        retriesByInstance: retries,
        serviceMetricsAtWindowEnd: r.services.map((s) => s.metrics),
      },
    }),
    figure({
      id: '4',
      name: `Soak (${label}): sandbox 429s (${r.stats.faultsTriggered} look-ups answered 503 and retried)`,
      value: r.stats.rateLimited429,
      unit: '429s',
      target: { description: '= 0', met: r.stats.rateLimited429 === 0 },
      details: {
        ...common,
        over: 'the whole run: service start, ingestion, window and shutdown',
        totalRequests: r.stats.requests,
        inWindow: end.rateLimited - start.rateLimited,
        retriesByInstance: retries,
        rateLimited: r.rateLimited,
        tightestElevenRequestsMs: r.tightest.elevenRequests,
        receiptGaps: r.tightest.gaps,
      },
    }),
    figure({
      id: '4',
      name: `Soak (${label}): most requests accepted in any 1 s`,
      value: overallLimit.peak,
      unit: 'req',
      baseline: { name: 'configured limit', value: LIMIT_RPS, unit: 'req' },
      target: { description: `<= ${LIMIT_RPS}`, met: overallLimit.peak <= LIMIT_RPS },
      details: { ...common, over: 'the whole run', limits: r.stats.limits },
    }),
    tightestFigure({
      id: '4',
      name: `Soak (${label})`,
      tightest: r.tightest.elevenRequests,
      limit: LIMIT_RPS,
      windowMs: 1000,
      jitterMs: ARRIVAL_JITTER_MS,
      details: {
        over: 'the whole run: service start, ingestion, window and shutdown',
        inWindow: r.tightest.elevenRequestsInWindow,
        receiptGaps: r.tightest.gaps,
        servicesReadyAt: r.readyAt,
      },
    }),
    figure({
      id: '4',
      name: `Soak (${label}): service process RSS peak (the higher of the two)`,
      value: peakBytes / MiB,
      unit: 'MiB',
      baseline: { name: 'RSS when ready', value: readyBytes / MiB, unit: 'MiB' },
      target: { description: '< 250 MB (238 MiB)', met: peakBytes < RSS_TARGET_BYTES },
      details: {
        ...common,
        sampledEveryMs: 1_000,
        source: '/proc/<pid>/status VmRSS of each service process',
        byInstance: r.services.map((s) => ({
          pid: s.pid,
          readyMiB: s.readyBytes / MiB,
          peakMiB: s.peakBytes / MiB,
          windowPeakMiB: s.windowPeakBytes / MiB,
        })),
      },
    }),
    figure({
      id: '4',
      name: `Soak (${label}): onboardings completed in the window`,
      value: windowCompleted,
      unit: 'onb',
      baseline: {
        name: `at the limit, ${MIN_REQUESTS_PER_ONBOARDING} requests each`,
        value: (windowSeconds * LIMIT_RPS) / MIN_REQUESTS_PER_ONBOARDING,
        unit: 'onb',
      },
      details: {
        ...common,
        perSecond: windowCompleted / windowSeconds,
        failedInWindow: failed(end) - failed(start),
        requestsPerCompleted: r.overall.accepted / Math.max(1, windowCompleted),
        statusesAtWindowStart: start.statuses,
        statusesAtWindowEnd: end.statuses,
        minutesToWorkThroughAllAtThisRate: n / (windowCompleted / windowSeconds) / 60,
        serviceLogged: r.services.map((s) => s.logged),
        serviceExitCodes: r.services.map((s) => s.exitCode),
        serviceStopSeconds: r.services.map((s) => s.stopSeconds),
      },
    }),
  ];
}

/**
 * 4b: the portal-heavy soak. Every onboarding assigns its client to a portal by name in a
 * workspace of its own, so each needs one portal list (its managed user's first), and the API
 * portals family's 60/minute binds long before the 10/s. Two instances, the strict sandbox with
 * jitter, a backlog; the window is long enough to hold whole minutes in `full` (90 s).
 */
export async function benchPortalSoak(
  env: BenchEnvironment,
  scale: BenchScale,
  log: Log,
): Promise<Figure[]> {
  const n = scale.portalSoakOnboardings;
  const tag = runTag();
  const label = `${n} queued, a portal by name each, ${INSTANCES} instances`;
  const r = await runSoak(
    env,
    {
      id: '4b',
      label,
      onboardings: n,
      windowMs: scale.portalSoakWindowMs,
      faults: [],
      events: async (control) => {
        const workspaces: BenchWorkspace[] = await seedWorkspaces(control, n, { portal: true });
        return workspaces.map((ws, i) => customerOnboarded(tag, i, ws, { portal: true }));
      },
    },
    log,
  );
  const { start, end, seconds: windowSeconds } = r.window;
  const portals = r.stats.limits.api_portals;
  const perMinute = r.portals.perSecond * 60;
  const windowCompleted = completed(end) - completed(start);
  const common = {
    onboardings: n,
    instances: INSTANCES,
    portalLimitPerMinute: PORTAL_LIMIT_PER_MINUTE,
    limitRps: LIMIT_RPS,
    arrivalJitterMs: ARRIVAL_JITTER_MS,
    windowSeconds,
    windowShorterThanAMinute: windowSeconds < 60,
  };
  return [
    figure({
      id: '4b',
      name: `Portal soak (${label}): achieved API portals rate`,
      value: perMinute,
      unit: 'req/min',
      baseline: { name: 'configured limit', value: PORTAL_LIMIT_PER_MINUTE, unit: 'req/min' },
      target: { description: '>= 0.95x', met: perMinute / PORTAL_LIMIT_PER_MINUTE >= 0.95 },
      details: { ...common, window: r.portals, per10Seconds: r.per10Seconds },
    }),
    figure({
      id: '4b',
      name: `Portal soak (${label}): sandbox 429s (${portals.rateLimited429} of them API portals')`,
      value: r.stats.rateLimited429,
      unit: '429s',
      target: { description: '= 0', met: r.stats.rateLimited429 === 0 },
      details: {
        ...common,
        over: 'the whole run',
        totalRequests: r.stats.requests,
        rateLimited: r.rateLimited,
        tightestSixtyOnePortalRequestsMs: r.tightest.sixtyOnePortalRequests,
      },
    }),
    figure({
      id: '4b',
      name: `Portal soak (${label}): most API portals requests accepted in any 60 s`,
      value: portals.peak,
      unit: 'req',
      baseline: { name: 'configured limit', value: PORTAL_LIMIT_PER_MINUTE, unit: 'req' },
      target: {
        description: `<= ${PORTAL_LIMIT_PER_MINUTE}`,
        met: portals.peak <= PORTAL_LIMIT_PER_MINUTE,
      },
      details: { ...common, over: 'the whole run', limits: r.stats.limits },
    }),
    tightestFigure({
      id: '4b',
      name: `Portal soak (${label}), API portals`,
      tightest: r.tightest.sixtyOnePortalRequests,
      limit: PORTAL_LIMIT_PER_MINUTE,
      windowMs: 60_000,
      jitterMs: ARRIVAL_JITTER_MS,
      details: { over: 'the whole run' },
    }),
    tightestFigure({
      id: '4b',
      name: `Portal soak (${label}), all requests`,
      tightest: r.tightest.elevenRequests,
      limit: LIMIT_RPS,
      windowMs: 1000,
      jitterMs: ARRIVAL_JITTER_MS,
      details: {
        over: 'the whole run',
        inWindow: r.tightest.elevenRequestsInWindow,
        receiptGaps: r.tightest.gaps,
        servicesReadyAt: r.readyAt,
      },
    }),
    figure({
      id: '4b',
      name: `Portal soak (${label}): overall Workato rate meanwhile`,
      value: r.overall.perSecond,
      unit: 'req/s',
      baseline: { name: 'configured limit', value: LIMIT_RPS, unit: 'req/s' },
      details: {
        ...common,
        window: r.overall,
        onboardingsCompletedInWindow: windowCompleted,
        requestsPerCompleted: r.overall.accepted / Math.max(1, windowCompleted),
        serviceLogged: r.services.map((s) => s.logged),
        serviceExitCodes: r.services.map((s) => s.exitCode),
        rssPeakMiB: r.services.map((s) => s.peakBytes / MiB),
      },
    }),
  ];
}

/**
 * Produces the plan's events, starts the service processes, waits until every event is an
 * onboarding row, then measures a window of `plan.windowMs`, and stops the services.
 */
async function runSoak(env: BenchEnvironment, plan: SoakPlan, log: Log): Promise<SoakResult> {
  const n = plan.onboardings;
  const windowMs = plan.windowMs;
  const db = await env.createDatabase(`soak_${plan.id}`, 2);
  const topics = await env.createTopics(`soak-${plan.id}`, PARTITIONS);
  // The built sandbox in a process of its own (as `npm start` runs it; Workato's published
  // limits are its default; its workspaces in memory): it takes each request's receipt time, and inside the bench process
  // a pause of the bench's own (sampling, a large call log, a GC) would record a request late
  // and make two sends a slot apart look closer than they were.
  const localSandbox = await startLocalSandbox({
    port: await freePort(),
    defaultOnly: true,
    env: { SANDBOX_ARRIVAL_JITTER_MS: String(ARRIVAL_JITTER_MS) },
  });
  const sandbox = localSandbox.accounts[0];
  const control = new SandboxControl(sandbox.url);
  const services: ServiceProcess[] = [];
  try {
    const events = await plan.events(control);
    let t = now();
    await produceEvents(env.kafka(`bench-soak-${plan.id}`), topics.onboarded, events);
    log(
      `${plan.id}: produced ${n} events in ${((now() - t) / 1000).toFixed(1)} s; sandbox at Workato's ` +
        `limits with ±${ARRIVAL_JITTER_MS} ms arrival jitter; starting ${INSTANCES} service processes`,
    );
    await control.resetStats();
    const firstCall = await control.lastCallSeq();
    for (const fault of plan.faults) await control.addFault(fault);

    const total = (s: Record<string, number>) => Object.values(s).reduce((a, b) => a + b, 0);
    const mark = async (): Promise<Mark> => {
      const [stats, statuses] = await Promise.all([control.stats(), statusCounts(db.dataSource)]);
      return {
        at: now(),
        epochMs: Date.now(),
        requests: stats.requests,
        rateLimited: stats.rateLimited429,
        statuses,
      };
    };
    const exited = () => services.find((s) => s.exitCode !== null);
    const checkAlive = () => {
      const gone = exited();
      if (gone)
        throw new Error(`service ${gone.pid} exited with ${gone.exitCode}:\n${gone.lastLines()}`);
    };

    t = now();
    for (let i = 0; i < INSTANCES; i++)
      services.push(await ServiceProcess.start(env.serviceSettings(db, topics, sandbox), log));
    const ready = await mark();
    const readyBytes = await Promise.all(services.map(async (s) => (await s.sample()) ?? 0));
    log(
      `   ready after ${((ready.at - t) / 1000).toFixed(1)} s, RSS ${readyBytes.map(mib).join(' and ')} MiB; ingesting`,
    );

    // Everything queued: every event is an onboarding row.
    let lastLog = now();
    const deadline = now() + INGEST_TIMEOUT_MS;
    let ingested = ready;
    while (total(ingested.statuses) < n) {
      if (now() > deadline)
        throw new Error(`only ${total(ingested.statuses)}/${n} ingested in time`);
      checkAlive();
      await sleep(500);
      ingested = await mark();
      if (now() - lastLog >= 5_000) {
        lastLog = now();
        log(`   ${total(ingested.statuses)}/${n} ingested, ${completed(ingested)} completed`);
      }
    }
    const ingestSeconds = (ingested.at - ready.at) / 1000;
    log(
      `   all ${n} ingested ${ingestSeconds.toFixed(1)} s after ready ` +
        `(${formatNumber(rate(ready, ingested))} Workato req/s meanwhile); window of ${windowMs / 1000} s`,
    );

    await sleep(SETTLE_MS);
    const start = await mark();
    const startSeconds = services.map((s) => s.secondsSinceSpawn);
    const per10Seconds: SoakResult['per10Seconds'] = [];
    let previous = start;
    while (now() - start.at < windowMs) {
      await sleep(Math.min(10_000, windowMs - (now() - start.at)));
      checkAlive();
      const m = await mark();
      // As a Prometheus server would scrape it: the V8 heap beside the RSS.
      const heaps = await Promise.all(
        services.map(async (s) => (await scrapeMetrics(s.url)).nodejs_heap_size_used_bytes),
      );
      const rssMiB = services.map((s) => mib(s.samples[s.samples.length - 1]?.bytes ?? 0));
      const heapUsedMiB = heaps.map((h) => (typeof h === 'number' ? mib(h) : null));
      per10Seconds.push({
        atSeconds: (m.at - start.at) / 1000,
        requestsPerSecond: rate(previous, m),
        completed: completed(m) - completed(start),
        rssMiB,
        heapUsedMiB,
      });
      log(
        `   window ${((m.at - start.at) / 1000).toFixed(0)} s: ${formatNumber(rate(previous, m))} req/s ` +
          `(last 10 s), ${completed(m) - completed(start)} completed, ${m.rateLimited} x 429, ` +
          `RSS ${rssMiB.join(' and ')} MiB, V8 heap used ${heapUsedMiB.map((h) => h ?? '?').join(' and ')} MiB`,
      );
      previous = m;
    }
    const end = previous;
    const endSeconds = services.map((s) => s.secondsSinceSpawn);
    const metrics = await Promise.all(services.map((s) => scrapeMetrics(s.url)));
    log(`   stopping the service processes (SIGTERM)`);
    const stopped = await Promise.all(
      services.map(async (s) => {
        const began = now();
        const exitCode = await s.stop();
        return { exitCode, stopSeconds: (now() - began) / 1000 };
      }),
    );
    const stats = await control.stats();
    const calls = await control.calls(firstCall);
    const overall = acceptedRate(calls, start.epochMs, end.epochMs);
    const portals = acceptedRate(calls, start.epochMs, end.epochMs, ofFamily('api_portals'));
    const result: SoakResult = {
      window: { start, end, seconds: (end.at - start.at) / 1000 },
      overall,
      portals,
      stats,
      tightest: {
        elevenRequests: tightestSpanMs(calls, LIMIT_RPS + 1),
        elevenRequestsInWindow: tightestSpanMs(calls, LIMIT_RPS + 1, (c) => {
          const t = Date.parse(c.timestamp);
          return t >= start.epochMs && t < end.epochMs;
        }),
        sixtyOnePortalRequests: tightestSpanMs(
          calls,
          PORTAL_LIMIT_PER_MINUTE + 1,
          ofFamily('api_portals'),
        ),
        gaps: receiptGaps(calls),
      },
      rateLimited: rateLimitedContext(calls),
      per10Seconds,
      services: services.map((s, i) => ({
        pid: s.pid,
        readyBytes: readyBytes[i],
        peakBytes: s.peakBytes(0, endSeconds[i]),
        windowPeakBytes: s.peakBytes(startSeconds[i], endSeconds[i]),
        metrics: metrics[i],
        logged: s.logged,
        ...stopped[i],
      })),
      ingestSeconds,
      readySeconds: (ready.at - t) / 1000,
      readyAt: new Date(ready.epochMs).toISOString(),
      requestsPerSecondWhileIngesting: rate(ready, ingested),
    };
    log(
      `   accepted ${formatNumber(overall.perSecond)} req/s = ${(overall.perSecond / LIMIT_RPS).toFixed(3)} of the limit ` +
        `(${overall.accepted} in ${overall.windowSeconds.toFixed(1)} s), API portals ${formatNumber(portals.perSecond * 60)}/min; ` +
        `${stats.rateLimited429} x 429 in all; busiest 1 s ${stats.limits.overall.peak}, busiest 60 s of ` +
        `portals ${stats.limits.api_portals.peak}; ${completed(end) - completed(start)} completed in the window; ` +
        `RSS peaks ${result.services.map((s) => mib(s.peakBytes)).join(' and ')} MiB; ` +
        `service exits ${stopped.map((s) => `${s.exitCode} after ${s.stopSeconds.toFixed(1)} s`).join(', ')}`,
    );
    log(
      `   tightest by receipt time: ${LIMIT_RPS + 1} requests in ${result.tightest.elevenRequests?.spanMs ?? '-'} ms ` +
        `(at ${result.tightest.elevenRequests?.at ?? '-'}; in the window ${result.tightest.elevenRequestsInWindow?.spanMs ?? '-'} ms), ` +
        `${PORTAL_LIMIT_PER_MINUTE + 1} portal requests in ${result.tightest.sixtyOnePortalRequests?.spanMs ?? '-'} ms; ` +
        `gaps between requests: smallest ${result.tightest.gaps?.minMs ?? '-'} ms, p1 ${result.tightest.gaps?.p1Ms ?? '-'} ms, ` +
        `median ${result.tightest.gaps?.medianMs ?? '-'} ms, p99 ${result.tightest.gaps?.p99Ms ?? '-'} ms, ` +
        `largest ${result.tightest.gaps?.maxMs ?? '-'} ms; ${result.tightest.gaps?.over200Ms.count ?? 0} over 200 ms ` +
        `(${result.tightest.gaps?.over200Ms.totalMs ?? 0} ms in all)`,
    );
    for (const c of result.rateLimited)
      log(`   429 at ${c.at} (${c.path}); gaps before it (ms): ${c.gapsBeforeMs.join(' ')}`);
    for (const s of services)
      log(`   service ${s.pid} warnings/errors: ${describeLogged(s.logged)}`);
    return result;
  } finally {
    await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
    await localSandbox.stop().catch(() => undefined);
    await env.deleteTopics(topics);
    await db.drop().catch(() => undefined);
  }
}

function completed(m: Mark): number {
  return m.statuses.COMPLETED ?? 0;
}

function failed(m: Mark): number {
  return TERMINAL_FAILURES.reduce((sum, s) => sum + (m.statuses[s] ?? 0), 0);
}

/** Workato requests the sandbox accepted (not answered 429) per second between two marks. */
function rate(a: Mark, b: Mark): number {
  const seconds = (b.at - a.at) / 1000;
  return seconds > 0 ? (b.requests - b.rateLimited - (a.requests - a.rateLimited)) / seconds : 0;
}

function mib(bytes: number): number {
  return Math.round(bytes / MiB);
}

/** The sum of every series of a scraped metric (all its label sets). */
function sumMetric(metrics: Record<string, number | string>, name: string): number {
  return Object.entries(metrics)
    .filter(([key, value]) => key.includes(name) && typeof value === 'number')
    .reduce((sum, [, value]) => sum + Number(value), 0);
}

/** The service's own view of its Workato traffic: requests by status, retries, limiter waits. */
async function scrapeMetrics(url: string): Promise<Record<string, number | string>> {
  try {
    const res = await fetch(`${url}/metrics`);
    const text = await res.text();
    const wanted = [
      'workato_onboarding_workato_requests_total',
      'workato_onboarding_workato_retries_total',
      'workato_onboarding_rate_limit_wait_seconds_sum',
      'workato_onboarding_rate_limit_wait_seconds_count',
      'nodejs_heap_size_used_bytes',
      'nodejs_external_memory_bytes',
    ];
    const out: Record<string, number | string> = {};
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) continue;
      const [key, value] = [
        line.slice(0, line.lastIndexOf(' ')),
        line.slice(line.lastIndexOf(' ') + 1),
      ];
      if (wanted.some((w) => key.startsWith(w))) out[key] = Number(value);
    }
    return out;
  } catch (error) {
    return { scrapeFailed: String(error) };
  }
}
