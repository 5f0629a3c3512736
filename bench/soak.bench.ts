import { SandboxControl, startSandbox } from '../workato-sandbox/sandbox.server';
import { BenchEnvironment } from './bench-environment';
import { customerOnboarded, produceEvents, runTag, seedWorkspaces } from './events';
import { describeLogged, Log, MiB, now, sleep } from './measure';
import { Figure, figure, formatNumber } from './report';
import { BenchScale } from './scale';
import { ServiceProcess } from './service-process';

const PARTITIONS = 6;
/** Workato's documented limit, and the service's default WORKATO_RATE_LIMIT_RPS. */
const LIMIT_RPS = 10;
/** The service process's RSS target (issue 6): 250 MB, decimal. */
const RSS_TARGET_BYTES = 250e6;
const INGEST_TIMEOUT_MS = 5 * 60_000;
/** After the last event is in Postgres, before the window starts. */
const SETTLE_MS = 2_000;
const TERMINAL_FAILURES = ['FAILED', 'COMPENSATION_FAILED'];
/**
 * Workato requests of one onboarding with token auth and one API key in a fresh workspace: a
 * look-up (list) and a create for each of the collection, the client and the key (bench 3).
 */
const MIN_REQUESTS_PER_ONBOARDING = 6;

/** The counters a window is measured between. */
interface Mark {
  at: number;
  requests: number;
  rateLimited: number;
  statuses: Record<string, number>;
}

/**
 * 4: the soak. N onboardings (token auth, one API key each, spread over a few seeded
 * workspaces) are produced to Kafka before the service starts; the sandbox and the service are
 * both limited to 10 requests/second. The service is the built one (`node dist/src/main.js`) in
 * a child process of its own, so its RSS (sampled every second) is the service's alone. Working
 * through N at 10 rps takes far longer than a bench may (10 000 x 6 requests = 100 minutes), so
 * the figures come from a steady-state window that starts once every event is in Postgres:
 * the rate the sandbox received, its 429s, the onboardings completed, and the RSS peak.
 */
export async function benchSoak(
  env: BenchEnvironment,
  scale: BenchScale,
  log: Log,
): Promise<Figure[]> {
  const n = scale.soakOnboardings;
  const windowMs = scale.soakWindowMs;
  const db = await env.createDatabase('soak', 2);
  const topics = await env.createTopics('soak', PARTITIONS);
  const sandbox = await startSandbox({ port: 0, rateLimitRps: LIMIT_RPS });
  const control = new SandboxControl(sandbox.url);
  let service: ServiceProcess | null = null;
  try {
    const tag = runTag();
    const workspaces = await seedWorkspaces(control, scale.soakWorkspaces);
    const events = Array.from({ length: n }, (_, i) =>
      customerOnboarded(tag, i, workspaces[i % workspaces.length]),
    );
    let t = now();
    await produceEvents(env.kafka('bench-soak'), topics.onboarded, events);
    log(
      `4: produced ${n} events over ${workspaces.length} workspaces in ${((now() - t) / 1000).toFixed(1)} s; ` +
        `sandbox and service at ${LIMIT_RPS} rps; starting the service process`,
    );
    await control.resetStats();

    const statusCounts = async (): Promise<Record<string, number>> => {
      const rows = (await db.dataSource.query(
        'SELECT status, count(*)::int AS n FROM onboarding GROUP BY status',
      )) as { status: string; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    };
    const total = (s: Record<string, number>) => Object.values(s).reduce((a, b) => a + b, 0);
    const mark = async (): Promise<Mark> => {
      const [stats, statuses] = await Promise.all([control.stats(), statusCounts()]);
      return { at: now(), requests: stats.requests, rateLimited: stats.rateLimited429, statuses };
    };

    t = now();
    service = await ServiceProcess.start(
      {
        databaseUrl: db.url,
        kafkaBrokers: env.kafkaBrokers,
        topics,
        workatoBaseUrl: sandbox.url,
        workatoApiToken: sandbox.token,
        env: { WORKATO_RATE_LIMIT_RPS: String(LIMIT_RPS) },
      },
      log,
    );
    const ready = await mark();
    const readySeconds = service.secondsSinceSpawn;
    const readyBytes = (await service.sample()) ?? 0;
    log(
      `   ready after ${((ready.at - t) / 1000).toFixed(1)} s, RSS ${mib(readyBytes)} MiB; ingesting`,
    );

    // Everything queued: every event is an onboarding row.
    let lastLog = now();
    const deadline = now() + INGEST_TIMEOUT_MS;
    let ingested = ready;
    while (total(ingested.statuses) < n) {
      if (now() > deadline)
        throw new Error(`only ${total(ingested.statuses)}/${n} ingested in time`);
      if (service.exitCode !== null)
        throw new Error(`the service exited with ${service.exitCode}:\n${service.lastLines()}`);
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
    const startSeconds = service.secondsSinceSpawn;
    const progress: {
      atSeconds: number;
      requestsPerSecond: number;
      completed: number;
      rssMiB: number;
      heapUsedMiB: number | null;
    }[] = [];
    let previous = start;
    while (now() - start.at < windowMs) {
      await sleep(Math.min(10_000, windowMs - (now() - start.at)));
      if (service.exitCode !== null)
        throw new Error(`the service exited with ${service.exitCode}:\n${service.lastLines()}`);
      const m = await mark();
      // As a Prometheus server would scrape it: the V8 heap beside the RSS.
      const heap = (await scrapeMetrics(service.url)).nodejs_heap_size_used_bytes;
      const rssMiB = mib(service.samples[service.samples.length - 1]?.bytes ?? 0);
      const heapUsedMiB = typeof heap === 'number' ? mib(heap) : null;
      progress.push({
        atSeconds: (m.at - start.at) / 1000,
        requestsPerSecond: rate(previous, m),
        completed: completed(m) - completed(start),
        rssMiB,
        heapUsedMiB,
      });
      log(
        `   window ${((m.at - start.at) / 1000).toFixed(0)} s: ${formatNumber(rate(previous, m))} req/s ` +
          `(last 10 s), ${completed(m) - completed(start)} completed, ${m.rateLimited} x 429, ` +
          `RSS ${rssMiB} MiB, V8 heap used ${heapUsedMiB ?? '?'} MiB`,
      );
      previous = m;
    }
    const end = previous;
    const endSeconds = service.secondsSinceSpawn;
    const metrics = await scrapeMetrics(service.url);
    const peakBytes = service.peakBytes(0, endSeconds);
    const windowPeakBytes = service.peakBytes(startSeconds, endSeconds);
    const windowSamples = service.samples.filter(
      (s) => s.atSeconds >= startSeconds && s.atSeconds <= endSeconds,
    );
    const slopeMiBPerMinute = slope(windowSamples) * 60;
    log(`   stopping the service process (SIGTERM)`);
    const stopStarted = now();
    const exitCode = await service.stop();
    const stopSeconds = (now() - stopStarted) / 1000;
    const stats = await control.stats();

    const windowSeconds = (end.at - start.at) / 1000;
    const achieved = rate(start, end);
    const windowCompleted = completed(end) - completed(start);
    const windowFailed = failed(end) - failed(start);
    const accepted = end.requests - end.rateLimited - (start.requests - start.rateLimited);
    log(
      `   ${formatNumber(achieved)} req/s = ${(achieved / LIMIT_RPS).toFixed(3)} of the limit; ` +
        `${stats.rateLimited429} x 429 in all; ${windowCompleted} completed in the window ` +
        `(${(accepted / Math.max(1, windowCompleted)).toFixed(1)} requests each); ` +
        `RSS peak ${mib(peakBytes)} MiB (at ready ${mib(readyBytes)}, in the window ${mib(windowPeakBytes)}, ` +
        `at its end ${mib(windowSamples[windowSamples.length - 1]?.bytes ?? 0)}); ` +
        `service exit ${exitCode} after ${stopSeconds.toFixed(1)} s`,
    );
    log(`   service warnings/errors: ${describeLogged(service.logged)}`);

    const label = `${n.toLocaleString('en-US')} queued, ${LIMIT_RPS} rps`;
    const common = {
      onboardings: n,
      workspaces: workspaces.length,
      limitRps: LIMIT_RPS,
      windowSeconds,
      settleSeconds: SETTLE_MS / 1000,
      onboardingConcurrency: 'default (16)',
    };
    return [
      figure({
        id: '4',
        name: `Soak (${label}): achieved Workato rate`,
        value: achieved,
        unit: 'req/s',
        baseline: { name: 'configured limit', value: LIMIT_RPS, unit: 'req/s' },
        target: { description: '>= 0.95x', met: achieved / LIMIT_RPS >= 0.95 },
        details: {
          ...common,
          acceptedRequestsInWindow: accepted,
          requestsInWindow: end.requests - start.requests,
          rateLimitedInWindow: end.rateLimited - start.rateLimited,
          per10Seconds: progress,
          serviceStartToReadySeconds: (ready.at - t) / 1000,
          ingestSecondsAfterReady: ingestSeconds,
          requestsPerSecondWhileIngesting: rate(ready, ingested),
          sandboxPeakRps: stats.peakRps,
          sandboxByStatus: stats.byStatus,
          serviceMetricsAtWindowEnd: metrics,
        },
      }),
      figure({
        id: '4',
        name: `Soak (${label}): sandbox 429s`,
        value: stats.rateLimited429,
        unit: '429s',
        target: { description: '= 0', met: stats.rateLimited429 === 0 },
        details: {
          ...common,
          over: 'the whole run: service start, ingestion, window and shutdown',
          totalRequests: stats.requests,
          inWindow: end.rateLimited - start.rateLimited,
        },
      }),
      figure({
        id: '4',
        name: `Soak (${label}): service process RSS peak`,
        value: peakBytes / MiB,
        unit: 'MiB',
        baseline: { name: 'RSS when ready', value: readyBytes / MiB, unit: 'MiB' },
        target: { description: '< 250 MB (238 MiB)', met: peakBytes < RSS_TARGET_BYTES },
        details: {
          ...common,
          sampledEveryMs: 1_000,
          source: '/proc/<pid>/status VmRSS of the service process alone',
          peakMiBInWindow: windowPeakBytes / MiB,
          rssAtWindowEndMiB: (windowSamples[windowSamples.length - 1]?.bytes ?? 0) / MiB,
          windowSlopeMiBPerMinute: slopeMiBPerMinute,
          timeline: downsample(service.samples, 10).map((s) => ({
            atSeconds: Math.round(s.atSeconds),
            MiB: Math.round(s.bytes / MiB),
          })),
          phases: {
            readyAtSeconds: readySeconds,
            windowStartSeconds: startSeconds,
            windowEndSeconds: endSeconds,
          },
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
          failedInWindow: windowFailed,
          requestsPerCompleted: accepted / Math.max(1, windowCompleted),
          statusesAtWindowStart: start.statuses,
          statusesAtWindowEnd: end.statuses,
          minutesToWorkThroughAllAtThisRate: n / (windowCompleted / windowSeconds) / 60,
          serviceLogged: service.logged,
          serviceExitCode: exitCode,
          serviceStopSeconds: stopSeconds,
        },
      }),
    ];
  } finally {
    await service?.stop().catch(() => undefined);
    await sandbox.close().catch(() => undefined);
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

/** Least-squares slope of the samples, in MiB per second. */
function slope(samples: { atSeconds: number; bytes: number }[]): number {
  if (samples.length < 2) return 0;
  const xs = samples.map((s) => s.atSeconds);
  const ys = samples.map((s) => s.bytes / MiB);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function downsample<T>(items: T[], every: number): T[] {
  return items.filter((_, i) => i % every === 0 || i === items.length - 1);
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
