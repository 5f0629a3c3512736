import { OutboxRelay } from '../../src/kafka/outbox.relay';
import { createTestEnvironment, startTestApp, TestApp, TestEnvironment } from '../support/app';
import { readTopic, testKafka } from '../support/kafka';

describe('results outbox relay', () => {
  let env: TestEnvironment;
  let service: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('outbox');
    service = await startTestApp(env.env, { ONBOARDING_RUNNER_ENABLED: 'false' });
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  it('publishes each outbox row once, even when a crash lost the record of an earlier send', async () => {
    const db = env.database.dataSource;
    const insert = async (n: number) =>
      (
        await db.query(
          `INSERT INTO outbox_message (topic, message_key, payload) VALUES ($1, 'E1', $2) RETURNING id`,
          [env.topics.results, JSON.stringify({ n })],
        )
      )[0].id as string;
    const relay = service.app.get(OutboxRelay);
    // Stop the background relay: this test drives flushes itself.
    await relay.beforeApplicationShutdown();

    // Row 1 was claimed and reached Kafka, but its relay died before Postgres recorded it
    // (its claim has since expired).
    const delivered = await insert(1);
    await db.query(
      `UPDATE outbox_message SET publish_attempts = 1, claimed_until = now() - interval '1 second' WHERE id = $1`,
      [delivered],
    );
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: env.topics.results,
      messages: [
        { key: 'E1', value: JSON.stringify({ n: 1 }), headers: { 'outbox-id': delivered } },
      ],
    });
    await producer.disconnect();
    const pending = await insert(2);

    // The next relay finds the earlier attempt, checks the topic, and sends only what is missing.
    await relay.flush();

    const messages = await readTopic(env.topics.results, { count: 3, timeoutMs: 8000 });
    expect(messages.map((m) => m.headers['outbox-id']).sort()).toEqual([delivered, pending].sort());
    const rows: { published: boolean }[] = await db.query(
      `SELECT published_at IS NOT NULL AS published FROM outbox_message WHERE id = ANY($1)`,
      [[delivered, pending]],
    );
    expect(rows.every((r) => r.published)).toBe(true);
  });
});
