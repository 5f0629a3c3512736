import { Command } from '@nestjs/cqrs';
import type { OnboardingStatus } from '../domain/lifecycle';
import type { OnboardingSnapshot } from '../ports/onboarding.store';

/**
 * Runs a leased onboarding through its saga until it completes, fails, waits for a retry or is
 * parked. Sent by the runner; handled by OnboardingStepRunner.
 */
export class RunOnboardingCommand extends Command<void> {
  constructor(readonly onboarding: OnboardingSnapshot) {
    super();
  }
}

/** An onboarding became runnable (recorded, or replayed): wakes this instance's runner. */
export class OnboardingAccepted {
  constructor(readonly onboardingId: string) {}
}

/** An onboarding reached a terminal status. */
export class OnboardingFinished {
  constructor(
    readonly onboardingId: string,
    readonly status: OnboardingStatus,
  ) {}
}
