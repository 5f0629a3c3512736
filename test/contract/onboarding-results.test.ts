import {
  CustomerOperationRequest,
  operationTypeOf,
  OPERATION_TYPES,
  RESULT_TYPES,
} from '../../src/onboarding/domain/customer-operation';
import { planCustomerOperation } from '../../src/onboarding/domain/customer-operation.plan';
import { CustomerSaga, customerResources } from '../../src/onboarding/domain/customer-resources';
import { driftOf, ObservedApiClient } from '../../src/onboarding/domain/drift';
import { OnboardingError, RecordedError } from '../../src/onboarding/domain/errors';
import { transition } from '../../src/onboarding/domain/lifecycle';
import { STEP_NAMES, StepState, StepStatus } from '../../src/onboarding/domain/steps';
import { WorkspaceCallError } from '../../src/onboarding/ports/workato-workspace.port';
import type { OnboardingSnapshot } from '../../src/onboarding/ports/onboarding.store';
import { toRecordedError } from '../../src/onboarding/saga/failures';
import { POLICY, REQUEST, stepState } from '../../src/onboarding/saga/onboarding-run.fixture';
import { resultMessage, rotationReadyMessage } from '../../src/onboarding/saga/onboarding-results';
import { RESULT_SCHEMA_IDS } from '../../src/contract/json-schemas';
import { onboardingResultSchema } from '../../src/contract/onboarding-result.schema';
import { resultMessageSchema } from '../../src/contract/operation-result.schema';
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

/** Workato's 403 on one request, recorded against `step` as the step runner records it. */
function forbiddenBy(method: string, path: string, step: string): RecordedError {
  return toRecordedError(
    new WorkspaceCallError({
      code: 'WORKATO_FORBIDDEN',
      message: 'Workato refused the request (HTTP 403)',
      retryable: false,
      httpStatus: 403,
      workatoMessage: 'Forbidden',
      method,
      path,
    }),
    step,
  );
}

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

/**
 * The customer operations' results, from steps planned the way the runner plans them
 * (planCustomerOperation over the resources folded from the customer's earlier sagas) and
 * finished the way the saga finishes them.
 */
describe("the customer operations' results conform to the contract", () => {
  const ENVELOPE = {
    schemaVersion: 1 as const,
    occurredAt: '2026-12-01T09:00:00Z',
    customer: { managedUserId: REQUEST.customer.managedUserId },
  };

  /** The customer as onboarded: a token client (1204) with the Production key (5521). */
  const onboarded: CustomerSaga = {
    id: 'ob-1',
    operationType: 'ONBOARDING',
    status: 'COMPLETED',
    request: REQUEST,
    steps: [
      collection({ status: 'SUCCEEDED', workatoId: '8812' }),
      client({ status: 'SUCCEEDED', workatoId: '1204' }),
      key({ status: 'SUCCEEDED', workatoId: '5521', hasSecret: true }),
    ],
  };

  /**
   * The operation's steps as its first run plans them, after `history`; a reconciliation's from
   * the drift between that history and what Workato shows of client 1204 (`seen`).
   */
  function planned(
    request: CustomerOperationRequest,
    history: CustomerSaga[] = [onboarded],
    seen?: Partial<ObservedApiClient>,
  ) {
    const resources = customerResources(history);
    const drift = seen ? driftOf(resources, new Map([['1204', { ...asRecorded, ...seen }]])) : [];
    return planCustomerOperation(request, resources, drift).map((step) =>
      stepState({ ...step, target: step.target ?? null }),
    );
  }

  /** Client 1204 as Workato shows it when nothing drifted from the onboarding. */
  const asRecorded: ObservedApiClient = {
    id: '1204',
    authType: REQUEST.apiClient.authType,
    apiCollectionIds: ['8812'],
    portalId: null,
    keys: [{ id: '5521', name: 'Production', active: true }],
  };

  function finished(steps: StepState[], status: StepStatus): StepState[] {
    return steps.map((step) => ({ ...step, status, finishedAt: new Date() }));
  }

  function operation(
    request: CustomerOperationRequest,
    steps: StepState[],
    attempt = 1,
  ): OnboardingSnapshot {
    return {
      ...snapshot(steps, attempt),
      id: '9a7c5e3b-1d2f-4a6b-8c0d-2e4f6a8b0c1d',
      operationType: operationTypeOf(request),
      eventId: request.eventId,
      customerName: '',
      request,
    };
  }

  /** The message as it travels, checked against the schema of its `type`. */
  function expectOperationConforms(message: Record<string, unknown>): Record<string, unknown> {
    const sent = onTheWire(message) as Record<string, unknown>;
    const parsed = resultMessageSchema.safeParse(sent);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(RESULT_SCHEMA_IDS[String(sent.type)]).toBeDefined();
    expect(validator.problems(RESULT_SCHEMA_IDS[String(sent.type)], sent)).toEqual([]);
    expect(validator.problems('OnboardingResult', sent)).toEqual([]);
    return sent;
  }

  const rotation = (overrides: Record<string, unknown> = {}): CustomerOperationRequest => ({
    ...ENVELOPE,
    eventId: 'evt-rotate-1',
    eventType: 'ApiKeysRotationRequested',
    apiClient: { name: REQUEST.apiClient.name },
    mode: 'overlap',
    graceSeconds: 60,
    ...overrides,
  });

  const offboarding = (mode: 'disable' | 'delete'): CustomerOperationRequest => ({
    ...ENVELOPE,
    eventId: `evt-offboard-${mode}`,
    eventType: 'CustomerOffboarded',
    mode,
  });

  const reactivation: CustomerOperationRequest = {
    ...ENVELOPE,
    eventId: 'evt-reactivate-1',
    eventType: 'CustomerReactivated',
  };

  const reconciliation: CustomerOperationRequest = {
    ...ENVELOPE,
    eventId: 'evt-reconcile-1',
    eventType: 'CustomerReconciliationRequested',
  };

  it('every result type of every operation has a schema', () => {
    for (const type of OPERATION_TYPES) {
      expect(RESULT_SCHEMA_IDS[RESULT_TYPES[type].completed]).toBeDefined();
      expect(RESULT_SCHEMA_IDS[RESULT_TYPES[type].failed]).toBeDefined();
    }
  });

  it('ApiKeysRotated, overlap: the new key named, its token not', () => {
    const steps = finished(planned(rotation()), 'SUCCEEDED').map((step) =>
      step.kind === 'ROTATED_API_KEY' ? { ...step, workatoId: '5530', hasSecret: true } : step,
    );
    const sent = expectOperationConforms(
      resultMessage(operation(rotation(), steps), 'COMPLETED', null),
    );
    expect(sent.type).toBe('ApiKeysRotated');
    expect(sent.steps).toEqual([
      expect.objectContaining({ kind: 'ROTATED_API_KEY', apiKey: 'Production', workatoId: '5530' }),
      expect.objectContaining({ kind: 'GRACE_PERIOD', name: STEP_NAMES.gracePeriod }),
      expect.objectContaining({ kind: 'API_KEY_DISABLE', apiKey: 'Production' }),
      expect.objectContaining({ kind: 'API_KEY_DELETE', apiKey: 'Production' }),
    ]);
    expect((sent.steps as { newApiKey?: string }[])[0].newApiKey).toMatch(
      /^Production \(rotated [0-9a-f]{8}\)$/,
    );
  });

  it('ApiKeysRotationReady, as the grace period starts: the new key named, its token not', () => {
    const steps = planned(rotation()).map((step) =>
      step.kind === 'ROTATED_API_KEY'
        ? { ...step, status: 'SUCCEEDED' as const, workatoId: '5530', hasSecret: true }
        : step,
    );
    const graceEndsAt = new Date('2026-12-02T09:01:00.000Z');
    const sent = expectOperationConforms(
      rotationReadyMessage(operation(rotation(), steps), graceEndsAt),
    );
    expect(sent).toMatchObject({
      type: 'ApiKeysRotationReady',
      status: 'IN_PROGRESS',
      graceEndsAt: '2026-12-02T09:01:00.000Z',
      error: null,
    });
    expect((sent.steps as { kind: string; status: string }[]).map((s) => s.status)).toEqual([
      'SUCCEEDED',
      'PENDING',
      'PENDING',
      'PENDING',
    ]);
    expect(JSON.stringify(sent)).not.toMatch(/token|secret/i);
  });

  it('ApiKeysRotated, immediate', () => {
    const request = rotation({ mode: 'immediate' });
    const steps = finished(planned(request), 'SUCCEEDED');
    expect(steps.map((s) => s.kind)).toEqual(['API_KEY_REFRESH']);
    expectOperationConforms(resultMessage(operation(request, steps), 'COMPLETED', null));
  });

  it('ApiKeysRotationFailed, refused before planning (a JWT client)', () => {
    const jwtClient: CustomerSaga = {
      ...onboarded,
      request: { ...REQUEST, apiClient: { ...REQUEST.apiClient, authType: 'jwt' } },
    };
    let refused: unknown;
    try {
      planned(rotation(), [jwtClient]);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(OnboardingError);
    const change = compensationEnded(toRecordedError(refused), []);
    expect(change.status).toBe('FAILED');
    const sent = expectOperationConforms(
      resultMessage(operation(rotation(), []), 'FAILED', change.error ?? null),
    );
    expect((sent.error as RecordedError).code).toBe('API_KEYS_HAVE_NO_TOKEN');
  });

  it('ApiKeysRotationFailed, compensation failed: the new key could not be deleted', () => {
    const conflictOnCreate = toRecordedError(
      new OnboardingError('API_KEY_CONFLICT', 'API key "Production (rotated …)" already exists'),
      'rotate:Umbrella/Production',
    );
    const forbidden = forbiddenBy(
      'DELETE',
      '/api/v2/managed_users/E123/api_clients/1204/api_keys/5530',
      'rotate:Umbrella/Production',
    );
    const [rotated, ...rest] = planned(rotation());
    const steps = [
      {
        ...rotated,
        status: 'COMPENSATION_FAILED' as const,
        workatoId: '5530',
        lastError: forbidden,
      },
      ...rest,
    ];
    const change = compensationEnded(conflictOnCreate, [
      { step: rotated.name, workatoId: '5530', error: forbidden },
    ]);
    expect(change.status).toBe('COMPENSATION_FAILED');
    expectOperationConforms(
      resultMessage(operation(rotation(), steps), 'COMPENSATION_FAILED', change.error ?? null),
    );
  });

  it('CustomerOffboardingCompleted, disable and delete, and a repeat with nothing to do', () => {
    const disable = finished(planned(offboarding('disable')), 'SUCCEEDED');
    expect(disable.map((s) => s.kind)).toEqual(['API_KEY_DISABLE']);
    expectOperationConforms(
      resultMessage(operation(offboarding('disable'), disable), 'COMPLETED', null),
    );

    const remove = finished(planned(offboarding('delete')), 'SUCCEEDED');
    expect(remove.map((s) => s.kind)).toEqual(['API_KEY_DELETE', 'API_CLIENT_DELETE']);
    expectOperationConforms(
      resultMessage(operation(offboarding('delete'), remove), 'COMPLETED', null),
    );

    const deleted: CustomerSaga = {
      id: 'op-1',
      operationType: 'OFFBOARDING',
      status: 'COMPLETED',
      request: offboarding('delete'),
      steps: remove,
    };
    const repeat = planned(offboarding('delete'), [onboarded, deleted]);
    expect(repeat).toEqual([]);
    const sent = expectOperationConforms(
      resultMessage(operation(offboarding('delete'), repeat), 'COMPLETED', null),
    );
    expect(sent.steps).toEqual([]);
  });

  it('CustomerOffboardingFailed: Workato refused to delete the API client', () => {
    const forbidden = forbiddenBy(
      'DELETE',
      '/api/v2/managed_users/E123/api_clients/1204',
      STEP_NAMES.onClient('delete_client', REQUEST.apiClient.name),
    );
    const [deleteKey, deleteClient] = planned(offboarding('delete'));
    const steps = [
      { ...deleteKey, status: 'SUCCEEDED' as const },
      { ...deleteClient, status: 'FAILED' as const, lastError: forbidden },
    ];
    const change = compensationEnded(forbidden, []);
    expect(change.status).toBe('FAILED');
    expectOperationConforms(
      resultMessage(operation(offboarding('delete'), steps), 'FAILED', change.error ?? null),
    );
  });

  describe('after an offboarding that disabled the keys', () => {
    const disabled: CustomerSaga = {
      id: 'op-1',
      operationType: 'OFFBOARDING',
      status: 'COMPLETED',
      request: offboarding('disable'),
      steps: finished(planned(offboarding('disable')), 'SUCCEEDED'),
    };

    it('CustomerReactivated (the result, named like the event)', () => {
      const steps = finished(planned(reactivation, [onboarded, disabled]), 'SUCCEEDED');
      expect(steps.map((s) => s.kind)).toEqual(['API_KEY_ENABLE']);
      const sent = expectOperationConforms(
        resultMessage(operation(reactivation, steps, 2), 'COMPLETED', null),
      );
      expect(sent.type).toBe('CustomerReactivated');
      // The result is not the event: the event's schema refuses it.
      expect(validator.problems('CustomerReactivated', sent)).not.toEqual([]);
    });

    it('CustomerReconciled: a key enabled behind the service gets its recorded state back', () => {
      const steps = finished(
        planned(reconciliation, [onboarded, disabled], {
          keys: [{ id: '5521', name: 'Production', active: true }],
        }),
        'SUCCEEDED',
      );
      expect(steps.map((s) => s.kind)).toEqual(['API_KEY_DISABLE', 'DRIFT_REPORT']);
      expectOperationConforms(resultMessage(operation(reconciliation, steps), 'COMPLETED', null));
    });

    it('CustomerReactivationFailed: the key was deleted outside the service', () => {
      const missing = toRecordedError(
        new OnboardingError('API_KEY_MISSING', 'API key "Production" no longer exists in Workato'),
        'enable:Umbrella/Production',
      );
      const steps = finished(planned(reactivation, [onboarded, disabled]), 'FAILED');
      const change = compensationEnded(missing, []);
      expectOperationConforms(
        resultMessage(operation(reactivation, steps), 'FAILED', change.error ?? null),
      );
    });
  });

  describe('a reconciliation, planned from drift', () => {
    it('CustomerReconciled: a deleted key recreated, API collections restored, the rest reported', () => {
      const steps = finished(
        planned(reconciliation, [onboarded], {
          apiCollectionIds: ['8812', '9001'],
          keys: [{ id: '5540', name: 'Manual', active: true }],
        }),
        'SUCCEEDED',
      ).map((step) =>
        step.kind === 'API_KEY_RECREATE' ? { ...step, workatoId: '5534', hasSecret: true } : step,
      );
      const sent = expectOperationConforms(
        resultMessage(operation(reconciliation, steps), 'COMPLETED', null),
      );
      expect(sent.type).toBe('CustomerReconciled');
      expect(sent.steps).toEqual([
        expect.objectContaining({
          kind: 'API_KEY_RECREATE',
          apiKey: 'Production',
          workatoId: '5534',
        }),
        expect.objectContaining({
          kind: 'API_CLIENT_RESTORE',
          name: STEP_NAMES.onClient('restore_client', REQUEST.apiClient.name),
        }),
        expect.objectContaining({ kind: 'DRIFT_REPORT', name: STEP_NAMES.driftReport }),
      ]);
      // The report's drift stays on the operation (GET /v1/operations/:id), not in the result.
      expect(JSON.stringify(sent)).not.toContain('API_KEY_ADDED_BY_HAND');
    });

    it('CustomerReconciled: a key disabled behind the service enabled again', () => {
      const steps = finished(
        planned(reconciliation, [onboarded], {
          keys: [{ id: '5521', name: 'Production', active: false }],
        }),
        'SUCCEEDED',
      );
      expect(steps.map((s) => s.kind)).toEqual(['API_KEY_ENABLE', 'DRIFT_REPORT']);
      expectOperationConforms(resultMessage(operation(reconciliation, steps), 'COMPLETED', null));
    });

    it('CustomerReconciled with no step: Workato shows what was recorded', () => {
      const steps = planned(reconciliation, [onboarded], {});
      expect(steps).toEqual([]);
      const sent = expectOperationConforms(
        resultMessage(operation(reconciliation, steps), 'COMPLETED', null),
      );
      expect(sent.steps).toEqual([]);
    });

    it('CustomerReconciliationFailed: a key of the same name was added by hand meanwhile', () => {
      const [recreate, report] = planned(reconciliation, [onboarded], { keys: [] });
      const conflictOnRecreate = toRecordedError(
        new OnboardingError('API_KEY_CONFLICT', 'API key "Production" (id 5540) was added by hand'),
        recreate.name,
      );
      const steps = [
        { ...recreate, status: 'FAILED' as const, lastError: conflictOnRecreate },
        report,
      ];
      const change = compensationEnded(conflictOnRecreate, []);
      expect(change.status).toBe('FAILED');
      const sent = expectOperationConforms(
        resultMessage(operation(reconciliation, steps), 'FAILED', change.error ?? null),
      );
      expect(sent.type).toBe('CustomerReconciliationFailed');
    });
  });

  it('refuses what the service never sends', () => {
    const steps = finished(planned(offboarding('delete')), 'SUCCEEDED');
    const sent = onTheWire(
      resultMessage(operation(offboarding('delete'), steps), 'COMPLETED', null),
    ) as { steps: Record<string, unknown>[] } & Record<string, unknown>;
    const [step] = sent.steps;
    for (const [id, invalid] of [
      // A token never travels on the results topic.
      ['CustomerOffboardingCompleted', { ...sent, steps: [{ ...step, token: 'x' }] }],
      // An offboarding plans no rotation.
      ['CustomerOffboardingCompleted', { ...sent, steps: [{ ...step, kind: 'ROTATED_API_KEY' }] }],
      ['CustomerOffboardingCompleted', { ...sent, operationType: 'KEY_ROTATION' }],
      // Nor does it repair drift.
      ['CustomerOffboardingCompleted', { ...sent, steps: [{ ...step, kind: 'DRIFT_REPORT' }] }],
      ['CustomerReconciled', { ...sent, type: 'CustomerReconciled' }],
      ['CustomerOffboardingCompleted', { ...sent, error: conflict }],
      ['CustomerOffboardingFailed', { ...sent, type: 'CustomerOffboardingFailed' }],
    ] as const) {
      expect(validator.problems(id, invalid)).not.toEqual([]);
      expect(resultMessageSchema.safeParse(invalid).success).toBe(false);
    }
  });
});
