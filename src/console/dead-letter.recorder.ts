import { Logger } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { MessageDeadLettered } from '../onboarding/intake/dead-letter.producer';
import { ConsoleEventsHub } from './console-events.hub';
import { DeadLetterLogRepository } from './dead-letter-log.repository';

/**
 * Records each message the dead-letter producer sent. The DLQ topic stays the record of truth;
 * a row lost here (the database down at that moment) only leaves the console's list short, so
 * a failure is logged and does not fail the consumer.
 */
@EventsHandler(MessageDeadLettered)
export class DeadLetterRecorder implements IEventHandler<MessageDeadLettered> {
  private readonly logger = new Logger('DeadLetterLog');
  constructor(
    private readonly log: DeadLetterLogRepository,
    private readonly hub: ConsoleEventsHub,
  ) {}

  async handle(event: MessageDeadLettered): Promise<void> {
    try {
      await this.log.record(event);
      this.hub.nudge({ health: true });
    } catch (error) {
      this.logger.warn({
        msg: 'could not record a dead letter for the console',
        topic: event.message.topic,
        partition: event.message.partition,
        offset: event.message.offset,
        error: String((error as Error).message ?? error),
      });
    }
  }
}
