import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { KafkaConnection } from './kafka-connection';

const POLL_MS = 250;
const BATCH = 200;

/**
 * Publishes the transactional outbox (onboarding outcomes) to Kafka. Rows are locked with
 * SKIP LOCKED while they are sent, so several instances relay without sending a row twice;
 * a crash between send and commit re-sends (at least once: consumers key on onboardingId+attempt).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

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
        const byTopic = new Map<string, { key: string; value: string }[]>();
        for (const row of rows) {
          const list = byTopic.get(row.topic) ?? [];
          list.push({ key: row.message_key, value: JSON.stringify(row.payload) });
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
}
