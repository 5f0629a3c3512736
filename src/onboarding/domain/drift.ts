import type { ReconciliationRequest } from './customer-operation';
import type {
  ApiKeyState,
  CustomerResources,
  ManagedApiClient,
  ManagedApiKey,
} from './customer-resources';
import type { AuthType } from './onboarding-request';
import { PlannedStep, STEP_NAMES, StepTarget } from './steps';

/**
 * Drift: what Workato holds for a customer, set against what the service recorded (the fold of
 * customer-resources.ts). Like Crossplane's managed-resource reconciler, the diff is computed
 * from one observation and says for each difference whether reconcile repairs it or leaves it
 * alone, and why. Pure: the observation is made by saga/drift.observer.ts.
 */

/** An API client as Workato showed it: one get of the client and one list of its keys. */
export interface ObservedApiClient {
  id: string;
  authType: string | null;
  apiCollectionIds: string[];
  portalId: number | null;
  keys: { id: string; name: string; active: boolean }[];
}

/** Per client id of the resources: what Workato shows, or null when it answered 404. */
export type Observation = ReadonlyMap<string, ObservedApiClient | null>;

export type DriftKind =
  | 'API_CLIENT_MISSING'
  | 'API_CLIENT_SETTINGS_CHANGED'
  | 'API_KEY_MISSING'
  /** Recorded working (active, or pending deletion), found disabled. */
  | 'API_KEY_DISABLED'
  /** Recorded disabled or created inactive, found active. */
  | 'API_KEY_ENABLED'
  | 'API_KEY_ADDED_BY_HAND';

export const DRIFT_KINDS: readonly DriftKind[] = [
  'API_CLIENT_MISSING',
  'API_CLIENT_SETTINGS_CHANGED',
  'API_KEY_MISSING',
  'API_KEY_DISABLED',
  'API_KEY_ENABLED',
  'API_KEY_ADDED_BY_HAND',
];

export type Repair = 'RECREATE_KEY' | 'ENABLE_KEY' | 'DISABLE_KEY' | 'RESTORE_CLIENT';

export interface Drift {
  kind: DriftKind;
  clientId: string;
  clientName: string;
  /** The client was found in Workato and adopted: observed only, never repaired. */
  adopted: boolean;
  keyId?: string;
  keyName?: string;
  /** API_KEY_*: the state the service recorded. */
  recordedState?: ApiKeyState;
  /** API_CLIENT_SETTINGS_CHANGED: which setting, what the onboarding asked for, what is there. */
  setting?: 'authType' | 'apiCollectionIds' | 'portal';
  expected?: unknown;
  observed?: unknown;
  /** What reconcile does about it, or null when it leaves it alone (then `reason` says why). */
  repair: Repair | null;
  reason?: string;
}

const ADOPTED =
  'the API client was adopted (it existed in Workato before the onboarding): observed, never changed';

/** The differences between what the service recorded and what Workato showed. */
export function driftOf(
  resources: CustomerResources,
  observation: Observation,
  expectedPortal: (client: ManagedApiClient) => { id?: number; name?: string } | null = () => null,
): Drift[] {
  const drift: Drift[] = [];
  for (const client of observedClients(resources)) {
    const seen = observation.get(client.id);
    if (seen === undefined) continue;
    const base = { clientId: client.id, clientName: client.name, adopted: client.adopted };
    if (seen === null) {
      drift.push({
        ...base,
        kind: 'API_CLIENT_MISSING',
        repair: null,
        reason: client.adopted
          ? ADOPTED
          : 'recreating an API client gives it a new id and new keys the customer has not got: onboard the customer again',
      });
      continue;
    }
    // An adopted client's settings and other keys were never the service's to compare.
    if (!client.adopted) drift.push(...settingsDrift(client, seen, expectedPortal(client)));
    for (const key of client.keys) {
      if (key.state === 'DELETED') continue;
      const found = seen.keys.find((k) => k.id === key.id);
      const onKey = { ...base, keyId: key.id, keyName: key.name, recordedState: key.state };
      const repair = (r: Repair, otherwise?: string): Pick<Drift, 'repair' | 'reason'> =>
        client.adopted
          ? { repair: null, reason: ADOPTED }
          : otherwise
            ? { repair: null, reason: otherwise }
            : { repair: r };
      if (!found) {
        const taken = seen.keys.find((k) => k.name === key.name);
        drift.push({
          ...onKey,
          kind: 'API_KEY_MISSING',
          ...repair(
            'RECREATE_KEY',
            key.state === 'PENDING_DELETION'
              ? 'its rotation deletes it when the grace period ends: nothing to recreate'
              : taken
                ? `a key of the same name (id ${taken.id}) was added by hand: it is not replaced`
                : undefined,
          ),
        });
        continue;
      }
      const working = key.state === 'ACTIVE' || key.state === 'PENDING_DELETION';
      if (working && !found.active)
        drift.push({ ...onKey, kind: 'API_KEY_DISABLED', ...repair('ENABLE_KEY') });
      else if (!working && found.active)
        drift.push({ ...onKey, kind: 'API_KEY_ENABLED', ...repair('DISABLE_KEY') });
    }
    if (client.adopted) continue;
    const known = new Set(client.keys.map((k) => k.id));
    for (const key of seen.keys.filter((k) => !known.has(k.id)))
      drift.push({
        ...base,
        kind: 'API_KEY_ADDED_BY_HAND',
        keyId: key.id,
        keyName: key.name,
        repair: null,
        reason: 'not created by this service: reported, never touched',
      });
  }
  return drift;
}

/** The clients to observe: every one the service recorded and has not deleted itself. */
export function observedClients(resources: CustomerResources): ManagedApiClient[] {
  return resources.clients.filter((c) => c.state === 'ACTIVE');
}

function settingsDrift(
  client: ManagedApiClient,
  seen: ObservedApiClient,
  portal: { id?: number; name?: string } | null,
): Drift[] {
  const base = { clientId: client.id, clientName: client.name, adopted: false };
  const drift: Drift[] = [];
  if (seen.authType !== null && seen.authType !== client.authType)
    drift.push({
      ...base,
      kind: 'API_CLIENT_SETTINGS_CHANGED',
      setting: 'authType',
      expected: client.authType satisfies AuthType,
      observed: seen.authType,
      repair: null,
      // Workato gives every key a new token (or takes it away) when the auth type changes.
      reason:
        "switching the auth type back changes every key's token (JWT and OIDC need their secret or issuer too): an operator decides",
    });
  if (client.apiCollection) {
    const expected = [client.apiCollection.id];
    const observed = [...seen.apiCollectionIds].sort();
    if (observed.join(',') !== expected.join(','))
      drift.push({
        ...base,
        kind: 'API_CLIENT_SETTINGS_CHANGED',
        setting: 'apiCollectionIds',
        expected,
        observed,
        repair: 'RESTORE_CLIENT',
      });
  }
  // A portal named by name is known only by name: comparing its id would cost a portal list
  // (60 a minute) per client, so only its presence is compared.
  const portalDrift = portal
    ? portal.id !== undefined
      ? seen.portalId !== portal.id
      : seen.portalId === null
    : seen.portalId !== null;
  if (portalDrift)
    drift.push({
      ...base,
      kind: 'API_CLIENT_SETTINGS_CHANGED',
      setting: 'portal',
      expected: portal ? (portal.id ?? { name: portal.name }) : null,
      observed: seen.portalId,
      repair: null,
      reason:
        "Workato's update API client (001) takes no api_portal_id: the portal is set again in Workato's UI",
    });
  return drift;
}

/**
 * A reconciliation's saga table, from a fresh drift observation:
 *
 *   API_KEY_RECREATE       per missing key: the same name and settings, exactly once
 *   API_KEY_ENABLE         per key disabled behind the service's back
 *   API_KEY_DISABLE        per key enabled behind its back (its recorded state comes back)
 *   API_CLIENT_RESTORE     per client whose API collections changed
 *   DRIFT_REPORT           what was found and what is left alone (a record; no Workato call)
 *
 * Nothing to repair and nothing to report plans nothing: the operation completes at once.
 */
export function planReconciliation(
  _request: ReconciliationRequest,
  resources: CustomerResources,
  drift: readonly Drift[],
): Omit<PlannedStep, 'position'>[] {
  if (drift.length === 0) return [];
  const clientOf = (d: Drift) => resources.clients.find((c) => c.id === d.clientId);
  const keyOf = (d: Drift) => clientOf(d)?.keys.find((k) => k.id === d.keyId);
  const steps: Omit<PlannedStep, 'position'>[] = [];
  const onKey = (d: Drift, verb: string, kind: PlannedStep['kind']) => {
    const client = clientOf(d) as ManagedApiClient;
    const key = keyOf(d) as ManagedApiKey;
    return {
      name: STEP_NAMES.onKey(verb, client.name, key.name),
      kind,
      naturalKey: `client:${client.name}/key:${key.name}`,
      target: keyTarget(client, key),
    };
  };
  for (const d of drift) {
    if (d.repair === 'RECREATE_KEY') steps.push(onKey(d, 'recreate', 'API_KEY_RECREATE'));
    if (d.repair === 'ENABLE_KEY') steps.push(onKey(d, 'enable', 'API_KEY_ENABLE'));
    if (d.repair === 'DISABLE_KEY') steps.push(onKey(d, 'disable', 'API_KEY_DISABLE'));
  }
  for (const d of drift.filter((x) => x.repair === 'RESTORE_CLIENT')) {
    const client = clientOf(d) as ManagedApiClient;
    steps.push({
      name: STEP_NAMES.onClient('restore_client', client.name),
      kind: 'API_CLIENT_RESTORE',
      naturalKey: `client:${client.name}`,
      target: {
        clientId: client.id,
        clientName: client.name,
        apiCollectionIds: client.apiCollection ? [client.apiCollection.id] : [],
      },
    });
  }
  // Last, so that the steps' first target names a client (the credentials' apiClientId).
  steps.push({
    name: STEP_NAMES.driftReport,
    kind: 'DRIFT_REPORT',
    naturalKey: STEP_NAMES.driftReport,
    target: { clientId: '', clientName: '', drift: [...drift] },
  });
  return steps;
}

/** A recreated key comes back as it was recorded: name, settings, working or not. */
function keyTarget(client: ManagedApiClient, key: ManagedApiKey): StepTarget {
  return {
    clientId: client.id,
    clientName: client.name,
    keyId: key.id,
    keyName: key.name,
    active: key.state === 'ACTIVE' || key.state === 'PENDING_DELETION',
    ipAllowList: key.settings.ipAllowList,
    ipDenyList: key.settings.ipDenyList,
  };
}
