import { REQUEST, stepState } from '../saga/onboarding-run.fixture';
import type { KeyRotationRequest, OffboardingRequest } from './customer-operation';
import { planCustomerOperation, rotatedKeyName } from './customer-operation.plan';
import { CustomerSaga, customerResources } from './customer-resources';
import { OnboardingError } from './errors';
import { STEP_NAMES } from './steps';

const ENVELOPE = {
  eventId: 'evt-op',
  schemaVersion: 1 as const,
  occurredAt: '2026-12-01T00:00:00Z',
  customer: { managedUserId: 'E123' },
};

function onboarding(
  overrides: { adopted?: boolean; authType?: 'token' | 'jwt' } = {},
): CustomerSaga {
  return {
    id: 'ob-1',
    operationType: 'ONBOARDING',
    status: 'COMPLETED',
    request: {
      ...REQUEST,
      apiClient: { ...REQUEST.apiClient, authType: overrides.authType ?? 'token' },
      apiKeys: [
        { name: 'Production', active: true, ipAllowList: ['8.8.8.8/24'], ipDenyList: [] },
        { name: 'Staging', active: false, ipAllowList: [], ipDenyList: [] },
      ],
    },
    steps: [
      stepState({
        name: STEP_NAMES.apiCollection,
        kind: 'API_COLLECTION',
        status: 'SUCCEEDED',
        workatoId: '10',
      }),
      stepState({
        name: STEP_NAMES.apiClient,
        kind: 'API_CLIENT',
        status: 'SUCCEEDED',
        workatoId: '20',
        adopted: overrides.adopted ?? false,
      }),
      stepState({
        name: STEP_NAMES.apiKey('Production'),
        kind: 'API_KEY',
        status: 'SUCCEEDED',
        workatoId: '31',
      }),
      stepState({
        name: STEP_NAMES.apiKey('Staging'),
        kind: 'API_KEY',
        status: 'SUCCEEDED',
        workatoId: '32',
      }),
    ],
  };
}

const rotation = (overrides: Partial<KeyRotationRequest> = {}): KeyRotationRequest => ({
  ...ENVELOPE,
  eventType: 'ApiKeysRotationRequested',
  apiClient: { name: REQUEST.apiClient.name },
  mode: 'overlap',
  graceSeconds: 60,
  ...overrides,
});

const offboarding = (mode: OffboardingRequest['mode']): OffboardingRequest => ({
  ...ENVELOPE,
  eventType: 'CustomerOffboarded',
  mode,
});

function failure(fn: () => unknown): OnboardingError {
  try {
    fn();
  } catch (error) {
    if (error instanceof OnboardingError) return error;
    throw error;
  }
  throw new Error('did not fail');
}

describe('customer operations: what they plan from what the customer has', () => {
  it('an overlap rotation creates each new key, waits, then disables and deletes each old one, in that order', () => {
    const plan = planCustomerOperation(rotation(), customerResources([onboarding()]));
    expect(plan.map((s) => [s.position, s.kind, s.target?.keyName ?? null])).toEqual([
      [0, 'ROTATED_API_KEY', 'Production'],
      [1, 'ROTATED_API_KEY', 'Staging'],
      [2, 'GRACE_PERIOD', null],
      [3, 'API_KEY_DISABLE', 'Production'],
      [4, 'API_KEY_DISABLE', 'Staging'],
      [5, 'API_KEY_DELETE', 'Production'],
      [6, 'API_KEY_DELETE', 'Staging'],
    ]);
    // The new key keeps the old key's settings, under a name that the same event always gives.
    expect(plan[0].target).toMatchObject({
      clientId: '20',
      keyId: '31',
      active: true,
      ipAllowList: ['8.8.8.8/24'],
      newKeyName: rotatedKeyName('Production', plan[0].target!.newKeyName!.slice(-9, -1)),
    });
    expect(planCustomerOperation(rotation(), customerResources([onboarding()]))).toEqual(plan);
    expect(plan[2].target?.graceSeconds).toBe(60);
  });

  it('a rotated key rotated again gets a new mark, not a second one', () => {
    expect(rotatedKeyName('Production (rotated 0123abcd)', 'ffffffff')).toBe(
      'Production (rotated ffffffff)',
    );
  });

  it('an immediate rotation refreshes only the keys it names; an unknown key name fails, naming it', () => {
    const resources = customerResources([onboarding()]);
    const plan = planCustomerOperation(
      rotation({ mode: 'immediate', apiKeys: ['Staging'] }),
      resources,
    );
    expect(plan.map((s) => [s.kind, s.target?.keyId])).toEqual([['API_KEY_REFRESH', '32']]);
    const error = failure(() => planCustomerOperation(rotation({ apiKeys: ['Nope'] }), resources));
    expect(error.code).toBe('API_KEY_NOT_FOUND');
    expect(error.message).toContain('"Nope"');
  });

  it('keys of a JWT client cannot be rotated: the error names the auth type', () => {
    const error = failure(() =>
      planCustomerOperation(rotation(), customerResources([onboarding({ authType: 'jwt' })])),
    );
    expect(error.code).toBe('API_KEYS_HAVE_NO_TOKEN');
    expect(error.message).toContain('auth type jwt');
  });

  it('a customer with no completed onboarding has nothing to act on', () => {
    const failed = { ...onboarding(), status: 'FAILED' as const };
    expect(
      failure(() => planCustomerOperation(offboarding('disable'), customerResources([failed])))
        .code,
    ).toBe('CUSTOMER_NOT_ONBOARDED');
  });

  it('offboarding deletes our keys and clients, never an adopted client; disable skips inactive keys', () => {
    const own = planCustomerOperation(offboarding('delete'), customerResources([onboarding()]));
    expect(own.map((s) => s.kind)).toEqual([
      'API_KEY_DELETE',
      'API_KEY_DELETE',
      'API_CLIENT_DELETE',
    ]);
    const adopted = planCustomerOperation(
      offboarding('delete'),
      customerResources([onboarding({ adopted: true })]),
    );
    expect(adopted.map((s) => s.kind)).toEqual(['API_KEY_DELETE', 'API_KEY_DELETE']);
    const disable = planCustomerOperation(
      offboarding('disable'),
      customerResources([onboarding()]),
    );
    expect(disable.map((s) => s.target?.keyName)).toEqual(['Production']);
  });

  it('the fold follows what each operation did: disabled, re-enabled, deleted; repeating plans nothing', () => {
    const disable: CustomerSaga = {
      id: 'op-1',
      operationType: 'OFFBOARDING',
      status: 'COMPLETED',
      request: offboarding('disable'),
      steps: planCustomerOperation(offboarding('disable'), customerResources([onboarding()])).map(
        (p) => stepState({ ...p, status: 'SUCCEEDED' }),
      ),
    };
    const afterDisable = customerResources([onboarding(), disable]);
    expect(afterDisable.clients[0].keys.map((k) => [k.name, k.state])).toEqual([
      ['Production', 'DISABLED'],
      ['Staging', 'INACTIVE'],
    ]);
    expect(planCustomerOperation(offboarding('disable'), afterDisable)).toEqual([]);
    const reactivation = planCustomerOperation(
      { ...ENVELOPE, eventType: 'CustomerReactivated' },
      afterDisable,
    );
    expect(reactivation.map((s) => [s.kind, s.target?.keyName])).toEqual([
      ['API_KEY_ENABLE', 'Production'],
    ]);

    const deletion: CustomerSaga = {
      id: 'op-2',
      operationType: 'OFFBOARDING',
      status: 'COMPLETED',
      request: offboarding('delete'),
      steps: planCustomerOperation(offboarding('delete'), afterDisable).map((p) =>
        stepState({ ...p, status: 'SUCCEEDED' }),
      ),
    };
    const gone = customerResources([onboarding(), disable, deletion]);
    expect(gone.clients[0]).toMatchObject({
      state: 'DELETED',
      apiCollection: { state: 'RETAINED' },
    });
    expect(planCustomerOperation(offboarding('delete'), gone)).toEqual([]);
  });

  it('during an overlap rotation the old key is pending deletion at the end of its grace period', () => {
    const started = new Date('2026-12-01T10:00:00Z');
    const planned = planCustomerOperation(
      rotation({ apiKeys: ['Production'] }),
      customerResources([onboarding()]),
    );
    const steps = planned.map((p) =>
      p.kind === 'ROTATED_API_KEY'
        ? stepState({ ...p, status: 'SUCCEEDED', workatoId: '41', finishedAt: started })
        : p.kind === 'GRACE_PERIOD'
          ? stepState({ ...p, startedAt: started })
          : stepState({ ...p }),
    );
    const resources = customerResources([
      onboarding(),
      {
        id: 'op-3',
        operationType: 'KEY_ROTATION',
        status: 'IN_PROGRESS',
        request: rotation(),
        steps,
      },
    ]);
    const keys = resources.clients[0].keys;
    expect(keys.find((k) => k.name === 'Production')).toMatchObject({
      state: 'PENDING_DELETION',
      pendingDeletionAt: new Date('2026-12-01T10:01:00Z'),
    });
    expect(keys.find((k) => k.id === '41')).toMatchObject({ state: 'ACTIVE', createdBy: 'op-3' });
  });
});
