import { Logger } from '@nestjs/common';
import { Command, CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '../../platform/config/app-config';
import { transition, TransitionRefused } from '../domain/lifecycle';
import { replayedStep } from '../domain/steps';
import { OnboardingSnapshot, OnboardingStore } from '../ports/onboarding.store';
import { lifecyclePolicy } from '../saga/lifecycle-policy';
import { OnboardingAccepted } from '../saga/onboarding.messages';

export type ReplayResult =
  | { outcome: 'replayed'; onboarding: OnboardingSnapshot }
  | { outcome: 'not_found' }
  | { outcome: 'not_replayable'; reason: string };

/** Runs a FAILED or COMPENSATION_FAILED onboarding again, as a new attempt; audited. */
export class ReplayOnboardingCommand extends Command<ReplayResult> {
  constructor(
    readonly onboardingId: string,
    readonly actor: { role: string; fingerprint: string },
  ) {
    super();
  }
}

@CommandHandler(ReplayOnboardingCommand)
export class ReplayOnboardingHandler implements ICommandHandler<ReplayOnboardingCommand> {
  private readonly logger = new Logger('Replay');
  private readonly policy;

  constructor(
    private readonly store: OnboardingStore,
    private readonly eventBus: EventBus,
    config: AppConfig,
  ) {
    this.policy = lifecyclePolicy(config.values.ONBOARDING_DEADLINE_SECONDS);
  }

  async execute({ onboardingId, actor }: ReplayOnboardingCommand): Promise<ReplayResult> {
    const current = await this.store.load(onboardingId);
    if (!current) return { outcome: 'not_found' };
    let change;
    try {
      change = transition(current, { type: 'REPLAY_REQUESTED', at: new Date() }, this.policy);
    } catch (error) {
      if (error instanceof TransitionRefused)
        return { outcome: 'not_replayable', reason: error.reason };
      throw error;
    }
    const replayed = await this.store.replay(
      onboardingId,
      current.status,
      change,
      current.steps.map((step) => ({ name: step.name, ...replayedStep(step) })),
      {
        onboardingId,
        action: 'REPLAY',
        actorRole: actor.role,
        actorFingerprint: actor.fingerprint,
      },
    );
    if (!replayed) {
      // Someone else moved it meanwhile (a concurrent replay): say what it is now.
      const now = await this.store.load(onboardingId);
      return {
        outcome: 'not_replayable',
        reason: `onboarding is ${now?.status ?? 'gone'}; only FAILED and COMPENSATION_FAILED can be replayed`,
      };
    }
    const onboarding = (await this.store.load(onboardingId))!;
    this.logger.log({
      msg: 'onboarding replayed',
      attempt: onboarding.attempt,
      onboardingId,
      eventId: onboarding.eventId,
      managedUserId: onboarding.managedUserId,
    });
    this.eventBus.publish(new OnboardingAccepted(onboardingId));
    return { outcome: 'replayed', onboarding };
  }
}
