import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { KafkaModule } from '../kafka/kafka.module';
import { WorkatoModule } from '../workato/workato.module';
import { DeadLetterProducer } from './intake/dead-letter.producer';
import { IngestOnboardingHandler } from './intake/ingest-onboarding.handler';
import { OnboardingEventsConsumer } from './intake/onboarding-events.consumer';
import {
  CustomersController,
  OperationsController,
} from './operations/customer-operations.controller';
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
import {
  DeleteApiClientStep,
  DeleteApiKeyStep,
  DisableApiKeyStep,
  EnableApiKeyStep,
  GracePeriodStep,
  RefreshApiKeyStep,
} from './saga/steps/key-state.steps';
import { DriftReportStep, RestoreApiClientStep } from './saga/steps/drift-repair.steps';
import { RecreatedApiKeyStep } from './saga/steps/recreated-api-key.step';
import { RotatedApiKeyStep } from './saga/steps/rotated-api-key.step';
import { DriftObserver } from './saga/drift.observer';
import { DriftScan } from './operations/drift-scan';

@Module({
  imports: [CqrsModule, WorkatoModule, KafkaModule],
  controllers: [OnboardingsController, CustomersController, OperationsController],
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
    RotatedApiKeyStep,
    GracePeriodStep,
    RefreshApiKeyStep,
    DisableApiKeyStep,
    EnableApiKeyStep,
    DeleteApiKeyStep,
    DeleteApiClientStep,
    RecreatedApiKeyStep,
    RestoreApiClientStep,
    DriftReportStep,
    InstanceIdentity,
    OnboardingRunner,
    OnboardingRunnerWakeUp,
    OnboardingStepRunner,
    OnboardingCompensation,
    OnboardingCompletion,
    // operations
    ReplayOnboardingHandler,
    RetrieveCredentialsHandler,
    DriftObserver,
    DriftScan,
  ],
  exports: [OnboardingRunner, InstanceIdentity, OnboardingEventsConsumer],
})
export class OnboardingModule {}
