import type { AuditRecord, OnboardingSnapshot } from '../ports/onboarding.store';
import { isOnboardingRequest } from '../domain/customer-operation';
import { resourcesOf, TOKEN_STEP_KINDS } from '../domain/steps';
import { credentialsReady } from './retrieve-credentials.handler';

/** The REST view of an onboarding. Secrets are never part of it, only whether they are held. */
export function presentOnboarding(
  snapshot: OnboardingSnapshot,
  audit?: (AuditRecord & { at: Date })[],
) {
  return {
    id: snapshot.id,
    eventId: snapshot.eventId,
    status: snapshot.status,
    attempt: snapshot.attempt,
    source: snapshot.source,
    workatoAccount: snapshot.workatoAccount,
    customer: snapshot.request.customer,
    ...(isOnboardingRequest(snapshot.request)
      ? { projectId: snapshot.request.projectId, resources: resourcesOf(snapshot.steps) }
      : { type: snapshot.operationType, request: operationDetails(snapshot) }),
    error: snapshot.error,
    steps: snapshot.steps.map((s) => ({
      name: s.name,
      kind: s.kind,
      status: s.status,
      attempts: s.attempts,
      compensationAttempts: s.compensationAttempts,
      workatoId: s.workatoId,
      adopted: s.adopted,
      intentRecordedAt: s.intentRecordedAt,
      lastError: s.lastError,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      ...(s.target ? { target: s.target } : {}),
    })),
    credentials: {
      retrievable:
        credentialsReady(snapshot) &&
        snapshot.credentialsRetrievedAt === null &&
        (snapshot.operationType === 'ONBOARDING' ||
          snapshot.steps.some((s) => TOKEN_STEP_KINDS.includes(s.kind))),
      retrievedAt: snapshot.credentialsRetrievedAt,
    },
    ...(audit
      ? {
          audit: audit.map((a) => ({
            action: a.action,
            actorRole: a.actorRole,
            actorFingerprint: a.actorFingerprint,
            at: a.at,
          })),
        }
      : {}),
    createdAt: snapshot.createdAt,
    updatedAt: snapshot.updatedAt,
    nextRunAt: snapshot.nextRunAt,
    deadlineAt: snapshot.deadlineAt,
    finishedAt: snapshot.finishedAt,
  };
}

/** What a customer operation was asked to do (its event, minus the envelope). */
function operationDetails(snapshot: OnboardingSnapshot): Record<string, unknown> {
  const request = snapshot.request;
  switch (request.eventType) {
    case 'ApiKeysRotationRequested':
      return {
        apiClient: request.apiClient,
        apiKeys: request.apiKeys ?? null,
        mode: request.mode,
        graceSeconds: request.graceSeconds,
      };
    case 'CustomerOffboarded':
      return { mode: request.mode };
    default:
      return {};
  }
}
