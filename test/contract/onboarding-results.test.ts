import { OnboardingError, RecordedError } from '../../src/onboarding/domain/errors';
import { transition } from '../../src/onboarding/domain/lifecycle';
import type { StepState } from '../../src/onboarding/domain/steps';
import { WorkspaceCallError } from '../../src/onboarding/ports/workato-workspace.port';
import type { OnboardingSnapshot } from '../../src/onboarding/ports/onboarding.store';
import { toRecordedError } from '../../src/onboarding/saga/failures';
import { POLICY, REQUEST, stepState } from '../../src/onboarding/saga/onboarding-run.fixture';
import { resultMessage } from '../../src/onboarding/saga/onboarding-results';
import { onboardingResultSchema } from '../../src/contract/onboarding-result.schema';
import { SchemaValidator } from './schema-validator';

/**
 * The results messages the service really writes (resultMessage(), with errors recorded and
 * statuses reached the way the saga records and reaches them) conform to the contract: to the
 * zod schemas and to the committed JSON Schema files, as they travel (JSON).
 */

const validator = new SchemaValidator();

function snapshot(steps: StepState[], attempt = 1): OnboardingSnapshot {
  const now = new Date('2026-11-22T10:00:00Z');
  return {
    id: '3f0b1c9e-8a44-4f51-a0a4-5c7e2d9b6f10',
    operationType: 'ONBOARDING',
    eventId: REQUEST.eventId,
    managedUserId: REQUEST.customer.managedUserId,
    customerName: REQUEST.customer.name,
    source: 'kafka',
    status: 'IN_PROGRESS',
    attempt,
    request: REQUEST,
    jwtSecretCiphertext: null,
    error: null,
    nextRunAt: now,
    deadlineAt: now,
    credentialsRetrievedAt: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    workatoAccount: 'default',
    steps,
  };
}

const collection = (overrides: Partial<StepState> = {}) =>
  stepState({ name: 'api_collection', kind: 'API_COLLECTION', position: 0, ...overrides });
const client = (overrides: Partial<StepState> = {}) =>
  stepState({ name: 'api_client', kind: 'API_CLIENT', position: 1, ...overrides });
const key = (overrides: Partial<StepState> = {}) =>
  stepState({ name: 'api_key:Production', kind: 'API_KEY', position: 2, ...overrides });

/** Ends a compensation as the lifecycle does, from an onboarding that failed with `error`. */
function compensationEnded(
  error: RecordedError,
  left: { step: string; workatoId: string | null; error: RecordedError }[],
) {
  const state = {
    status: 'COMPENSATING' as const,
    attempt: 1,
    deadlineAt: new Date(Date.now() + 60_000),
    error,
  };
  return transition(state, { type: 'COMPENSATION_ENDED', at: new Date(), left, runs: 3 }, POLICY);
}

const conflict = toRecordedError(
  new OnboardingError('API_KEY_CONFLICT', 'API key "Production" already exists'),
  'api_key:Production',
);

function onTheWire(message: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(message));
}

function expectConforms(message: unknown, id: 'OnboardingCompleted' | 'OnboardingFailed') {
  const parsed = onboardingResultSchema.safeParse(message);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  expect(validator.problems(id, message)).toEqual([]);
  expect(validator.problems('OnboardingResult', message)).toEqual([]);
}

describe('the results messages conform to the contract', () => {
  it('OnboardingCompleted', () => {
    const steps = [
      collection({ status: 'SUCCEEDED', workatoId: '8812' }),
      client({ status: 'SUCCEEDED', workatoId: '1204', adopted: true }),
      key({ status: 'SUCCEEDED', workatoId: '5521', hasSecret: true }),
    ];
    const change = transition(
      { status: 'IN_PROGRESS', attempt: 2, deadlineAt: new Date(Date.now() + 60_000), error: null },
      { type: 'STEPS_SUCCEEDED', at: new Date() },
      POLICY,
    );
    expect(change.status).toBe('COMPLETED');
    const message = onTheWire(resultMessage(snapshot(steps, 2), 'COMPLETED', change.error ?? null));
    expectConforms(message, 'OnboardingCompleted');
  });

  it('OnboardingFailed, compensated', () => {
    const steps = [
      collection({ status: 'RETAINED', workatoId: '8812' }),
      client({ status: 'COMPENSATED', workatoId: '1204' }),
      key({ status: 'FAILED', lastError: conflict }),
    ];
    const change = compensationEnded(conflict, []);
    expect(change.status).toBe('FAILED');
    const message = onTheWire(resultMessage(snapshot(steps), 'FAILED', change.error ?? null));
    expectConforms(message, 'OnboardingFailed');
  });

  it('OnboardingFailed, past the deadline (the last error kept in the message)', () => {
    const throttled = toRecordedError(
      new WorkspaceCallError({
        code: 'WORKATO_RATE_LIMITED',
        message: 'Workato answered 429',
        retryable: true,
        httpStatus: 429,
        workatoMessage: null,
        method: 'POST',
        path: '/api/v2/api_clients',
      }),
      'api_client',
    );
    const past = transition(
      { status: 'IN_PROGRESS', attempt: 1, deadlineAt: new Date(Date.now() - 1), error: throttled },
      { type: 'RUN_STARTED', at: new Date() },
      POLICY,
    );
    expect(past.status).toBe('COMPENSATING');
    const change = compensationEnded(past.error!, []);
    const steps = [
      collection({ status: 'RETAINED', workatoId: '8812' }),
      client({ status: 'FAILED' }),
    ];
    const message = onTheWire(resultMessage(snapshot(steps), 'FAILED', change.error ?? null));
    expectConforms(message, 'OnboardingFailed');
  });

  it('OnboardingFailed, compensation failed (error.compensation says what is left)', () => {
    const forbidden = toRecordedError(
      new WorkspaceCallError({
        code: 'WORKATO_FORBIDDEN',
        message: 'Workato refused the request (HTTP 403)',
        retryable: false,
        httpStatus: 403,
        workatoMessage: 'Forbidden',
        fieldErrors: { base: ['not allowed'] },
        method: 'DELETE',
        path: '/api/v2/api_clients/1204',
      }),
      'api_client',
    );
    const steps = [
      collection({ status: 'RETAINED', workatoId: '8812' }),
      client({ status: 'COMPENSATION_FAILED', workatoId: '1204', lastError: forbidden }),
      key({ status: 'FAILED', lastError: conflict }),
    ];
    const change = compensationEnded(conflict, [
      { step: 'api_client', workatoId: '1204', error: forbidden },
    ]);
    expect(change.status).toBe('COMPENSATION_FAILED');
    expect(change.error?.compensation).toHaveLength(1);
    const message = onTheWire(
      resultMessage(snapshot(steps), 'COMPENSATION_FAILED', change.error ?? null),
    );
    expectConforms(message, 'OnboardingFailed');
  });

  it('refuses what the service never sends', () => {
    const steps = [collection({ status: 'SUCCEEDED', workatoId: '8812' })];
    const completed = onTheWire(resultMessage(snapshot(steps), 'COMPLETED', null)) as Record<
      string,
      unknown
    >;
    expect(
      validator.problems('OnboardingCompleted', { ...completed, status: 'FAILED' }),
    ).not.toEqual([]);
    expect(validator.problems('OnboardingCompleted', { ...completed, secret: 'x' })).not.toEqual(
      [],
    );
    expect(
      validator.problems('OnboardingFailed', {
        ...completed,
        type: 'OnboardingFailed',
        status: 'FAILED',
      }),
    ).not.toEqual([]);
  });
});
