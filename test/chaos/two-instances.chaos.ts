import { createTestEnvironment, TestEnvironment } from '../support/app';
import { ServiceProcess } from '../support/service-process';
import {
  chaosEvents,
  describeLiveness,
  monitorLiveness,
  produce,
  progress,
  recordOutcome,
  running,
  seedWorkspaces,
  servicePids,
  serviceLog,
  sized,
  statusCounts,
  waitForAllTerminal,
  waitForCounts,
} from './harness';
import { assertInvariants } from './invariants';

const SCENARIO = 'two-instances';
const SIZE = sized({
  reduced: { onboardings: 20, killAfterCompleted: 5, timeoutMs: 120_000 },
  full: { onboardings: 80, killAfterCompleted: 20, timeoutMs: 300_000 },
});

/**
 * Two service processes on one database and one consumer group; one is SIGKILLed mid-batch.
 * The survivor takes over the dead instance's leases (after ONBOARDING_LEASE_SECONDS) and,
 * once the group rebalances, its partitions; it finishes everything.
 */
describe('chaos: two instances, one killed mid-batch', () => {
  let env: TestEnvironment;
  let survivor: ServiceProcess | null = null;
  let victim: ServiceProcess | null = null;

  beforeAll(async () => {
    env = await createTestEnvironment('chaos-two');
  });

  afterAll(async () => {
    await victim?.kill();
    await survivor?.kill();
    await env?.close();
  });

  it('the survivor finishes every onboarding, exactly once', async () => {
    const started = Date.now();
    const workspaces = await seedWorkspaces(env.control, 6);
    await env.control.addFault({ method: '*', path: '/managed_users/', latencyMs: 150, count: -1 });
    const events = chaosEvents(SCENARIO, workspaces, SIZE.onboardings);
    const eventIds = events.map((e) => e.eventId);
    const serviceEnv = {
      ...env.env,
      ONBOARDING_LEASE_SECONDS: '3',
      ONBOARDING_CONCURRENCY: '4',
      LOG_LEVEL: 'warn',
    };
    survivor = await ServiceProcess.create(serviceEnv, 'chaos-two-survivor');
    victim = await ServiceProcess.create(serviceEnv, 'chaos-two-victim');
    await survivor.start();
    await victim.start();
    progress(
      SCENARIO,
      `${events.length} onboardings over 2 instances; logs ${serviceLog('chaos-two-survivor')}, ${serviceLog('chaos-two-victim')}`,
    );
    const liveness = monitorLiveness(survivor.url);

    // One key per event so the three partitions (and so both instances) get work.
    await produce(
      env.topics.onboarded,
      events.map((e, i) => ({ key: `${e.key}-${i}`, value: JSON.stringify(e.body) })),
    );
    await waitForCounts(
      SCENARIO,
      env.database.dataSource,
      eventIds,
      (c) => (c.COMPLETED ?? 0) >= SIZE.killAfterCompleted,
      { timeoutMs: 60_000, what: `${SIZE.killAfterCompleted} completed before the kill` },
    );
    const leased: { owner: string; n: number }[] = await env.database.dataSource.query(
      `SELECT lease_owner AS owner, count(*)::int AS n FROM onboarding
       WHERE lease_owner IS NOT NULL GROUP BY lease_owner`,
    );
    const flying = running(await statusCounts(env.database.dataSource, eventIds));
    const before = servicePids();
    await victim.kill();
    const victimPid = before.find((pid) => !servicePids().includes(pid));
    const victimLeases = leased
      .filter((l) => l.owner.includes(`/${victimPid}/`))
      .reduce((sum, l) => sum + l.n, 0);
    progress(
      SCENARIO,
      `killed instance pid ${victimPid} holding ${victimLeases} leases, ${flying} onboardings in flight`,
    );

    await waitForAllTerminal(SCENARIO, env.database.dataSource, eventIds, SIZE.timeoutMs);
    const alive = await liveness.stop();
    progress(SCENARIO, `survivor liveness: ${describeLiveness(alive)}`);
    expect(survivor.exitCode).toBeNull();
    expect(alive.failures).toEqual([]);
    await env.control.clearFaults();
    const report = await assertInvariants({
      scenario: SCENARIO,
      db: env.database.dataSource,
      control: env.control,
      serviceUrl: survivor.url,
      resultsTopic: env.topics.results,
      eventIds,
    });
    recordOutcome(SCENARIO, {
      durationMs: Date.now() - started,
      kills: 1,
      inFlightAtKill: flying,
      victimLeasesAtKill: victimLeases,
      onboardings: report.onboardings,
      byStatus: report.byStatus,
      resultMessages: report.resultMessages,
      tokensCompared: report.tokensCompared,
    });
  });
});
