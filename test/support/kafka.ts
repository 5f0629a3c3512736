import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { testKafkaBrokers } from './test-infrastructure';

export interface TestTopics {
  onboarded: string;
  results: string;
  dlq: string;
  groupId: string;
}

/** Topics and a consumer group of this test file's own, created up front (see scripts/kafka). */
export async function createTestTopics(prefix: string): Promise<TestTopics> {
  const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const topics: TestTopics = {
    onboarded: `${prefix}.onboarded.${suffix}`,
    results: `${prefix}.results.${suffix}`,
    dlq: `${prefix}.dlq.${suffix}`,
    groupId: `${prefix}.group.${suffix}`,
  };
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [topics.onboarded, topics.results, topics.dlq].map((topic) => ({
        topic,
        numPartitions: 3,
        replicationFactor: 1,
      })),
    });
  } finally {
    await admin.disconnect();
  }
  return topics;
}

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'test', brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });
}

/** Reads every message of a topic from the beginning until `count` arrived or the time is up. */
export async function readTopic(
  topic: string,
  options: { count: number; timeoutMs?: number },
): Promise<{ key: string | null; value: string; headers: Record<string, string> }[]> {
  const consumer = testKafka().consumer({ groupId: `reader-${randomBytes(4).toString('hex')}` });
  const messages: { key: string | null; value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.timeoutMs ?? 30000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        messages.push({
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
          headers,
        });
        if (messages.length >= options.count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return messages;
}
