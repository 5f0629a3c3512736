import { FaultSpec } from '../../workato-sandbox/sandbox-control.client';
import { createTestEnvironment, TestEnvironment } from '../support/app';
import { ServiceProcess } from '../support/service-process';
import {
  asMessages,
  chaosEvents,
  produce,
  progress,
  recordOutcome,
  seedWorkspaces,
  serviceLog,
  sized,
  sleep,
  waitForAllTerminal,
} from './harness';
import { assertInvariants } from './invariants';

const SCENARIO = 'workato-storm';
const SIZE = sized({
  reduced: { onboardings: 15, burstWindowMs: 15_000, timeoutMs: 180_000 },
  full: { onboardings: 60, burstWindowMs: 60_000, timeoutMs: 420_000 },
});

const TIMEOUT_MS = 1000;
const MU = '/managed_users/';

/**
 * Workato misbehaving in every documented way at once. The first fault that matches and fires
 * takes a request, so the probabilities below are per fault, in this order:
 * - timeouts: the answer comes after WORKATO_TIMEOUT_MS (the operation still happens);
 * - dropped connections before Workato acts, and after it acted (the caller never learns);
 * - 200 with `success: false` (a terminal error: the onboarding is compensated), and a few
 *   certain terminal failures (422 on a client create, success: false on key creates);
 * - 500, 502 and 503 on 30% of the calls that get this far;
 * - and, from a background loop, bursts of 429 with Retry-After (one at a time, early on).
 * Onboardings may end FAILED or COMPENSATION_FAILED; the invariants must hold regardless.
 */
const STORM: FaultSpec[] = [
  // A few certain terminal failures, so compensation runs under the storm too.
  { method: 'POST', path: `${MU}[^/]+/api_clients$`, count: 1, skip: 3, status: 422 },
  { method: 'POST', path: '/api_keys$', count: 2, skip: 4, successFalse: true },
  { path: MU, count: -1, probability: 0.03, latencyMs: TIMEOUT_MS + 500 },
  { path: MU, count: -1, probability: 0.02, drop: true },
  { path: MU, count: -1, probability: 0.02, drop: true, afterResponse: true },
  { path: MU, count: -1, probability: 0.01, successFalse: true },
  { path: MU, count: -1, probability: 0.1, status: 500 },
  { path: MU, count: -1, probability: 0.1 / 0.9, status: 502 },
  { path: MU, count: -1, probability: 0.1 / 0.8, status: 503 },
];

describe('chaos: Workato storm', () => {
  let env: TestEnvironment;
  let service: ServiceProcess | null = null;
  let storming = false;
  let bursts: Promise<number> | null = null;

  beforeAll(async () => {
    env = await createTestEnvironment('chaos-storm');
  });

  afterAll(async () => {
    storming = false;
    await bursts;
    await service?.kill();
    await env?.close();
  });

  it('keeps every invariant while Workato fails, throttles, times out and drops', async () => {
    const started = Date.now();
    const workspaces = await seedWorkspaces(env.control, 4);
    const events = chaosEvents(SCENARIO, workspaces, SIZE.onboardings);
    const eventIds = events.map((e) => e.eventId);
    service = await ServiceProcess.create(
      {
        ...env.env,
        WORKATO_TIMEOUT_MS: String(TIMEOUT_MS),
        ONBOARDING_LEASE_SECONDS: '3',
        ONBOARDING_CONCURRENCY: '8',
        LOG_LEVEL: 'warn',
      },
      'chaos-storm',
    );
    await service.start();
    progress(SCENARIO, `${events.length} onboardings; log ${serviceLog('chaos-storm')}`);
    for (const fault of STORM) await env.control.addFault(fault);
    const since = await env.control.lastCallSeq();
    storming = true;
    // Bursts of 429: a new one once the last is used up, for the first part of the run (a
    // burst every few seconds would otherwise take nearly every call of the last stragglers).
    const burstUntil = Date.now() + SIZE.burstWindowMs;
    bursts = (async () => {
      let n = 0;
      while (storming && Date.now() < burstUntil) {
        await sleep(1000);
        const pending = (await env.control.faults()).some((f) => f.status === 429);
        if (!storming || pending) continue;
        // Added last: the burst takes the next calls that no other fault took.
        await env.control.addFault({ path: MU, count: 6, status: 429, retryAfter: 1 });
        n++;
      }
      return n;
    })();

    await produce(env.topics.onboarded, asMessages(events));
    await waitForAllTerminal(SCENARIO, env.database.dataSource, eventIds, SIZE.timeoutMs);
    storming = false;
    const burstCount = await bursts;
    bursts = null;
    const calls = await env.control.calls(since);
    await env.control.clearFaults();
    const faulted = calls.filter((c) => c.faultId !== undefined);
    const storm = {
      workatoCalls: calls.length,
      faulted: faulted.length,
      dropped: calls.filter((c) => c.dropped).length,
      byStatus: countBy(faulted.map((c) => String(c.status ?? 'none'))),
      bursts429: burstCount,
    };
    progress(SCENARIO, `storm: ${JSON.stringify(storm)}`);

    const report = await assertInvariants({
      scenario: SCENARIO,
      db: env.database.dataSource,
      control: env.control,
      serviceUrl: service.url,
      resultsTopic: env.topics.results,
      eventIds,
    });
    const errors: { code: string; n: number }[] = await env.database.dataSource.query(
      `SELECT coalesce(error->>'code', 'none') AS code, count(*)::int AS n
       FROM onboarding WHERE status <> 'COMPLETED' GROUP BY 1`,
    );
    recordOutcome(SCENARIO, {
      durationMs: Date.now() - started,
      storm,
      onboardings: report.onboardings,
      byStatus: report.byStatus,
      failureCodes: Object.fromEntries(errors.map((e) => [e.code, e.n])),
      resultMessages: report.resultMessages,
      tokensCompared: report.tokensCompared,
      compensationsChecked: report.compensationsChecked,
    });
  });
});

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
