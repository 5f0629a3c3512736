import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { OnboardingRepository } from '../persistence/onboarding.repository';
import { WorkatoModule } from '../workato/workato.module';
import { WorkatoWorkspaceAdapter } from '../workato/workato-workspace.adapter';
import { CompensateOnboardingHandler } from './saga/compensate-onboarding.handler';
import { CompleteOnboardingHandler } from './saga/complete-onboarding.handler';
import { CreateApiClientHandler } from './saga/create-api-client.handler';
import { CreateApiCollectionHandler } from './saga/create-api-collection.handler';
import { CreateApiKeysHandler } from './saga/create-api-keys.handler';
import { IngestOnboardingHandler } from './intake/ingest-onboarding.handler';
import { InstanceIdentity } from './saga/instance-identity';
import { OnboardingRunner, OnboardingRunnerEvents } from './saga/onboarding.runner';
import { OnboardingSaga } from './saga/onboarding.saga';
import { OnboardingStepRunner } from './saga/onboarding-step.runner';
import { OnboardingStore } from './ports/onboarding.store';
import { WorkatoWorkspace } from './ports/workato-workspace.port';
import { ReplayOnboardingHandler } from './operations/replay-onboarding.handler';

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
