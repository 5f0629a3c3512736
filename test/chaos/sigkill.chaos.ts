import { createTestEnvironment, TestEnvironment } from '../support/app';
import { ServiceProcess } from '../support/service-process';
import {
  asMessages,
  chaosEvents,
  running,
  statusCounts,
  produce,
  progress,
  randomBetween,
  recordOutcome,
  seedWorkspaces,
  serviceLog,
  sized,
  sleep,
  split,
  waitForAllTerminal,
  waitForCounts,
} from './harness';
import { assertInvariants } from './invariants';

const SCENARIO = 'sigkill';
const SIZE = sized({
  reduced: { onboardings: 20, kills: 3, sameGroupRestarts: 0, timeoutMs: 120_000 },
  full: { onboardings: 60, kills: 12, sameGroupRestarts: 2, timeoutMs: 300_000 },
});

/**
 * SIGKILL of the service process at random moments, over and over, restarting it each time.
 * The batch is produced in waves, one after each restart, so every kill lands while
 * onboardings are mid-flight (a latency fault keeps each Workato call in the air).
 *
 * A killed consumer stays in the Kafka group until its session times out (30 s), and a
 * restarted instance with the same group waits for that before it serves HTTP. Most restarts
 * therefore join a fresh group (which re-reads the topic from the beginning: every event is
 * delivered again and must be deduplicated); in full size the last restarts keep the group,
 * the way a real deployment restarts.
 */
describe('chaos: SIGKILL at random moments', () => {
  let env: TestEnvironment;
  let service: ServiceProcess | null = null;

  beforeAll(async () => {
    env = await createTestEnvironment('chaos-sigkill');
  });

  afterAll(async () => {
    await service?.kill();
    await env?.close();
  });

  it('loses, duplicates and leaks nothing across repeated kills', async () => {
    const started = Date.now();
    const workspaces = await seedWorkspaces(env.control, 4);
    await env.control.addFault({ method: '*', path: '/managed_users/', latencyMs: 250, count: -1 });
    const events = chaosEvents(SCENARIO, workspaces, SIZE.onboardings);
    const eventIds = events.map((e) => e.eventId);
    const waves = split(events, SIZE.kills + 1);
    const serviceEnv = {
      ...env.env,
      ONBOARDING_LEASE_SECONDS: '3',
      ONBOARDING_CONCURRENCY: '4',
      LOG_LEVEL: 'warn',
    };
    let group = env.topics.groupId;
    const launch = async () => {
      const next = await ServiceProcess.create(
        { ...serviceEnv, KAFKA_GROUP_ID: group },
        'chaos-sigkill',
      );
      const t = Date.now();
      await next.start();
      return { next, readyMs: Date.now() - t };
    };
    service = (await launch()).next;
    progress(
      SCENARIO,
      `${events.length} onboardings in ${waves.length} waves, ${SIZE.kills} kills; log ${serviceLog('chaos-sigkill')}`,
    );

    const restarts: { group: 'fresh' | 'same'; readyMs: number }[] = [];
    for (let k = 0; k < SIZE.kills; k++) {
      // The wave, plus one event of an earlier wave again (a partner's retry).
      const again = k > 0 ? [waves[k - 1][0]] : [];
      await produce(env.topics.onboarded, asMessages([...waves[k], ...again]));
      // At a random moment once onboardings are being worked on.
      await waitForCounts(SCENARIO, env.database.dataSource, eventIds, (c) => running(c) > 0, {
        timeoutMs: 30_000,
        what: `onboardings in flight before kill ${k + 1}`,
        intervalMs: 50,
      });
      await sleep(randomBetween(0, 1500));
      const flying = running(await statusCounts(env.database.dataSource, eventIds));
      await service.kill();
      const sameGroup = k >= SIZE.kills - SIZE.sameGroupRestarts;
      if (!sameGroup) group = `${env.topics.groupId}.restart-${k + 1}`;
      const { next, readyMs } = await launch();
      service = next;
      restarts.push({ group: sameGroup ? 'same' : 'fresh', readyMs });
      progress(
        SCENARIO,
        `kill ${k + 1}/${SIZE.kills} with ${flying} onboardings in flight; ` +
          `restarted (${sameGroup ? 'same' : 'fresh'} consumer group) ready in ${readyMs} ms`,
      );
    }
    await produce(env.topics.onboarded, asMessages(waves[SIZE.kills]));

    await waitForAllTerminal(SCENARIO, env.database.dataSource, eventIds, SIZE.timeoutMs);
    await env.control.clearFaults();
    const report = await assertInvariants({
      scenario: SCENARIO,
      db: env.database.dataSource,
      control: env.control,
      serviceUrl: service.url,
      resultsTopic: env.topics.results,
      eventIds,
    });
    recordOutcome(SCENARIO, {
      durationMs: Date.now() - started,
      kills: SIZE.kills,
      restarts,
      onboardings: report.onboardings,
      byStatus: report.byStatus,
      resultMessages: report.resultMessages,
      tokensCompared: report.tokensCompared,
    });
  });
});
