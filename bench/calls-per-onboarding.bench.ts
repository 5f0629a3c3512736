import type { CallRecord } from '../workato-sandbox/sandbox-control.client';
import { SandboxControl, startSandbox } from '../workato-sandbox/sandbox.server';
import { UNLIMITED_FAMILIES } from '../test/support/app';
import {
  customerOnboarded,
  EventOverrides,
  seedWorkspace,
  TestWorkspace,
} from '../test/support/events';
import { rest, waitForTerminal } from '../test/support/rest';
import { BenchDatabase, BenchEnvironment, BenchTopics, statusCounts } from './bench-environment';
import { describeLogged, Log, now, sleep } from './measure';
import { Figure, figure, formatNumber } from './report';
import { BenchScale } from './scale';
import { API_TOKEN, startService } from './service';
import { ServiceProcess } from './service-process';

const TIMEOUT_MS = 3 * 60_000;
/** WORKATO_PORTAL_CACHE_SECONDS, the service's default: how long a portal list is kept. */
const PORTAL_CACHE_SECONDS = 300;
const AUTH = { authorization: `Bearer ${API_TOKEN}` };
const TWO_KEYS = [
  { name: 'Production', active: true, ipAllowList: [], ipDenyList: [] },
  { name: 'Staging', active: false, ipAllowList: [], ipDenyList: [] },
];

/** One kind of onboarding, as the issue lists them. */
interface Shape {
  name: string;
  /** The creates: the collection, the client, its keys. */
  creates: number;
  /** Whether the client names its portal (so a portal list is needed to find its id). */
  portalByName: boolean;
  /** All onboardings of the shape in one workspace (one portal list for all of them). */
  oneWorkspace: boolean;
  overrides(ws: TestWorkspace, i: number): EventOverrides;
}

const SHAPES: Shape[] = [
  {
    name: 'token + 1 key',
    creates: 3,
    portalByName: false,
    oneWorkspace: false,
    overrides: () => ({}),
  },
  {
    name: 'token + 2 keys',
    creates: 4,
    portalByName: false,
    oneWorkspace: false,
    overrides: () => ({ apiKeys: TWO_KEYS }),
  },
  {
    name: 'JWT (HMAC) without keys',
    creates: 2,
    portalByName: false,
    oneWorkspace: false,
    overrides: () => ({ apiClient: { authType: 'jwt', jwt: { method: 'hmac' } }, apiKeys: [] }),
  },
  {
    name: 'OAuth 2.0 + 1 key, portal by name, a workspace each',
    creates: 3,
    portalByName: true,
    oneWorkspace: false,
    overrides: (ws, i) => ({
      apiClient: {
        authType: 'oauth2',
        portal: { portalName: ws.magicLinkPortal.name, email: `dev${i}@example.com` },
      },
    }),
  },
  {
    name: 'OAuth 2.0 + 1 key, portal by name, all in one workspace',
    creates: 3,
    portalByName: true,
    oneWorkspace: true,
    overrides: (ws, i) => ({
      collection: { name: `Customer ${ws.id} API ${i}` },
      apiClient: {
        name: `Customer ${ws.id} client ${i}`,
        authType: 'oauth2',
        portal: { portalName: ws.magicLinkPortal.name, email: `dev${i}@example.com` },
      },
    }),
  },
];

/** What the runs of this bench share. */
interface Rig {
  env: BenchEnvironment;
  db: BenchDatabase;
  topics: BenchTopics;
  sandbox: { url: string; token: string };
  control: SandboxControl;
  log: Log;
}

interface ShapeResult {
  shape: Shape;
  onboardings: number;
  workspaces: number;
  completed: number;
  calls: number;
  byRequest: Record<string, number>;
}

/**
 * 6: Workato calls per onboarding, for each shape of onboarding, with adoption off
 * (ONBOARDING_ADOPT_EXISTING=false: nothing is looked up before a create) and on (the default: the
 * collection and the client are looked up by name first), beside the minimum: the creates, plus
 * for a portal named rather than given by id one portal list per managed user and cache
 * lifetime. The sandbox's call log is read per workspace. Then the recovery path: the built
 * service is SIGKILLed while Workato holds the answer of a client it has created, and
 * restarted; the calls of that onboarding, and that it ends with exactly one client.
 */
export async function benchCallsPerOnboarding(
  env: BenchEnvironment,
  scale: BenchScale,
  log: Log,
): Promise<Figure[]> {
  const n = scale.callsPerShape;
  const db = await env.createDatabase('calls', 5);
  const topics = await env.createTopics('calls', 1);
  const sandbox = await startSandbox({ port: 0, limits: 'off' });
  const control = new SandboxControl(sandbox.url);
  try {
    const rig: Rig = { env, db, topics, sandbox, control, log };
    const figures: Figure[] = [];
    for (const adopt of [false, true]) {
      const results = await runShapes(rig, adopt, n);
      for (const r of results) figures.push(shapeFigure(r, adopt));
    }
    for (const adopt of [false, true]) figures.push(await recoveryPath(rig, adopt));
    return figures;
  } finally {
    await sandbox.close().catch(() => undefined);
    await env.deleteTopics(topics);
    await db.drop().catch(() => undefined);
  }
}

/** Every shape's N onboardings at once, through one service in this process. */
async function runShapes(
  { env, db, topics, sandbox, control, log }: Rig,
  adopt: boolean,
  n: number,
): Promise<ShapeResult[]> {
  const plans: { shape: Shape; workspaces: TestWorkspace[]; events: Record<string, unknown>[] }[] =
    [];
  for (const shape of SHAPES) {
    const workspaces: TestWorkspace[] = [];
    for (let i = 0; i < (shape.oneWorkspace ? 1 : n); i++)
      workspaces.push(await seedWorkspace(control));
    const events = Array.from({ length: n }, (_, i) => {
      const ws = workspaces[shape.oneWorkspace ? 0 : i];
      return customerOnboarded(ws, shape.overrides(ws, i));
    });
    plans.push({ shape, workspaces, events });
  }
  const service = await startService(
    env.serviceSettings(db, topics, sandbox, {
      ONBOARDING_ADOPT_EXISTING: String(adopt),
      WORKATO_RATE_LIMIT_RPS: '100000',
      WORKATO_RATE_LIMITS: UNLIMITED_FAMILIES,
      API_RATE_LIMIT_PER_MINUTE: '1000000',
    }),
  );
  try {
    const url = await service.app.getUrl();
    const before = await statusCounts(db.dataSource);
    const expected = total(before) + plans.length * n;
    const since = await control.lastCallSeq();
    const started = now();
    for (const plan of plans)
      for (const event of plan.events) {
        const res = await rest(url, 'POST', '/v1/onboardings', event, AUTH);
        if (res.status !== 202)
          throw new Error(`POST /v1/onboardings: HTTP ${res.status}: ${JSON.stringify(res.body)}`);
      }
    let counts = before;
    while (terminal(counts) < expected) {
      if (now() - started > TIMEOUT_MS)
        throw new Error(`only ${terminal(counts)}/${expected} onboardings ended in time`);
      await sleep(100);
      counts = await statusCounts(db.dataSource);
    }
    const calls = await control.calls(since);
    const completedByEvent = new Set(
      (
        (await db.dataSource.query(
          `SELECT event_id FROM onboarding WHERE status = 'COMPLETED' AND event_id = ANY($1)`,
          [plans.flatMap((p) => p.events.map((e) => String(e.eventId)))],
        )) as { event_id: string }[]
      ).map((r) => r.event_id),
    );
    log(
      `6: adoption ${adopt ? 'on' : 'off'}: ${plans.length * n} onboardings (${n} per shape) in ` +
        `${((now() - started) / 1000).toFixed(1)} s; service warnings/errors: ${describeLogged(service.logged)}`,
    );
    return plans.map((plan) => {
      const refs = new Set(plan.workspaces.map((ws) => ws.ref));
      const own = calls.filter((c) => refs.has(managedUserOf(c) ?? ''));
      const byRequest: Record<string, number> = {};
      for (const c of own) {
        const key = `${c.method} ${c.path.replace(/managed_users\/[^/]+/, 'managed_users/:mu').replace(/\/\d+(?=\/|$)/g, '/:id')}`;
        byRequest[key] = (byRequest[key] ?? 0) + 1;
      }
      const result: ShapeResult = {
        shape: plan.shape,
        onboardings: n,
        workspaces: plan.workspaces.length,
        completed: plan.events.filter((e) => completedByEvent.has(String(e.eventId))).length,
        calls: own.length,
        byRequest,
      };
      log(
        `   ${plan.shape.name}: ${formatNumber(own.length / n)} calls per onboarding ` +
          `(minimum ${formatNumber(minimum(result))}), ${result.completed}/${n} COMPLETED: ${Object.entries(
            byRequest,
          )
            .map(([k, v]) => `${formatNumber(v / n)} x ${k}`)
            .join(', ')}`,
      );
      return result;
    });
  } finally {
    await service.close();
  }
}

/** The creates, plus a portal list per workspace when the portal is named (one per cache lifetime). */
function minimum(r: ShapeResult): number {
  return r.shape.creates + (r.shape.portalByName ? r.workspaces / r.onboardings : 0);
}

function shapeFigure(r: ShapeResult, adopt: boolean): Figure {
  const min = minimum(r);
  const perOnboarding = r.calls / r.onboardings;
  const allDone = r.completed === r.onboardings;
  const done = `${r.onboardings}/${r.onboardings} COMPLETED`;
  const minimumName = r.shape.portalByName
    ? `${r.shape.creates} creates + ${r.workspaces === 1 ? `1/${r.onboardings}` : '1'} portal list (one per managed user per ${PORTAL_CACHE_SECONDS} s cache)`
    : `${r.shape.creates} creates`;
  return figure({
    id: '6',
    name: `Calls per onboarding, ${r.shape.name}, adoption ${adopt ? 'on' : 'off'}`,
    value: perOnboarding,
    unit: 'calls',
    baseline: { name: `minimum: ${minimumName}`, value: min, unit: 'calls' },
    target: adopt
      ? {
          description: `<= minimum + 2, ${done}`,
          met: allDone && perOnboarding <= min + 2 + 1e-9,
        }
      : { description: `= minimum, ${done}`, met: allDone && Math.abs(perOnboarding - min) < 1e-9 },
    details: {
      onboardings: r.onboardings,
      completed: r.completed,
      workspaces: r.workspaces,
      calls: r.calls,
      perRequestKind: Object.fromEntries(
        Object.entries(r.byRequest).map(([k, v]) => [k, v / r.onboardings]),
      ),
      adoptExisting: adopt,
      sandbox: 'limits off',
    },
  });
}

/**
 * A SIGKILL between a create and its result: Workato creates the client but holds its answer for
 * 30 s; once the client exists the service process is killed, the fault removed and the service
 * restarted (leases of 2 s, so it takes the onboarding up again at once).
 */
async function recoveryPath(
  { env, db, topics, sandbox, control, log }: Rig,
  adopt: boolean,
): Promise<Figure> {
  const ws = await seedWorkspace(control);
  // HTTP ingestion only: without Kafka the killed process leaves no consumer-group member
  // behind whose session (30 s) would hold up the restarted one's shutdown.
  const settings = {
    ...env.serviceSettings(db, topics, sandbox, {
      ONBOARDING_ADOPT_EXISTING: String(adopt),
      ONBOARDING_LEASE_SECONDS: '2',
    }),
    kafkaBrokers: [],
  };
  await control.addFault({
    method: 'POST',
    path: `/v2/managed_users/${ws.ref}/api_clients$`,
    latencyMs: 30_000,
    afterResponse: true,
  });
  const since = await control.lastCallSeq();
  const event = customerOnboarded(ws);
  let service: ServiceProcess | null = await ServiceProcess.start(settings, log);
  try {
    const res = await rest(service.url, 'POST', '/v1/onboardings', event, AUTH);
    if (res.status !== 202) throw new Error(`POST /v1/onboardings: HTTP ${res.status}`);
    const deadline = now() + 30_000;
    while ((await control.managedUser(ws.id)).clients.length === 0) {
      if (now() > deadline) throw new Error('the client create never reached the sandbox');
      await sleep(20);
    }
    await service.kill();
    // The fault fired once and is spent; nothing else may hold an answer on the restart.
    await control.clearFaults();
    const killedAfter = (await control.calls(since)).filter((c) => ownCall(c, ws)).length;
    service = await ServiceProcess.start(settings, log);
    const restartedAt = now();
    const view = await waitForTerminal(service.url, String(event.eventId), AUTH, 60_000);
    const recoverySeconds = (now() - restartedAt) / 1000;
    const state = await control.managedUser(ws.id);
    const calls = (await control.calls(since)).filter((c) => ownCall(c, ws));
    const stopStarted = now();
    await service.stop();
    const stopSeconds = (now() - stopStarted) / 1000;
    const sequence = calls.map(
      (c) => `${c.method} ${c.path.replace(/\/\d+(?=\/|$)/g, '/:id').replace(ws.ref, ':mu')}`,
    );
    const ok = view.status === 'COMPLETED' && state.clients.length === 1;
    log(
      `6: recovery path, adoption ${adopt ? 'on' : 'off'}: ${calls.length} calls (${killedAfter} before ` +
        `the SIGKILL), ${view.status} ${recoverySeconds.toFixed(1)} s after the restart (stopped in ` +
        `${stopSeconds.toFixed(1)} s), ${state.clients.length} client(s): ${sequence.join(', ')}`,
    );
    return figure({
      id: '6',
      name: `Calls on the recovery path (SIGKILL between the client's create and its answer), adoption ${adopt ? 'on' : 'off'}`,
      value: calls.length,
      unit: 'calls',
      baseline: { name: 'minimum: 3 creates', value: 3, unit: 'calls' },
      target: { description: 'COMPLETED with exactly 1 client', met: ok },
      details: {
        status: view.status,
        clients: state.clients.length,
        collections: state.collections.length,
        callsBeforeKill: killedAfter,
        secondsFromRestartToTerminal: recoverySeconds,
        sequence,
        clientAdopted: view.resources?.apiClient?.adopted,
      },
    });
  } finally {
    await service?.stop().catch(() => undefined);
    await control.clearFaults().catch(() => undefined);
  }
}

function ownCall(call: CallRecord, ws: TestWorkspace): boolean {
  return managedUserOf(call) === ws.ref;
}

function managedUserOf(call: CallRecord): string | null {
  return /\/managed_users\/([^/]+)/.exec(call.path)?.[1] ?? null;
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function terminal(counts: Record<string, number>): number {
  return (counts.COMPLETED ?? 0) + (counts.FAILED ?? 0) + (counts.COMPENSATION_FAILED ?? 0);
}
