import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { KafkaModule } from '../kafka/kafka.module';
import { WorkatoModule } from '../workato/workato.module';
import { DeadLetterProducer } from './intake/dead-letter.producer';
import { IngestOnboardingHandler } from './intake/ingest-onboarding.handler';
import { OnboardingEventsConsumer } from './intake/onboarding-events.consumer';
import { OnboardingsController } from './operations/onboardings.controller';
import { ReplayOnboardingHandler } from './operations/replay-onboarding.handler';
import { RetrieveCredentialsHandler } from './operations/retrieve-credentials.handler';
import { OnboardingCompensation } from './saga/compensate';
import { OnboardingCompletion } from './saga/complete';
import { InstanceIdentity } from './saga/instance-identity';
import { OnboardingRunner, OnboardingRunnerWakeUp } from './saga/onboarding.runner';
import { OnboardingSaga } from './saga/onboarding.saga';
import { OnboardingStepRunner } from './saga/step.runner';
import { ApiClientStep } from './saga/steps/api-client.step';
import { ApiCollectionStep } from './saga/steps/api-collection.step';
import { ApiKeyStep } from './saga/steps/api-key.step';

@Module({
  imports: [CqrsModule, WorkatoModule, KafkaModule],
  controllers: [OnboardingsController],
  providers: [
    // intake
    IngestOnboardingHandler,
    OnboardingEventsConsumer,
    DeadLetterProducer,
    // saga
    OnboardingSaga,
    ApiCollectionStep,
    ApiClientStep,
    ApiKeyStep,
    InstanceIdentity,
    OnboardingRunner,
    OnboardingRunnerWakeUp,
    OnboardingStepRunner,
    OnboardingCompensation,
    OnboardingCompletion,
    // operations
    ReplayOnboardingHandler,
    RetrieveCredentialsHandler,
  ],
  exports: [OnboardingRunner, InstanceIdentity, OnboardingEventsConsumer],
})
export class OnboardingModule {}
