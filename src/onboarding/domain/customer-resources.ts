import type { OnboardingStatus } from './lifecycle';
import type { OperationType, SagaRequest } from './customer-operation';
import type { AuthType } from './onboarding-request';
import type { StepState } from './steps';

/**
 * The Workato resources the service manages for one customer, folded from everything its
 * sagas did, in the order they were ingested. There is no second copy of this state to drift
 * from the steps: what a step recorded as done is what the customer has.
 */
export type ApiKeyState =
  | 'ACTIVE'
  /** Created inactive, as its event asked. */
  | 'INACTIVE'
  | 'DISABLED'
  /** An overlap rotation's old key: still working until its grace period ends. */
  | 'PENDING_DELETION'
  | 'DELETED';

export interface ManagedApiKey {
  id: string;
  name: string;
  state: ApiKeyState;
  /** What disabled it, so a reactivation enables only what an offboarding disabled. */
  disabledBy?: OperationType;
  /** PENDING_DELETION: when the grace period ends (once it has started). */
  pendingDeletionAt?: Date | null;
  lastRotatedAt?: Date;
  /** The saga that created it (an onboarding or a rotation). */
  createdBy: string;
  settings: { active: boolean; ipAllowList: string[]; ipDenyList: string[] };
}

export interface ManagedApiClient {
  id: string;
  name: string;
  authType: AuthType;
  /** Found in Workato and adopted: observed only, never changed or deleted. */
  adopted: boolean;
  state: 'ACTIVE' | 'DELETED';
  onboardingId: string;
  apiCollection: {
    id: string;
    name: string;
    adopted: boolean;
    /** Kept when the client was deleted: Workato has no endpoint to delete a collection. */
    state: 'ACTIVE' | 'RETAINED';
  } | null;
  keys: ManagedApiKey[];
}

export interface CustomerResources {
  /** Whether an onboarding of the customer completed. */
  onboarded: boolean;
  clients: ManagedApiClient[];
}

/** A saga of the customer, as the fold reads it. */
export interface CustomerSaga {
  id: string;
  operationType: OperationType;
  status: OnboardingStatus;
  request: SagaRequest;
  steps: readonly StepState[];
}

/** Folds a customer's sagas, oldest first, into the resources the service manages. */
export function customerResources(sagas: readonly CustomerSaga[]): CustomerResources {
  const clients: ManagedApiClient[] = [];
  let onboarded = false;
  const clientById = (id: string | undefined) => clients.find((c) => c.id === id);
  const keyOf = (step: StepState) =>
    clientById(step.target?.clientId)?.keys.find((k) => k.id === step.target?.keyId);

  for (const saga of sagas) {
    const done = (step: StepState) => step.status === 'SUCCEEDED';
    if (saga.operationType === 'ONBOARDING') {
      if (saga.status !== 'COMPLETED' || saga.request.eventType !== 'CustomerOnboarded') continue;
      onboarded = true;
      const request = saga.request;
      const clientStep = saga.steps.find((s) => s.kind === 'API_CLIENT');
      const collectionStep = saga.steps.find((s) => s.kind === 'API_COLLECTION');
      if (!clientStep?.workatoId) continue;
      let client = clientById(clientStep.workatoId);
      if (!client) {
        client = {
          id: clientStep.workatoId,
          name: request.apiClient.name,
          authType: request.apiClient.authType,
          adopted: clientStep.adopted,
          state: 'ACTIVE',
          onboardingId: saga.id,
          apiCollection: collectionStep?.workatoId
            ? {
                id: collectionStep.workatoId,
                name: request.collection.name,
                adopted: collectionStep.adopted,
                state: 'ACTIVE',
              }
            : null,
          keys: [],
        };
        clients.push(client);
      }
      for (const step of saga.steps.filter((s) => s.kind === 'API_KEY' && done(s))) {
        const settings = request.apiKeys.find((k) => step.name.endsWith(`:${k.name}`));
        if (!step.workatoId || !settings || client.keys.some((k) => k.id === step.workatoId))
          continue;
        client.keys.push({
          id: step.workatoId,
          name: settings.name,
          state: settings.active ? 'ACTIVE' : 'INACTIVE',
          createdBy: saga.id,
          settings: {
            active: settings.active,
            ipAllowList: settings.ipAllowList,
            ipDenyList: settings.ipDenyList,
          },
        });
      }
      continue;
    }

    const graceStep = saga.steps.find((s) => s.kind === 'GRACE_PERIOD');
    for (const step of saga.steps) {
      const target = step.target;
      if (!target) continue;
      if (step.kind === 'ROTATED_API_KEY') {
        const client = clientById(target.clientId);
        const old = keyOf(step);
        if (!done(step) || !client || !step.workatoId) continue;
        if (!client.keys.some((k) => k.id === step.workatoId))
          client.keys.push({
            id: step.workatoId,
            name: target.newKeyName ?? step.name,
            state: target.active === false ? 'INACTIVE' : 'ACTIVE',
            createdBy: saga.id,
            lastRotatedAt: step.finishedAt ?? undefined,
            settings: {
              active: target.active ?? true,
              ipAllowList: target.ipAllowList ?? [],
              ipDenyList: target.ipDenyList ?? [],
            },
          });
        if (old && old.state !== 'DELETED') {
          old.lastRotatedAt = step.finishedAt ?? undefined;
          if (graceStep && graceStep.status !== 'SUCCEEDED') {
            old.state = 'PENDING_DELETION';
            const grace = (graceStep.target?.graceSeconds ?? 0) * 1000;
            old.pendingDeletionAt = graceStep.startedAt
              ? new Date(graceStep.startedAt.getTime() + grace)
              : null;
          }
        }
        continue;
      }
      if (!done(step)) continue;
      const key = keyOf(step);
      // A reconciliation's enable and disable bring a key back to the state recorded here.
      if (saga.operationType === 'RECONCILIATION' && step.kind !== 'API_KEY_RECREATE') continue;
      switch (step.kind) {
        case 'API_KEY_REFRESH':
          if (key) key.lastRotatedAt = step.finishedAt ?? undefined;
          break;
        case 'API_KEY_DISABLE':
          if (key && key.state !== 'DELETED') {
            key.state = 'DISABLED';
            key.disabledBy = saga.operationType;
            key.pendingDeletionAt = undefined;
          }
          break;
        case 'API_KEY_ENABLE':
          if (key && key.state !== 'DELETED') {
            key.state = 'ACTIVE';
            key.disabledBy = undefined;
          }
          break;
        case 'API_KEY_DELETE':
          if (key) {
            key.state = 'DELETED';
            key.pendingDeletionAt = undefined;
          }
          break;
        case 'API_KEY_RECREATE':
          // The key deleted behind the service's back comes back under a new id, as it was.
          if (key && step.workatoId && key.id !== step.workatoId) {
            clientById(target.clientId)?.keys.push({
              ...key,
              id: step.workatoId,
              createdBy: saga.id,
              pendingDeletionAt: undefined,
            });
            key.state = 'DELETED';
            key.disabledBy = undefined;
          }
          break;
        case 'API_CLIENT_DELETE': {
          const client = clientById(target.clientId);
          if (client) {
            client.state = 'DELETED';
            if (client.apiCollection) client.apiCollection.state = 'RETAINED';
            for (const k of client.keys) k.state = 'DELETED';
          }
          break;
        }
      }
    }
  }
  return { onboarded, clients };
}
