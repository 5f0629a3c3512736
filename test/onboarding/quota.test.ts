import {
  createTestEnvironment,
  eventually,
  startTestApp,
  TestApp,
  TestEnvironment,
} from '../support/app';
import { customerOnboarded, seedWorkspace, TestWorkspace } from '../support/events';
import { OnboardingView, rest, waitForTerminal } from '../support/rest';
import { ServiceProcess } from '../support/service-process';

/**
 * Workato's quota is the whole Embed workspace's: an onboarding asks Workato only for what it
 * needs. Each test reads the exact requests the sandbox received for its customer.
 */
describe('Workato calls per onboarding', () => {
  let env: TestEnvironment;
  let adopting: TestApp;
  let direct: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('quota', { withKafka: false });
    adopting = await startTestApp(env.env);
    // Its own account name (same sandbox): its onboardings are then claimed by its runner only,
    // never by the adopting instance's poll, whatever the load on the machine.
    direct = await startTestApp(env.env, {
      ONBOARDING_ADOPT_EXISTING: 'false',
      WORKATO_ACCOUNTS: JSON.stringify([
        { name: 'direct', baseUrl: env.sandbox.url, token: env.sandbox.token },
      ]),
    });
  });

  afterAll(async () => {
    await adopting?.close();
    await direct?.close();
    await env?.close();
  });

  const twoKeys = [
    { name: 'Production', active: true, ipAllowList: [], ipDenyList: [] },
    { name: 'Staging', active: false, ipAllowList: [], ipDenyList: [] },
  ];

  async function callsFor(ws: TestWorkspace, since: number): Promise<string[]> {
    return (await env.control.calls(since))
      .filter((c) => c.path.includes(`/managed_users/${ws.ref}/`))
      .map((c) => `${c.method} ${c.path.replace(/\/\d+\//g, '/:id/')}`);
  }

  async function onboard(service: TestApp, event: Record<string, unknown>) {
    expect((await rest(service.url, 'POST', '/v1/onboardings', event)).status).toBe(202);
    return waitForTerminal(service.url, String(event.eventId));
  }

  it('with adoption off, the happy path only creates: no look-up at all', async () => {
    const ws = await seedWorkspace(env.control);
    const since = await env.control.lastCallSeq();
    const view = await onboard(direct, customerOnboarded(ws, { apiKeys: twoKeys }));
    expect(view.status).toBe('COMPLETED');
    expect(await callsFor(ws, since)).toEqual([
      `POST /api/managed_users/${ws.ref}/api_collections`,
      `POST /api/v2/managed_users/${ws.ref}/api_clients`,
      `POST /api/v2/managed_users/${ws.ref}/api_clients/:id/api_keys`,
      `POST /api/v2/managed_users/${ws.ref}/api_clients/:id/api_keys`,
    ]);
  });

  it('an event can turn adoption off for itself', async () => {
    const ws = await seedWorkspace(env.control);
    const since = await env.control.lastCallSeq();
    const view = await onboard(adopting, {
      ...customerOnboarded(ws),
      adoptExisting: false,
    });
    expect(view.status).toBe('COMPLETED');
    expect((await callsFor(ws, since)).filter((c) => c.startsWith('GET'))).toEqual([]);
  });

  it('with adoption on, looks up the collection and the client, never the keys of its own client', async () => {
    const ws = await seedWorkspace(env.control);
    const since = await env.control.lastCallSeq();
    const view = await onboard(adopting, customerOnboarded(ws, { apiKeys: twoKeys }));
    expect(view.status).toBe('COMPLETED');
    expect(await callsFor(ws, since)).toEqual([
      `GET /api/managed_users/${ws.ref}/api_collections`,
      `POST /api/managed_users/${ws.ref}/api_collections`,
      `GET /api/v2/managed_users/${ws.ref}/api_clients`,
      `POST /api/v2/managed_users/${ws.ref}/api_clients`,
      `POST /api/v2/managed_users/${ws.ref}/api_clients/:id/api_keys`,
      `POST /api/v2/managed_users/${ws.ref}/api_clients/:id/api_keys`,
    ]);
  });

  it('looks up the keys of a client it adopted', async () => {
    const ws = await seedWorkspace(env.control);
    const workato = (method: string, path: string, body?: unknown) =>
      rest<OnboardingView>(env.sandbox.url, method, path, body, {
        authorization: `Bearer ${env.sandbox.token}`,
      });
    const collection = await workato(
      'POST',
      `/api/managed_users/${ws.ref}/api_collections?project_id=${ws.projectId}`,
      { name: `Customer ${ws.id} API` },
    );
    await workato('POST', `/api/v2/managed_users/${ws.ref}/api_clients`, {
      name: `Customer ${ws.id}`,
      auth_type: 'token',
      api_collection_ids: [collection.body.id],
    });
    const since = await env.control.lastCallSeq();
    const view = await onboard(adopting, customerOnboarded(ws));
    expect(view.status).toBe('COMPLETED');
    expect(view.resources.apiCollection.adopted).toBe(true);
    expect(view.resources.apiClient.adopted).toBe(true);
    expect(await callsFor(ws, since)).toEqual([
      `GET /api/managed_users/${ws.ref}/api_collections`,
      `GET /api/v2/managed_users/${ws.ref}/api_clients`,
      `GET /api/v2/managed_users/${ws.ref}/api_clients/:id/api_keys`,
      `POST /api/v2/managed_users/${ws.ref}/api_clients/:id/api_keys`,
    ]);
  });

  it('resolves a portal by name with one portal list per cache lifetime', async () => {
    const ws = await seedWorkspace(env.control);
    const since = await env.control.lastCallSeq();
    const events = [1, 2, 3].map((i) =>
      customerOnboarded(ws, {
        collection: { name: `Collection ${i}` },
        apiClient: {
          name: `Client ${i}`,
          portal: { portalName: ws.magicLinkPortal.name, email: `dev${i}@example.com` },
        },
      }),
    );
    for (const event of events) expect((await onboard(direct, event)).status).toBe('COMPLETED');
    const portalLists = (await callsFor(ws, since)).filter((c) => c.includes('api_portals'));
    expect(portalLists).toEqual([`GET /api/v2/managed_users/${ws.ref}/api_portals`]);
  });

  it('refreshes the portal list once for an unknown name, then fails with PORTAL_NOT_FOUND', async () => {
    const ws = await seedWorkspace(env.control);
    const known = customerOnboarded(ws, {
      apiClient: { portal: { portalName: ws.magicLinkPortal.name, email: 'a@example.com' } },
    });
    expect((await onboard(direct, known)).status).toBe('COMPLETED');
    const since = await env.control.lastCallSeq();
    const view = await onboard(
      direct,
      customerOnboarded(ws, {
        collection: { name: 'Other' },
        apiClient: {
          name: 'Other',
          portal: { portalName: 'No such portal', email: 'b@example.com' },
        },
      }),
    );
    expect(view.status).toBe('FAILED');
    expect(view.error.code).toBe('PORTAL_NOT_FOUND');
    expect((await callsFor(ws, since)).filter((c) => c.includes('api_portals'))).toHaveLength(1);
  });
});

describe('a SIGKILL between a create and its answer', () => {
  let env: TestEnvironment;
  let service: ServiceProcess;

  beforeAll(async () => {
    env = await createTestEnvironment('quotakill', { withKafka: false });
    // Adoption off: the look-up after the crash happens because an intent was recorded.
    service = await ServiceProcess.create(
      { ...env.env, ONBOARDING_ADOPT_EXISTING: 'false', ONBOARDING_LEASE_SECONDS: '2' },
      'quota-sigkill',
    );
  });

  afterAll(async () => {
    await service?.kill();
    await env?.close();
  });

  it('ends with exactly one client, found by the look-up of the recorded intent', async () => {
    const ws = await seedWorkspace(env.control);
    // Workato creates the client, but its answer is held back: the service dies waiting.
    await env.control.addFault({
      method: 'POST',
      path: `/v2/managed_users/${ws.ref}/api_clients$`,
      latencyMs: 30_000,
      afterResponse: true,
    });
    await service.start();
    const event = customerOnboarded(ws);
    expect((await rest(service.url, 'POST', '/v1/onboardings', event)).status).toBe(202);
    await eventually(
      async () => ((await env.control.managedUser(ws.id)).clients.length === 1 ? true : undefined),
      { message: 'the client create never reached the sandbox' },
    );
    await service.kill();
    await env.control.clearFaults();
    const since = await env.control.lastCallSeq();

    await service.start();
    const view = await waitForTerminal(service.url, String(event.eventId));
    expect(view.status).toBe('COMPLETED');
    const state = await env.control.managedUser(ws.id);
    expect(state.collections).toHaveLength(1);
    expect(state.clients).toHaveLength(1);
    expect(view.resources.apiClient).toMatchObject({
      id: String(state.clients[0].id),
      adopted: false,
    });
    const calls = (await env.control.calls(since)).map((c) => `${c.method} ${c.path}`);
    expect(calls).toContain(`GET /api/v2/managed_users/${ws.ref}/api_clients`);
    expect(calls.filter((c) => c === `POST /api/v2/managed_users/${ws.ref}/api_clients`)).toEqual(
      [],
    );
  });
});
