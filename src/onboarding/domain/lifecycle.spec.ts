import type { RecordedError } from './errors';
import {
  applyChange,
  DEADLINE_EXCEEDED,
  isTerminal,
  Lifecycle,
  LifecyclePolicy,
  ONBOARDING_STATUSES,
  OnboardingStatus,
  REPLAYABLE_STATUSES,
  RUNNABLE_STATUSES,
  transition,
  TransitionRefused,
} from './lifecycle';

const at = new Date('2026-12-01T10:00:00Z');
const later = (ms: number) => new Date(at.getTime() + ms);

const policy: LifecyclePolicy = {
  deadlineMs: 60_000,
  compensationRuns: 3,
  retryDelayMs: (attempts) => attempts * 1000,
};

function state(status: OnboardingStatus, overrides: Partial<Lifecycle> = {}): Lifecycle {
  return { status, attempt: 1, deadlineAt: later(60_000), error: null, ...overrides };
}

const retryable: RecordedError = { code: 'WORKATO_SERVER_ERROR', message: '503', retryable: true };
const terminal: RecordedError = {
  code: 'WORKATO_VALIDATION_ERROR',
  message: '422',
  retryable: false,
};

describe('onboarding lifecycle', () => {
  describe('RUN_STARTED', () => {
    it('moves RECEIVED to IN_PROGRESS and starts the deadline at the first run', () => {
      const change = transition(
        state('RECEIVED', { deadlineAt: later(-1) }),
        { type: 'RUN_STARTED', at },
        policy,
      );
      expect(change).toEqual({
        status: 'IN_PROGRESS',
        next: 'RUN_STEPS',
        deadlineAt: later(60_000),
      });
    });

    it('carries on an IN_PROGRESS onboarding before its deadline', () => {
      expect(transition(state('IN_PROGRESS'), { type: 'RUN_STARTED', at }, policy)).toEqual({
        status: 'IN_PROGRESS',
        next: 'RUN_STEPS',
      });
    });

    it('compensates an IN_PROGRESS onboarding past its deadline, naming the last error', () => {
      const change = transition(
        state('IN_PROGRESS', { deadlineAt: later(-1), error: retryable }),
        { type: 'RUN_STARTED', at },
        policy,
      );
      expect(change.status).toBe('COMPENSATING');
      expect(change.next).toBe('COMPENSATE');
      expect(change.error).toMatchObject({ code: DEADLINE_EXCEEDED, retryable: false });
      expect(change.error!.message).toMatch(
        /did not complete before its deadline .*last error: WORKATO_SERVER_ERROR: 503/,
      );
    });

    it('resumes compensation of a COMPENSATING onboarding', () => {
      expect(transition(state('COMPENSATING'), { type: 'RUN_STARTED', at }, policy)).toEqual({
        status: 'COMPENSATING',
        next: 'COMPENSATE',
      });
    });

    it.each(['COMPLETED', 'FAILED', 'COMPENSATION_FAILED'] as const)(
      'refuses to run a %s onboarding',
      (status) => {
        expect(() => transition(state(status), { type: 'RUN_STARTED', at }, policy)).toThrow(
          TransitionRefused,
        );
      },
    );
  });

  describe('STEP_FAILED', () => {
    it('waits and retries a retryable failure before the deadline, with backoff by attempts', () => {
      const change = transition(
        state('IN_PROGRESS'),
        { type: 'STEP_FAILED', at, error: retryable, attempts: 3 },
        policy,
      );
      expect(change).toEqual({
        status: 'IN_PROGRESS',
        next: 'WAIT',
        error: retryable,
        nextRunAt: later(3000),
      });
    });

    it('compensates a failure for good at once', () => {
      expect(
        transition(
          state('IN_PROGRESS'),
          { type: 'STEP_FAILED', at, error: terminal, attempts: 1 },
          policy,
        ),
      ).toEqual({ status: 'COMPENSATING', next: 'COMPENSATE', error: terminal });
    });

    it('treats a retryable failure past the deadline as failed for good', () => {
      const change = transition(
        state('IN_PROGRESS', { deadlineAt: later(-1) }),
        { type: 'STEP_FAILED', at, error: retryable, attempts: 9 },
        policy,
      );
      expect(change.status).toBe('COMPENSATING');
      expect(change.error).toMatchObject({ code: DEADLINE_EXCEEDED, retryable: false });
      expect(change.error!.message).toMatch(/kept failing past its deadline.*WORKATO_SERVER_ERROR/);
    });

    it('is refused outside IN_PROGRESS', () => {
      expect(() =>
        transition(
          state('COMPENSATING'),
          { type: 'STEP_FAILED', at, error: terminal, attempts: 1 },
          policy,
        ),
      ).toThrow(TransitionRefused);
    });
  });

  describe('STEPS_SUCCEEDED', () => {
    it('completes, clears the error and finishes', () => {
      expect(
        transition(
          state('IN_PROGRESS', { error: retryable }),
          { type: 'STEPS_SUCCEEDED', at },
          policy,
        ),
      ).toEqual({ status: 'COMPLETED', next: 'STOP', error: null, finishedAt: at });
    });

    it('is refused outside IN_PROGRESS', () => {
      expect(() => transition(state('RECEIVED'), { type: 'STEPS_SUCCEEDED', at }, policy)).toThrow(
        TransitionRefused,
      );
    });
  });

  describe('COMPENSATION_ENDED', () => {
    const left = [{ step: 'api_client', workatoId: '7', error: retryable }];

    it('ends FAILED, keeping the error that caused it, when everything was undone', () => {
      expect(
        transition(
          state('COMPENSATING', { error: terminal }),
          { type: 'COMPENSATION_ENDED', at, left: [], runs: 1 },
          policy,
        ),
      ).toEqual({ status: 'FAILED', next: 'STOP', error: terminal, finishedAt: at });
    });

    it('tries again later while retryable undos are left and runs remain', () => {
      expect(
        transition(
          state('COMPENSATING', { error: terminal }),
          { type: 'COMPENSATION_ENDED', at, left, runs: 2 },
          policy,
        ),
      ).toEqual({ status: 'COMPENSATING', next: 'WAIT', nextRunAt: later(2000) });
    });

    it('parks as COMPENSATION_FAILED, listing what is left, when the runs are used up', () => {
      const change = transition(
        state('COMPENSATING', { error: terminal }),
        { type: 'COMPENSATION_ENDED', at, left, runs: 3 },
        policy,
      );
      expect(change).toEqual({
        status: 'COMPENSATION_FAILED',
        next: 'STOP',
        error: { ...terminal, compensation: left },
        finishedAt: at,
      });
    });

    it('parks at once when an undo failed for good', () => {
      const change = transition(
        state('COMPENSATING', { error: terminal }),
        {
          type: 'COMPENSATION_ENDED',
          at,
          left: [{ step: 'api_key:P', workatoId: '9', error: terminal }],
          runs: 1,
        },
        policy,
      );
      expect(change.status).toBe('COMPENSATION_FAILED');
    });

    it('is refused outside COMPENSATING', () => {
      expect(() =>
        transition(
          state('IN_PROGRESS'),
          { type: 'COMPENSATION_ENDED', at, left: [], runs: 1 },
          policy,
        ),
      ).toThrow(TransitionRefused);
    });
  });

  describe('ACCOUNT_REFUSED', () => {
    const refused: RecordedError = {
      code: 'WORKATO_ACCOUNT_REFUSED',
      message: 'Workato account eu refused the token',
      retryable: true,
    };

    it('waits without failing, says why, and restarts the deadline', () => {
      expect(
        transition(
          state('IN_PROGRESS', { deadlineAt: later(-1) }),
          { type: 'ACCOUNT_REFUSED', at, error: refused, retryInMs: 30_000 },
          policy,
        ),
      ).toEqual({
        status: 'IN_PROGRESS',
        next: 'WAIT',
        error: refused,
        nextRunAt: later(30_000),
        deadlineAt: later(60_000),
      });
    });

    it('pauses a compensation without counting it as a run or hiding its cause', () => {
      expect(
        transition(
          state('COMPENSATING', { error: terminal }),
          { type: 'ACCOUNT_REFUSED', at, error: refused, retryInMs: 5000 },
          policy,
        ),
      ).toEqual({ status: 'COMPENSATING', next: 'WAIT', nextRunAt: later(5000) });
    });

    it('is refused for a finished onboarding', () => {
      expect(() =>
        transition(
          state('COMPLETED'),
          { type: 'ACCOUNT_REFUSED', at, error: refused, retryInMs: 1 },
          policy,
        ),
      ).toThrow(TransitionRefused);
    });
  });

  describe('REPLAY_REQUESTED', () => {
    it.each(REPLAYABLE_STATUSES)('reopens a %s onboarding as a new attempt, due now', (status) => {
      expect(
        transition(
          state(status, { attempt: 2, error: terminal }),
          { type: 'REPLAY_REQUESTED', at },
          policy,
        ),
      ).toEqual({
        status: 'RECEIVED',
        next: 'STOP',
        attempt: 3,
        error: null,
        nextRunAt: at,
        deadlineAt: later(60_000),
        finishedAt: null,
      });
    });

    it.each(['RECEIVED', 'IN_PROGRESS', 'COMPLETED', 'COMPENSATING'] as const)(
      'refuses to replay a %s onboarding, saying why',
      (status) => {
        expect(() => transition(state(status), { type: 'REPLAY_REQUESTED', at }, policy)).toThrow(
          `onboarding is ${status}; only FAILED and COMPENSATION_FAILED can be replayed`,
        );
      },
    );
  });

  it('sorts every status into runnable, replayable, terminal', () => {
    for (const status of ONBOARDING_STATUSES) {
      const kinds = [
        RUNNABLE_STATUSES.includes(status),
        REPLAYABLE_STATUSES.includes(status),
        status === 'COMPLETED',
      ].filter(Boolean);
      expect(kinds).toHaveLength(1);
      expect(isTerminal(status)).toBe(!RUNNABLE_STATUSES.includes(status));
    }
  });

  it('applies a change as the repository stores it', () => {
    const before = state('RECEIVED');
    const change = transition(before, { type: 'RUN_STARTED', at }, policy);
    expect(applyChange(before, change)).toEqual({
      ...before,
      status: 'IN_PROGRESS',
      deadlineAt: later(60_000),
    });
  });
});
