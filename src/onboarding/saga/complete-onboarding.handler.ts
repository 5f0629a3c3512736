import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '../../platform/config/app-config';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';
import { CompleteOnboardingCommand } from './onboarding.commands';
import { OnboardingCompleted } from './onboarding.events';
import { resultMessage } from '../operations/onboarding-results';
import { OnboardingStepRunner } from './onboarding-step.runner';
import { OnboardingStore } from '../ports/onboarding.store';

@CommandHandler(CompleteOnboardingCommand)
export class CompleteOnboardingHandler implements ICommandHandler<CompleteOnboardingCommand> {
  constructor(
    private readonly runner: OnboardingStepRunner,
    private readonly store: OnboardingStore,
    private readonly config: AppConfig,
    private readonly metrics: OnboardingMetrics,
  ) {}

  async execute({ onboardingId }: CompleteOnboardingCommand): Promise<void> {
    await this.runner.run(
      onboardingId,
      null,
      async ({ snapshot, owner }) => {
        // The outcome and its results message commit together (transactional outbox).
        await this.store.transition(owner, onboardingId, {
          status: 'COMPLETED',
          error: null,
          finished: true,
          outbox: {
            topic: this.config.values.KAFKA_TOPIC_RESULTS,
            key: snapshot.managedUserId,
            payload: resultMessage('OnboardingCompleted', snapshot, 'COMPLETED', null),
          },
        });
        this.metrics.observeOnboardingFinished(
          'completed',
          (Date.now() - snapshot.createdAt.getTime()) / 1000,
        );
        return new OnboardingCompleted(onboardingId);
      },
      { spanName: 'complete' },
    );
  }
}
