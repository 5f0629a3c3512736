import type { OnboardingStatus } from './onboarding-status';
import type { StepState } from './onboarding-step';

/** What the saga must do next for an onboarding, derived only from its stored state. */
export type NextAction =
  | { type: 'CREATE_API_COLLECTION' }
  | { type: 'CREATE_API_CLIENT' }
  | { type: 'CREATE_API_KEYS' }
  | { type: 'COMPLETE' }
  | { type: 'COMPENSATE' }
  | { type: 'NONE' };

export function nextAction(status: OnboardingStatus, steps: readonly StepState[]): NextAction {
  if (status === 'COMPENSATING') return { type: 'COMPENSATE' };
  if (status !== 'RECEIVED' && status !== 'IN_PROGRESS') return { type: 'NONE' };
  const pending = [...steps]
    .sort((a, b) => a.position - b.position)
    .find((step) => step.status !== 'SUCCEEDED');
  if (!pending) return { type: 'COMPLETE' };
  switch (pending.kind) {
    case 'API_COLLECTION':
      return { type: 'CREATE_API_COLLECTION' };
    case 'API_CLIENT':
      return { type: 'CREATE_API_CLIENT' };
    case 'API_KEY':
      return { type: 'CREATE_API_KEYS' };
  }
}

/**
 * How a step is unwound. Only what this onboarding created is deleted: adopted resources stay.
 * Workato has no API to delete an API collection, so one we created is retained (a replay
 * adopts it again). A step that recorded its intent but never learned the Workato id may still
 * have created the resource: compensation looks it up by natural key.
 */
export type CompensationPlan = 'DELETE' | 'RETAIN' | 'NOTHING';

export function compensationPlan(step: StepState): CompensationPlan {
  if (step.status === 'COMPENSATED' || step.status === 'RETAINED') return 'NOTHING';
  if (step.adopted) return 'NOTHING';
  const mayExist = step.workatoId !== null || step.intentRecordedAt !== null;
  if (!mayExist) return 'NOTHING';
  return step.kind === 'API_COLLECTION' ? 'RETAIN' : 'DELETE';
}

/** Steps to unwind, newest first. */
export function compensationOrder(steps: readonly StepState[]): StepState[] {
  return [...steps].sort((a, b) => b.position - a.position);
}
