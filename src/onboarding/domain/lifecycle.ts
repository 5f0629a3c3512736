import type { RecordedError } from './errors';

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

/** The part of an onboarding its status transitions read and write. */
export interface Lifecycle {
  status: OnboardingStatus;
  attempt: number;
  deadlineAt: Date;
  error: RecordedError | null;
}

export interface LifecyclePolicy {
  /** ONBOARDING_DEADLINE_SECONDS, in ms: counted from an attempt's first run. */
  deadlineMs: number;
  /** Compensation runs before an onboarding parks as COMPENSATION_FAILED. */
  compensationRuns: number;
  /** How long to wait before running again after the `attempts`-th retryable failure. */
  retryDelayMs(attempts: number): number;
}

/** A step that compensation could not undo. */
export interface CompensationLeftover {
  step: string;
  workatoId: string | null;
  error: RecordedError;
}

export type LifecycleEvent =
  /** A runner leased the onboarding and is about to run it. */
  | { type: 'RUN_STARTED'; at: Date }
  /** A step failed; `attempts` counts the step's runs so far, this one included. */
  | { type: 'STEP_FAILED'; at: Date; error: RecordedError; attempts: number }
  | { type: 'STEPS_SUCCEEDED'; at: Date }
  /**
   * A step waits, by design, until `until` (a key rotation's grace period): the wait is stored,
   * so a restart neither loses nor restarts it, and it is not the saga's deadline to lose.
   */
  | { type: 'STEP_WAITING'; at: Date; until: Date }
  /** A compensation run ended; `runs` counts compensation runs so far, this one included. */
  | { type: 'COMPENSATION_ENDED'; at: Date; left: CompensationLeftover[]; runs: number }
  | { type: 'REPLAY_REQUESTED'; at: Date }
  /**
   * The onboarding's Workato account refused its token (401/403): nothing is wrong with the
   * onboarding. It waits, burning no attempt and no deadline, and is tried again later.
   */
  | { type: 'ACCOUNT_REFUSED'; at: Date; error: RecordedError; retryInMs: number };

/** What the saga does after a transition, within the same run. */
export type NextMove =
  | 'RUN_STEPS'
  | 'COMPENSATE'
  /** Nothing more in this run: run again at `nextRunAt`. */
  | 'WAIT'
  /** The onboarding is finished, or waits for a runner (after a replay). */
  | 'STOP';

/** The new values to store. Fields left undefined keep what is stored. */
export interface LifecycleChange {
  status: OnboardingStatus;
  next: NextMove;
  attempt?: number;
  error?: RecordedError | null;
  nextRunAt?: Date;
  deadlineAt?: Date;
  /** A date when the onboarding reaches a terminal status; null when a replay reopens it. */
  finishedAt?: Date | null;
}

/** A transition the current status does not allow; `reason` is fit for an operator. */
export class TransitionRefused extends Error {
  constructor(
    readonly status: OnboardingStatus,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'TransitionRefused';
  }
}

export const DEADLINE_EXCEEDED = 'ONBOARDING_DEADLINE_EXCEEDED';

/**
 * Every status change of an onboarding, and nothing else: the repository only stores the
 * result. Pure: the clock and the retry jitter come in through the event and the policy.
 */
export function transition(
  state: Lifecycle,
  event: LifecycleEvent,
  policy: LifecyclePolicy,
): LifecycleChange {
  const refuse = (what: string): never => {
    throw new TransitionRefused(state.status, `onboarding is ${state.status}; ${what}`);
  };
  switch (event.type) {
    case 'RUN_STARTED':
      if (state.status === 'RECEIVED')
        // The deadline counts from the first run, not from ingestion: a long backlog must not
        // eat an onboarding's time before it has started.
        return {
          status: 'IN_PROGRESS',
          next: 'RUN_STEPS',
          deadlineAt: new Date(event.at.getTime() + policy.deadlineMs),
        };
      if (state.status === 'IN_PROGRESS') {
        if (pastDeadline(state, event.at))
          return {
            status: 'COMPENSATING',
            next: 'COMPENSATE',
            error: deadlineError(state, state.error, 'did not complete before its deadline'),
          };
        return { status: 'IN_PROGRESS', next: 'RUN_STEPS' };
      }
      if (state.status === 'COMPENSATING') return { status: 'COMPENSATING', next: 'COMPENSATE' };
      return refuse('there is nothing to run');

    case 'STEP_FAILED': {
      if (state.status !== 'IN_PROGRESS') refuse('no step is running');
      const { error } = event;
      if (!error.retryable) return { status: 'COMPENSATING', next: 'COMPENSATE', error };
      if (pastDeadline(state, event.at))
        return {
          status: 'COMPENSATING',
          next: 'COMPENSATE',
          error: deadlineError(state, error, 'kept failing past its deadline'),
        };
      return {
        status: 'IN_PROGRESS',
        next: 'WAIT',
        error,
        nextRunAt: new Date(event.at.getTime() + policy.retryDelayMs(Math.max(1, event.attempts))),
      };
    }

    case 'STEP_WAITING':
      if (state.status !== 'IN_PROGRESS') refuse('no step is running');
      return {
        status: 'IN_PROGRESS',
        next: 'WAIT',
        error: null,
        nextRunAt: event.until,
        deadlineAt: new Date(event.until.getTime() + policy.deadlineMs),
      };

    case 'STEPS_SUCCEEDED':
      if (state.status !== 'IN_PROGRESS') refuse('it cannot complete');
      return { status: 'COMPLETED', next: 'STOP', error: null, finishedAt: event.at };

    case 'COMPENSATION_ENDED': {
      if (state.status !== 'COMPENSATING') refuse('it is not being compensated');
      if (event.left.length === 0)
        return { status: 'FAILED', next: 'STOP', error: state.error, finishedAt: event.at };
      const retryable = event.left.every((l) => l.error.retryable);
      if (retryable && event.runs < policy.compensationRuns)
        return {
          status: 'COMPENSATING',
          next: 'WAIT',
          nextRunAt: new Date(event.at.getTime() + policy.retryDelayMs(event.runs)),
        };
      return {
        status: 'COMPENSATION_FAILED',
        next: 'STOP',
        error: {
          ...(state.error ?? { code: 'UNKNOWN', message: 'unknown failure', retryable: false }),
          compensation: event.left,
        },
        finishedAt: event.at,
      };
    }

    case 'ACCOUNT_REFUSED': {
      const nextRunAt = new Date(event.at.getTime() + event.retryInMs);
      if (state.status === 'IN_PROGRESS')
        return {
          status: 'IN_PROGRESS',
          next: 'WAIT',
          error: event.error,
          nextRunAt,
          // Time spent waiting for a working token is not the onboarding's to lose.
          deadlineAt: new Date(event.at.getTime() + policy.deadlineMs),
        };
      // While compensating, the error that caused it stays; the wait does not count as a run.
      if (state.status === 'COMPENSATING')
        return { status: 'COMPENSATING', next: 'WAIT', nextRunAt };
      return refuse('it is not running');
    }

    case 'REPLAY_REQUESTED':
      if (!REPLAYABLE_STATUSES.includes(state.status))
        refuse('only FAILED and COMPENSATION_FAILED can be replayed');
      return {
        status: 'RECEIVED',
        next: 'STOP',
        attempt: state.attempt + 1,
        error: null,
        nextRunAt: event.at,
        // Provisional: the new attempt's deadline starts at its first run.
        deadlineAt: new Date(event.at.getTime() + policy.deadlineMs),
        finishedAt: null,
      };
  }
}

function pastDeadline(state: Lifecycle, at: Date): boolean {
  return at.getTime() > state.deadlineAt.getTime();
}

function deadlineError(state: Lifecycle, last: RecordedError | null, what: string): RecordedError {
  return {
    ...(last ?? {}),
    code: DEADLINE_EXCEEDED,
    message:
      `onboarding ${what} (${state.deadlineAt.toISOString()})` +
      (last ? `; last error: ${last.code}: ${last.message}` : ''),
    retryable: false,
  };
}

/** Applies a change to a lifecycle, as the repository will store it. */
export function applyChange<T extends Lifecycle>(state: T, change: LifecycleChange): T {
  return {
    ...state,
    status: change.status,
    ...(change.attempt !== undefined ? { attempt: change.attempt } : {}),
    ...(change.error !== undefined ? { error: change.error } : {}),
    ...(change.deadlineAt !== undefined ? { deadlineAt: change.deadlineAt } : {}),
  };
}
