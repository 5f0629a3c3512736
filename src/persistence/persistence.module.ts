import { Global, Module } from '@nestjs/common';
import { OnboardingStore } from '../onboarding/ports/onboarding.store';
import { OnboardingRepository } from './onboarding.repository';
import { OutboxRepository } from './outbox.repository';

/** The repositories, one per table they own; global, on the DataSource of TypeOrmModule. */
@Global()
@Module({
  providers: [OutboxRepository, { provide: OnboardingStore, useClass: OnboardingRepository }],
  exports: [OutboxRepository, OnboardingStore],
})
export class PersistenceModule {}
