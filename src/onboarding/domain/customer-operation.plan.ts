import { createHash } from 'node:crypto';
import type {
  CustomerOperationRequest,
  KeyRotationRequest,
  OffboardingRequest,
} from './customer-operation';
import type { CustomerResources, ManagedApiClient, ManagedApiKey } from './customer-resources';
import { Drift, planReconciliation } from './drift';
import { OnboardingError } from './errors';
import { PlannedStep, STEP_NAMES, StepKind, StepTarget } from './steps';

/**
 * The saga tables of the customer operations: which steps, in which order, planned on the
 * operation's first run from the resources the customer has by then (its earlier operations
 * have all finished: a customer's sagas run one at a time, in the order they were ingested).
 *
 *   key rotation, overlap:   ROTATED_API_KEY per key   (undo: delete the new key)
 *                            GRACE_PERIOD              (a durable wait)
 *                            API_KEY_DISABLE per old key, then API_KEY_DELETE per old key
 *   key rotation, immediate: API_KEY_REFRESH per key   (Workato's refresh_secret)
 *   offboarding, disable:    API_KEY_DISABLE per active key
 *   offboarding, delete:     API_KEY_DELETE per key, then API_CLIENT_DELETE per client
 *   reactivation:            API_KEY_ENABLE per key an offboarding disabled
 *   reconciliation:          from a drift observation (domain/drift.ts)
 *
 * Only what the service created is ever touched: adopted clients are observed, never changed.
 * An operation with nothing left to do plans no step and completes (repeating one is a no-op).
 */
export function planCustomerOperation(
  request: CustomerOperationRequest,
  resources: CustomerResources,
  /** A reconciliation's: the drift observed just before planning. */
  drift: readonly Drift[] = [],
): PlannedStep[] {
  if (!resources.onboarded)
    throw new OnboardingError(
      'CUSTOMER_NOT_ONBOARDED',
      `customer ${request.customer.managedUserId} has no completed onboarding in this Workato account: there is nothing of theirs to ${verbOf(request)}`,
    );
  const steps: Omit<PlannedStep, 'position'>[] = (() => {
    switch (request.eventType) {
      case 'ApiKeysRotationRequested':
        return planRotation(request, resources);
      case 'CustomerOffboarded':
        return planOffboarding(request, resources);
      case 'CustomerReactivated':
        return ownedClients(resources).flatMap((client) =>
          client.keys
            .filter((k) => k.state === 'DISABLED' && k.disabledBy === 'OFFBOARDING')
            .map((key) => onKey('API_KEY_ENABLE', 'enable', client, key)),
        );
      case 'CustomerReconciliationRequested':
        return planReconciliation(request, resources, drift);
    }
  })();
  return steps.map((step, position) => ({ ...step, position }));
}

function verbOf(request: CustomerOperationRequest): string {
  return request.eventType === 'ApiKeysRotationRequested'
    ? 'rotate'
    : request.eventType === 'CustomerOffboarded'
      ? 'offboard'
      : request.eventType === 'CustomerReactivated'
        ? 'reactivate'
        : 'reconcile';
}

/** Clients the service created and has not deleted (their keys may be acted on). */
function ownedClients(resources: CustomerResources): ManagedApiClient[] {
  return resources.clients.filter((c) => !c.adopted && c.state === 'ACTIVE');
}

function live(key: ManagedApiKey): boolean {
  return key.state !== 'DELETED';
}

function planRotation(
  request: KeyRotationRequest,
  resources: CustomerResources,
): Omit<PlannedStep, 'position'>[] {
  const name = request.apiClient.name;
  const client = resources.clients.find((c) => c.name === name && c.state === 'ACTIVE');
  if (!client)
    throw new OnboardingError(
      'API_CLIENT_NOT_FOUND',
      `customer ${request.customer.managedUserId} has no API client "${name}" managed by this service (known: ${resources.clients.map((c) => `"${c.name}"`).join(', ') || 'none'})`,
    );
  if (client.authType === 'jwt' || client.authType === 'oidc')
    throw new OnboardingError(
      'API_KEYS_HAVE_NO_TOKEN',
      `API client "${name}" uses ${client.authType === 'jwt' ? 'JWT' : 'OIDC'} authentication (auth type ${client.authType}): its API keys carry no token, so they cannot be rotated; rotate the ${client.authType === 'jwt' ? 'JWT secret or key pair' : "identity provider's keys"} instead`,
    );
  const candidates = client.keys.filter(
    (k) => live(k) && k.state !== 'PENDING_DELETION' && k.state !== 'DISABLED',
  );
  const keys = request.apiKeys
    ? request.apiKeys.map((keyName) => {
        const key = candidates.find((k) => k.name === keyName);
        if (!key)
          throw new OnboardingError(
            'API_KEY_NOT_FOUND',
            `API client "${name}" has no active API key "${keyName}" created by this service (it has: ${candidates.map((k) => `"${k.name}"`).join(', ') || 'none'})`,
          );
        return key;
      })
    : candidates;
  if (request.mode === 'immediate')
    return keys.map((key) => onKey('API_KEY_REFRESH', 'refresh', client, key));
  if (keys.length === 0) return [];
  const suffix = createHash('sha256').update(request.eventId).digest('hex').slice(0, 8);
  const rotated = keys.map((key) => {
    const newKeyName = rotatedKeyName(key.name, suffix);
    return {
      ...onKey('ROTATED_API_KEY', 'rotate', client, key),
      naturalKey: `client:${client.name}/key:${newKeyName}`,
      target: {
        ...targetOf(client, key),
        newKeyName,
        active: key.settings.active,
        ipAllowList: key.settings.ipAllowList,
        ipDenyList: key.settings.ipDenyList,
      },
    };
  });
  return [
    ...rotated,
    {
      name: STEP_NAMES.gracePeriod,
      kind: 'GRACE_PERIOD' as const,
      naturalKey: STEP_NAMES.gracePeriod,
      target: { clientId: client.id, clientName: client.name, graceSeconds: request.graceSeconds },
    },
    ...keys.map((key) => onKey('API_KEY_DISABLE', 'disable', client, key)),
    ...keys.map((key) => onKey('API_KEY_DELETE', 'delete', client, key)),
  ];
}

/**
 * The new key's name: the old name and a mark of the event, so that the same rotation always
 * names it alike (a crash never makes two) and two rotations never collide. A name already
 * carrying a mark has it replaced rather than stacked.
 */
export function rotatedKeyName(oldName: string, eventMark: string): string {
  const base = oldName.replace(/ \(rotated [0-9a-f]{8}\)$/, '');
  return `${base} (rotated ${eventMark})`;
}

function planOffboarding(
  request: OffboardingRequest,
  resources: CustomerResources,
): Omit<PlannedStep, 'position'>[] {
  // Keys this service created, whoever created their client; clients only if ours.
  const withKeys = resources.clients.filter((c) => c.state === 'ACTIVE');
  if (request.mode === 'disable')
    return withKeys.flatMap((client) =>
      client.keys
        .filter((k) => k.state === 'ACTIVE' || k.state === 'PENDING_DELETION')
        .map((key) => onKey('API_KEY_DISABLE', 'disable', client, key)),
    );
  return [
    ...withKeys.flatMap((client) =>
      client.keys.filter(live).map((key) => onKey('API_KEY_DELETE', 'delete', client, key)),
    ),
    ...ownedClients(resources).map((client) => ({
      name: STEP_NAMES.onClient('delete_client', client.name),
      kind: 'API_CLIENT_DELETE' as const,
      naturalKey: `client:${client.name}`,
      target: { clientId: client.id, clientName: client.name },
    })),
  ];
}

function targetOf(client: ManagedApiClient, key: ManagedApiKey): StepTarget {
  return { clientId: client.id, clientName: client.name, keyId: key.id, keyName: key.name };
}

function onKey(
  kind: StepKind,
  verb: string,
  client: ManagedApiClient,
  key: ManagedApiKey,
): Omit<PlannedStep, 'position'> {
  return {
    name: STEP_NAMES.onKey(verb, client.name, key.name),
    kind,
    naturalKey: `client:${client.name}/key:${key.name}`,
    target: targetOf(client, key),
  };
}
