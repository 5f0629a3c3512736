import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Consumer, EachBatchPayload } from 'kafkajs';
import { AppConfig } from '../config/app-config';
import { parseCustomerOnboarded } from '../onboarding/domain/customer-onboarded.schema';
import {
  IngestInput,
  IngestOnboardingCommand,
} from '../onboarding/application/onboarding.commands';
import { OnboardingMetrics } from '../observability/onboarding.metrics';
import { DeadLetterProducer } from './dead-letter.producer';
import { KafkaConnection } from './kafka-connection';

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

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly commandBus: CommandBus,
    private readonly deadLetters: DeadLetterProducer,
    private readonly config: AppConfig,
    private readonly metrics: OnboardingMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.kafka.kafka || !this.config.values.KAFKA_CONSUMER_ENABLED) return;
    await this.kafka.ensureTopics();
    const consumer = this.kafka.kafka.consumer({
      groupId: this.config.values.KAFKA_GROUP_ID,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 30_000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      this.metrics.setConsumerLag(payload.topic, payload.partition, Number(payload.offsetLag)),
    );
    consumer.on(consumer.events.GROUP_JOIN, () => this.metrics.clearConsumerLag());
    await consumer.connect();
    await consumer.subscribe({
      topic: this.config.values.KAFKA_TOPIC_ONBOARDED,
      fromBeginning: true,
    });
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
      for (const message of chunk) {
        const parsed = message.value
          ? parseCustomerOnboarded(message.value)
          : ({ ok: false, reason: 'empty message (no value)', issues: [] } as const);
        if (parsed.ok) valid.push({ input: message.value, parsed });
        else {
          this.metrics.countIngested('kafka', 'invalid');
          await this.deadLetters.send(
            { topic: batch.topic, partition: batch.partition, message },
            parsed.reason,
          );
        }
      }
      if (valid.length > 0)
        await this.commandBus.execute(new IngestOnboardingCommand(valid, 'kafka'));
      resolveOffset(chunk[chunk.length - 1].offset);
      await heartbeat();
    }
  }
}
