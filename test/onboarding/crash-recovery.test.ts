import { createTestEnvironment, eventually, TestEnvironment } from '../support/app';
import { customerOnboarded, seedWorkspace } from '../support/events';
import { testKafka } from '../support/kafka';
import { OnboardingView, rest } from '../support/rest';
import { ServiceProcess } from '../support/service-process';

const BATCH = 24;

describe('SIGKILL in the middle of a batch', () => {
  let env: TestEnvironment;
  let service: ServiceProcess;

  beforeAll(async () => {
    env = await createTestEnvironment('crash');
    service = await ServiceProcess.create(
      { ...env.env, ONBOARDING_LEASE_SECONDS: '3', ONBOARDING_CONCURRENCY: '8', LOG_LEVEL: 'info' },
      'crash-recovery',
    );
  });

  afterAll(async () => {
    await service?.kill();
    await env?.close();
  });

  it('resumes every onboarding after a restart, with no duplicate resources and every key token captured', async () => {
    const ws = await seedWorkspace(env.control);
    // Slow Workato down so the kill lands while onboardings are between steps.
    await env.control.addFault({
      method: '*',
      path: `/managed_users/${ws.ref}/`,
      latencyMs: 60,
      count: -1,
    });
    const events = Array.from({ length: BATCH }, (_, i) =>
      customerOnboarded(ws, {
        collection: { name: `Collection ${i}` },
        apiClient: { name: `Client ${i}` },
        apiKeys: [
          { name: 'Production', active: true, ipAllowList: [], ipDenyList: [] },
          { name: 'Sandbox', active: false, ipAllowList: [], ipDenyList: [] },
        ],
      }),
    );

    await service.start();
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: env.topics.onboarded,
      messages: events.map((e) => ({ key: ws.ref, value: JSON.stringify(e) })),
    });
    await producer.disconnect();

    // Kill once some onboardings have finished and others are mid-flight.
    await eventually(
      async () => {
        const done = await rest<{ data: OnboardingView[] }>(
          service.url,
          'GET',
          '/v1/onboardings?status=COMPLETED&limit=200',
        );
        return done.body.data.length >= 3 ? true : undefined;
      },
      { timeoutMs: 60000, intervalMs: 50 },
    );
    await service.kill();
    await service.start();

    const all = await eventually(
      async () => {
        const list = await rest<{ data: OnboardingView[] }>(
          service.url,
          'GET',
          '/v1/onboardings?limit=200',
        );
        const data = list.body.data;
        return data.length === BATCH && data.every((o) => o.status === 'COMPLETED')
          ? data
          : undefined;
      },
      {
        timeoutMs: 90000,
        intervalMs: 500,
        message: 'not every onboarding completed after the restart',
      },
    );

    const state = await env.control.managedUser(ws.id);
    const countBy = (
      items: Record<string, unknown>[],
      key: (i: Record<string, unknown>) => string,
    ) =>
      items.reduce<Record<string, number>>(
        (acc, i) => ({ ...acc, [key(i)]: (acc[key(i)] ?? 0) + 1 }),
        {},
      );
    expect(
      Object.values(countBy(state.collections, (c) => String(c.name))).every((n) => n === 1),
    ).toBe(true);
    expect(state.collections).toHaveLength(BATCH);
    expect(Object.values(countBy(state.clients, (c) => String(c.name))).every((n) => n === 1)).toBe(
      true,
    );
    expect(state.clients).toHaveLength(BATCH);
    expect(
      Object.values(countBy(state.keys, (k) => `${k.api_client_id}/${k.name}`)).every(
        (n) => n === 1,
      ),
    ).toBe(true);
    expect(state.keys).toHaveLength(BATCH * 2);

    for (const onboarding of all) {
      const credentials = await rest<OnboardingView>(
        service.url,
        'GET',
        `/v1/onboardings/${onboarding.id}/credentials`,
      );
      expect(credentials.status).toBe(200);
      expect(credentials.body.apiKeys).toHaveLength(2);
      for (const key of credentials.body.apiKeys) {
        const issued = state.keys.find((k) => String(k.id) === key.id);
        expect(issued).toBeDefined();
        expect(key.authToken).toBe(issued!.auth_token);
      }
    }
  }, 180000);
});
