import { randomUUID } from 'node:crypto';
import { createTestEnvironment, OPERATOR_TOKEN, TestEnvironment } from '../support/app';
import { customerOnboarded, TestWorkspace } from '../support/events';
import { ServiceProcess } from '../support/service-process';
import {
  ChaosEvent,
  asMessages,
  produce,
  progress,
  randomBetween,
  recordOutcome,
  running,
  seedWorkspaces,
  serviceLog,
  sized,
  sleep,
  statusCounts,
  waitForAllTerminal,
  waitForCounts,
} from './harness';

const SCENARIO = 'rotation';
const GRACE_SECONDS = 3;
const SIZE = sized({
  reduced: { customers: 6, kills: 2, timeoutMs: 120_000 },
  full: { customers: 20, kills: 6, timeoutMs: 300_000 },
});

interface SandboxKey {
  id: number;
  name: string;
  active: boolean;
  auth_token: string;
}

/**
 * Overlap rotations of many customers' API keys through Kafka while the service is SIGKILLed
 * at random moments (mid-create, mid-wait), with every event delivered twice. The sandbox's
 * state is sampled throughout. Invariants, from the sandbox and Postgres rather than from what
 * the service says:
 *   - every rotation COMPLETED, once per event (duplicates deduplicated);
 *   - never a moment without a working key for any of the rotated keys;
 *   - afterwards each client holds exactly one new key per old key, active, and no old key;
 *   - each new key's token is the one the service hands out (once);
 *   - no old key was disabled before its grace period had passed;
 *   - one ApiKeysRotated message per rotation in the outbox, after its ApiKeysRotationReady.
 */
describe('chaos: SIGKILL during overlap key rotations', () => {
  let env: TestEnvironment;
  let service: ServiceProcess | null = null;

  beforeAll(async () => {
    env = await createTestEnvironment('chaos-rotation');
  });

  afterAll(async () => {
    await service?.kill();
    await env?.close();
  });

  it('ends every rotation with one new working key per old key, never a moment without one', async () => {
    const started = Date.now();
    const workspaces = await seedWorkspaces(env.control, SIZE.customers);
    const serviceEnv = {
      ...env.env,
      ONBOARDING_LEASE_SECONDS: '2',
      ONBOARDING_CONCURRENCY: '4',
      LOG_LEVEL: 'warn',
    };
    let group = env.topics.groupId;
    const launch = async () => {
      const next = await ServiceProcess.create(
        { ...serviceEnv, KAFKA_GROUP_ID: group },
        'chaos-rotation',
      );
      await next.start();
      return next;
    };
    service = await launch();
    progress(
      SCENARIO,
      `${SIZE.customers} customers, ${SIZE.kills} kills; log ${serviceLog('chaos-rotation')}`,
    );

    const onboardings: ChaosEvent[] = workspaces.map((ws) => {
      const body = customerOnboarded(ws, {
        apiKeys: [
          { name: 'Production', active: true, ipAllowList: [], ipDenyList: [] },
          { name: 'Staging', active: true, ipAllowList: [], ipDenyList: [] },
        ],
      });
      return { key: ws.ref, eventId: String(body.eventId), body };
    });
    await produce(env.topics.onboarded, asMessages(onboardings));
    await waitForAllTerminal(
      SCENARIO,
      env.database.dataSource,
      onboardings.map((o) => o.eventId),
      SIZE.timeoutMs,
    );
    const before = new Map<TestWorkspace, SandboxKey[]>();
    for (const ws of workspaces) before.set(ws, await keysOf(ws));

    // Sample every customer's keys: each old key's lineage (the key, then its replacement)
    // must have a working key at every sample.
    const gaps: string[] = [];
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const ws of workspaces) {
          const keys = await keysOf(ws);
          for (const lineage of ['Production', 'Staging'])
            if (!keys.some((k) => k.name.startsWith(lineage) && k.active))
              gaps.push(`${ws.ref} ${lineage} at ${new Date().toISOString()}`);
        }
        samples++;
        await sleep(20);
      }
    })();

    const rotations: ChaosEvent[] = workspaces.map((ws) => {
      const body = {
        eventId: randomUUID(),
        eventType: 'ApiKeysRotationRequested',
        schemaVersion: 1,
        occurredAt: new Date().toISOString(),
        customer: { managedUserId: ws.ref },
        apiClient: { name: `Customer ${ws.id}` },
        mode: 'overlap',
        graceSeconds: GRACE_SECONDS,
      };
      return { key: ws.ref, eventId: body.eventId, body };
    });
    const rotationIds = rotations.map((r) => r.eventId);
    // Every rotation twice: a partner's retry must not make a second set of keys.
    await env.control.addFault({ method: '*', path: '/managed_users/', latencyMs: 150, count: -1 });
    await produce(env.topics.onboarded, asMessages([...rotations, ...rotations]));

    for (let k = 0; k < SIZE.kills; k++) {
      await waitForCounts(SCENARIO, env.database.dataSource, rotationIds, (c) => running(c) > 0, {
        timeoutMs: 30_000,
        what: `rotations in flight before kill ${k + 1}`,
        intervalMs: 50,
      });
      await sleep(randomBetween(0, GRACE_SECONDS * 1000));
      const flying = running(await statusCounts(env.database.dataSource, rotationIds));
      await service.kill();
      // A fresh group re-reads the topic: every event is delivered once more.
      group = `${env.topics.groupId}.restart-${k + 1}`;
      service = await launch();
      progress(SCENARIO, `kill ${k + 1}/${SIZE.kills} with ${flying} rotations in flight`);
    }

    await waitForAllTerminal(SCENARIO, env.database.dataSource, rotationIds, SIZE.timeoutMs);
    sampling = false;
    await sampler;
    await env.control.clearFaults();

    const violations: string[] = [...gaps.slice(0, 10).map((g) => `no working key: ${g}`)];
    const rows: {
      id: string;
      event_id: string;
      status: string;
      managed_user_id: string;
    }[] = await env.database.dataSource.query(
      `SELECT id, event_id, status, managed_user_id FROM onboarding
       WHERE operation_type = 'KEY_ROTATION' ORDER BY ingest_seq`,
    );
    if (rows.length !== rotations.length)
      violations.push(`${rows.length} rotations for ${rotations.length} distinct events`);
    for (const row of rows) {
      if (row.status !== 'COMPLETED') {
        violations.push(`rotation ${row.id} ended ${row.status}`);
        continue;
      }
      const ws = workspaces.find((w) => w.ref === row.managed_user_id)!;
      const old = before.get(ws)!;
      const now = await keysOf(ws);
      const view = (await api(service.url, `/v1/operations/${row.id}`)) as {
        steps: {
          kind: string;
          startedAt: string;
          finishedAt: string;
          target?: { newKeyName?: string };
        }[];
      };
      const expected = view.steps
        .filter((s) => s.kind === 'ROTATED_API_KEY')
        .map((s) => s.target?.newKeyName)
        .sort();
      const names = now.map((k) => k.name).sort();
      if (JSON.stringify(names) !== JSON.stringify(expected))
        violations.push(
          `${ws.ref} holds ${JSON.stringify(names)}, expected ${JSON.stringify(expected)}`,
        );
      if (now.some((k) => old.some((o) => o.id === k.id)))
        violations.push(`${ws.ref} still holds an old key`);
      if (now.some((k) => !k.active)) violations.push(`${ws.ref} has an inactive new key`);
      const grace = view.steps.find((s) => s.kind === 'GRACE_PERIOD')!;
      for (const disable of view.steps.filter((s) => s.kind === 'API_KEY_DISABLE'))
        if (
          new Date(disable.finishedAt).getTime() <
          new Date(grace.startedAt).getTime() + GRACE_SECONDS * 1000
        )
          violations.push(`${ws.ref}: an old key was disabled before its grace period ended`);
      const credentials = (await api(service.url, `/v1/operations/${row.id}/credentials`)) as {
        apiKeys: { name: string; authToken: string }[];
      };
      for (const key of credentials.apiKeys ?? [])
        if (now.find((k) => k.name === key.name)?.auth_token !== key.authToken)
          violations.push(`${ws.ref}: the token handed out for ${key.name} is not the key's`);
      if ((credentials.apiKeys ?? []).length !== expected.length)
        violations.push(`${ws.ref}: ${credentials.apiKeys?.length ?? 0} tokens handed out`);
    }
    const results: { n: number }[] = await env.database.dataSource.query(
      `SELECT count(*)::int AS n FROM outbox_message WHERE payload->>'type' = 'ApiKeysRotated'`,
    );
    if (results[0].n !== rotations.length)
      violations.push(`${results[0].n} ApiKeysRotated messages for ${rotations.length} rotations`);
    // The new keys were announced before the outcome: at least once (again after a kill
    // between the wait's commit and its relay is fine), never after it.
    const announced: { operation: string; ready: string | null; rotated: string | null }[] =
      await env.database.dataSource.query(
        `SELECT payload->>'operationId' AS operation,
           min(id) FILTER (WHERE payload->>'type' = 'ApiKeysRotationReady') AS ready,
           min(id) FILTER (WHERE payload->>'type' = 'ApiKeysRotated') AS rotated
         FROM outbox_message
         WHERE payload->>'type' IN ('ApiKeysRotationReady', 'ApiKeysRotated')
         GROUP BY 1`,
      );
    if (announced.length !== rotations.length)
      violations.push(`${announced.length} rotations in the results of ${rotations.length}`);
    for (const a of announced)
      if (a.ready === null || a.rotated === null || Number(a.ready) > Number(a.rotated))
        violations.push(`${a.operation}: no ApiKeysRotationReady before its ApiKeysRotated`);

    recordOutcome(SCENARIO, {
      durationMs: Date.now() - started,
      kills: SIZE.kills,
      rotations: rows.length,
      samples,
      violations: violations.length,
    });
    progress(
      SCENARIO,
      `${samples} samples of ${workspaces.length} workspaces; ${violations.length} violations`,
    );
    expect(violations).toEqual([]);
  });

  async function keysOf(ws: TestWorkspace): Promise<SandboxKey[]> {
    return (await env.control.managedUser(ws.id)).keys as unknown as SandboxKey[];
  }
});

async function api(baseUrl: string, path: string): Promise<unknown> {
  const response = await fetch(`${baseUrl}${path}`, {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
  });
  return response.json();
}
