import type { AuditRecord, OnboardingSnapshot } from '../ports/onboarding.store';
import { resourcesOf } from '../domain/steps';

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
    projectId: snapshot.request.projectId,
    error: snapshot.error,
    resources: resourcesOf(snapshot.steps),
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
    })),
    credentials: {
      retrievable: snapshot.status === 'COMPLETED' && snapshot.credentialsRetrievedAt === null,
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
