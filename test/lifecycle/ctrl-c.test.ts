import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { ChaosPostgres } from '../chaos/postgres-server';
import { eventually, OPERATOR_TOKEN, TEST_ENCRYPTION_KEY, VIEWER_TOKEN } from '../support/app';
import { createTestTopics, readTopic, TestTopics } from '../support/kafka';
import { OnboardingView, rest } from '../support/rest';
import { freePort, ROOT, testKafkaBrokers } from '../support/test-infrastructure';
import { SandboxControl } from '../../workato-sandbox/sandbox-control.client';

const MAIN = resolve(ROOT, 'dist/src/main.js');
const SEEDED_MANAGED_USER = 'E12345';
const SEEDED_PROJECT = '523144';

/** Processes whose command line names `path` (the service's embedded Postgres, its sandbox). */
function processesUsing(path: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(path)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * `npm start` as a newcomer runs it: nothing configured but the ports, so it starts its own
 * Postgres and sandbox; then Ctrl-C, which the terminal sends to the whole process group.
 */
describe('Ctrl-C on npm start', () => {
  let pg: ChaosPostgres;
  let topics: TestTopics;
  let child: ChildProcess | null = null;
  let httpPort: number;
  let sandboxPort: number;
  let logFile: string;

  beforeAll(async () => {
    // Only its data directory and port: the service itself starts Postgres there.
    pg = await ChaosPostgres.create('ctrlc', 'workato_onboarding');
    topics = await createTestTopics('ctrlc');
    httpPort = await freePort();
    sandboxPort = await freePort();
    mkdirSync(resolve(ROOT, '.data/test-logs'), { recursive: true });
    logFile = resolve(ROOT, `.data/test-logs/ctrl-c-${process.pid}.log`);
  });

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    for (const pid of processesUsing(pg.dataDir)) process.kill(pid, 'SIGKILL');
    await pg?.destroy();
  });

  it('stops within the bound with exit 0, its leases handed back and its outbox flushed', async () => {
    child = spawn(process.execPath, [MAIN], {
      // A process group of its own, as a terminal gives a foreground job.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: pg.dataDir,
        EMBEDDED_POSTGRES_PORT: String(pg.port),
        HTTP_PORT: String(httpPort),
        SANDBOX_PORT: String(sandboxPort),
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        KAFKA_GROUP_ID: topics.groupId,
        KAFKA_TOPIC_ONBOARDED: topics.onboarded,
        KAFKA_TOPIC_RESULTS: topics.results,
        KAFKA_TOPIC_DLQ: topics.dlq,
        SECRETS_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        API_TOKENS: `operator:${OPERATOR_TOKEN},viewer:${VIEWER_TOKEN}`,
        ONBOARDING_CONCURRENCY: '4',
        LOG_LEVEL: 'info',
      },
    });
    const log = createWriteStream(logFile);
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    const url = `http://127.0.0.1:${httpPort}`;
    await eventually(
      async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 250, message: `service not ready (log: ${logFile})` },
    );

    // Workato answers slowly, so steps are running when Ctrl-C comes.
    const sandbox = new SandboxControl(`http://127.0.0.1:${sandboxPort}`);
    await sandbox.addFault({ method: '*', path: '/managed_users/', latencyMs: 400, count: -1 });
    const events = Array.from({ length: 8 }, (_, i) => ({
      eventId: `ctrl-c-${process.pid}-${i}`,
      eventType: 'CustomerOnboarded',
      schemaVersion: 1,
      occurredAt: '2026-11-22T10:00:00Z',
      customer: { managedUserId: SEEDED_MANAGED_USER, name: `Customer ${i}` },
      projectId: SEEDED_PROJECT,
      collection: { name: `Ctrl-C collection ${process.pid}-${i}` },
      apiClient: { name: `Ctrl-C client ${process.pid}-${i}`, authType: 'token' },
      apiKeys: [{ name: 'Production' }],
    }));
    for (const event of events)
      expect((await rest(url, 'POST', '/v1/onboardings', event)).status).toBe(202);
    await eventually(
      async () => {
        const done = await rest<{ data: OnboardingView[] }>(
          url,
          'GET',
          '/v1/onboardings?status=COMPLETED&limit=50',
        );
        return done.body.data.length >= 1 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );

    const started = Date.now();
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    const took = Date.now() - started;
    const output = readFileSync(logFile, 'utf8');
    expect(code).toBe(0);
    expect(took).toBeLessThan(30_000);
    expect(output).not.toMatch(/database system is shutting down|could not claim|took too long/);
    // Nothing the service started is left running.
    await eventually(async () => (processesUsing(pg.dataDir).length === 0 ? true : undefined), {
      timeoutMs: 10_000,
      message: 'the embedded Postgres outlived the service',
    });
    await eventually(
      async () => {
        try {
          await fetch(`http://127.0.0.1:${sandboxPort}/__sandbox/config`);
          return undefined;
        } catch {
          return true;
        }
      },
      { timeoutMs: 10_000, message: 'the sandbox outlived the service' },
    );

    // What it left in Postgres: no lease held, every outcome published.
    await pg.start();
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    try {
      const leased = await db.query(
        `SELECT count(*)::int AS n FROM onboarding WHERE lease_owner IS NOT NULL`,
      );
      expect(leased.rows[0].n).toBe(0);
      const unpublished = await db.query(
        `SELECT count(*)::int AS n FROM outbox_message WHERE published_at IS NULL`,
      );
      expect(unpublished.rows[0].n).toBe(0);
      const completed = await db.query(
        `SELECT count(*)::int AS n FROM onboarding WHERE status = 'COMPLETED'`,
      );
      expect(completed.rows[0].n).toBeGreaterThanOrEqual(1);
      const results = await readTopic(topics.results, {
        count: completed.rows[0].n,
        timeoutMs: 15_000,
      });
      expect(results.length).toBe(completed.rows[0].n);
    } finally {
      await db.end();
      await pg.stop();
    }
  });
});
