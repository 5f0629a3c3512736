import { AsyncLocalStorage } from 'node:async_hooks';

export interface OnboardingLogContext {
  onboardingId: string;
  eventId: string;
  managedUserId: string;
  workatoAccount?: string;
}

/**
 * The onboarding a piece of work belongs to, for log lines written far from it (the Workato
 * client's retry warnings): every line about an onboarding carries its ids.
 */
export const onboardingLogContext = new AsyncLocalStorage<OnboardingLogContext>();

export function withOnboardingLogContext<T>(
  context: OnboardingLogContext,
  fn: () => Promise<T>,
): Promise<T> {
  return onboardingLogContext.run(context, fn);
}

export function currentOnboardingLogContext(): Partial<OnboardingLogContext> {
  return onboardingLogContext.getStore() ?? {};
}
