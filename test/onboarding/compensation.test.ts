import { createTestEnvironment, startTestApp, TestApp, TestEnvironment } from '../support/app';
import { customerOnboarded, seedWorkspace, TestWorkspace } from '../support/events';
import { OnboardingView, rest, waitForTerminal } from '../support/rest';

const keys = (...names: string[]) =>
  names.map((name) => ({ name, active: true, ipAllowList: [], ipDenyList: [] }));

describe('terminal failures, compensation and replay', () => {
  let env: TestEnvironment;
  let service: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('compensation');
    service = await startTestApp(env.env);
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  afterEach(() => env.control.clearFaults());

  async function ingest(event: Record<string, unknown>): Promise<OnboardingView> {
    const posted = await rest(service.url, 'POST', '/v1/onboardings', event);
    expect(posted.status).toBe(202);
    return waitForTerminal(service.url, String(event.eventId));
  }

  async function replay(view: OnboardingView): Promise<OnboardingView> {
    const replayed = await rest<OnboardingView>(
      service.url,
      'POST',
      `/v1/onboardings/${view.id}/replay`,
    );
    expect(replayed.status).toBe(202);
    expect(replayed.body.attempt).toBe(view.attempt + 1);
    return waitForTerminal(service.url, view.eventId);
  }

  async function workspace(ws: TestWorkspace) {
    return env.control.managedUser(ws.id);
  }

  function step(view: OnboardingView, name: string): OnboardingView {
    return view.steps.find((s: OnboardingView) => s.name === name);
  }

  it('fails at the API collection: nothing to undo; replay completes', async () => {
    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: 'POST',
      path: `/managed_users/${ws.ref}/api_collections$`,
      status: 422,
    });
    const failed = await ingest(customerOnboarded(ws));
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({
      code: 'WORKATO_UNPROCESSABLE',
      httpStatus: 422,
      step: 'api_collection',
      retryable: false,
    });
    expect(step(failed, 'api_collection').status).toBe('FAILED');
    expect(step(failed, 'api_client').status).toBe('PENDING');
    expect((await workspace(ws)).collections).toHaveLength(0);

    const done = await replay(failed);
    expect(done.status).toBe('COMPLETED');
    const state = await workspace(ws);
    expect(state.collections).toHaveLength(1);
    expect(state.clients).toHaveLength(1);
    expect(state.keys).toHaveLength(1);
  });

  it('fails at the API client: the collection is retained, and adopted by the replay', async () => {
    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: 'POST',
      path: `/v2/managed_users/${ws.ref}/api_clients$`,
      status: 400,
      body: { message: 'Invalid policy', errors: { api_policy_id: ['is invalid'] } },
    });
    const failed = await ingest(customerOnboarded(ws));
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({
      code: 'WORKATO_BAD_REQUEST',
      httpStatus: 400,
      step: 'api_client',
      fieldErrors: { api_policy_id: ['is invalid'] },
    });
    expect(step(failed, 'api_collection').status).toBe('RETAINED');
    const collectionId = step(failed, 'api_collection').workatoId;
    let state = await workspace(ws);
    expect(state.collections.map((c) => String(c.id))).toEqual([collectionId]);
    expect(state.clients).toHaveLength(0);

    const done = await replay(failed);
    expect(done.status).toBe('COMPLETED');
    expect(step(done, 'api_collection')).toMatchObject({
      workatoId: collectionId,
      adopted: false,
      status: 'SUCCEEDED',
    });
    state = await workspace(ws);
    expect(state.collections).toHaveLength(1);
    expect(state.clients).toHaveLength(1);
    expect(state.keys).toHaveLength(1);
  });

  it('fails at the second API key: deletes the first key, then the client, in reverse order; replay completes once', async () => {
    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: 'POST',
      path: `/managed_users/${ws.ref}/api_clients/\\d+/api_keys$`,
      skip: 1,
      status: 403,
    });
    const since = await env.control.lastCallSeq();
    const failed = await ingest(customerOnboarded(ws, { apiKeys: keys('Production', 'Staging') }));
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({ code: 'WORKATO_FORBIDDEN', step: 'api_key:Staging' });
    expect(step(failed, 'api_key:Production').status).toBe('COMPENSATED');
    expect(step(failed, 'api_key:Staging').status).toBe('FAILED');
    expect(step(failed, 'api_client').status).toBe('COMPENSATED');
    expect(step(failed, 'api_collection').status).toBe('RETAINED');

    const clientId = step(failed, 'api_client').workatoId;
    const keyId = step(failed, 'api_key:Production').workatoId;
    const deletes = (await env.control.calls(since))
      .filter((c) => c.method === 'DELETE' && c.path.includes(ws.ref))
      .map((c) => c.path);
    expect(deletes).toEqual([
      `/api/v2/managed_users/${ws.ref}/api_clients/${clientId}/api_keys/${keyId}`,
      `/api/v2/managed_users/${ws.ref}/api_clients/${clientId}`,
    ]);
    let state = await workspace(ws);
    expect(state.collections).toHaveLength(1);
    expect(state.clients).toHaveLength(0);
    expect(state.keys).toHaveLength(0);

    const done = await replay(failed);
    expect(done.status).toBe('COMPLETED');
    state = await workspace(ws);
    expect(state.collections).toHaveLength(1);
    expect(state.clients).toHaveLength(1);
    expect(state.keys.map((k) => k.name).sort()).toEqual(['Production', 'Staging']);
    const credentials = await rest<OnboardingView>(
      service.url,
      'GET',
      `/v1/onboardings/${done.id}/credentials`,
    );
    for (const key of credentials.body.apiKeys)
      expect(key.authToken).toBe(state.keys.find((k) => String(k.id) === key.id)!.auth_token);
  });

  it('counts a 404 during compensation as done', async () => {
    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: 'POST',
      path: `/managed_users/${ws.ref}/api_clients/\\d+/api_keys$`,
      status: 422,
    });
    await env.control.addFault({
      method: 'DELETE',
      path: `/managed_users/${ws.ref}/api_clients/\\d+$`,
      status: 404,
    });
    const failed = await ingest(customerOnboarded(ws));
    expect(failed.status).toBe('FAILED');
    expect(step(failed, 'api_client').status).toBe('COMPENSATED');
  });

  it('adopts an existing client, never touches an existing key, and fails with a conflict naming it', async () => {
    const ws = await seedWorkspace(env.control);
    // Created outside the service, straight through Workato's API.
    const workato = (method: string, path: string, body?: unknown) =>
      rest<OnboardingView>(env.sandbox.url, method, path, body, {
        authorization: `Bearer ${env.sandbox.token}`,
      });
    const collection = await workato(
      'POST',
      `/api/managed_users/${ws.ref}/api_collections?project_id=${ws.projectId}`,
      { name: 'Legacy API' },
    );
    const client = await workato('POST', `/api/v2/managed_users/${ws.ref}/api_clients`, {
      name: `Customer ${ws.id}`,
      auth_type: 'token',
      api_collection_ids: [collection.body.id],
    });
    const clientId = String(client.body.data.id);
    const key = await workato(
      'POST',
      `/api/v2/managed_users/${ws.ref}/api_clients/${clientId}/api_keys`,
      { name: 'Production', active: true },
    );
    const liveToken = key.body.data.auth_token;
    const since = await env.control.lastCallSeq();

    const failed = await ingest(customerOnboarded(ws, { apiKeys: keys('Production') }));
    expect(failed.status).toBe('FAILED');
    expect(failed.error.code).toBe('API_KEY_CONFLICT');
    expect(failed.error.message).toContain('"Production"');
    expect(step(failed, 'api_client')).toMatchObject({
      workatoId: clientId,
      adopted: true,
      status: 'SUCCEEDED',
    });

    const calls = await env.control.calls(since);
    expect(
      calls.filter(
        (c) =>
          c.path.includes('refresh_secret') ||
          c.method === 'DELETE' ||
          (c.method === 'PUT' && c.path.includes('api_keys')),
      ),
    ).toEqual([]);
    const state = await workspace(ws);
    expect(state.clients.map((c) => String(c.id))).toEqual([clientId]);
    expect(state.keys).toHaveLength(1);
    expect(state.keys[0].auth_token).toBe(liveToken);
  });

  it('parks as COMPENSATION_FAILED with what is left when an undo keeps failing; replay then reconciles', async () => {
    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: 'POST',
      path: `/managed_users/${ws.ref}/api_clients/\\d+/api_keys$`,
      skip: 1,
      status: 422,
    });
    await env.control.addFault({
      method: 'DELETE',
      path: `/managed_users/${ws.ref}/api_clients/\\d+/api_keys/\\d+$`,
      status: 503,
      count: -1,
    });
    const failed = await ingest(customerOnboarded(ws, { apiKeys: keys('Production', 'Staging') }));
    expect(failed.status).toBe('COMPENSATION_FAILED');
    expect(failed.error.code).toBe('WORKATO_UNPROCESSABLE');
    // The last try may not even have been sent: after five failures in a row the account's
    // circuit opens and its requests fail at once until it half-opens.
    expect(failed.error.compensation).toEqual([
      expect.objectContaining({
        step: 'api_key:Production',
        error: expect.objectContaining({
          code: expect.stringMatching(/^WORKATO_(SERVER_ERROR|CIRCUIT_OPEN)$/),
        }),
      }),
    ]);
    expect(step(failed, 'api_key:Production')).toMatchObject({
      status: 'COMPENSATION_FAILED',
      compensationAttempts: 3,
    });
    // The client was still deleted: one failing undo does not stop the others.
    expect(step(failed, 'api_client').status).toBe('COMPENSATED');

    await env.control.clearFaults();
    const done = await replay(failed);
    expect(done.status).toBe('COMPLETED');
    const state = await workspace(ws);
    expect(state.clients).toHaveLength(1);
    expect(state.keys.map((k) => k.name).sort()).toEqual(['Production', 'Staging']);
  }, 120000);
});
