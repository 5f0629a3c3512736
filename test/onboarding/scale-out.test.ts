import {
  createTestEnvironment,
  eventually,
  startTestApp,
  TestApp,
  TestEnvironment,
} from '../support/app';
import { customerOnboarded, seedWorkspace } from '../support/events';
import { testKafka } from '../support/kafka';

describe('two instances, one database, one consumer group', () => {
  let env: TestEnvironment;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('scaleout');
    first = await startTestApp(env.env, { ONBOARDING_CONCURRENCY: '4' });
    second = await startTestApp(env.env, { ONBOARDING_CONCURRENCY: '4' });
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await env?.close();
  });

  it('shares the work and provisions every onboarding exactly once', async () => {
    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: '*',
      path: `/managed_users/${ws.ref}/`,
      latencyMs: 20,
      count: -1,
    });
    const events = Array.from({ length: 30 }, (_, i) =>
      customerOnboarded(ws, {
        apiClient: { name: `Client ${i}` },
        collection: { name: `Collection ${i}` },
      }),
    );
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: env.topics.onboarded,
      messages: events.map((e, i) => ({ key: `${ws.ref}-${i}`, value: JSON.stringify(e) })),
    });
    await producer.disconnect();

    const db = env.database.dataSource;
    await eventually(
      async () => {
        const rows: { n: number }[] = await db.query(
          `SELECT count(*)::int AS n FROM onboarding WHERE status = 'COMPLETED'`,
        );
        return rows[0].n === events.length ? true : undefined;
      },
      { timeoutMs: 90000, intervalMs: 250, message: 'not every onboarding completed' },
    );
    const state = await env.control.managedUser(ws.id);
    expect(state.collections).toHaveLength(events.length);
    expect(state.clients).toHaveLength(events.length);
    expect(state.keys).toHaveLength(events.length);
    expect(new Set(state.clients.map((c) => c.name)).size).toBe(events.length);
    // Every step ran once: no instance repeated another's work.
    const steps: { attempts: number }[] = await db.query(`SELECT attempts FROM onboarding_step`);
    expect(steps.every((s) => s.attempts === 1)).toBe(true);
  });
});
