import { Injectable } from '@nestjs/common';
import { isOnboardingRequest } from '../domain/customer-operation';
import { CustomerResources, CustomerSaga, customerResources } from '../domain/customer-resources';
import { Drift, driftOf, Observation, ObservedApiClient, observedClients } from '../domain/drift';
import { WorkatoAccounts } from '../ports/workato-workspace.port';

/** A customer's drift as observed now, and how many Workato requests the observation cost. */
export interface DriftObservation {
  resources: CustomerResources;
  drift: Drift[];
  /** Requests sent to Workato (a page of keys counts once; more than 100 keys cost more). */
  workatoCalls: number;
}

/**
 * Observes Workato for the resources the service recorded for a customer and diffs them
 * (domain/drift.ts): the reconciliation saga plans from it, and the drift endpoint and the
 * periodic scan (operations/) report it. Per API client one get and one list of its keys, nothing else: every
 * request spends the account's shared quota.
 */
@Injectable()
export class DriftObserver {
  constructor(private readonly accounts: WorkatoAccounts) {}

  /** `sagas`: the customer's, oldest first (OnboardingStore.customerSagas). */
  async observe(
    workatoAccount: string,
    managedUserId: string,
    sagas: readonly CustomerSaga[],
  ): Promise<DriftObservation> {
    const resources = customerResources(sagas);
    const workspace = this.accounts.workspace(workatoAccount);
    const observation = new Map<string, ObservedApiClient | null>();
    let workatoCalls = 0;
    for (const client of observedClients(resources)) {
      workatoCalls++;
      const details = await workspace.getApiClient(managedUserId, client.id);
      let keys = null;
      // A missing client's keys went with it: nothing more to ask.
      if (details) {
        workatoCalls++;
        keys = await workspace.listApiKeys(managedUserId, client.id);
      }
      observation.set(
        client.id,
        details && keys
          ? {
              id: details.id,
              authType: details.authType,
              apiCollectionIds: details.apiCollectionIds,
              portalId: details.apiPortalId,
              keys,
            }
          : null,
      );
    }
    return {
      resources,
      drift: driftOf(resources, observation as Observation, expectedPortal(sagas)),
      workatoCalls,
    };
  }
}

/** The portal each client's onboarding asked for, by id or by name. */
function expectedPortal(sagas: readonly CustomerSaga[]) {
  return (client: { onboardingId: string }): { id?: number; name?: string } | null => {
    const request = sagas.find((s) => s.id === client.onboardingId)?.request;
    const portal = request && isOnboardingRequest(request) ? request.apiClient.portal : undefined;
    if (!portal) return null;
    return portal.portalId !== undefined ? { id: portal.portalId } : { name: portal.portalName };
  };
}
