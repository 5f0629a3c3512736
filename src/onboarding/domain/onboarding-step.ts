import type { OnboardingRequest } from './onboarding-request';
import type { RecordedError } from './errors';

export type StepKind = 'API_COLLECTION' | 'API_CLIENT' | 'API_KEY';

export type StepStatus =
  'PENDING' | 'SUCCEEDED' | 'FAILED' | 'COMPENSATED' | 'RETAINED' | 'COMPENSATION_FAILED';

export interface StepState {
  name: string;
  position: number;
  kind: StepKind;
  naturalKey: string;
  status: StepStatus;
  attempts: number;
  compensationAttempts: number;
  intentRecordedAt: Date | null;
  workatoId: string | null;
  adopted: boolean;
  hasSecret: boolean;
  lastError: RecordedError | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export const COLLECTION_STEP = 'api_collection';
export const CLIENT_STEP = 'api_client';
export const keyStepName = (keyName: string): string => `api_key:${keyName}`;

/** The steps an onboarding runs, in order; compensation walks them backwards. */
export function planSteps(
  request: OnboardingRequest,
): Pick<StepState, 'name' | 'position' | 'kind' | 'naturalKey'>[] {
  return [
    {
      name: COLLECTION_STEP,
      position: 0,
      kind: 'API_COLLECTION',
      naturalKey: `project:${request.projectId}/collection:${request.collection.name}`,
    },
    {
      name: CLIENT_STEP,
      position: 1,
      kind: 'API_CLIENT',
      naturalKey: `client:${request.apiClient.name}`,
    },
    ...request.apiKeys.map((key, index) => ({
      name: keyStepName(key.name),
      position: 2 + index,
      kind: 'API_KEY' as const,
      naturalKey: `client:${request.apiClient.name}/key:${key.name}`,
    })),
  ];
}
