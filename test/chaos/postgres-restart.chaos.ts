import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/persistence/data-source';
import { createTestEnvironment, TestEnvironment } from '../support/app';
import { readTopic } from '../support/kafka';
import { ServiceProcess } from '../support/service-process';
import {
  asMessages,
  chaosEvents,
  describeLiveness,
  LivenessMonitor,
  monitorLiveness,
  produce,
  progress,
  recordOutcome,
  running,
  seedWorkspaces,
  serviceLog,
  sized,
  sleep,
  split,
  statusCounts,
  topicSize,
  waitForAllTerminal,
  waitForCounts,
} from './harness';
import { assertInvariants } from './invariants';
import { ChaosPostgres } from './postgres-server';

const SCENARIO = 'postgres-restart';
const LABEL = 'x-chaos-invalid';
const SIZE = sized({
  reduced: { onboardings: 16, outages: 1, outageMs: 4_000, timeoutMs: 120_000 },
  full: { onboardings: 60, outages: 2, outageMs: 8_000, timeoutMs: 300_000 },
});

/**
 * Postgres stopped in the middle of a batch for a few seconds and started again on the same
 * data dir, under a running service. The Postgres is the scenario's own (the global one is
 * shared by other test files). Part of the batch is produced while Postgres is down, so the
 * consumer has to hold those messages until it can record them. The service may log errors;
 * it must not exit, lose or duplicate anything.
 */
describe('chaos: Postgres restarted mid-batch', () => {
  let postgres: ChaosPostgres;
  let db: DataSource;
  let env: TestEnvironment;
  let service: ServiceProcess | null = null;
  let liveness: LivenessMonitor | null = null;

  beforeAll(async () => {
    // startEmbeddedPostgres (src/platform/local/embedded-postgres.ts) on a data dir of its own.
    postgres = await ChaosPostgres.create('chaos-postgres', 'chaos');
    await postgres.start();
    const migrator = createDataSource(postgres.url, { poolSize: 2 });
    await migrator.initialize();
    await migrator.runMigrations();
    await migrator.destroy();
    db = createDataSource(postgres.url, { poolSize: 4 });
    await db.initialize();
    env = await createTestEnvironment('chaos-postgres');
  });

  afterAll(async () => {
    await liveness?.stop();
    await service?.kill();
    if (db?.isInitialized) await db.destroy().catch(() => undefined);
    await postgres?.destroy();
    await env?.close();
  });

  it('rides through the outage without losing or duplicating anything', async () => {
    const started = Date.now();
    const workspaces = await seedWorkspaces(env.control, 4);
    await env.control.addFault({ method: '*', path: '/managed_users/', latencyMs: 200, count: -1 });
    const events = chaosEvents(SCENARIO, workspaces, SIZE.onboardings);
    const eventIds = events.map((e) => e.eventId);
    // 40% before the first outage; the rest split over each outage and the time after.
    const first = Math.ceil(events.length * 0.4);
    const parts = [events.slice(0, first), ...split(events.slice(first), SIZE.outages + 1)];
    service = await ServiceProcess.create(
      {
        ...env.env,
        DATABASE_URL: postgres.url,
        ONBOARDING_LEASE_SECONDS: '3',
        ONBOARDING_CONCURRENCY: '4',
        LOG_LEVEL: 'warn',
      },
      'chaos-postgres',
    );
    await service.start();
    progress(SCENARIO, `${events.length} onboardings; log ${serviceLog('chaos-postgres')}`);
    liveness = monitorLiveness(service.url);
    await produce(env.topics.onboarded, asMessages(parts[0]));

    const outages: { inFlight: number; downMs: number }[] = [];
    for (let outage = 1; outage <= SIZE.outages; outage++) {
      await waitForCounts(
        SCENARIO,
        db,
        eventIds,
        (c) => (c.COMPLETED ?? 0) >= outage * 2 && running(c) >= 3,
        { timeoutMs: 60_000, what: `onboardings in flight before outage ${outage}` },
      );
      const flying = running(await statusCounts(db, eventIds));
      const down = Date.now();
      await postgres.stop();
      progress(SCENARIO, `outage ${outage}: Postgres stopped with ${flying} onboardings in flight`);
      // Produced while Postgres is down: valid events, and two invalid ones for the DLQ.
      await produce(env.topics.onboarded, [
        {
          key: workspaces[0].ref,
          value: '{"not": "an event"}',
          headers: { [LABEL]: `${outage}-a` },
        },
        ...asMessages(parts[outage]),
        { key: workspaces[1].ref, value: 'not json', headers: { [LABEL]: `${outage}-b` } },
      ]);
      await sleep(SIZE.outageMs);
      expect(service.exitCode).toBeNull();
      await postgres.start();
      outages.push({ inFlight: flying, downMs: Date.now() - down });
      progress(SCENARIO, `outage ${outage}: Postgres back after ${Date.now() - down} ms`);
    }
    await produce(env.topics.onboarded, asMessages(parts[SIZE.outages + 1]));

    await waitForAllTerminal(SCENARIO, db, eventIds, SIZE.timeoutMs);
    const alive = await liveness.stop();
    liveness = null;
    progress(SCENARIO, `liveness: ${describeLiveness(alive)}`);
    expect(service.exitCode).toBeNull();
    expect(alive.failures).toEqual([]);
    await env.control.clearFaults();
    const report = await assertInvariants({
      scenario: SCENARIO,
      db,
      control: env.control,
      serviceUrl: service.url,
      resultsTopic: env.topics.results,
      eventIds,
    });
    // Observation, not an invariant: how often each invalid message reached the DLQ.
    const dlq = await readTopic(env.topics.dlq, { count: await topicSize(env.topics.dlq) });
    const dlqCopies: Record<string, number> = {};
    for (const m of dlq) dlqCopies[m.headers[LABEL]] = (dlqCopies[m.headers[LABEL]] ?? 0) + 1;
    progress(
      SCENARIO,
      `DLQ copies per invalid message produced during an outage: ${JSON.stringify(dlqCopies)}`,
    );
    recordOutcome(SCENARIO, {
      durationMs: Date.now() - started,
      outages,
      dlqCopies,
      onboardings: report.onboardings,
      byStatus: report.byStatus,
      resultMessages: report.resultMessages,
      tokensCompared: report.tokensCompared,
    });
  });
});
