import type { LifecyclePolicy } from '../domain/lifecycle';

/** Compensation runs of its own before the onboarding parks as COMPENSATION_FAILED. */
export const COMPENSATION_RUNS = 3;

/** Backoff between runs of an onboarding whose step keeps failing with retryable errors. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(60_000, 1000 * 2 ** Math.min(attempts, 10));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The lifecycle's rules, as configured. */
export function lifecyclePolicy(deadlineSeconds: number): LifecyclePolicy {
  return {
    deadlineMs: deadlineSeconds * 1000,
    compensationRuns: COMPENSATION_RUNS,
    retryDelayMs: (attempts) => retryDelayMs(attempts),
  };
}
