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
 * One kind of Workato resource an onboarding provisions: how it is found, created and undone,
 * side by side. The saga table (onboarding.saga.ts) puts these in order; exactly-once.ts runs
 * them so that nothing is created twice.
 */
export interface ProvisionStep {
  readonly kind: StepKind;
  /** The instances of this step an onboarding needs (one per API key), named and keyed. */
  plan(request: OnboardingRequest): Omit<PlannedStep, 'position' | 'kind'>[];
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
  /** Deletes the resource (already gone counts as done); steps whose undo is `retain` have none. */
  undo?(run: OnboardingRun, step: StepState): Promise<void>;
}

/** A row of a saga table: a step and what undoes it when a later step fails for good. */
export interface SagaRow {
  step: ProvisionStep;
  undo: UndoPolicy;
}
