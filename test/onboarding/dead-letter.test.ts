import { randomUUID } from 'node:crypto';
import { createTestEnvironment, startTestApp, TestApp, TestEnvironment } from '../support/app';
import { customerOnboarded, seedWorkspace } from '../support/events';
import { readTopic, testKafka } from '../support/kafka';
import { waitForTerminal } from '../support/rest';

describe('malformed messages', () => {
  let env: TestEnvironment;
  let service: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('deadletter');
    service = await startTestApp(env.env);
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  it('sends every malformed message to the DLQ with its reason, and completes every valid one', async () => {
    const ws = await seedWorkspace(env.control);
    const valid = Array.from({ length: 4 }, (_, i) =>
      customerOnboarded(ws, {
        apiClient: { name: `Client ${i}` },
        collection: { name: `Collection ${i}` },
      }),
    );
    const base = customerOnboarded(ws);
    const malformed: { value: string; reason: RegExp }[] = [
      { value: '{not json', reason: /not valid JSON/ },
      { value: '[]', reason: /JSON object/ },
      {
        value: JSON.stringify({ ...base, eventId: randomUUID(), schemaVersion: 2 }),
        reason: /schemaVersion/,
      },
      {
        value: JSON.stringify({ ...base, eventId: randomUUID(), projectId: { id: 1 } }),
        reason: /projectId/,
      },
      {
        value: JSON.stringify({ ...base, eventId: randomUUID(), customer: undefined }),
        reason: /customer/,
      },
      {
        value: JSON.stringify({ ...base, eventId: randomUUID(), surprise: true }),
        reason: /surprise/,
      },
      {
        value: JSON.stringify({
          ...base,
          eventId: randomUUID(),
          apiClient: { name: 'x', authType: 'jwt' },
        }),
        reason: /apiClient\.jwt/,
      },
      {
        value: JSON.stringify({
          ...base,
          eventId: randomUUID(),
          collection: { name: 'x'.repeat(300_000) },
        }),
        reason: /bytes; the limit/,
      },
    ];
    const secretIndex = malformed.length;
    malformed.push({
      value: JSON.stringify({
        ...base,
        eventId: randomUUID(),
        apiClient: {
          name: 'x',
          authType: 'jwt',
          jwt: { method: 'hmac', secret: 'hmac-secret-that-must-not-leak' },
          portal: {},
        },
      }),
      reason: /apiClient\.portal/,
    });
    const producer = testKafka().producer();
    await producer.connect();
    const messages = [];
    for (let i = 0; i < malformed.length; i++) {
      messages.push({ key: ws.ref, value: malformed[i].value, headers: { 'x-trace': `bad-${i}` } });
      if (valid[i]) messages.push({ key: ws.ref, value: JSON.stringify(valid[i]) });
    }
    // A redelivery of an event is a duplicate; another event under a seen eventId is refused.
    messages.push({ key: ws.ref, value: JSON.stringify(valid[1]) });
    messages.push({
      key: ws.ref,
      value: JSON.stringify({ ...valid[0], collection: { name: 'Changed' } }),
      headers: { 'x-trace': 'reused' },
    });
    for (const message of messages)
      await producer.send({ topic: env.topics.onboarded, messages: [message] });
    await producer.disconnect();

    for (const event of valid)
      expect((await waitForTerminal(service.url, String(event.eventId))).status).toBe('COMPLETED');

    const dead = await readTopic(env.topics.dlq, { count: malformed.length + 1, timeoutMs: 30000 });
    expect(dead).toHaveLength(malformed.length + 1);
    const reused = dead.find((m) => m.headers['x-trace'] === 'reused');
    expect(reused?.headers['dlq-reason']).toBe('eventId reused with a different payload');
    for (let i = 0; i < malformed.length; i++) {
      const message = dead.find((m) => m.headers['x-trace'] === `bad-${i}`);
      expect(message).toBeDefined();
      if (i === secretIndex) {
        // A JWT secret in a rejected event is the one thing not kept as it came.
        expect(message!.value).not.toContain('hmac-secret-that-must-not-leak');
        expect(JSON.parse(message!.value).apiClient.jwt.secret).toBe('[REDACTED]');
        expect(message!.headers['dlq-redacted']).toBe('apiClient.jwt.secret');
      } else {
        expect(message!.value).toBe(malformed[i].value);
      }
      expect(message!.key).toBe(ws.ref);
      expect(message!.headers['dlq-reason']).toMatch(malformed[i].reason);
      expect(message!.headers['dlq-original-topic']).toBe(env.topics.onboarded);
    }
  });
});
