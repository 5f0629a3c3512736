import { PostgresRateLimiter, WorkatoRateLimiter } from '../src/workato/rate-limiter';
import { SandboxControl, startSandbox } from '../workato-sandbox/sandbox.server';
import { UNLIMITED_FAMILIES } from '../test/support/app';
import { activityPer, BenchEnvironment, databaseActivity, statusCounts } from './bench-environment';
import { BenchWorkspace, customerOnboarded, produceEvents, runTag, seedWorkspaces } from './events';
import { describeLogged, Log, MiB, now, RssSampler, sleep, withProgress } from './measure';
import { Figure, figure, formatNumber } from './report';
import { startService } from './service';

const PARTITIONS = 6;
const UNLIMITED_RPS = 100_000;
const TIMEOUT_MS = 10 * 60_000;
const TERMINAL_FAILURES = ['FAILED', 'COMPENSATION_FAILED'];

/** A run's figures before the redesign; null where that run did not print them. */
interface Before {
  onboardingsPerSecond: number;
  commitsPerOnboarding: number | null;
  walFlushesPerOnboarding: number | null;
  workatoRequestsPerSecond: number | null;
  workatoRequestsPerOnboarding: number | null;
}

/**
 * Before the redesign ("fewer, larger transactions"): `BENCH_ONLY=2,3 npm run bench` (full,
 * 1 000 onboardings a run) at e69a3bf, on the machine the figures of docs/benchmarks.md come
 * from. A recorded baseline: that code cannot run in this process, so it is not re-measured.
 */
export const BEFORE_REDESIGN = {
  commit: 'e69a3bf',
  command: 'BENCH_ONLY=2,3 npm run bench',
  runs: {
    'c=16, workspace per event': {
      onboardingsPerSecond: 95.4,
      commitsPerOnboarding: 28.83,
      walFlushesPerOnboarding: 11.56,
      workatoRequestsPerSecond: 572,
      workatoRequestsPerOnboarding: 6.0,
    },
    'c=32, workspace per event': {
      onboardingsPerSecond: 108,
      commitsPerOnboarding: 28.26,
      walFlushesPerOnboarding: null,
      workatoRequestsPerSecond: null,
      workatoRequestsPerOnboarding: null,
    },
    'c=16, one workspace': {
      onboardingsPerSecond: 50.0,
      commitsPerOnboarding: null,
      walFlushesPerOnboarding: null,
      workatoRequestsPerSecond: null,
      workatoRequestsPerOnboarding: null,
    },
  } as Record<string, Before>,
};
/** The redesign's target for the c=16 run with a workspace per event: at least 2x before. */
const SPEEDUP_TARGET = 2;
/** "At most one commit per Workato create plus two per onboarding." */
const COMMITS_PER_ONBOARDING_BEYOND_CREATES = 2;

export interface EndToEndOptions {
  onboardings: number;
  concurrency: number;
  /**
   * `per-event`: every event is a different customer workspace (managed user), as when a
   * partner onboards its customers. `one`: every event goes to the same workspace, so each
   * onboarding's look-ups list everything the earlier ones created there.
   */
  workspaces: 'per-event' | 'one';
  /** From bench 2 of the same run: the baseline of the onboardings/s figure. */
  ingestionEventsPerSecond: number | null;
  /** From bench 1a of the same run: the baseline of the Workato requests/s figure. */
  clientRequestsPerSecond: number | null;
  /**
   * The recorded before figures come from full runs (1 000 onboardings): the 2x target is judged
   * only at that scale. A small run of 200 spends a larger share of its time starting up.
   */
  scale: 'small' | 'full';
}

/**
 * 3: onboardings/second from Kafka to COMPLETED against the unlimited sandbox, with the service
 * in this process (token auth, one API key each), plus the Workato requests/second that took
 * and the peak RSS of the process (service, sandbox and bench together).
 */
export async function benchEndToEnd(
  env: BenchEnvironment,
  options: EndToEndOptions,
  log: Log,
): Promise<Figure[]> {
  const { onboardings: n, concurrency } = options;
  const label = `c=${concurrency}, ${options.workspaces === 'one' ? 'one workspace' : 'workspace per event'}`;
  const db = await env.createDatabase(`e2e_${concurrency}`, 5);
  const topics = await env.createTopics(`e2e-${concurrency}`, PARTITIONS);
  const sandbox = await startSandbox({ port: 0, limits: 'off' });
  const control = new SandboxControl(sandbox.url);
  const rss = new RssSampler();
  try {
    const tag = runTag();
    const seeded = await seedWorkspaces(control, options.workspaces === 'one' ? 1 : n);
    const workspaceOf = (i: number): BenchWorkspace => seeded[i % seeded.length];
    const events = Array.from({ length: n }, (_, i) => customerOnboarded(tag, i, workspaceOf(i)));
    await produceEvents(env.kafka('bench-e2e'), topics.onboarded, events);
    log(`3 (${label}): produced ${n} events; starting the service`);
    await control.resetStats();
    const firstCall = await control.lastCallSeq();

    const before = await databaseActivity(db.dataSource);
    let polls = 0;
    rss.start(200);
    const startedAt = now();
    const service = await startService(
      env.serviceSettings(db, topics, sandbox, {
        ONBOARDING_CONCURRENCY: String(concurrency),
        WORKATO_RATE_LIMIT_RPS: String(UNLIMITED_RPS),
        WORKATO_RATE_LIMITS: UNLIMITED_FAMILIES,
      }),
    );
    // The service's shared Workato rate limiter: each of its reservation statements is a commit.
    const limiter = service.app.get(WorkatoRateLimiter);
    if (!(limiter instanceof PostgresRateLimiter))
      throw new Error(`the service's rate limiter is a ${limiter.constructor.name}`);
    const limiterStatementsAtStart = limiter.statements;
    const bootedAt = now();
    let firstRowAt = 0;
    let doneAt = 0;
    let counts: Record<string, number> = {};
    const completed = () => counts.COMPLETED ?? 0;
    const failed = () => TERMINAL_FAILURES.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
    try {
      await withProgress(
        log,
        2_000,
        () => {
          const ingested = Object.values(counts).reduce((a, b) => a + b, 0);
          const seconds = firstRowAt ? (now() - firstRowAt) / 1000 : 0;
          return (
            `   ${completed()}/${n} completed, ${failed()} failed, ${ingested} ingested` +
            (seconds > 0 ? `, ${formatNumber(completed() / seconds)}/s so far` : '')
          );
        },
        async () => {
          const deadline = now() + TIMEOUT_MS;
          for (;;) {
            counts = await statusCounts(db.dataSource);
            polls++;
            const at = now();
            if (firstRowAt === 0 && Object.keys(counts).length > 0) firstRowAt = at;
            if (completed() + failed() >= n) {
              doneAt = at;
              return;
            }
            if (at > deadline)
              throw new Error(`only ${completed()}/${n} onboardings completed in time`);
            await sleep(100);
          }
        },
      );
    } finally {
      await service.close();
      rss.stop();
    }
    const limiterStatements = limiter.statements - limiterStatementsAtStart;
    // Backends flush their statistics when they exit.
    await sleep(1_100);
    const perOnboarding = activityPer(before, await databaseActivity(db.dataSource), n, polls + 1);
    const stats = await control.stats();
    const calls = await control.calls(firstCall);
    const creates = calls.filter(
      (c) => c.method === 'POST' && c.status !== null && c.status < 300,
    ).length;
    const seconds = (doneAt - firstRowAt) / 1000;
    const rate = completed() / seconds;
    const requestRate = stats.requests / seconds;
    const commits = perOnboarding.commits ?? NaN;
    const limiterCommits = limiterStatements / n;
    const sagaCommits = commits - limiterCommits;
    const createsPerOnboarding = creates / n;
    const commitLimit = createsPerOnboarding + COMMITS_PER_ONBOARDING_BEYOND_CREATES;
    log(
      `   ${formatNumber(rate)} onboardings/s, ${formatNumber(requestRate)} Workato req/s ` +
        `(${(stats.requests / n).toFixed(1)} per onboarding, ${createsPerOnboarding.toFixed(1)} creates), ` +
        `RSS peak ${Math.round(rss.peakBytes / MiB)} MiB; per onboarding: ${commits} commits ` +
        `(${limiterCommits.toFixed(2)} of them the rate limiter's reservations, ${sagaCommits.toFixed(2)} the rest), ` +
        `${perOnboarding.walSyncs} WAL flushes`,
    );
    log(`   service warnings/errors: ${describeLogged(service.logged)}`);
    const beforeRun = BEFORE_REDESIGN.runs[label] ?? null;
    const recorded = `before the redesign, ${BEFORE_REDESIGN.commit}, recorded${options.scale === 'full' ? '' : ' at full scale'}`;

    const details = {
      onboardings: n,
      concurrency,
      workspaces: options.workspaces,
      completed: completed(),
      failed: failed(),
      statuses: counts,
      seconds,
      bootSeconds: (bootedAt - startedAt) / 1000,
      firstRowAfterStartSeconds: (firstRowAt - startedAt) / 1000,
      workatoRequests: stats.requests,
      workatoRequestsPerOnboarding: stats.requests / n,
      workatoCreatesPerOnboarding: createsPerOnboarding,
      workatoByStatus: stats.byStatus,
      sandboxPeakRps: stats.peakRps,
      databasePerOnboarding: perOnboarding,
      rateLimiterStatements: limiterStatements,
      rateLimiterCommitsPerOnboarding: limiterCommits,
      sagaCommitsPerOnboarding: sagaCommits,
      beforeTheRedesign: beforeRun && { ...beforeRun, ...BEFORE_REDESIGN, runs: undefined },
      serviceLogged: service.logged,
      rssStartMiB: rss.startBytes / MiB,
      rssPeakMiB: rss.peakBytes / MiB,
      serviceRateLimitRps: UNLIMITED_RPS,
    };
    const allDone = completed() === n;
    const speedupTarget = label === 'c=16, workspace per event' && options.scale === 'full';
    const speedup = beforeRun ? rate / beforeRun.onboardingsPerSecond : null;
    return [
      figure({
        id: '3',
        name: `End to end (${label}): onboardings completed`,
        value: rate,
        unit: 'onb/s',
        baseline: beforeRun
          ? { name: recorded, value: beforeRun.onboardingsPerSecond, unit: 'onb/s' }
          : undefined,
        target: speedupTarget
          ? {
              description: `>= ${SPEEDUP_TARGET}x, ${n}/${n} COMPLETED`,
              met: allDone && speedup !== null && speedup >= SPEEDUP_TARGET,
            }
          : { description: `${n}/${n} COMPLETED`, met: allDone },
        details: {
          ...details,
          ingestionEventsPerSecond: options.ingestionEventsPerSecond,
        },
      }),
      figure({
        id: '3',
        name: `End to end (${label}): Workato requests (${(stats.requests / n).toFixed(1)} per onboarding)`,
        value: requestRate,
        unit: 'req/s',
        baseline:
          options.clientRequestsPerSecond === null
            ? undefined
            : {
                name: 'client + pg limiter (1a)',
                value: options.clientRequestsPerSecond,
                unit: 'req/s',
              },
        details: {
          requests: stats.requests,
          perOnboarding: stats.requests / n,
          createsPerOnboarding,
          before: beforeRun && {
            requestsPerSecond: beforeRun.workatoRequestsPerSecond,
            perOnboarding: beforeRun.workatoRequestsPerOnboarding,
          },
        },
      }),
      figure({
        id: '3',
        name: `End to end (${label}): Postgres commits per onboarding (${limiterCommits.toFixed(2)} of them rate-limiter reservations)`,
        value: commits,
        unit: 'commits',
        baseline:
          beforeRun?.commitsPerOnboarding != null
            ? { name: recorded, value: beforeRun.commitsPerOnboarding, unit: 'commits' }
            : undefined,
        details: {
          ...perOnboarding,
          rateLimiterStatements: limiterStatements,
          walFlushesBefore: beforeRun?.walFlushesPerOnboarding ?? null,
        },
      }),
      figure({
        id: '3',
        name: `End to end (${label}): the saga's own commits per onboarding (all but the limiter's)`,
        value: sagaCommits,
        unit: 'commits',
        target: {
          description: `<= ${formatNumber(commitLimit)} (${formatNumber(createsPerOnboarding)} creates + ${COMMITS_PER_ONBOARDING_BEYOND_CREATES})`,
          met: sagaCommits <= commitLimit,
        },
        details: {
          includes:
            'ingestion, claims, leases, step intents and results, completion, outbox relay: every commit in the database but the rate limiter reservations',
          createsPerOnboarding,
        },
      }),
      figure({
        id: '3',
        name: `End to end (${label}): process RSS peak`,
        value: rss.peakBytes / MiB,
        unit: 'MiB',
        baseline: { name: 'RSS before start', value: rss.startBytes / MiB, unit: 'MiB' },
        details: { sampledEveryMs: 200, note: 'service, sandbox and bench share the process' },
      }),
    ];
  } finally {
    rss.stop();
    await sandbox.close().catch(() => undefined);
    await env.deleteTopics(topics);
    await db.drop().catch(() => undefined);
  }
}
