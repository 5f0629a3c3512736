import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { AppConfig } from '../../platform/config/app-config';
import { parseCustomerOnboarded, ParseResult } from './customer-onboarded.schema';
import { IngestInput, IngestOnboardingCommand } from '../saga/onboarding.commands';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';
import { DeadLetterProducer } from './dead-letter.producer';
import { KafkaConnection } from '../../kafka/kafka-connection';

/** Messages recorded per Postgres transaction. */
const CHUNK = 200;

/**
 * Consumes CustomerOnboarded events. A valid event is recorded in Postgres before its offset is
 * resolved and committed; an invalid one goes to the DLQ and consumption goes on. If Postgres is
 * down the handler throws, the offsets stay, and kafkajs delivers the messages again: nothing
 * valid is lost.
 */
@Injectable()
export class OnboardingEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OnboardingEventsConsumer');
  private consumer: Consumer | null = null;
  private stopped = false;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly commandBus: CommandBus,
    private readonly deadLetters: DeadLetterProducer,
    private readonly config: AppConfig,
    private readonly metrics: OnboardingMetrics,
  ) {}

  /** False once kafkajs gave up on the consumer for good: readiness reports it. */
  healthy = true;

  onApplicationBootstrap(): void {
    if (!this.kafka.kafka || !this.config.values.KAFKA_CONSUMER_ENABLED) return;
    // Joining the group can take a session timeout after a crash (the dead member must expire
    // first): consume in the background so HTTP and health answer meanwhile.
    void this.startConsuming();
  }

  private async startConsuming(): Promise<void> {
    for (let attempt = 1; this.consumer === null && !this.stopped; attempt++) {
      try {
        await this.kafka.ensureTopics();
        await this.run();
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

  private async run(): Promise<void> {
    const consumer = this.kafka.kafka!.consumer({
      groupId: this.config.values.KAFKA_GROUP_ID,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 30_000 },
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      this.metrics.setConsumerLag(payload.topic, payload.partition, Number(payload.offsetLag)),
    );
    consumer.on(consumer.events.GROUP_JOIN, () => this.metrics.clearConsumerLag());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      // kafkajs will not restart this consumer: say so loudly and fail readiness, so the
      // orchestrator replaces the instance instead of leaving it up and idle.
      this.healthy = false;
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
      // Offsets are resolved by hand, chunk by chunk, once the chunk is in Postgres (or the DLQ).
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.logger.log({
      msg: 'consuming',
      topic: this.config.values.KAFKA_TOPIC_ONBOARDED,
      groupId: this.config.values.KAFKA_GROUP_ID,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const consumer = this.consumer;
    this.consumer = null;
    if (consumer) await consumer.disconnect();
  }

  /**
   * One Postgres transaction per chunk of the batch instead of one per message: ingestion is
   * bound by commits. A failure throws before the chunk's offsets are resolved, so kafkajs
   * delivers the chunk again (recording is idempotent by eventId).
   */
  private async handleBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    for (let start = 0; start < batch.messages.length; start += CHUNK) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + CHUNK);
      const valid: IngestInput[] = [];
      const invalid: { message: KafkaMessage; reason: string }[] = [];
      for (const message of chunk) {
        const parsed = parseSafely(message.value);
        if (parsed.ok) valid.push({ input: message.value, parsed });
        else invalid.push({ message, reason: parsed.reason });
      }
      // Valid events first: if Postgres is down this throws before anything reaches the DLQ,
      // so a redelivered chunk does not dead-letter its bad messages again.
      if (valid.length > 0)
        await this.commandBus.execute(new IngestOnboardingCommand(valid, 'kafka'));
      for (const { message, reason } of invalid) {
        this.metrics.countIngested('kafka', 'invalid');
        await this.deadLetters.send(
          { topic: batch.topic, partition: batch.partition, message },
          reason,
        );
      }
      resolveOffset(chunk[chunk.length - 1].offset);
      await heartbeat();
    }
  }
}

/** Whatever the bytes, an answer: a message must never be able to crash the consumer. */
function parseSafely(value: Buffer | null): ParseResult {
  if (!value) return { ok: false, reason: 'empty message (no value)', issues: [] };
  try {
    return parseCustomerOnboarded(value);
  } catch (error) {
    return {
      ok: false,
      reason: `could not be read: ${(error as Error).name ?? 'error'}`,
      issues: [],
    };
  }
}
