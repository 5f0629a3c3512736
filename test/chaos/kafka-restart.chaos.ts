import { createTestEnvironment, TestEnvironment } from '../support/app';
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
  waitForAllTerminal,
  waitForCounts,
} from './harness';
import { assertInvariants } from './invariants';
import { RestartableKafkaBroker } from './kafka-broker';

const SCENARIO = 'kafka-restart';
const SIZE = sized({
  reduced: { onboardings: 16, outages: 1, outageMs: 3_000, timeoutMs: 150_000 },
  full: { onboardings: 60, outages: 2, outageMs: 15_000, timeoutMs: 300_000 },
});

/**
 * The Kafka broker stopped in the middle of a batch and started again on the same log dir.
 * The broker is the scenario's own (the global one is shared by other test files), so this
 * file points the test helpers (TEST_KAFKA_BROKERS) at it while it runs. Part of the batch is
 * produced before the outage and the rest after it; outcomes finished during the outage wait
 * in the outbox.
 */
describe('chaos: Kafka broker restarted mid-batch', () => {
  const sharedBrokers = process.env.TEST_KAFKA_BROKERS;
  let broker: RestartableKafkaBroker;
  let env: TestEnvironment;
  let service: ServiceProcess | null = null;
  let liveness: LivenessMonitor | null = null;

  beforeAll(async () => {
    broker = await RestartableKafkaBroker.create('chaos-kafka');
    await broker.start();
    process.env.TEST_KAFKA_BROKERS = broker.brokers;
    env = await createTestEnvironment('chaos-kafka');
  });

  afterAll(async () => {
    await liveness?.stop();
    await service?.kill();
    await env?.close();
    await broker?.destroy();
    process.env.TEST_KAFKA_BROKERS = sharedBrokers;
  });

  it('rides through the outage: nothing lost, nothing published twice', async () => {
    const started = Date.now();
    const workspaces = await seedWorkspaces(env.control, 4);
    await env.control.addFault({ method: '*', path: '/managed_users/', latencyMs: 200, count: -1 });
    const events = chaosEvents(SCENARIO, workspaces, SIZE.onboardings);
    const eventIds = events.map((e) => e.eventId);
    // Half before the first outage; the rest spread over the time after each outage.
    const half = Math.ceil(events.length / 2);
    const later = split(events.slice(half), SIZE.outages);
    service = await ServiceProcess.create(
      {
        ...env.env,
        KAFKA_BROKERS: broker.brokers,
        ONBOARDING_LEASE_SECONDS: '3',
        ONBOARDING_CONCURRENCY: '4',
        LOG_LEVEL: 'warn',
      },
      'chaos-kafka',
    );
    await service.start();
    progress(SCENARIO, `${events.length} onboardings; log ${serviceLog('chaos-kafka')}`);
    liveness = monitorLiveness(service.url);
    await produce(env.topics.onboarded, asMessages(events.slice(0, half)));

    const db = env.database.dataSource;
    const outages: { inFlight: number; downMs: number; outboxAtRestart: number }[] = [];
    for (let outage = 1; outage <= SIZE.outages; outage++) {
      await waitForCounts(
        SCENARIO,
        db,
        eventIds,
        (c) => (c.COMPLETED ?? 0) >= outage * 2 && running(c) >= 2,
        { timeoutMs: 60_000, what: `onboardings in flight before outage ${outage}` },
      );
      const flying = running(await statusCounts(db, eventIds));
      const down = Date.now();
      await broker.stop();
      progress(
        SCENARIO,
        `outage ${outage}: broker stopped (${Date.now() - down} ms) with ${flying} onboardings in flight`,
      );
      await sleep(SIZE.outageMs);
      expect(service.exitCode).toBeNull();
      const pending: { n: number }[] = await db.query(
        `SELECT count(*)::int AS n FROM outbox_message WHERE published_at IS NULL`,
      );
      await broker.start();
      outages.push({ inFlight: flying, downMs: Date.now() - down, outboxAtRestart: pending[0].n });
      progress(
        SCENARIO,
        `outage ${outage}: broker back after ${Date.now() - down} ms; ${pending[0].n} outcomes waited in the outbox`,
      );
      await produce(env.topics.onboarded, asMessages(later[outage - 1]));
    }

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
    recordOutcome(SCENARIO, {
      durationMs: Date.now() - started,
      outages,
      onboardings: report.onboardings,
      byStatus: report.byStatus,
      resultMessages: report.resultMessages,
      tokensCompared: report.tokensCompared,
    });
  });
});
