import { randomBytes } from 'node:crypto';
import { IHeaders, Kafka, logLevel } from 'kafkajs';
import { testKafkaBrokers } from './test-infrastructure';

export interface TestTopics {
  onboarded: string;
  results: string;
  dlq: string;
  groupId: string;
}

export interface TestTopicsOptions {
  /** Partitions of each topic. Default 3. */
  partitions?: number;
  /** Default: the broker global-setup started or found (TEST_KAFKA_BROKERS). */
  brokers?: string[];
}

/** Topics and a consumer group of this test file's own, created up front (see scripts/kafka). */
export async function createTestTopics(
  prefix: string,
  options: TestTopicsOptions = {},
): Promise<TestTopics> {
  const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const topics: TestTopics = {
    onboarded: `${prefix}.onboarded.${suffix}`,
    results: `${prefix}.results.${suffix}`,
    dlq: `${prefix}.dlq.${suffix}`,
    groupId: `${prefix}.group.${suffix}`,
  };
  const names = [topics.onboarded, topics.results, topics.dlq];
  // A fresh single-node broker answers LEADER_NOT_AVAILABLE for a moment while several test
  // files create topics at once: retry until the metadata of all three is served.
  for (let attempt = 1; ; attempt++) {
    const admin = testKafka(options.brokers).admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = names.filter((t) => !existing.has(t));
      if (missing.length > 0)
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: options.partitions ?? 3,
            replicationFactor: 1,
          })),
        });
      await admin.fetchTopicMetadata({ topics: names });
      return topics;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/** Deletes the three topics; a failure is ignored (the broker is thrown away anyway). */
export async function deleteTestTopics(topics: TestTopics, brokers?: string[]): Promise<void> {
  const admin = testKafka(brokers).admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: [topics.onboarded, topics.results, topics.dlq] });
  } catch {
    // Left for the broker's end.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function testKafka(brokers: string[] = testKafkaBrokers(), clientId = 'test'): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
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

export interface RawMessage {
  key: string | null;
  value: Buffer | string | null;
  headers?: IHeaders;
}

/** Produces messages on the test broker (TEST_KAFKA_BROKERS), one request per 50. */
export async function produce(topic: string, messages: RawMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const producer = testKafka().producer();
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 50)
      await producer.send({ topic, messages: messages.slice(i, i + 50) });
  } finally {
    await producer.disconnect();
  }
}
