import { createTestEnvironment, startTestApp, TestApp, TestEnvironment } from '../support/app';
import { customerOnboarded, seedWorkspace } from '../support/events';
import { rest, waitForTerminal } from '../support/rest';

describe('ONBOARDING_DEADLINE_SECONDS', () => {
  let env: TestEnvironment;
  let service: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('deadline');
    service = await startTestApp(env.env, { ONBOARDING_DEADLINE_SECONDS: '3' });
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  it('treats retryable failures past the deadline as failed for good and compensates', async () => {
    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: 'POST',
      path: `/v2/managed_users/${ws.ref}/api_clients$`,
      status: 503,
      count: -1,
    });
    const event = customerOnboarded(ws);
    expect((await rest(service.url, 'POST', '/v1/onboardings', event)).status).toBe(202);
    const view = await waitForTerminal(service.url, String(event.eventId));
    expect(view.status).toBe('FAILED');
    expect(view.error.code).toBe('ONBOARDING_DEADLINE_EXCEEDED');
    expect(view.error.message).toMatch(/WORKATO_SERVER_ERROR/);
    const client = view.steps.find((s: { name: string }) => s.name === 'api_client');
    expect(client.attempts).toBeGreaterThan(1);
    expect(view.steps.find((s: { name: string }) => s.name === 'api_collection').status).toBe(
      'RETAINED',
    );
  });
});
