import { SandboxControl, startSandbox } from '../workato-sandbox/sandbox.server';
import { UNLIMITED_FAMILIES } from '../test/support/app';
import { activityPer, BenchEnvironment, databaseActivity } from './bench-environment';
import { BenchWorkspace, customerOnboarded, produceEvents, runTag, seedWorkspaces } from './events';
import { describeLogged, Log, MiB, now, RssSampler, sleep, withProgress } from './measure';
import { Figure, figure, formatNumber } from './report';
import { startService } from './service';

const PARTITIONS = 6;
const UNLIMITED_RPS = 100_000;
const TIMEOUT_MS = 10 * 60_000;
const TERMINAL_FAILURES = ['FAILED', 'COMPENSATION_FAILED'];

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
  const sandbox = await startSandbox({ port: 0, rateLimitRps: null });
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

    const statusCounts = async (): Promise<Record<string, number>> => {
      const rows = (await db.dataSource.query(
        'SELECT status, count(*)::int AS n FROM onboarding GROUP BY status',
      )) as { status: string; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    };

    const before = await databaseActivity(db.dataSource);
    let polls = 0;
    rss.start(200);
    const startedAt = now();
    const service = await startService({
      databaseUrl: db.url,
      kafkaBrokers: env.kafkaBrokers,
      topics,
      workatoBaseUrl: sandbox.url,
      workatoApiToken: sandbox.token,
      env: {
        ONBOARDING_CONCURRENCY: String(concurrency),
        WORKATO_RATE_LIMIT_RPS: String(UNLIMITED_RPS),
        WORKATO_RATE_LIMITS: UNLIMITED_FAMILIES,
      },
    });
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
            counts = await statusCounts();
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
    // Backends flush their statistics when they exit.
    await sleep(1_100);
    const perOnboarding = activityPer(before, await databaseActivity(db.dataSource), n, polls + 1);
    const stats = await control.stats();
    const seconds = (doneAt - firstRowAt) / 1000;
    const rate = completed() / seconds;
    const requestRate = stats.requests / seconds;
    log(
      `   ${formatNumber(rate)} onboardings/s, ${formatNumber(requestRate)} Workato req/s ` +
        `(${(stats.requests / n).toFixed(1)} per onboarding), RSS peak ${Math.round(rss.peakBytes / MiB)} MiB; ` +
        `per onboarding: ${perOnboarding.commits} commits, ${perOnboarding.walSyncs} WAL flushes`,
    );
    log(`   service warnings/errors: ${describeLogged(service.logged)}`);

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
      workatoByStatus: stats.byStatus,
      sandboxPeakRps: stats.peakRps,
      databasePerOnboarding: perOnboarding,
      serviceLogged: service.logged,
      rssStartMiB: rss.startBytes / MiB,
      rssPeakMiB: rss.peakBytes / MiB,
      serviceRateLimitRps: UNLIMITED_RPS,
    };
    const allDone = completed() === n;
    return [
      figure({
        id: '3',
        name: `End to end (${label}): onboardings completed`,
        value: rate,
        unit: 'onb/s',
        baseline:
          options.ingestionEventsPerSecond === null
            ? undefined
            : { name: 'ingestion (2)', value: options.ingestionEventsPerSecond, unit: 'events/s' },
        target: { description: `${n}/${n} COMPLETED`, met: allDone },
        details,
      }),
      figure({
        id: '3',
        name: `End to end (${label}): Workato requests`,
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
        details: { requests: stats.requests, perOnboarding: stats.requests / n },
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
