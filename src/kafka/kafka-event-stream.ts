import { Injectable, Logger } from '@nestjs/common';
import { Consumer, EachBatchPayload } from 'kafkajs';
import { AppConfig } from '../platform/config/app-config';
import { OnboardingMetrics } from '../platform/observability/onboarding.metrics';
import {
  DeadLetterQueue,
  IncomingEventStream,
  IncomingMessage,
} from '../onboarding/ports/event-stream.port';
import { KafkaConnection } from './kafka-connection';

/** Messages handed over per chunk (the intake records a chunk per Postgres transaction). */
const CHUNK = 200;
/** Bytes one fetch may bring per partition (kafkajs: 1 MiB) and in all (kafkajs: 10 MiB). */
const FETCH_BYTES_PER_PARTITION = 256 * 1024;
const FETCH_BYTES = 1024 * 1024;

/**
 * KAFKA_TOPIC_ONBOARDED as the incoming event stream. Offsets are resolved by hand, chunk by
 * chunk, once the chunk's handler has resolved; a handler that throws leaves them, and kafkajs
 * delivers the messages again.
 */
@Injectable()
export class KafkaEventStream extends IncomingEventStream {
  private readonly logger = new Logger('OnboardingEventsConsumer');
  private consumer: Consumer | null = null;
  private stopped = false;
  private crashed = false;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly config: AppConfig,
    private readonly metrics: OnboardingMetrics,
  ) {
    super();
  }

  get enabled(): boolean {
    return this.kafka.enabled;
  }

  get healthy(): boolean {
    return !this.crashed;
  }

  start(handle: (chunk: IncomingMessage[]) => Promise<void>): void {
    // Joining the group can take a session timeout after a crash (the dead member must expire
    // first): consume in the background so HTTP and health answer meanwhile.
    void this.startConsuming(handle);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const consumer = this.consumer;
    this.consumer = null;
    if (consumer) await consumer.disconnect();
  }

  private async startConsuming(handle: (chunk: IncomingMessage[]) => Promise<void>) {
    for (let attempt = 1; this.consumer === null && !this.stopped; attempt++) {
      try {
        await this.kafka.ensureTopics();
        await this.run(handle);
        return;
      } catch (error) {
        this.logger.error({
          msg: 'could not start consuming; will retry',
          attempt,
          error: String(error),
        });
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  private async run(handle: (chunk: IncomingMessage[]) => Promise<void>): Promise<void> {
    const consumer = this.kafka.kafka!.consumer({
      groupId: this.config.values.KAFKA_GROUP_ID,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 30_000 },
      // A backlog (a go-live backfill) arrives in fetches of a few hundred events per
      // partition, not of everything at once: what is in flight, and so the heap, stays small.
      maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
      maxBytes: FETCH_BYTES,
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      this.metrics.setConsumerLag(payload.topic, payload.partition, Number(payload.offsetLag)),
    );
    consumer.on(consumer.events.GROUP_JOIN, () => this.metrics.clearConsumerLag());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      // kafkajs will not restart this consumer: say so loudly and fail readiness, so the
      // orchestrator replaces the instance instead of leaving it up and idle.
      this.crashed = true;
      this.logger.error({
        msg: 'Kafka consumer crashed and will not restart',
        error: String(payload.error),
      });
    });
    await consumer.connect();
    await consumer.subscribe({
      topic: this.config.values.KAFKA_TOPIC_ONBOARDED,
      fromBeginning: true,
    });
    this.consumer = consumer;
    await consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload, handle),
    });
    this.logger.debug({
      msg: 'consuming',
      topic: this.config.values.KAFKA_TOPIC_ONBOARDED,
      groupId: this.config.values.KAFKA_GROUP_ID,
    });
  }

  private async handleBatch(
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
    handle: (chunk: IncomingMessage[]) => Promise<void>,
  ): Promise<void> {
    for (let start = 0; start < batch.messages.length; start += CHUNK) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + CHUNK);
      await handle(
        chunk.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          timestamp: m.timestamp,
          key: m.key,
          value: m.value,
          headers: m.headers ?? {},
        })),
      );
      resolveOffset(chunk[chunk.length - 1].offset);
      await heartbeat();
    }
  }
}

/** KAFKA_TOPIC_DLQ as the dead-letter queue. */
@Injectable()
export class KafkaDeadLetterQueue extends DeadLetterQueue {
  constructor(
    private readonly kafka: KafkaConnection,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async send(message: Parameters<DeadLetterQueue['send']>[0]): Promise<void> {
    const producer = await this.kafka.producer();
    await producer.send({
      topic: this.config.values.KAFKA_TOPIC_DLQ,
      messages: [{ key: message.key, value: message.value, headers: message.headers }],
    });
  }
}
