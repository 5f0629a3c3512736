import type { OnboardingError } from '../domain/errors';
import type { OnboardingRequest } from '../domain/onboarding-request';
import type { PlannedStep, StepKind, StepState, UndoPolicy } from '../domain/steps';
import type { OnboardingRun } from './onboarding-run';

/** A resource found in Workato under a step's natural key. */
export interface Found {
  id: string;
}

/** What a create returned: the Workato id and, once only, a secret to store sealed. */
export interface Created {
  id: string;
  secret?: string | null;
}

/**
 * One kind of Workato resource a saga creates: how it is found, created and undone, side by
 * side. exactly-once.ts runs it so that nothing is created twice.
 */
export interface ExactlyOnceStep {
  readonly kind: StepKind;
  /**
   * On a first attempt (no intent recorded), whether something may already exist under the
   * natural key, so the step must look before creating. A look-up that cannot find anything is
   * a request to Workato's shared quota spent for nothing.
   */
  mayPreexist(run: OnboardingRun, step: StepState): boolean;
  /** Looks the resource up by its natural key. */
  find(run: OnboardingRun, step: StepState): Promise<Found | null>;
  /** Creates it. Never retried blindly: a lost answer is reconciled by `find` on the next run. */
  create(run: OnboardingRun, step: StepState): Promise<Created>;
  /** A resource found under our natural key that this onboarding never meant to create. */
  foundWithoutIntent(run: OnboardingRun, step: StepState, found: Found): 'adopt' | OnboardingError;
  /** Ours, created before a crash lost Workato's answer: recovers its one-time secret. */
  recoverSecret?(run: OnboardingRun, step: StepState, found: Found): Promise<string | null>;
  /**
   * Deletes the resource (already gone counts as done); steps whose undo is `retain` have none.
   * `retained`: the resource must stay after all (it is already in use), so it is kept and
   * marked RETAINED.
   */
  undo?(run: OnboardingRun, step: StepState): Promise<void | 'retained'>;
}

/**
 * One kind of Workato resource an onboarding provisions. The saga table (onboarding.saga.ts)
 * puts these in order.
 */
export interface ProvisionStep extends ExactlyOnceStep {
  /** The instances of this step an onboarding needs (one per API key), named and keyed. */
  plan(request: OnboardingRequest): Omit<PlannedStep, 'position' | 'kind'>[];
}

/** What an action step did: a token Workato showed once, or a time to wait until. */
export interface ActionOutcome {
  secret?: string | null;
  waitUntil?: Date;
}

/**
 * A customer operation's step that changes the state of a resource the service manages
 * (disable, enable, delete, a new secret, a wait): no look-up before it, since doing it again
 * leaves the same state, or (a new secret) one the customer has not been given yet.
 */
export interface ActionStep {
  readonly kind: StepKind;
  perform(run: OnboardingRun, step: StepState, now: Date): Promise<ActionOutcome>;
  undo?: undefined;
}

export type SagaStep = ProvisionStep | ExactlyOnceStep | ActionStep;

export function isActionStep(step: SagaStep): step is ActionStep {
  return 'perform' in step;
}

/** A row of a saga table: a step and what undoes it when a later step fails for good. */
export interface SagaRow<S extends SagaStep = SagaStep> {
  step: S;
  undo: UndoPolicy;
}
