import type { OnboardingSnapshot } from '../ports/onboarding.store';
import { CLIENT_STEP, COLLECTION_STEP } from '../domain/onboarding-step';
import type { RecordedError } from '../domain/errors';

export interface OnboardingResources {
  apiCollection: { id: string | null; adopted: boolean; status: string } | null;
  apiClient: { id: string | null; adopted: boolean; status: string } | null;
  apiKeys: { name: string; id: string | null; status: string }[];
}

export function resourcesOf(snapshot: Pick<OnboardingSnapshot, 'steps'>): OnboardingResources {
  const step = (name: string) => snapshot.steps.find((s) => s.name === name);
  const view = (name: string) => {
    const s = step(name);
    return s ? { id: s.workatoId, adopted: s.adopted, status: s.status } : null;
  };
  return {
    apiCollection: view(COLLECTION_STEP),
    apiClient: view(CLIENT_STEP),
    apiKeys: snapshot.steps
      .filter((s) => s.kind === 'API_KEY')
      .map((s) => ({ name: s.name.replace(/^api_key:/, ''), id: s.workatoId, status: s.status })),
  };
}

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
    resources: resourcesOf(snapshot),
    error,
    occurredAt: new Date().toISOString(),
  };
}
