import type { OnboardingRequest } from '../domain/onboarding-request';
import type { OnboardingStatus } from '../domain/onboarding-status';
import type { StepState, StepStatus } from '../domain/onboarding-step';
import type { RecordedError } from '../domain/errors';

export interface OnboardingSnapshot {
  id: string;
  eventId: string;
  managedUserId: string;
  customerName: string;
  source: 'kafka' | 'http';
  status: OnboardingStatus;
  attempt: number;
  request: OnboardingRequest;
  jwtSecretCiphertext: string | null;
  error: RecordedError | null;
  nextRunAt: Date;
  deadlineAt: Date;
  credentialsRetrievedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  steps: StepState[];
}

export interface NewOnboarding {
  id: string;
  source: 'kafka' | 'http';
  request: OnboardingRequest;
  jwtSecretCiphertext: string | null;
  deadlineAt: Date;
}

export interface StepPatch {
  status?: StepStatus;
  attemptsIncrement?: boolean;
  compensationAttemptsIncrement?: boolean;
  intentRecorded?: boolean;
  clearIntent?: boolean;
  workatoId?: string | null;
  adopted?: boolean;
  secretCiphertext?: string | null;
  lastError?: RecordedError | null;
  started?: boolean;
  finished?: boolean;
}

export interface OutboxRecord {
  topic: string;
  key: string;
  payload: Record<string, unknown>;
}

export interface OnboardingTransition {
  status: OnboardingStatus;
  error?: RecordedError | null;
  nextRunAt?: Date;
  finished?: boolean;
  outbox?: OutboxRecord;
}

export interface OnboardingListQuery {
  status?: OnboardingStatus;
  managedUserId?: string;
  eventId?: string;
  limit: number;
  cursor?: { createdAt: Date; id: string };
}

export interface AuditRecord {
  onboardingId: string;
  action: 'REPLAY' | 'CREDENTIALS_RETRIEVED';
  actorRole: string;
  actorFingerprint: string;
  details?: Record<string, unknown>;
}

/** Raised when another instance took the onboarding over: this instance must stop at once. */
export class LeaseLostError extends Error {
  constructor(onboardingId: string) {
    super(`lease on onboarding ${onboardingId} was lost to another instance`);
    this.name = 'LeaseLostError';
  }
}

/**
 * The durable truth of onboardings. Writes made while running an onboarding are guarded by the
 * lease: they apply only while `owner` still holds it, else LeaseLostError.
 */
export abstract class OnboardingStore {
  /**
   * Records events and their onboardings in one transaction; a known eventId changes nothing.
   * Results come back in the order of the inputs (eventIds are distinct).
   */
  abstract createFromEvents(
    inputs: NewOnboarding[],
  ): Promise<{ onboardingId: string; created: boolean }[]>;
  abstract load(id: string): Promise<OnboardingSnapshot | null>;
  abstract list(query: OnboardingListQuery): Promise<OnboardingSnapshot[]>;

  /**
   * Leases up to `limit` due onboardings to `owner` (FOR UPDATE SKIP LOCKED). A RECEIVED
   * onboarding's deadline starts now (`deadlineMs` from its first run).
   */
  abstract claimRunnable(
    owner: string,
    limit: number,
    leaseMs: number,
    deadlineMs: number,
  ): Promise<string[]>;
  abstract renewLeases(owner: string, ids: string[], leaseMs: number): Promise<string[]>;
  abstract releaseLease(owner: string, id: string): Promise<void>;

  abstract updateStep(
    owner: string,
    onboardingId: string,
    step: string,
    patch: StepPatch,
  ): Promise<void>;
  abstract transition(
    owner: string,
    onboardingId: string,
    change: OnboardingTransition,
  ): Promise<void>;

  /** FAILED / COMPENSATION_FAILED -> RECEIVED as a new attempt; null when not replayable. */
  abstract replay(
    id: string,
    deadlineAt: Date,
    audit: AuditRecord,
  ): Promise<OnboardingSnapshot | null>;
  /** Returns the sealed secrets once, then marks them retrieved; null if already retrieved. */
  abstract takeCredentials(
    id: string,
    audit: AuditRecord,
  ): Promise<{
    steps: { name: string; workatoId: string | null; secretCiphertext: string | null }[];
    jwtSecretCiphertext: string | null;
  } | null>;
  abstract audit(onboardingId: string): Promise<(AuditRecord & { at: Date })[]>;
}
