import { createTestEnvironment, eventually, TestEnvironment } from '../support/app';
import { customerOnboarded, seedWorkspace } from '../support/events';
import { readTopic, testKafka } from '../support/kafka';
import { OnboardingView, rest } from '../support/rest';
import { ServiceProcess } from '../support/service-process';

const BATCH = 20;

describe('SIGTERM under load', () => {
  let env: TestEnvironment;
  let service: ServiceProcess;

  beforeAll(async () => {
    env = await createTestEnvironment('graceful');
    service = await ServiceProcess.create(
      { ...env.env, ONBOARDING_CONCURRENCY: '6' },
      'graceful-shutdown',
    );
  });

  afterAll(async () => {
    await service?.kill();
    await env?.close();
  });

  it('exits promptly, and the restarted instance finishes everything once', async () => {
    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: '*',
      path: `/managed_users/${ws.ref}/`,
      latencyMs: 80,
      count: -1,
    });
    const events = Array.from({ length: BATCH }, (_, i) =>
      customerOnboarded(ws, {
        apiClient: { name: `Client ${i}` },
        collection: { name: `Collection ${i}` },
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
    await eventually(
      async () => {
        const done = await rest<{ data: OnboardingView[] }>(
          service.url,
          'GET',
          '/v1/onboardings?status=COMPLETED&limit=200',
        );
        return done.body.data.length >= 2 ? true : undefined;
      },
      { timeoutMs: 60000, intervalMs: 50 },
    );

    const started = Date.now();
    const exitCode = await service.signal('SIGTERM');
    expect(exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(30000);
    // Nothing is left leased by the stopped instance: its work is free for the next one at once.
    const leased: { n: number }[] = await env.database.dataSource.query(
      `SELECT count(*)::int AS n FROM onboarding WHERE lease_owner IS NOT NULL AND lease_expires_at > now()`,
    );
    expect(leased[0].n).toBe(0);

    await service.start();
    const all = await eventually(
      async () => {
        const list = await rest<{ data: OnboardingView[] }>(
          service.url,
          'GET',
          '/v1/onboardings?limit=200',
        );
        return list.body.data.length === BATCH &&
          list.body.data.every((o) => o.status === 'COMPLETED')
          ? list.body.data
          : undefined;
      },
      {
        timeoutMs: 90000,
        intervalMs: 300,
        message: 'not every onboarding completed after the restart',
      },
    );
    const state = await env.control.managedUser(ws.id);
    expect(state.clients).toHaveLength(BATCH);
    expect(new Set(state.clients.map((c) => c.name)).size).toBe(BATCH);
    expect(state.keys).toHaveLength(BATCH);

    const results = await readTopic(env.topics.results, { count: BATCH, timeoutMs: 30000 });
    const outcomes = results.map((m) => JSON.parse(m.value).onboardingId as string);
    expect(new Set(outcomes).size).toBe(BATCH);
    expect(outcomes.sort()).toEqual(all.map((o) => o.id).sort());
  }, 180000);
});
