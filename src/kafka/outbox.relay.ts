import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { OutboxRepository, OutboxRow } from '../persistence/outbox.repository';
import { KafkaConnection } from './kafka-connection';

const POLL_MS = 250;
const BATCH = 200;
/** Messages per partition read back when reconciling: far more than one crashed batch. */
const TAIL = 2000;
/** How long a relay owns the rows it is sending; a dead relay's rows are retried after this. */
const CLAIM_SECONDS = 30;

/**
 * Publishes the transactional outbox (onboarding outcomes) to Kafka. Rows are claimed with
 * SKIP LOCKED, so several instances relay side by side without taking the same row.
 * Each message carries its row id in an `outbox-id` header, and rows are claimed in a committed
 * write before they are sent: a row claimed before that is still unpublished (its relay died
 * between Kafka's ack and its own commit) is looked for in the topic's tail before it is sent
 * again, so each outcome reaches the topic once.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly kafka: KafkaConnection,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.kafka.enabled) return;
    this.timer = setInterval(() => {
      this.running ??= this.flush()
        .catch((error) =>
          this.logger.warn({ msg: 'outbox relay failed; will retry', error: String(error) }),
        )
        .finally(() => (this.running = null));
    }, POLL_MS);
  }

  /** Before the Kafka producer disconnects (in onApplicationShutdown): flush what is left. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    if (this.kafka.enabled) await this.flush().catch(() => undefined);
  }

  /** Sends every pending message; returns when the outbox is empty or a send failed. */
  async flush(): Promise<void> {
    for (;;) {
      const rows = await this.outbox.claim(BATCH, CLAIM_SECONDS);
      if (rows.length === 0) return;
      let toSend = rows;
      // A row claimed before (publish_attempts > 1) may already be in Kafka: a relay died
      // between the ack and its commit. Check the topic rather than send it twice.
      const suspicious = rows.filter((r) => r.publishAttempts > 1);
      if (suspicious.length > 0) {
        const delivered = new Set(await this.alreadyDelivered(suspicious));
        if (delivered.size > 0) {
          await this.outbox.markPublished([...delivered]);
          this.logger.warn({
            msg: 'outbox rows were already in Kafka; not sending them again',
            count: delivered.size,
          });
        }
        toSend = rows.filter((r) => !delivered.has(r.id));
      }
      try {
        if (toSend.length > 0) await this.send(toSend);
      } catch (error) {
        // Hand the rows back at once instead of waiting for the claim to expire.
        await this.outbox.release(toSend.map((r) => r.id));
        throw error;
      }
      await this.outbox.markPublished(toSend.map((r) => r.id));
      if (rows.length < BATCH) return;
    }
  }

  private async send(rows: OutboxRow[]): Promise<void> {
    const producer = await this.kafka.producer();
    const byTopic = new Map<
      string,
      { key: string; value: string; headers: Record<string, string> }[]
    >();
    for (const row of rows) {
      const list = byTopic.get(row.topic) ?? [];
      list.push({
        key: row.messageKey,
        value: JSON.stringify(row.payload),
        headers: { 'outbox-id': row.id },
      });
      byTopic.set(row.topic, list);
    }
    await producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  private async alreadyDelivered(rows: OutboxRow[]): Promise<string[]> {
    const wanted = new Set(rows.map((r) => r.id));
    const found: string[] = [];
    for (const topic of new Set(rows.map((r) => r.topic)))
      found.push(...(await this.tailOutboxIds(topic, wanted)));
    return found;
  }

  private async tailOutboxIds(topic: string, wanted: Set<string>): Promise<string[]> {
    const kafka = this.kafka.kafka!;
    const admin = kafka.admin();
    await admin.connect();
    let offsets: { partition: number; low: string; high: string }[];
    try {
      offsets = await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect();
    }
    const todo = offsets.filter((o) => Number(o.high) > Number(o.low));
    if (todo.length === 0) return [];
    const found: string[] = [];
    const consumer = kafka.consumer({ groupId: `outbox-reconcile-${randomUUID()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: false });
      const remaining = new Map(todo.map((o) => [o.partition, Number(o.high) - 1]));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            const id = message.headers?.['outbox-id']?.toString();
            if (id && wanted.has(id)) found.push(id);
            if (Number(message.offset) >= (remaining.get(partition) ?? -1))
              remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
        consumer.on(consumer.events.GROUP_JOIN, () => {
          for (const o of todo)
            consumer.seek({
              topic,
              partition: o.partition,
              offset: String(Math.max(Number(o.low), Number(o.high) - TAIL)),
            });
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return found;
  }
}
