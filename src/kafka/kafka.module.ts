import { Module } from '@nestjs/common';
import { DeadLetterQueue, IncomingEventStream } from '../onboarding/ports/event-stream.port';
import { KafkaConnection } from './kafka-connection';
import { KafkaDeadLetterQueue, KafkaEventStream } from './kafka-event-stream';
import { OutboxRelay } from './outbox.relay';

/** Kafka behind the service's own ports: the incoming event stream, the DLQ, the outbox relay. */
@Module({
  providers: [
    KafkaConnection,
    { provide: IncomingEventStream, useClass: KafkaEventStream },
    { provide: DeadLetterQueue, useClass: KafkaDeadLetterQueue },
    OutboxRelay,
  ],
  exports: [KafkaConnection, IncomingEventStream, DeadLetterQueue, OutboxRelay],
})
export class KafkaModule {}
