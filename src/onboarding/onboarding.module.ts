import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { OnboardingRepository } from '../persistence/onboarding.repository';
import { WorkatoModule } from '../workato/workato.module';
import { WorkatoWorkspaceAdapter } from '../workato/workato-workspace.adapter';
import { CompensateOnboardingHandler } from './application/compensate-onboarding.handler';
import { CompleteOnboardingHandler } from './application/complete-onboarding.handler';
import { CreateApiClientHandler } from './application/create-api-client.handler';
import { CreateApiCollectionHandler } from './application/create-api-collection.handler';
import { CreateApiKeysHandler } from './application/create-api-keys.handler';
import { IngestOnboardingHandler } from './application/ingest-onboarding.handler';
import { InstanceIdentity } from './application/instance-identity';
import { OnboardingRunner, OnboardingRunnerEvents } from './application/onboarding.runner';
import { OnboardingSaga } from './application/onboarding.saga';
import { OnboardingStepRunner } from './application/onboarding-step.runner';
import { OnboardingStore } from './application/ports/onboarding.store';
import { WorkatoWorkspace } from './application/ports/workato-workspace.port';
import { ReplayOnboardingHandler } from './application/replay-onboarding.handler';

@Module({
  imports: [CqrsModule, WorkatoModule],
  providers: [
    InstanceIdentity,
    { provide: OnboardingStore, useClass: OnboardingRepository },
    { provide: WorkatoWorkspace, useClass: WorkatoWorkspaceAdapter },
    OnboardingStepRunner,
    OnboardingSaga,
    OnboardingRunner,
    OnboardingRunnerEvents,
    IngestOnboardingHandler,
    CreateApiCollectionHandler,
    CreateApiClientHandler,
    CreateApiKeysHandler,
    CompleteOnboardingHandler,
    CompensateOnboardingHandler,
    ReplayOnboardingHandler,
  ],
  exports: [OnboardingStore, OnboardingRunner, InstanceIdentity],
})
export class OnboardingModule {}
