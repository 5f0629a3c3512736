import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { DeadLetterProducer } from '../onboarding/intake/dead-letter.producer';
import { KafkaConnection } from './kafka-connection';
import { OnboardingEventsConsumer } from '../onboarding/intake/onboarding-events.consumer';
import { OutboxRelay } from './outbox.relay';

@Module({
  imports: [CqrsModule],
  providers: [KafkaConnection, DeadLetterProducer, OnboardingEventsConsumer, OutboxRelay],
  exports: [KafkaConnection, OutboxRelay, OnboardingEventsConsumer, DeadLetterProducer],
})
export class KafkaModule {}
