import type { Drift } from './drift';
import type { RecordedError } from './errors';

export type StepKind =
  // an onboarding's
  | 'API_COLLECTION'
  | 'API_CLIENT'
  | 'API_KEY'
  // the customer operations' (domain/customer-operation.ts)
  | 'ROTATED_API_KEY'
  | 'GRACE_PERIOD'
  | 'API_KEY_REFRESH'
  | 'API_KEY_DISABLE'
  | 'API_KEY_ENABLE'
  | 'API_KEY_DELETE'
  | 'API_CLIENT_DELETE'
  // a reconciliation's (domain/drift.ts)
  | 'API_KEY_RECREATE'
  | 'API_CLIENT_RESTORE'
  | 'DRIFT_REPORT';

/** Kinds whose step stores a token Workato showed once (handed out with the credentials). */
export const TOKEN_STEP_KINDS: readonly StepKind[] = [
  'API_KEY',
  'ROTATED_API_KEY',
  'API_KEY_REFRESH',
  'API_KEY_RECREATE',
];

/**
 * The Workato resource a customer operation's step acts on, fixed when the operation is planned
 * (its first run) from what the service recorded for the customer.
 */
export interface StepTarget {
  clientId: string;
  clientName: string;
  /** The key acted on (for ROTATED_API_KEY: the key it replaces). */
  keyId?: string;
  keyName?: string;
  /** ROTATED_API_KEY: the new key's name and settings (the old key's). */
  newKeyName?: string;
  active?: boolean;
  ipAllowList?: string[];
  ipDenyList?: string[];
  /** GRACE_PERIOD: how long the old keys live on beside the new ones. */
  graceSeconds?: number;
  /** API_CLIENT_RESTORE: the API collections its onboarding gave the client. */
  apiCollectionIds?: string[];
  /** DRIFT_REPORT: the drift observed when the reconciliation was planned. */
  drift?: Drift[];
}

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
  /** Set before a create is sent: a resource found later under this natural key is ours. */
  intentRecordedAt: Date | null;
  workatoId: string | null;
  adopted: boolean;
  hasSecret: boolean;
  lastError: RecordedError | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** What a customer operation's step acts on; null for an onboarding's steps. */
  target: StepTarget | null;
}

/** A step as the saga plans it, before it has run. */
export type PlannedStep = Pick<StepState, 'name' | 'position' | 'kind' | 'naturalKey'> & {
  target?: StepTarget | null;
};

/** A planned step as it is stored before its first run. */
export function pendingStep(planned: PlannedStep): StepState {
  return {
    ...planned,
    target: planned.target ?? null,
    status: 'PENDING',
    attempts: 0,
    compensationAttempts: 0,
    intentRecordedAt: null,
    workatoId: null,
    adopted: false,
    hasSecret: false,
    lastError: null,
    startedAt: null,
    finishedAt: null,
  };
}

/**
 * Step names: one per resource the onboarding provisions. They are stored, shown over REST and
 * used to seal the API keys' tokens, so they are built and read here only.
 */
export const STEP_NAMES = {
  apiCollection: 'api_collection',
  apiClient: 'api_client',
  apiKey: (keyName: string): string => `${API_KEY_PREFIX}${keyName}`,
  /** A customer operation's step on one key (or client) of one client. */
  onKey: (verb: string, clientName: string, keyName: string): string =>
    `${verb}:${clientName}/${keyName}`,
  onClient: (verb: string, clientName: string): string => `${verb}:${clientName}`,
  gracePeriod: 'grace_period',
  driftReport: 'drift_report',
} as const;
const API_KEY_PREFIX = 'api_key:';

/** The API key's own name, from its step's name. */
export function apiKeyNameOf(stepName: string): string {
  if (!stepName.startsWith(API_KEY_PREFIX)) throw new Error(`${stepName} is not an API key step`);
  return stepName.slice(API_KEY_PREFIX.length);
}

/** The name of the API key a step stores a token for, as the credentials show it. */
export function tokenKeyNameOf(step: Pick<StepState, 'name' | 'kind' | 'target'>): string {
  if (step.kind === 'API_KEY') return apiKeyNameOf(step.name);
  if (step.kind === 'ROTATED_API_KEY') return step.target?.newKeyName ?? step.name;
  return step.target?.keyName ?? step.name;
}

/** How a step's resource is undone when a later step fails for good (the saga table's column). */
export type UndoPolicy =
  /** Deleted in Workato. */
  | 'delete'
  /** Kept in Workato and marked RETAINED (Workato cannot delete an API collection). */
  | 'retain'
  /**
   * Nothing to undo: the step changes a resource's state (disable, enable, delete, a new
   * secret) and running the operation again, or its opposite, is how it is set right.
   */
  | 'none';

export type UndoPlan = 'UNDO' | 'RETAIN' | 'NOTHING';

/**
 * What compensation does with a step. Only what this onboarding created is undone: adopted
 * resources stay. A step that recorded its intent but never learned the Workato id may still
 * have created the resource: its undo looks it up by natural key.
 */
export function undoPlan(step: StepState, policy: UndoPolicy): UndoPlan {
  if (step.status === 'COMPENSATED' || step.status === 'RETAINED') return 'NOTHING';
  if (step.adopted || policy === 'none') return 'NOTHING';
  const mayExist = step.workatoId !== null || step.intentRecordedAt !== null;
  if (!mayExist) return 'NOTHING';
  return policy === 'retain' ? 'RETAIN' : 'UNDO';
}

/** Steps to unwind, newest first. */
export function compensationOrder<T extends Pick<StepState, 'position'>>(steps: readonly T[]): T[] {
  return [...steps].sort((a, b) => b.position - a.position);
}

/** Steps to run, in the saga's order. */
export function runOrder<T extends Pick<StepState, 'position'>>(steps: readonly T[]): T[] {
  return [...steps].sort((a, b) => a.position - b.position);
}

/** The stored values of a step that a replay changes. */
export type ReplayedStep = Pick<
  StepState,
  'status' | 'intentRecordedAt' | 'workatoId' | 'lastError' | 'finishedAt'
> & { clearSecret: boolean };

/**
 * A step as a replay leaves it. A resource compensation deleted is gone: forget it. Anything
 * else may still exist in Workato, so its intent and id stay for the next run's look-up to
 * reconcile (a retained API collection is adopted back as ours).
 */
export function replayedStep(step: StepState): ReplayedStep {
  const deleted = step.status === 'COMPENSATED';
  return {
    status: 'PENDING',
    intentRecordedAt: deleted ? null : step.intentRecordedAt,
    workatoId: deleted ? null : step.workatoId,
    lastError: null,
    finishedAt: null,
    clearSecret: deleted,
  };
}

export interface ResourceView {
  id: string | null;
  adopted: boolean;
  status: StepStatus;
}

/** The Workato resources of an onboarding, as REST and the results message show them. */
export function resourcesOf(steps: readonly StepState[]): {
  apiCollection: ResourceView | null;
  apiClient: ResourceView | null;
  apiKeys: { name: string; id: string | null; status: StepStatus }[];
} {
  const view = (name: string): ResourceView | null => {
    const s = steps.find((step) => step.name === name);
    return s ? { id: s.workatoId, adopted: s.adopted, status: s.status } : null;
  };
  return {
    apiCollection: view(STEP_NAMES.apiCollection),
    apiClient: view(STEP_NAMES.apiClient),
    apiKeys: steps
      .filter((s) => s.kind === 'API_KEY')
      .map((s) => ({ name: apiKeyNameOf(s.name), id: s.workatoId, status: s.status })),
  };
}
