import { isOnboardingRequest, RESULT_TYPES } from '../domain/customer-operation';
import type { RecordedError } from '../domain/errors';
import { resourcesOf } from '../domain/steps';
import type { OnboardingSnapshot } from '../ports/onboarding.store';

/**
 * The message on KAFKA_TOPIC_RESULTS for a saga's terminal outcome: OnboardingCompleted /
 * OnboardingFailed, or the customer operation's own pair (ApiKeysRotated, ...). Never carries
 * a secret: new tokens are handed out once over REST.
 */
export function resultMessage(
  snapshot: OnboardingSnapshot,
  status: 'COMPLETED' | 'FAILED' | 'COMPENSATION_FAILED',
  error: RecordedError | null,
): Record<string, unknown> {
  const types = RESULT_TYPES[snapshot.operationType];
  const type = status === 'COMPLETED' ? types.completed : types.failed;
  const request = snapshot.request;
  if (isOnboardingRequest(request))
    return {
      type,
      onboardingId: snapshot.id,
      eventId: snapshot.eventId,
      attempt: snapshot.attempt,
      customer: request.customer,
      projectId: request.projectId,
      status,
      resources: resourcesOf(snapshot.steps),
      error,
      occurredAt: new Date().toISOString(),
    };
  return { type, ...operationFields(snapshot), status, steps: stepsOf(snapshot), error, ...now() };
}

/**
 * ApiKeysRotationReady: an overlap rotation's new keys exist and their tokens can be fetched
 * (once, over REST), while the old keys work until `graceEndsAt`. Sent as its grace period
 * starts, in the same commit as the wait.
 */
export function rotationReadyMessage(
  snapshot: OnboardingSnapshot,
  graceEndsAt: Date,
): Record<string, unknown> {
  return {
    type: RESULT_TYPES.KEY_ROTATION.ready,
    ...operationFields(snapshot),
    status: 'IN_PROGRESS',
    steps: stepsOf(snapshot),
    graceEndsAt: graceEndsAt.toISOString(),
    error: null,
    ...now(),
  };
}

function operationFields(snapshot: OnboardingSnapshot) {
  return {
    operationId: snapshot.id,
    operationType: snapshot.operationType,
    eventId: snapshot.eventId,
    attempt: snapshot.attempt,
    customer: { managedUserId: snapshot.managedUserId },
  };
}

function stepsOf(snapshot: OnboardingSnapshot) {
  return snapshot.steps.map((s) => ({
    name: s.name,
    kind: s.kind,
    status: s.status,
    workatoId: s.workatoId,
    ...(s.target?.keyName ? { apiKey: s.target.keyName } : {}),
    ...(s.target?.newKeyName ? { newApiKey: s.target.newKeyName } : {}),
  }));
}

function now() {
  return { occurredAt: new Date().toISOString() };
}
