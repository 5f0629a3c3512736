import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Kafka, logLevel, LogEntry, Partitioners, Producer } from 'kafkajs';
import { AppConfig } from '../platform/config/app-config';

/**
 * The Kafka client of this process, or none when KAFKA_BROKERS is unset and no local broker
 * could be started (then only HTTP ingestion is on). One idempotent producer is shared by the
 * dead-letter publisher and the results relay.
 */
@Injectable()
export class KafkaConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Kafka');
  readonly kafka: Kafka | null;
  private producerPromise: Promise<Producer> | null = null;

  constructor(private readonly config: AppConfig) {
    const brokers = config.runtime.kafkaBrokers;
    this.kafka = brokers
      ? new Kafka({
          clientId: config.values.KAFKA_CLIENT_ID,
          brokers,
          logLevel: logLevel.WARN,
          logCreator: () => (entry: LogEntry) => this.log(entry),
          retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
        })
      : null;
  }

  get enabled(): boolean {
    return this.kafka !== null;
  }

  producer(): Promise<Producer> {
    if (!this.kafka) throw new Error('Kafka is not configured');
    this.producerPromise ??= (async () => {
      const producer = this.kafka!.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        // Chosen explicitly, which also keeps kafkajs's notice about its default off the log.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      return producer;
    })().catch((error) => {
      this.producerPromise = null;
      throw error;
    });
    return this.producerPromise;
  }

  /** Creates the service's topics when missing (a single-node dev broker needs RF 1). */
  async ensureTopics(): Promise<void> {
    if (!this.kafka) return;
    const v = this.config.values;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [v.KAFKA_TOPIC_ONBOARDED, v.KAFKA_TOPIC_RESULTS, v.KAFKA_TOPIC_DLQ].filter(
        (t) => !existing.has(t),
      );
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: v.KAFKA_TOPIC_PARTITIONS,
            replicationFactor: -1,
          })),
        });
        this.logger.log({ msg: 'created Kafka topics', topics: missing });
      }
    } finally {
      await admin.disconnect();
    }
  }

  async ping(timeoutMs = 3000): Promise<void> {
    if (!this.kafka) return;
    const admin = this.kafka.admin();
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no answer from Kafka within ${timeoutMs} ms`)),
        timeoutMs,
      ).unref(),
    );
    try {
      await Promise.race([admin.connect().then(() => admin.describeCluster()), timeout]);
    } finally {
      void admin.disconnect().catch(() => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.producerPromise) await (await this.producerPromise.catch(() => null))?.disconnect();
  }

  private log(entry: LogEntry): void {
    const { message, ...rest } = entry.log;
    const line = { msg: message, namespace: entry.namespace, ...rest };
    // Expected on any broker start and retried by kafkajs: not an operator's problem.
    const transient =
      /coordinator is (not available|loading)|leader(ship)? (is )?not available|rebalanc/i.test(
        `${message} ${String((rest as { error?: unknown }).error ?? '')}`,
      );
    // Our idempotent producer bounds its retries on purpose (a send must not hang the outbox).
    const bounded = /Limiting retries for the idempotent producer/.test(message);
    if (bounded) this.logger.debug?.(line);
    else if (entry.level <= logLevel.ERROR && !transient) this.logger.error(line);
    else this.logger.warn(line);
  }
}
