import { REQUEST, stepState } from '../saga/onboarding-run.fixture';
import type { ReconciliationRequest } from './customer-operation';
import { planCustomerOperation } from './customer-operation.plan';
import { CustomerSaga, customerResources } from './customer-resources';
import { driftOf, ObservedApiClient } from './drift';
import { STEP_NAMES } from './steps';

const RECONCILE: ReconciliationRequest = {
  eventId: 'evt-rec',
  eventType: 'CustomerReconciliationRequested',
  schemaVersion: 1,
  occurredAt: '2026-12-02T00:00:00Z',
  customer: { managedUserId: 'E123' },
};

/** Client 20 in collection 10, with key 31 (Production, active) and 32 (Staging, inactive). */
function onboarding(adopted = false): CustomerSaga {
  const done = (name: string, kind: 'API_COLLECTION' | 'API_CLIENT' | 'API_KEY', id: string) =>
    stepState({
      name,
      kind,
      status: 'SUCCEEDED',
      workatoId: id,
      adopted: kind === 'API_CLIENT' && adopted,
    });
  return {
    id: 'ob-1',
    operationType: 'ONBOARDING',
    status: 'COMPLETED',
    request: {
      ...REQUEST,
      apiKeys: [
        { name: 'Production', active: true, ipAllowList: ['8.8.8.8/24'], ipDenyList: [] },
        { name: 'Staging', active: false, ipAllowList: [], ipDenyList: [] },
      ],
    },
    steps: [
      done(STEP_NAMES.apiCollection, 'API_COLLECTION', '10'),
      done(STEP_NAMES.apiClient, 'API_CLIENT', '20'),
      done(STEP_NAMES.apiKey('Production'), 'API_KEY', '31'),
      done(STEP_NAMES.apiKey('Staging'), 'API_KEY', '32'),
    ],
  };
}

function seen(overrides: Partial<ObservedApiClient> = {}): ObservedApiClient {
  return {
    id: '20',
    authType: 'token',
    apiCollectionIds: ['10'],
    portalId: null,
    keys: [
      { id: '31', name: 'Production', active: true },
      { id: '32', name: 'Staging', active: false },
    ],
    ...overrides,
  };
}

const observe = (client: ObservedApiClient | null) => new Map([['20', client]]);

describe('drift', () => {
  it('finds nothing when Workato shows what was recorded', () => {
    expect(driftOf(customerResources([onboarding()]), observe(seen()))).toEqual([]);
  });

  it('reports a deleted key, a key disabled or enabled behind the service, and a hand-added key, each with its repair', () => {
    const drift = driftOf(
      customerResources([onboarding()]),
      observe(
        seen({
          keys: [
            { id: '32', name: 'Staging', active: true },
            { id: '99', name: 'Manual', active: true },
          ],
        }),
      ),
    );
    expect(drift.map((d) => [d.kind, d.keyName, d.repair])).toEqual([
      ['API_KEY_MISSING', 'Production', 'RECREATE_KEY'],
      ['API_KEY_ENABLED', 'Staging', 'DISABLE_KEY'],
      ['API_KEY_ADDED_BY_HAND', 'Manual', null],
    ]);
    expect(drift[2].reason).toMatch(/never touched/);

    const disabled = driftOf(
      customerResources([onboarding()]),
      observe(seen({ keys: [{ id: '31', name: 'Production', active: false }, seen().keys[1]] })),
    );
    expect(disabled.map((d) => [d.kind, d.recordedState, d.repair])).toEqual([
      ['API_KEY_DISABLED', 'ACTIVE', 'ENABLE_KEY'],
    ]);
  });

  it('compares the settings the onboarding asked for; only the API collections are restored', () => {
    const drift = driftOf(
      customerResources([onboarding()]),
      observe(seen({ authType: 'jwt', apiCollectionIds: ['10', '11'], portalId: 37 })),
    );
    expect(drift.map((d) => [d.setting, d.expected, d.observed, d.repair])).toEqual([
      ['authType', 'token', 'jwt', null],
      ['apiCollectionIds', ['10'], ['10', '11'], 'RESTORE_CLIENT'],
      ['portal', null, 37, null],
    ]);
    expect(drift.every((d) => d.repair !== null || d.reason)).toBe(true);
  });

  it('a missing client is reported, not recreated; an adopted client is observed only', () => {
    const missing = driftOf(customerResources([onboarding()]), observe(null));
    expect(missing).toMatchObject([{ kind: 'API_CLIENT_MISSING', repair: null }]);
    expect(missing[0].reason).toMatch(/onboard the customer again/);

    const adopted = driftOf(
      customerResources([onboarding(true)]),
      observe(
        seen({
          authType: 'jwt',
          keys: [
            { id: '32', name: 'Staging', active: false },
            { id: '99', name: 'Theirs', active: true },
          ],
        }),
      ),
    );
    // Only the service's own key is reported; the client's settings and other keys are not ours.
    expect(adopted).toMatchObject([
      { kind: 'API_KEY_MISSING', keyName: 'Production', adopted: true, repair: null },
    ]);
  });

  it('a reconciliation plans its repairs and a report; the fold takes a recreated key as the old one under a new id', () => {
    const resources = customerResources([onboarding()]);
    const drift = driftOf(
      resources,
      observe(seen({ keys: [{ id: '32', name: 'Staging', active: true }] })),
    );
    const planned = planCustomerOperation(RECONCILE, resources, drift);
    expect(planned.map((s) => [s.kind, s.target?.keyName, s.target?.active])).toEqual([
      ['API_KEY_RECREATE', 'Production', true],
      ['API_KEY_DISABLE', 'Staging', false],
      ['DRIFT_REPORT', undefined, undefined],
    ]);
    expect(planned[2].target?.drift).toEqual(drift);

    const reconciliation: CustomerSaga = {
      id: 'op-rec',
      operationType: 'RECONCILIATION',
      status: 'COMPLETED',
      request: RECONCILE,
      steps: planned.map((p) =>
        stepState({
          ...p,
          status: 'SUCCEEDED',
          workatoId: p.kind === 'API_KEY_RECREATE' ? '41' : null,
        }),
      ),
    };
    const after = customerResources([onboarding(), reconciliation]);
    expect(after.clients[0].keys.map((k) => [k.id, k.name, k.state])).toEqual([
      ['31', 'Production', 'DELETED'],
      ['32', 'Staging', 'INACTIVE'],
      ['41', 'Production', 'ACTIVE'],
    ]);
    // Repaired: the same observation with the new key shows no drift; nothing to reconcile.
    const now = observe(
      seen({
        keys: [
          { id: '32', name: 'Staging', active: false },
          { id: '41', name: 'Production', active: true },
        ],
      }),
    );
    expect(driftOf(after, now)).toEqual([]);
    expect(planCustomerOperation(RECONCILE, after, [])).toEqual([]);
  });

  it('a deleted key pending deletion by a rotation, or whose name was taken by hand, is left alone', () => {
    const resources = customerResources([onboarding()]);
    resources.clients[0].keys[0].state = 'PENDING_DELETION';
    const pending = driftOf(resources, observe(seen({ keys: [seen().keys[1]] })));
    expect(pending).toMatchObject([{ kind: 'API_KEY_MISSING', repair: null }]);

    const taken = driftOf(
      customerResources([onboarding()]),
      observe(seen({ keys: [{ id: '77', name: 'Production', active: true }, seen().keys[1]] })),
    );
    expect(taken.map((d) => [d.kind, d.repair])).toEqual([
      ['API_KEY_MISSING', null],
      ['API_KEY_ADDED_BY_HAND', null],
    ]);
    expect(taken[0].reason).toMatch(/id 77/);
  });
});
