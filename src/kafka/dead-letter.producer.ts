import { Injectable, Logger } from '@nestjs/common';
import { IHeaders, KafkaMessage } from 'kafkajs';
import { AppConfig } from '../config/app-config';
import { KafkaConnection } from './kafka-connection';

/**
 * Sends a message the service cannot accept to KAFKA_TOPIC_DLQ: the original bytes, key and
 * headers untouched, plus headers saying why and where it came from.
 */
@Injectable()
export class DeadLetterProducer {
  private readonly logger = new Logger('DeadLetter');
  dead = 0;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly config: AppConfig,
  ) {}

  async send(
    source: { topic: string; partition: number; message: KafkaMessage },
    reason: string,
  ): Promise<void> {
    const { topic, partition, message } = source;
    const headers: IHeaders = {
      ...(message.headers ?? {}),
      'dlq-reason': reason.slice(0, 4000),
      'dlq-original-topic': topic,
      'dlq-original-partition': String(partition),
      'dlq-original-offset': message.offset,
      'dlq-original-timestamp': message.timestamp,
      'dlq-failed-at': new Date().toISOString(),
    };
    const producer = await this.kafka.producer();
    await producer.send({
      topic: this.config.values.KAFKA_TOPIC_DLQ,
      messages: [{ key: message.key, value: message.value, headers }],
    });
    this.dead += 1;
    this.logger.warn({
      msg: 'message sent to the dead-letter topic',
      topic,
      partition,
      offset: message.offset,
      reason,
    });
  }
}
