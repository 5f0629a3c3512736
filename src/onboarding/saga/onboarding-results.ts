import type { RecordedError } from '../domain/errors';
import { resourcesOf } from '../domain/steps';
import type { OnboardingSnapshot } from '../ports/onboarding.store';

/** The message on KAFKA_TOPIC_RESULTS for a terminal outcome. Never carries a secret. */
export function resultMessage(
  type: 'OnboardingCompleted' | 'OnboardingFailed',
  snapshot: OnboardingSnapshot,
  status: 'COMPLETED' | 'FAILED' | 'COMPENSATION_FAILED',
  error: RecordedError | null,
): Record<string, unknown> {
  return {
    type,
    onboardingId: snapshot.id,
    eventId: snapshot.eventId,
    attempt: snapshot.attempt,
    customer: snapshot.request.customer,
    projectId: snapshot.request.projectId,
    status,
    resources: resourcesOf(snapshot.steps),
    error,
    occurredAt: new Date().toISOString(),
  };
}
