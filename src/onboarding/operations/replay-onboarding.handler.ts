import { Logger } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '../../platform/config/app-config';
import { ReplayOnboardingCommand } from '../saga/onboarding.commands';
import { OnboardingAccepted } from '../saga/onboarding.events';
import { OnboardingSnapshot, OnboardingStore } from '../ports/onboarding.store';

export type ReplayResult =
  | { outcome: 'replayed'; onboarding: OnboardingSnapshot }
  | { outcome: 'not_found' }
  | { outcome: 'not_replayable'; status: string };

@CommandHandler(ReplayOnboardingCommand)
export class ReplayOnboardingHandler implements ICommandHandler<
  ReplayOnboardingCommand,
  ReplayResult
> {
  private readonly logger = new Logger('Replay');

  constructor(
    private readonly store: OnboardingStore,
    private readonly config: AppConfig,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ onboardingId, actor }: ReplayOnboardingCommand): Promise<ReplayResult> {
    const replayed = await this.store.replay(
      onboardingId,
      new Date(Date.now() + this.config.values.ONBOARDING_DEADLINE_SECONDS * 1000),
      {
        onboardingId,
        action: 'REPLAY',
        actorRole: actor.role,
        actorFingerprint: actor.fingerprint,
      },
    );
    if (!replayed) {
      const current = await this.store.load(onboardingId);
      return current
        ? { outcome: 'not_replayable', status: current.status }
        : { outcome: 'not_found' };
    }
    this.logger.log({
      msg: 'onboarding replayed',
      attempt: replayed.attempt,
      onboardingId,
      eventId: replayed.eventId,
      managedUserId: replayed.managedUserId,
    });
    this.eventBus.publish(new OnboardingAccepted(onboardingId));
    return { outcome: 'replayed', onboarding: replayed };
  }
}
