import type { OperationType, SagaRequest } from '../domain/customer-operation';
import type { LifecycleChange, OnboardingStatus } from '../domain/lifecycle';
import type { PlannedStep, ReplayedStep, StepState } from '../domain/steps';
import type { RecordedError } from '../domain/errors';

/**
 * A saga of the service as stored: an onboarding, or one of the customer operations after it
 * (`operationType`); they share one table, one runner and one set of guarantees.
 */
export interface OnboardingSnapshot {
  id: string;
  operationType: OperationType;
  eventId: string;
  managedUserId: string;
  customerName: string;
  source: 'kafka' | 'http';
  status: OnboardingStatus;
  attempt: number;
  request: SagaRequest;
  jwtSecretCiphertext: string | null;
  error: RecordedError | null;
  nextRunAt: Date;
  deadlineAt: Date;
  credentialsRetrievedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  /** The Workato account (Embed admin workspace) it is provisioned in. */
  workatoAccount: string;
  steps: StepState[];
}

export interface NewOnboarding {
  id: string;
  workatoAccount: string;
  source: 'kafka' | 'http';
  request: SagaRequest;
  /** An onboarding's steps; a customer operation plans its own on its first run. */
  steps: PlannedStep[];
  jwtSecretCiphertext: string | null;
  deadlineAt: Date;
}

/** What recording an event did: a new onboarding, or the one already recorded for its eventId. */
export type RecordedEvent =
  | { created: true; onboardingId: string }
  | {
      created: false;
      onboardingId: string;
      /** What the earlier event asked for, to tell a redelivery from a reused eventId. */
      request: SagaRequest;
      jwtSecretCiphertext: string | null;
    };

/** A step's stored values after a run changed them (the whole row: it is small). */
export interface StepWrite {
  name: string;
  status: StepState['status'];
  attempts: number;
  compensationAttempts: number;
  intentRecordedAt: Date | null;
  workatoId: string | null;
  adopted: boolean;
  lastError: RecordedError | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** undefined: keep the stored secret; null: wipe it; a string: the new sealed secret. */
  secretCiphertext?: string | null;
}

export interface OutboxRecord {
  topic: string;
  key: string;
  payload: Record<string, unknown>;
}

/** Everything one run of an onboarding writes at once: one transaction, one commit. */
export interface OnboardingWrite {
  lifecycle?: Omit<LifecycleChange, 'next'>;
  steps: StepWrite[];
  outbox?: OutboxRecord[];
  /** Hands the lease back: the run is over (finished, waiting for a retry, or parked). */
  releaseLease?: boolean;
}

export interface OnboardingListQuery {
  /** Absent: every type. */
  operationTypes?: readonly OperationType[];
  status?: OnboardingStatus;
  managedUserId?: string;
  eventId?: string;
  workatoAccount?: string;
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

export interface TakenCredentials {
  steps: (Pick<StepState, 'name' | 'kind' | 'target' | 'workatoId'> & {
    secretCiphertext: string | null;
  })[];
  jwtSecretCiphertext: string | null;
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
  abstract createFromEvents(inputs: NewOnboarding[]): Promise<RecordedEvent[]>;
  abstract load(id: string): Promise<OnboardingSnapshot | null>;
  /** Every saga of one customer in one Workato account, in the order they were ingested. */
  abstract customerSagas(
    workatoAccount: string,
    managedUserId: string,
  ): Promise<OnboardingSnapshot[]>;
  /** Customers with a completed onboarding (the drift scan's list), by account, in id order. */
  abstract customersWithResources(): Promise<{ workatoAccount: string; managedUserId: string }[]>;
  /**
   * Runs `fn` unless another instance runs one under the same name (a Postgres advisory lock,
   * held by one connection until `fn` ends or the instance dies): false when it did not run.
   */
  abstract runExclusively(name: string, fn: () => Promise<void>): Promise<boolean>;
  /**
   * Stores the steps a customer operation planned on its first run, if `owner` still holds the
   * lease (else LeaseLostError).
   */
  abstract planSteps(owner: string, id: string, steps: PlannedStep[]): Promise<void>;
  abstract list(query: OnboardingListQuery): Promise<OnboardingSnapshot[]>;

  /**
   * Leases due onboardings to `owner` (FOR UPDATE SKIP LOCKED), with their steps: for each
   * account at most its `room`, fairly across its customers.
   */
  abstract claimRunnable(
    owner: string,
    rooms: { account: string; room: number }[],
    leaseMs: number,
  ): Promise<OnboardingSnapshot[]>;
  abstract renewLeases(owner: string, ids: string[], leaseMs: number): Promise<string[]>;
  abstract releaseLease(owner: string, id: string): Promise<void>;

  /** Applies one run's writes in one transaction, if `owner` still holds the lease. */
  abstract commit(owner: string, onboardingId: string, write: OnboardingWrite): Promise<void>;

  /**
   * Stores a replay: the lifecycle change and every step as replayed, with the audit record,
   * provided the onboarding is still in `expectedStatus` (else false: someone else moved it).
   */
  abstract replay(
    id: string,
    expectedStatus: OnboardingStatus,
    change: Omit<LifecycleChange, 'next'>,
    steps: (ReplayedStep & { name: string })[],
    audit: AuditRecord,
  ): Promise<boolean>;
  /** Returns the sealed secrets once, then wipes them; null if already retrieved. */
  abstract takeCredentials(id: string, audit: AuditRecord): Promise<TakenCredentials | null>;
  abstract audit(onboardingId: string): Promise<(AuditRecord & { at: Date })[]>;
}
