import type { OnboardingRequest } from './onboarding-request';

/**
 * What a saga of this service does for a customer. An onboarding is day one; the others are the
 * customer's life after it. All of them are rows of the same table, run by the same runner
 * with the same guarantees (durable steps, exactly-once effects, replay, audit, results).
 */
export type OperationType =
  'ONBOARDING' | 'KEY_ROTATION' | 'OFFBOARDING' | 'REACTIVATION' | 'RECONCILIATION';
export const OPERATION_TYPES: readonly OperationType[] = [
  'ONBOARDING',
  'KEY_ROTATION',
  'OFFBOARDING',
  'REACTIVATION',
  'RECONCILIATION',
];

export const MAX_GRACE_SECONDS = 30 * 24 * 3600;
export const DEFAULT_GRACE_SECONDS = 86_400;

interface OperationEnvelope {
  eventId: string;
  schemaVersion: 1;
  occurredAt: string;
  /** An operation names the customer by managed user id; the name comes from its onboarding. */
  customer: { managedUserId: string; name?: string };
  /** The Workato account (resolved at intake). */
  workatoAccount?: string;
}

/**
 * Rotate API keys of one client. `overlap`: a new key beside each old one, the old one disabled
 * and deleted after `graceSeconds`; `immediate`: Workato's refresh_secret (the old token stops
 * working at once).
 */
export interface KeyRotationRequest extends OperationEnvelope {
  eventType: 'ApiKeysRotationRequested';
  apiClient: { name: string };
  /** Absent: every key this service created on that client. */
  apiKeys?: string[];
  mode: 'overlap' | 'immediate';
  graceSeconds: number;
}

/** `disable`: every key this service created, reversibly; `delete`: keys and clients. */
export interface OffboardingRequest extends OperationEnvelope {
  eventType: 'CustomerOffboarded';
  mode: 'disable' | 'delete';
}

/** Enables again the keys an offboarding in `disable` mode disabled. */
export interface ReactivationRequest extends OperationEnvelope {
  eventType: 'CustomerReactivated';
}

/** Repairs the drift of what the service owns, as observed when it is planned (domain/drift.ts). */
export interface ReconciliationRequest extends OperationEnvelope {
  eventType: 'CustomerReconciliationRequested';
}

export type CustomerOperationRequest =
  KeyRotationRequest | OffboardingRequest | ReactivationRequest | ReconciliationRequest;

/** What any saga of this service was asked to do, as validated from its event. */
export type SagaRequest = OnboardingRequest | CustomerOperationRequest;

export type CustomerEventType = SagaRequest['eventType'];

export function operationTypeOf(request: SagaRequest): OperationType {
  switch (request.eventType) {
    case 'CustomerOnboarded':
      return 'ONBOARDING';
    case 'ApiKeysRotationRequested':
      return 'KEY_ROTATION';
    case 'CustomerOffboarded':
      return 'OFFBOARDING';
    case 'CustomerReactivated':
      return 'REACTIVATION';
    case 'CustomerReconciliationRequested':
      return 'RECONCILIATION';
  }
}

export function isOnboardingRequest(request: SagaRequest): request is OnboardingRequest {
  return request.eventType === 'CustomerOnboarded';
}

/**
 * The results message types of each operation: on success, on failure, and (`ready`) on the
 * way, before the outcome.
 */
export const RESULT_TYPES: Record<
  OperationType,
  { completed: string; failed: string; ready?: string }
> = {
  ONBOARDING: { completed: 'OnboardingCompleted', failed: 'OnboardingFailed' },
  KEY_ROTATION: {
    completed: 'ApiKeysRotated',
    failed: 'ApiKeysRotationFailed',
    // An overlap rotation's new keys exist, as its grace period starts.
    ready: 'ApiKeysRotationReady',
  },
  OFFBOARDING: {
    completed: 'CustomerOffboardingCompleted',
    failed: 'CustomerOffboardingFailed',
  },
  REACTIVATION: { completed: 'CustomerReactivated', failed: 'CustomerReactivationFailed' },
  RECONCILIATION: { completed: 'CustomerReconciled', failed: 'CustomerReconciliationFailed' },
};
