export const ONBOARDING_STATUSES = [
  'RECEIVED',
  'IN_PROGRESS',
  'COMPLETED',
  'COMPENSATING',
  'FAILED',
  'COMPENSATION_FAILED',
] as const;
export type OnboardingStatus = (typeof ONBOARDING_STATUSES)[number];

/** Statuses the runner picks up; the others wait for an operator (replay) or are done. */
export const RUNNABLE_STATUSES: readonly OnboardingStatus[] = [
  'RECEIVED',
  'IN_PROGRESS',
  'COMPENSATING',
];

export const REPLAYABLE_STATUSES: readonly OnboardingStatus[] = ['FAILED', 'COMPENSATION_FAILED'];

export function isTerminal(status: OnboardingStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED' || status === 'COMPENSATION_FAILED';
}
