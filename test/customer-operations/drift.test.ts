import { randomUUID } from 'node:crypto';
import {
  createTestEnvironment,
  eventually,
  startTestApp,
  TestApp,
  TestEnvironment,
  VIEWER_TOKEN,
} from '../support/app';
import { customerOnboarded, seedWorkspace, TestWorkspace } from '../support/events';
import { OnboardingView, rest, waitForTerminal } from '../support/rest';
import { OnboardingStore } from '../../src/onboarding/ports/onboarding.store';

/**
 * Drift detection and repair end to end, on real Postgres and the Workato sandbox over HTTP:
 * resources changed behind the service's back (through the sandbox's own Workato API, as a
 * person in Workato's UI would), found by GET /v1/customers/:id/drift and by the periodic
 * scan, repaired by POST /v1/customers/:id/reconcile, adopted resources and hand-added keys
 * reported and left alone.
 */
describe('drift detection and repair', () => {
  let env: TestEnvironment;
  let service: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('drift', { withKafka: false });
    service = await startTestApp(env.env, { DRIFT_SCAN_INTERVAL_SECONDS: '1' });
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  /** Workato's API of the sandbox, called directly: what the service does not know about. */
  async function workato(method: string, path: string, body?: unknown) {
    const response = await fetch(`${env.sandbox.url}/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${env.sandbox.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as OnboardingView;
  }

  async function onboard(ws: TestWorkspace, keys: string[]) {
    const event = customerOnboarded(ws, {
      apiKeys: keys.map((name) => ({ name, active: true, ipAllowList: [], ipDenyList: [] })),
    });
    expect((await rest(service.url, 'POST', '/v1/onboardings', event)).status).toBe(202);
    const view = await waitForTerminal(service.url, String(event.eventId));
    expect(view.status).toBe('COMPLETED');
    return view;
  }

  async function driftOf(ws: TestWorkspace) {
    const res = await rest<OnboardingView>(
      service.url,
      'GET',
      `/v1/customers/${ws.ref}/drift`,
      undefined,
      { authorization: `Bearer ${VIEWER_TOKEN}` },
    );
    expect(res.status).toBe(200);
    return res.body;
  }

  async function reconcile(ws: TestWorkspace): Promise<OnboardingView> {
    const accepted = await rest<{ operationId: string }>(
      service.url,
      'POST',
      `/v1/customers/${ws.ref}/reconcile`,
      undefined,
      { 'idempotency-key': randomUUID() },
    );
    expect(accepted.status).toBe(202);
    return eventually(
      async () => {
        const view = (
          await rest<OnboardingView>(
            service.url,
            'GET',
            `/v1/operations/${accepted.body.operationId}`,
          )
        ).body;
        return ['COMPLETED', 'FAILED', 'COMPENSATION_FAILED'].includes(view.status)
          ? view
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'the reconciliation did not finish' },
    );
  }

  async function keysOf(ws: TestWorkspace) {
    return (await env.control.managedUser(ws.id)).keys as {
      id: number;
      name: string;
      active: boolean;
      auth_token: string;
    }[];
  }

  it('finds keys deleted, disabled and added and collections changed behind its back, and reconcile repairs what it owns', async () => {
    const ws = await seedWorkspace(env.control);
    const onboarding = await onboard(ws, ['Production', 'Staging', 'Backup']);
    const clientId = onboarding.resources.apiClient.id as string;
    const collectionId = onboarding.resources.apiCollection.id as string;
    const byName = (name: string) =>
      onboarding.resources.apiKeys.find((k: OnboardingView) => k.name === name);
    expect(await driftOf(ws)).toMatchObject({ inSync: true, drift: [] });

    // Behind the service's back: a key deleted, one disabled, one added, the collections changed.
    const client = `/v2/managed_users/${ws.ref}/api_clients/${clientId}`;
    await workato('DELETE', `${client}/api_keys/${byName('Production').id}`);
    await workato('PUT', `${client}/api_keys/${byName('Staging').id}/disable`);
    const manual = await workato('POST', `${client}/api_keys`, { name: 'Manual', active: true });
    const other = await workato(
      'POST',
      `/managed_users/${ws.ref}/api_collections?project_id=${ws.projectId}`,
      { name: `Other ${ws.id}` },
    );
    await workato('PUT', client, {
      name: `Customer ${ws.id}`,
      api_collection_ids: [Number(collectionId), other.id],
    });

    const found = await driftOf(ws);
    expect(found.inSync).toBe(false);
    expect(
      found.drift.map((d: OnboardingView) => [d.kind, d.keyName ?? d.setting, d.repair]),
    ).toEqual([
      ['API_CLIENT_SETTINGS_CHANGED', 'apiCollectionIds', 'RESTORE_CLIENT'],
      ['API_KEY_MISSING', 'Production', 'RECREATE_KEY'],
      ['API_KEY_DISABLED', 'Staging', 'ENABLE_KEY'],
      ['API_KEY_ADDED_BY_HAND', 'Manual', null],
    ]);
    expect(found.drift.every((d: OnboardingView) => d.adopted === false)).toBe(true);
    // A viewer reads drift; repairing it takes an operator.
    expect(
      (
        await rest(service.url, 'POST', `/v1/customers/${ws.ref}/reconcile`, undefined, {
          authorization: `Bearer ${VIEWER_TOKEN}`,
        })
      ).status,
    ).toBe(403);

    const done = await reconcile(ws);
    expect(done.status).toBe('COMPLETED');
    expect(done.steps.map((s: OnboardingView) => [s.kind, s.status])).toEqual([
      ['API_KEY_RECREATE', 'SUCCEEDED'],
      ['API_KEY_ENABLE', 'SUCCEEDED'],
      ['API_CLIENT_RESTORE', 'SUCCEEDED'],
      ['DRIFT_REPORT', 'SUCCEEDED'],
    ]);
    const report = done.steps.find((s: OnboardingView) => s.kind === 'DRIFT_REPORT');
    expect(report.target.drift).toEqual(found.drift);

    // The recreated key: its old name, a token handed out once, the one Workato holds.
    const credentials = await rest<{ apiKeys: { name: string; id: string; authToken: string }[] }>(
      service.url,
      'GET',
      `/v1/operations/${done.id}/credentials`,
    );
    expect(credentials.status).toBe(200);
    expect(credentials.body.apiKeys).toHaveLength(1);
    const recreated = credentials.body.apiKeys[0];
    expect(recreated.name).toBe('Production');
    const keys = await keysOf(ws);
    const inSandbox = keys.find((k) => String(k.id) === recreated.id)!;
    expect(inSandbox).toMatchObject({ name: 'Production', active: true });
    expect(inSandbox.auth_token).toBe(recreated.authToken);
    expect((await rest(service.url, 'GET', `/v1/operations/${done.id}/credentials`)).status).toBe(
      410,
    );
    expect(JSON.stringify(done)).not.toContain(recreated.authToken);

    // Staging works again; the hand-added key is untouched; the collections are as onboarded.
    expect(keys.find((k) => k.name === 'Staging')?.active).toBe(true);
    expect(keys.find((k) => k.id === manual.data.id)).toMatchObject({ active: true });
    const restored = await workato('GET', client);
    expect(restored.data.api_collections.map((c: OnboardingView) => String(c.id))).toEqual([
      collectionId,
    ]);

    // What is left is what the service never owned.
    const after = await driftOf(ws);
    expect(after.drift.map((d: OnboardingView) => [d.kind, d.keyName])).toEqual([
      ['API_KEY_ADDED_BY_HAND', 'Manual'],
    ]);
    const customer = await rest<OnboardingView>(service.url, 'GET', `/v1/customers/${ws.ref}`);
    expect(customer.body.resources[0].keys.map((k: OnboardingView) => [k.name, k.state])).toEqual([
      ['Production', 'DELETED'],
      ['Staging', 'ACTIVE'],
      ['Backup', 'ACTIVE'],
      ['Production', 'ACTIVE'],
    ]);
  });

  it('a recreate whose answer was lost (created, connection dropped) is taken as ours on the next run: one key, its token refreshed and handed out once', async () => {
    const ws = await seedWorkspace(env.control);
    const onboarding = await onboard(ws, ['Production']);
    const clientId = onboarding.resources.apiClient.id as string;
    const client = `/v2/managed_users/${ws.ref}/api_clients/${clientId}`;
    await workato('DELETE', `${client}/api_keys/${onboarding.resources.apiKeys[0].id}`);
    // Workato creates the key, then the connection dies before the answer.
    await env.control.addFault({
      method: 'POST',
      path: `/api_clients/${clientId}/api_keys$`,
      drop: true,
      afterResponse: true,
      count: 1,
    });

    const done = await reconcile(ws);
    expect(done.status).toBe('COMPLETED');
    const recreate = done.steps.find((s: OnboardingView) => s.kind === 'API_KEY_RECREATE');
    expect(recreate.attempts).toBe(2);
    const keys = await keysOf(ws);
    expect(keys.map((k) => k.name)).toEqual(['Production']);
    const credentials = await rest<{ apiKeys: { id: string; authToken: string }[] }>(
      service.url,
      'GET',
      `/v1/operations/${done.id}/credentials`,
    );
    expect(credentials.body.apiKeys).toEqual([
      { name: 'Production', id: String(keys[0].id), authToken: keys[0].auth_token },
    ]);
  });

  it('does not re-enable a key the service disabled itself, and puts back one enabled behind its back', async () => {
    const ws = await seedWorkspace(env.control);
    const onboarding = await onboard(ws, ['Production']);
    const key = onboarding.resources.apiKeys[0];
    const offboarding = await rest<{ operationId: string }>(
      service.url,
      'POST',
      `/v1/customers/${ws.ref}/offboarding`,
      { mode: 'disable' },
    );
    expect(offboarding.status).toBe(202);
    await eventually(async () => ((await keysOf(ws))[0].active ? undefined : true), {
      timeoutMs: 30_000,
      message: 'the offboarding did not disable the key',
    });
    await eventually(async () => ((await driftOf(ws)).inSync ? true : undefined), {
      timeoutMs: 30_000,
      message: 'a key the service disabled itself was reported as drift',
    });

    const client = `/v2/managed_users/${ws.ref}/api_clients/${onboarding.resources.apiClient.id}`;
    await workato('PUT', `${client}/api_keys/${key.id}/enable`);
    expect((await driftOf(ws)).drift).toMatchObject([
      {
        kind: 'API_KEY_ENABLED',
        keyName: 'Production',
        recordedState: 'DISABLED',
        repair: 'DISABLE_KEY',
      },
    ]);
    const done = await reconcile(ws);
    expect(done.status).toBe('COMPLETED');
    expect((await keysOf(ws))[0].active).toBe(false);

    // Still the offboarding's: a reactivation enables it again.
    const reactivation = await rest(service.url, 'POST', `/v1/customers/${ws.ref}/reactivation`);
    expect(reactivation.status).toBe(202);
    await eventually(async () => ((await keysOf(ws))[0].active ? true : undefined), {
      timeoutMs: 30_000,
      message: 'the reactivation did not enable the key',
    });
  });

  it('reports drift on an adopted API client with adopted: true and repairs nothing', async () => {
    const ws = await seedWorkspace(env.control);
    const name = `Customer ${ws.id}`;
    const collection = await workato(
      'POST',
      `/managed_users/${ws.ref}/api_collections?project_id=${ws.projectId}`,
      { name: `${name} API` },
    );
    const client = await workato('POST', `/v2/managed_users/${ws.ref}/api_clients`, {
      name,
      project_id: Number(ws.projectId),
      api_collection_ids: [collection.id],
      auth_type: 'token',
    });
    const onboarding = await onboard(ws, ['Production']);
    expect(onboarding.resources.apiClient).toMatchObject({ adopted: true });
    const key = onboarding.resources.apiKeys[0];
    await workato(
      'DELETE',
      `/v2/managed_users/${ws.ref}/api_clients/${client.data.id}/api_keys/${key.id}`,
    );

    const found = await driftOf(ws);
    expect(found.drift).toMatchObject([
      { kind: 'API_KEY_MISSING', keyName: 'Production', adopted: true, repair: null },
    ]);
    expect(found.drift[0].reason).toMatch(/adopted/);

    const done = await reconcile(ws);
    expect(done.status).toBe('COMPLETED');
    expect(done.steps.map((s: OnboardingView) => s.kind)).toEqual(['DRIFT_REPORT']);
    expect(await keysOf(ws)).toEqual([]);
  });

  it('the periodic scan counts the drift it finds, per kind', async () => {
    const ws = await seedWorkspace(env.control);
    const onboarding = await onboard(ws, ['Production']);
    const metric = async (kind: string) => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith(`workato_onboarding_drift_found_total{account="default",kind="${kind}"}`),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await metric('API_KEY_DISABLED');
    const key = onboarding.resources.apiKeys[0];
    await workato(
      'PUT',
      `/v2/managed_users/${ws.ref}/api_clients/${onboarding.resources.apiClient.id}/api_keys/${key.id}/disable`,
    );
    const counted = await eventually(
      async () => {
        const now = await metric('API_KEY_DISABLED');
        return now > before ? now : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, message: 'the scan did not count the disabled key' },
    );
    expect(counted).toBeGreaterThan(before);
  });

  it('one scan at a time: while an instance holds the scan lock, another does not run', async () => {
    const store = service.app.get(OnboardingStore);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = store.runExclusively('drift-test-lock', async () => {
      entered();
      await held;
    });
    await inside;
    let ranSecond = false;
    expect(
      await store.runExclusively('drift-test-lock', async () => {
        ranSecond = true;
      }),
    ).toBe(false);
    expect(ranSecond).toBe(false);
    release();
    expect(await first).toBe(true);
    // Let go at the end: the next one runs.
    expect(await store.runExclusively('drift-test-lock', async () => {})).toBe(true);
  });
});
