import { randomUUID } from 'node:crypto';
import {
  createTestEnvironment,
  eventually,
  startTestApp,
  TestApp,
  TestEnvironment,
  VIEWER_TOKEN,
} from '../support/app';
import { customerOnboarded, RSA_PUBLIC_KEY, seedWorkspace, TestWorkspace } from '../support/events';
import { OnboardingView, rest, waitForTerminal } from '../support/rest';

/**
 * The customer's life after day one, end to end on real Postgres and the Workato sandbox over
 * HTTP: key rotation (overlap and immediate), offboarding (disable, delete), reactivation, and
 * the rules around them (adopted resources untouched, one saga of a customer at a time).
 */
describe('customer operations', () => {
  let env: TestEnvironment;
  let service: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('operations', { withKafka: false });
    service = await startTestApp(env.env);
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  const TERMINAL = ['COMPLETED', 'FAILED', 'COMPENSATION_FAILED'];

  async function onboard(
    ws: TestWorkspace,
    overrides: Parameters<typeof customerOnboarded>[1] = {},
  ) {
    const event = customerOnboarded(ws, overrides);
    expect((await rest(service.url, 'POST', '/v1/onboardings', event)).status).toBe(202);
    const view = await waitForTerminal(service.url, String(event.eventId));
    expect(view.status).toBe('COMPLETED');
    return view;
  }

  async function request(
    ws: TestWorkspace,
    operation: 'key-rotations' | 'offboarding' | 'reactivation',
    body: Record<string, unknown> = {},
    key: string = randomUUID(),
  ) {
    return rest<{ operationId: string; duplicate: boolean }>(
      service.url,
      'POST',
      `/v1/customers/${ws.ref}/${operation}`,
      body,
      { 'idempotency-key': key },
    );
  }

  async function operation(id: string): Promise<OnboardingView> {
    return (await rest<OnboardingView>(service.url, 'GET', `/v1/operations/${id}`)).body;
  }

  async function finished(id: string, timeoutMs = 30_000): Promise<OnboardingView> {
    return eventually(
      async () => {
        const view = await operation(id);
        return TERMINAL.includes(view.status) ? view : undefined;
      },
      { timeoutMs, intervalMs: 100, message: `operation ${id} did not finish` },
    );
  }

  async function keysOf(ws: TestWorkspace) {
    const state = await env.control.managedUser(ws.id);
    return state.keys as {
      id: number;
      name: string;
      active: boolean;
      auth_token: string;
      api_client_id: number;
      ip_allow_list: string[];
    }[];
  }

  async function outboxTypes(): Promise<string[]> {
    const rows: { type: string }[] = await env.database.dataSource.query(
      `SELECT payload->>'type' AS type FROM outbox_message ORDER BY id`,
    );
    return rows.map((r) => r.type);
  }

  it('rotates with overlap: a new key beside the old one, its token handed out once, the old key removed after the grace period, never a moment without a working key', async () => {
    const ws = await seedWorkspace(env.control);
    await onboard(ws, {
      apiKeys: [
        { name: 'Production', active: true, ipAllowList: ['8.8.8.8/24'], ipDenyList: [] },
        { name: 'Staging', active: true, ipAllowList: [], ipDenyList: [] },
      ],
    });
    const before = await keysOf(ws);
    const oldProduction = before.find((k) => k.name === 'Production')!;

    // Sample the sandbox throughout: some key of the client must work at every moment.
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const keys = await keysOf(ws);
        samples.push(keys.filter((k) => k.name.startsWith('Production') && k.active).length);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    const accepted = await request(ws, 'key-rotations', {
      apiClient: { name: `Customer ${ws.id}` },
      apiKeys: ['Production'],
      graceSeconds: 2,
    });
    expect(accepted.status).toBe(202);
    const id = accepted.body.operationId;

    // During the grace period both keys work, and the new token can be fetched once.
    const during = await eventually(
      async () => {
        const view = await operation(id);
        return view.credentials?.retrievable ? view : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50, message: 'the new key was not ready' },
    );
    expect(during.status).toBe('IN_PROGRESS');
    const credentials = await rest<{ apiKeys: { name: string; id: string; authToken: string }[] }>(
      service.url,
      'GET',
      `/v1/operations/${id}/credentials`,
    );
    expect(credentials.status).toBe(200);
    expect(credentials.body.apiKeys).toHaveLength(1);
    const fresh = credentials.body.apiKeys[0];
    expect(fresh.name).toMatch(/^Production \(rotated [0-9a-f]{8}\)$/);
    const inSandbox = (await keysOf(ws)).find((k) => k.name === fresh.name)!;
    expect(inSandbox.auth_token).toBe(fresh.authToken);
    expect(inSandbox.active).toBe(true);
    expect((await keysOf(ws)).find((k) => k.id === oldProduction.id)?.active).toBe(true);
    expect((await rest(service.url, 'GET', `/v1/operations/${id}/credentials`)).status).toBe(410);

    const customer = await rest<OnboardingView>(service.url, 'GET', `/v1/customers/${ws.ref}`);
    const prodKey = customer.body.resources[0].keys.find(
      (k: OnboardingView) => k.name === 'Production',
    );
    expect(prodKey.state).toBe('PENDING_DELETION');
    expect(new Date(prodKey.pendingDeletionAt).getTime()).toBeGreaterThan(Date.now() - 2_000);

    const done = await finished(id);
    sampling = false;
    await sampler;
    expect(done.status).toBe('COMPLETED');
    expect(done.steps.map((s: OnboardingView) => [s.kind, s.status])).toEqual([
      ['ROTATED_API_KEY', 'SUCCEEDED'],
      ['GRACE_PERIOD', 'SUCCEEDED'],
      ['API_KEY_DISABLE', 'SUCCEEDED'],
      ['API_KEY_DELETE', 'SUCCEEDED'],
    ]);
    const after = await keysOf(ws);
    expect(after.find((k) => k.id === oldProduction.id)).toBeUndefined();
    expect(after.map((k) => k.name).sort()).toEqual([fresh.name, 'Staging']);
    expect(after.find((k) => k.name === fresh.name)?.ip_allow_list).toEqual(['8.8.8.8/24']);
    expect(samples.length).toBeGreaterThan(10);
    expect(samples.every((n) => n >= 1)).toBe(true);
    const later = await rest<OnboardingView>(service.url, 'GET', `/v1/customers/${ws.ref}`);
    const keys = later.body.resources[0].keys;
    expect(keys.find((k: OnboardingView) => k.name === 'Production').state).toBe('DELETED');
    expect(keys.find((k: OnboardingView) => k.name === fresh.name).state).toBe('ACTIVE');
    // The results topic said when the new keys were ready, then the outcome; never a token.
    const results: { payload: OnboardingView }[] = await env.database.dataSource.query(
      `SELECT payload FROM outbox_message WHERE payload->>'operationId' = $1 ORDER BY id`,
      [id],
    );
    expect(results.map((r) => r.payload.type)).toEqual(['ApiKeysRotationReady', 'ApiKeysRotated']);
    const ready = results[0].payload;
    expect(ready.status).toBe('IN_PROGRESS');
    expect(ready.steps[0]).toMatchObject({ kind: 'ROTATED_API_KEY', status: 'SUCCEEDED' });
    expect(ready.steps[0].newApiKey).toBe(fresh.name);
    const graceMs = Date.parse(ready.graceEndsAt) - Date.parse(ready.occurredAt);
    expect(graceMs).toBeGreaterThan(1_000);
    expect(graceMs).toBeLessThanOrEqual(2_000);
    expect(JSON.stringify(results)).not.toContain(fresh.authToken);

    // The same request again (same Idempotency-Key and body) is the same operation.
    expect(
      (
        await request(
          ws,
          'key-rotations',
          { apiClient: { name: `Customer ${ws.id}` }, apiKeys: ['Production'], graceSeconds: 2 },
          done.eventId,
        )
      ).body,
    ).toEqual({ operationId: id, duplicate: true });
  });

  it('rotates immediately with refresh_secret: the new token is stored and handed out once', async () => {
    const ws = await seedWorkspace(env.control);
    await onboard(ws);
    const [old] = await keysOf(ws);
    const accepted = await request(ws, 'key-rotations', {
      apiClient: { name: `Customer ${ws.id}` },
      mode: 'immediate',
    });
    const done = await finished(accepted.body.operationId);
    expect(done.status).toBe('COMPLETED');
    const [now] = await keysOf(ws);
    expect(now.id).toBe(old.id);
    expect(now.auth_token).not.toBe(old.auth_token);
    const credentials = await rest<{ apiKeys: { name: string; authToken: string }[] }>(
      service.url,
      'GET',
      `/v1/operations/${done.id}/credentials`,
    );
    expect(credentials.body.apiKeys).toEqual([
      expect.objectContaining({ name: 'Production', authToken: now.auth_token }),
    ]);
  });

  it('refuses to rotate the keys of a JWT client, naming its auth type', async () => {
    const ws = await seedWorkspace(env.control);
    await onboard(ws, {
      apiClient: { authType: 'jwt', jwt: { method: 'rsa', secret: RSA_PUBLIC_KEY } },
      apiKeys: [{ name: 'Production', active: true, ipAllowList: [], ipDenyList: [] }],
    });
    const accepted = await request(ws, 'key-rotations', {
      apiClient: { name: `Customer ${ws.id}` },
    });
    const done = await finished(accepted.body.operationId);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('API_KEYS_HAVE_NO_TOKEN');
    expect(done.error.message).toContain('auth type jwt');
    expect(await outboxTypes()).toContain('ApiKeysRotationFailed');
  });

  it('offboards by disabling keys, reactivates them, then offboards for good by deleting keys and client and retaining the collection; repeating is a no-op', async () => {
    const ws = await seedWorkspace(env.control);
    const onboarding = await onboard(ws);
    const disabled = await finished(
      (await request(ws, 'offboarding', { mode: 'disable' })).body.operationId,
    );
    expect(disabled.status).toBe('COMPLETED');
    expect((await keysOf(ws)).map((k) => k.active)).toEqual([false]);

    const reactivated = await finished((await request(ws, 'reactivation')).body.operationId);
    expect(reactivated.status).toBe('COMPLETED');
    expect((await keysOf(ws)).map((k) => k.active)).toEqual([true]);

    const deleted = await finished(
      (await request(ws, 'offboarding', { mode: 'delete' })).body.operationId,
    );
    expect(deleted.status).toBe('COMPLETED');
    expect(deleted.steps.map((s: OnboardingView) => s.kind)).toEqual([
      'API_KEY_DELETE',
      'API_CLIENT_DELETE',
    ]);
    const state = await env.control.managedUser(ws.id);
    expect(state.keys).toEqual([]);
    expect(state.clients).toEqual([]);
    expect(state.collections.map((c) => c.id)).toEqual([
      Number(onboarding.resources.apiCollection.id),
    ]);
    const customer = await rest<OnboardingView>(service.url, 'GET', `/v1/customers/${ws.ref}`);
    expect(customer.body.resources[0]).toMatchObject({
      state: 'DELETED',
      apiCollection: { state: 'RETAINED' },
    });
    expect(customer.body.sagas.map((s: OnboardingView) => s.type)).toEqual([
      'ONBOARDING',
      'OFFBOARDING',
      'REACTIVATION',
      'OFFBOARDING',
    ]);

    const calls = (await env.control.calls(0)).length;
    const again = await finished(
      (await request(ws, 'offboarding', { mode: 'delete' })).body.operationId,
    );
    expect(again.status).toBe('COMPLETED');
    expect(again.steps).toEqual([]);
    expect((await env.control.calls(0)).length).toBe(calls);
    const types = await outboxTypes();
    expect(types).toEqual(
      expect.arrayContaining(['CustomerOffboardingCompleted', 'CustomerReactivated']),
    );
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(
      /workato_onboarding_customer_operations_finished_total\{type="OFFBOARDING",outcome="completed"\} [3-9]/,
    );
    expect(metrics).toMatch(
      /workato_onboarding_customer_operations\{type="REACTIVATION",status="COMPLETED"\} 1/,
    );
  });

  it('leaves an adopted API client alone when offboarding, deleting only the keys the service created', async () => {
    const ws = await seedWorkspace(env.control);
    const name = `Customer ${ws.id}`;
    // Someone made the collection and client by hand before the service onboarded the customer.
    const workato = async (path: string, body: unknown, query = '') => {
      const response = await fetch(`${env.sandbox.url}/api${path}${query}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${env.sandbox.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
      return (await response.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const collection = await workato(
      `/managed_users/${ws.ref}/api_collections`,
      { name: `${name} API` },
      `?project_id=${ws.projectId}`,
    );
    const client = await workato(`/v2/managed_users/${ws.ref}/api_clients`, {
      name,
      project_id: Number(ws.projectId),
      api_collection_ids: [collection.id ?? collection.data?.id],
      auth_type: 'token',
    });
    const clientId = client.data.id;
    const onboarding = await onboard(ws);
    expect(onboarding.resources.apiClient).toMatchObject({ id: String(clientId), adopted: true });

    const done = await finished(
      (await request(ws, 'offboarding', { mode: 'delete' })).body.operationId,
    );
    expect(done.status).toBe('COMPLETED');
    expect(done.steps.map((s: OnboardingView) => s.kind)).toEqual(['API_KEY_DELETE']);
    const state = await env.control.managedUser(ws.id);
    expect(state.clients.map((c) => c.id)).toEqual([clientId]);
    expect(state.keys).toEqual([]);
  });

  it('fails an operation for a customer the service never onboarded, with the reason', async () => {
    const ws = await seedWorkspace(env.control);
    const done = await finished((await request(ws, 'offboarding')).body.operationId);
    expect(done.status).toBe('FAILED');
    expect(done.error).toMatchObject({ code: 'CUSTOMER_NOT_ONBOARDED' });
    expect(done.error.message).toContain(ws.ref);
  });

  it("runs a customer's sagas one at a time in ingest order: a rotation sent right after the onboarding waits for it", async () => {
    const ws = await seedWorkspace(env.control);
    const event = customerOnboarded(ws);
    expect((await rest(service.url, 'POST', '/v1/onboardings', event)).status).toBe(202);
    const rotation = await request(ws, 'key-rotations', {
      apiClient: { name: `Customer ${ws.id}` },
      mode: 'immediate',
    });
    const done = await finished(rotation.body.operationId);
    const onboarding = await waitForTerminal(service.url, String(event.eventId));
    expect(onboarding.status).toBe('COMPLETED');
    expect(done.status).toBe('COMPLETED');
    expect(new Date(done.createdAt).getTime()).toBeGreaterThanOrEqual(
      new Date(onboarding.createdAt).getTime(),
    );
    expect(done.steps[0].startedAt >= onboarding.finishedAt).toBe(true);
  });

  it('validates requests, names the field, and keeps viewers to reading', async () => {
    const ws = await seedWorkspace(env.control);
    const bad = await request(ws, 'key-rotations', {
      apiClient: { name: 'x' },
      graceSeconds: 40 * 24 * 3600,
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      issues: [{ path: 'graceSeconds', message: expect.stringContaining('30 days') }],
    });
    const mode = await request(ws, 'offboarding', { mode: 'erase' });
    expect(mode.status).toBe(400);
    expect(JSON.stringify(mode.body)).toContain('must be disable or delete');

    const key = randomUUID();
    expect((await request(ws, 'offboarding', { mode: 'disable' }, key)).status).toBe(202);
    const reused = await request(ws, 'offboarding', { mode: 'delete' }, key);
    expect(reused.status).toBe(409);

    const viewer = await rest(
      service.url,
      'POST',
      `/v1/customers/${ws.ref}/offboarding`,
      { mode: 'disable' },
      { authorization: `Bearer ${VIEWER_TOKEN}` },
    );
    expect(viewer.status).toBe(403);
    const list = await rest<{ data: OnboardingView[] }>(
      service.url,
      'GET',
      `/v1/operations?managedUserId=${ws.ref}&type=OFFBOARDING`,
      undefined,
      { authorization: `Bearer ${VIEWER_TOKEN}` },
    );
    expect(list.status).toBe(200);
    expect(list.body.data.map((o) => o.type)).toEqual(['OFFBOARDING']);
    // Onboardings and operations are listed apart.
    const onboardings = await rest<{ data: OnboardingView[] }>(
      service.url,
      'GET',
      `/v1/onboardings?managedUserId=${ws.ref}`,
    );
    expect(onboardings.body.data).toEqual([]);
  });
});
