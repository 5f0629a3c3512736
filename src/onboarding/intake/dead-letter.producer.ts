import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';
import { DeadLetterQueue, IncomingMessage } from '../ports/event-stream.port';

/**
 * A message went to the dead-letter queue: what the DLQ got (the value already without the
 * known secret) and why. The operator console keeps the recent ones.
 */
export class MessageDeadLettered {
  constructor(
    readonly message: IncomingMessage,
    readonly reason: string,
    readonly at: Date,
  ) {}
}

/**
 * Sends a message the service cannot accept to the dead-letter queue (KAFKA_TOPIC_DLQ): the
 * original bytes (but a secret), key and headers, plus headers saying why and where it came from.
 */
@Injectable()
export class DeadLetterProducer {
  private readonly logger = new Logger('DeadLetter');
  constructor(
    private readonly queue: DeadLetterQueue,
    private readonly metrics: OnboardingMetrics,
    @Optional() private readonly events?: EventBus,
  ) {}

  async send(message: IncomingMessage, reason: string): Promise<void> {
    const { topic, partition } = message;
    const { value, redacted } = redactSecrets(message.value);
    const headers: IncomingMessage['headers'] = {
      ...(message.headers ?? {}),
      ...(redacted.length > 0 ? { 'dlq-redacted': redacted.join(',') } : {}),
      'dlq-reason': reason.slice(0, 4000),
      'dlq-original-topic': topic,
      'dlq-original-partition': String(partition),
      'dlq-original-offset': message.offset,
      'dlq-original-timestamp': message.timestamp,
      'dlq-failed-at': new Date().toISOString(),
    };
    await this.queue.send({ key: message.key, value, headers });
    this.metrics.countDeadLetter();
    this.events?.publish(new MessageDeadLettered({ ...message, value }, reason, new Date()));
    this.logger.warn({
      msg: 'message sent to the dead-letter topic',
      topic,
      partition,
      offset: message.offset,
      reason,
    });
  }
}

/**
 * The DLQ keeps the original bytes, except a secret a partner put in the event (the JWT secret,
 * at apiClient.jwt.secret, or under `data` in a CloudEvent): secrets never leave the service in
 * clear text. Only those known paths are looked at (no walk: a hostile message may nest deeply);
 * bytes that are not JSON are kept as they are.
 */
export function redactSecrets(value: Buffer | null): { value: Buffer | null; redacted: string[] } {
  if (!value) return { value, redacted: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(value.toString('utf8'));
  } catch {
    return { value, redacted: [] };
  }
  const redacted: string[] = [];
  for (const prefix of [[], ['data']] as string[][]) {
    let node: unknown = doc;
    for (const key of [...prefix, 'apiClient', 'jwt']) {
      node =
        node && typeof node === 'object' && !Array.isArray(node)
          ? (node as Record<string, unknown>)[key]
          : undefined;
    }
    if (
      node &&
      typeof node === 'object' &&
      typeof (node as Record<string, unknown>).secret === 'string'
    ) {
      (node as Record<string, unknown>).secret = '[REDACTED]';
      redacted.push([...prefix, 'apiClient', 'jwt', 'secret'].join('.'));
    }
  }
  return redacted.length > 0
    ? { value: Buffer.from(JSON.stringify(doc)), redacted }
    : { value, redacted };
}
