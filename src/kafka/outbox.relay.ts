import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { KafkaConnection } from './kafka-connection';

const POLL_MS = 250;
const BATCH = 200;
/** Messages per partition read back when reconciling: far more than one crashed batch. */
const TAIL = 2000;

/**
 * Publishes the transactional outbox (onboarding outcomes) to Kafka. Rows are locked with
 * SKIP LOCKED while they are sent, so several instances relay without sending a row twice.
 * Each message carries its row id in an `outbox-id` header: a crash after Kafka took a batch but
 * before Postgres recorded it would re-send it, so before its first flush (and after a failed
 * one) the relay reads the tail of the topic and marks rows already there as published.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private reconciled = false;

  constructor(
    private readonly dataSource: DataSource,
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

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    if (this.kafka.enabled) await this.flush().catch(() => undefined);
  }

  /** Sends every pending message; returns when the outbox is empty or a send failed. */
  async flush(): Promise<void> {
    if (!this.reconciled) {
      await this.reconcile();
      this.reconciled = true;
    }
    try {
      await this.publishPending();
    } catch (error) {
      this.reconciled = false;
      throw error;
    }
  }

  private async publishPending(): Promise<void> {
    for (;;) {
      const sent = await this.dataSource.transaction(async (tx) => {
        const rows: { id: string; topic: string; message_key: string; payload: unknown }[] =
          await tx.query(
            `SELECT id, topic, message_key, payload FROM outbox_message
           WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
            [BATCH],
          );
        if (rows.length === 0) return 0;
        const producer = await this.kafka.producer();
        const byTopic = new Map<
          string,
          { key: string; value: string; headers: Record<string, string> }[]
        >();
        for (const row of rows) {
          const list = byTopic.get(row.topic) ?? [];
          list.push({
            key: row.message_key,
            value: JSON.stringify(row.payload),
            headers: { 'outbox-id': String(row.id) },
          });
          byTopic.set(row.topic, list);
        }
        await producer.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
        await tx.query(
          `UPDATE outbox_message SET published_at = now(), publish_attempts = publish_attempts + 1 WHERE id = ANY($1)`,
          [rows.map((r) => r.id)],
        );
        return rows.length;
      });
      if (sent < BATCH) return;
    }
  }

  async backlog(): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM outbox_message WHERE published_at IS NULL`,
    );
    return rows[0].n;
  }

  /** Marks pending rows that a previous run already delivered (found by `outbox-id` in the topic's tail). */
  private async reconcile(): Promise<void> {
    const pending: { id: string; topic: string }[] = await this.dataSource.query(
      `SELECT id, topic FROM outbox_message WHERE published_at IS NULL ORDER BY id LIMIT 10000`,
    );
    if (pending.length === 0 || !this.kafka.kafka) return;
    const wanted = new Set(pending.map((p) => p.id));
    const found: string[] = [];
    for (const topic of new Set(pending.map((p) => p.topic))) {
      found.push(...(await this.tailOutboxIds(topic, wanted)));
    }
    if (found.length > 0) {
      await this.dataSource.query(
        `UPDATE outbox_message SET published_at = now() WHERE id = ANY($1) AND published_at IS NULL`,
        [found],
      );
      this.logger.warn({
        msg: 'outbox rows were already in Kafka; not sending them again',
        count: found.length,
      });
    }
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
