import {
  applyChange,
  Lifecycle,
  LifecycleChange,
  LifecycleEvent,
  LifecyclePolicy,
  NextMove,
  transition,
} from '../domain/lifecycle';
import { isOnboardingRequest } from '../domain/customer-operation';
import type { OnboardingRequest } from '../domain/onboarding-request';
import type { StepKind, StepState } from '../domain/steps';
import type {
  OnboardingSnapshot,
  OnboardingStore,
  OutboxRecord,
  StepWrite,
} from '../ports/onboarding.store';

export type StepUpdate = Partial<
  Pick<
    StepState,
    | 'status'
    | 'attempts'
    | 'compensationAttempts'
    | 'intentRecordedAt'
    | 'workatoId'
    | 'adopted'
    | 'lastError'
    | 'startedAt'
    | 'finishedAt'
  >
> & {
  /** A sealed secret to store (null wipes the stored one). */
  secretCiphertext?: string | null;
};

/**
 * One leased run of an onboarding: its state in memory and the writes not yet committed. Writes
 * are gathered and committed together, so a run costs one commit per Workato create (the intent
 * must be durable before the create is sent) plus one at its end; a result waits for the next
 * commit, since losing it only costs a look-up on the next run.
 */
export class OnboardingRun {
  readonly onboarding: OnboardingSnapshot;
  lifecycle: Lifecycle;
  private readonly dirtySteps = new Set<string>();
  private readonly secrets = new Map<string, string | null>();
  private change: Omit<LifecycleChange, 'next'> | null = null;
  private outbox: OutboxRecord[] = [];

  constructor(
    private readonly store: OnboardingStore,
    readonly owner: string,
    snapshot: OnboardingSnapshot,
    private readonly policy: LifecyclePolicy,
  ) {
    this.onboarding = { ...snapshot, steps: snapshot.steps.map((s) => ({ ...s })) };
    this.lifecycle = {
      status: snapshot.status,
      attempt: snapshot.attempt,
      deadlineAt: snapshot.deadlineAt,
      error: snapshot.error,
    };
  }

  get id(): string {
    return this.onboarding.id;
  }

  /** The request of an onboarding (its provisioning steps read it); a bug for another saga. */
  get onboardingRequest(): OnboardingRequest {
    const request = this.onboarding.request;
    if (!isOnboardingRequest(request))
      throw new Error(`saga ${this.id} is a ${this.onboarding.operationType}, not an onboarding`);
    return request;
  }

  get steps(): readonly StepState[] {
    return this.onboarding.steps;
  }

  /** The ids every log line and span of this onboarding carries. */
  get ref(): {
    onboardingId: string;
    eventId: string;
    managedUserId: string;
    workatoAccount: string;
  } {
    return {
      onboardingId: this.onboarding.id,
      eventId: this.onboarding.eventId,
      managedUserId: this.onboarding.managedUserId,
      workatoAccount: this.onboarding.workatoAccount,
    };
  }

  step(name: string): StepState {
    const step = this.onboarding.steps.find((s) => s.name === name);
    if (!step) throw new Error(`onboarding ${this.id} has no step ${name}`);
    return step;
  }

  stepOfKind(kind: StepKind): StepState | undefined {
    return this.onboarding.steps.find((s) => s.kind === kind);
  }

  updateStep(name: string, update: StepUpdate): StepState {
    const step = this.step(name);
    const { secretCiphertext, ...fields } = update;
    Object.assign(step, fields);
    if (secretCiphertext !== undefined) {
      this.secrets.set(name, secretCiphertext);
      step.hasSecret = secretCiphertext !== null;
    }
    this.dirtySteps.add(name);
    return step;
  }

  /** Applies a lifecycle event (the one pure transition function) and says what comes next. */
  on(event: LifecycleEvent): NextMove {
    const change = transition(this.lifecycle, event, this.policy);
    const { next, ...stored } = change;
    this.lifecycle = applyChange(this.lifecycle, change);
    this.change = { ...this.change, ...stored };
    this.onboarding.status = this.lifecycle.status;
    this.onboarding.error = this.lifecycle.error;
    return next;
  }

  addOutbox(record: OutboxRecord): void {
    this.outbox.push(record);
  }

  get hasPendingWrites(): boolean {
    return this.dirtySteps.size > 0 || this.change !== null || this.outbox.length > 0;
  }

  /** Commits what is pending in one transaction (LeaseLostError when the lease is gone). */
  async commit(options: { releaseLease?: boolean } = {}): Promise<void> {
    if (!this.hasPendingWrites && !options.releaseLease) return;
    const steps: StepWrite[] = [...this.dirtySteps].map((name) => {
      const s = this.step(name);
      return {
        name,
        status: s.status,
        attempts: s.attempts,
        compensationAttempts: s.compensationAttempts,
        intentRecordedAt: s.intentRecordedAt,
        workatoId: s.workatoId,
        adopted: s.adopted,
        lastError: s.lastError,
        startedAt: s.startedAt,
        finishedAt: s.finishedAt,
        ...(this.secrets.has(name) ? { secretCiphertext: this.secrets.get(name) } : {}),
      };
    });
    await this.store.commit(this.owner, this.id, {
      ...(this.change ? { lifecycle: this.change } : {}),
      steps,
      ...(this.outbox.length > 0 ? { outbox: this.outbox } : {}),
      releaseLease: options.releaseLease,
    });
    this.dirtySteps.clear();
    this.secrets.clear();
    this.change = null;
    this.outbox = [];
  }
}
