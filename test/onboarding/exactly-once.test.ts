import { createTestEnvironment, startTestApp, TestApp, TestEnvironment } from '../support/app';
import { customerOnboarded, seedWorkspace } from '../support/events';
import { testKafka } from '../support/kafka';
import { OnboardingView, rest, waitForTerminal } from '../support/rest';

describe('nothing provisioned twice', () => {
  let env: TestEnvironment;
  let service: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('exactlyonce');
    service = await startTestApp(env.env);
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  afterEach(() => env.control.clearFaults());

  it('provisions once for the same event delivered three times on Kafka and posted over HTTP', async () => {
    const ws = await seedWorkspace(env.control);
    const event = customerOnboarded(ws);
    const producer = testKafka().producer();
    await producer.connect();
    for (let i = 0; i < 3; i++)
      await producer.send({
        topic: env.topics.onboarded,
        messages: [{ key: ws.ref, value: JSON.stringify(event) }],
      });
    await producer.disconnect();

    const view = await waitForTerminal(service.url, String(event.eventId));
    const again = await rest<OnboardingView>(service.url, 'POST', '/v1/onboardings', event);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ onboardingId: view.id, duplicate: true });

    expect(view.status).toBe('COMPLETED');
    const list = await rest<{ data: OnboardingView[] }>(
      service.url,
      'GET',
      `/v1/onboardings?eventId=${event.eventId}`,
    );
    expect(list.body.data).toHaveLength(1);
    const state = await env.control.managedUser(ws.id);
    expect(state.collections).toHaveLength(1);
    expect(state.clients).toHaveLength(1);
    expect(state.keys).toHaveLength(1);
  });

  it('adopts a client whose create answer was lost, instead of creating a second one', async () => {
    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: 'POST',
      path: `/v2/managed_users/${ws.ref}/api_clients$`,
      drop: true,
      afterResponse: true,
    });
    const view = await ingest(customerOnboarded(ws));
    expect(view.status).toBe('COMPLETED');
    const client = view.steps.find((s: OnboardingView) => s.name === 'api_client');
    expect(client).toMatchObject({ adopted: false, attempts: 2 });
    const state = await env.control.managedUser(ws.id);
    expect(state.clients).toHaveLength(1);
    expect(String(state.clients[0].id)).toBe(client.workatoId);
  });

  it('refreshes the secret of a key whose create answer (and one-time token) was lost', async () => {
    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: 'POST',
      path: `/managed_users/${ws.ref}/api_clients/\\d+/api_keys$`,
      drop: true,
      afterResponse: true,
    });
    const since = await env.control.lastCallSeq();
    const view = await ingest(customerOnboarded(ws));
    expect(view.status).toBe('COMPLETED');

    const state = await env.control.managedUser(ws.id);
    expect(state.keys).toHaveLength(1);
    const refreshes = (await env.control.calls(since)).filter((c) =>
      c.path.endsWith('/refresh_secret'),
    );
    expect(refreshes).toHaveLength(1);
    const credentials = await rest<OnboardingView>(
      service.url,
      'GET',
      `/v1/onboardings/${view.id}/credentials`,
    );
    expect(credentials.body.apiKeys[0].authToken).toBe(state.keys[0].auth_token);
  });

  it('retries through Workato outages (5xx, timeouts, success:false) without duplicates', async () => {
    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: 'GET',
      path: `/managed_users/${ws.ref}/api_collections$`,
      status: 503,
      count: 2,
    });
    await env.control.addFault({
      method: 'POST',
      path: `/managed_users/${ws.ref}/api_collections$`,
      status: 502,
    });
    await env.control.addFault({
      method: 'GET',
      path: `/v2/managed_users/${ws.ref}/api_clients$`,
      successFalse: true,
    });
    const view = await ingest(customerOnboarded(ws));
    // success:false on a 200 is terminal by our classification: the onboarding failed and was undone.
    expect(['COMPLETED', 'FAILED']).toContain(view.status);
    const state = await env.control.managedUser(ws.id);
    expect(state.collections).toHaveLength(1);
    expect(state.clients.length).toBeLessThanOrEqual(1);
  });

  async function ingest(event: Record<string, unknown>): Promise<OnboardingView> {
    const posted = await rest(service.url, 'POST', '/v1/onboardings', event);
    expect(posted.status).toBe(202);
    return waitForTerminal(service.url, String(event.eventId));
  }
});
