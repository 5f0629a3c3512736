import { Injectable, Logger } from '@nestjs/common';
import { EventBus, IEvent } from '@nestjs/cqrs';
import { OnboardingError, RecordedError } from '../domain/errors';
import { withOnboardingLogContext } from '../../platform/observability/log-context';
import { OnboardingTracing } from '../../platform/observability/onboarding.tracing';
import { InstanceIdentity } from './instance-identity';
import { OnboardingParked, OnboardingStepFailed } from './onboarding.events';
import { LeaseLostError, OnboardingSnapshot, OnboardingStore } from '../ports/onboarding.store';
import { WorkspaceCallError } from '../ports/workato-workspace.port';

/** Backoff between runs of an onboarding whose step keeps failing with retryable errors. */
export function rescheduleDelayMs(attempts: number): number {
  const ceiling = Math.min(60_000, 1000 * 2 ** Math.min(attempts, 10));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export function toRecordedError(error: unknown, step?: string): RecordedError {
  const at = new Date().toISOString();
  if (error instanceof WorkspaceCallError) return { ...error.recorded, step, at };
  if (error instanceof OnboardingError)
    return { code: error.code, message: error.message, retryable: error.retryable, step, at };
  // Anything else (Postgres restarting, a bug) is retried until the deadline rather than
  // compensated: it says nothing about the customer's workspace.
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL_ERROR', message: message.slice(0, 500), retryable: true, step, at };
}

export interface StepContext {
  snapshot: OnboardingSnapshot;
  owner: string;
  /** The step a failure is recorded against; a multi-step command moves it along. */
  currentStep: string | null;
}

/**
 * Runs one saga step for a leased onboarding: loads the stored state, moves it to IN_PROGRESS,
 * and turns every outcome into the next event. It never throws: a failure becomes a recorded
 * error plus either a scheduled retry (OnboardingParked) or compensation (OnboardingStepFailed).
 */
@Injectable()
export class OnboardingStepRunner {
  private readonly logger = new Logger('Onboarding');

  constructor(
    private readonly store: OnboardingStore,
    private readonly eventBus: EventBus,
    private readonly identity: InstanceIdentity,
    private readonly tracing: OnboardingTracing,
  ) {}

  get owner(): string {
    return this.identity.id;
  }

  async run(
    onboardingId: string,
    stepName: string | null,
    work: (ctx: StepContext) => Promise<IEvent | null>,
    options: { expectStatus?: 'forward' | 'compensating'; spanName?: string } = {},
  ): Promise<void> {
    let snapshot: OnboardingSnapshot | null = null;
    let ctx: StepContext | null = null;
    try {
      if (this.identity.draining) {
        this.eventBus.publish(new OnboardingParked(onboardingId, 'instance is shutting down'));
        return;
      }
      snapshot = await this.store.load(onboardingId);
      const expect = options.expectStatus ?? 'forward';
      const runnable =
        snapshot &&
        (expect === 'forward'
          ? snapshot.status === 'RECEIVED' || snapshot.status === 'IN_PROGRESS'
          : snapshot.status === 'COMPENSATING');
      if (!snapshot || !runnable) {
        this.eventBus.publish(new OnboardingParked(onboardingId, 'stale: state changed elsewhere'));
        return;
      }
      if (expect === 'forward' && Date.now() > snapshot.deadlineAt.getTime()) {
        const last = snapshot.error;
        throw new OnboardingError(
          'ONBOARDING_DEADLINE_EXCEEDED',
          `onboarding did not complete before its deadline (${snapshot.deadlineAt.toISOString()})` +
            (last ? `; last error: ${last.code}: ${last.message}` : ''),
        );
      }
      if (snapshot.status === 'RECEIVED') {
        await this.store.transition(this.owner, onboardingId, { status: 'IN_PROGRESS' });
        snapshot = { ...snapshot, status: 'IN_PROGRESS' };
      }
      const current: StepContext = { snapshot, owner: this.owner, currentStep: stepName };
      ctx = current;
      const ref = {
        onboardingId,
        eventId: snapshot.eventId,
        managedUserId: snapshot.managedUserId,
      };
      const next = await withOnboardingLogContext(ref, () =>
        this.tracing.inStep(ref, options.spanName ?? `step ${stepName}`, () => work(current)),
      );
      if (next) this.eventBus.publish(next);
    } catch (error) {
      await this.fail(onboardingId, snapshot, ctx?.currentStep ?? stepName, error);
    }
  }

  private async fail(
    onboardingId: string,
    snapshot: OnboardingSnapshot | null,
    stepName: string | null,
    error: unknown,
  ): Promise<void> {
    const context = {
      onboardingId,
      eventId: snapshot?.eventId,
      managedUserId: snapshot?.managedUserId,
    };
    try {
      if (error instanceof LeaseLostError || !snapshot) {
        this.logger.warn({ msg: 'onboarding run stopped', reason: String(error), ...context });
        this.eventBus.publish(new OnboardingParked(onboardingId, String(error)));
        return;
      }
      let recorded = toRecordedError(error, stepName ?? undefined);
      if (stepName) {
        await this.store.updateStep(this.owner, onboardingId, stepName, {
          status: recorded.retryable ? 'PENDING' : 'FAILED',
          lastError: recorded,
        });
      }
      const step = snapshot.steps.find((s) => s.name === stepName);
      const beforeDeadline = Date.now() < snapshot.deadlineAt.getTime();
      if (recorded.retryable && beforeDeadline) {
        const delay = rescheduleDelayMs(step?.attempts ?? 1);
        this.logger.warn({
          msg: 'step failed, will retry',
          step: stepName,
          error: recorded,
          retryInMs: delay,
          ...context,
        });
        await this.store.transition(this.owner, onboardingId, {
          status: 'IN_PROGRESS',
          error: recorded,
          nextRunAt: new Date(Date.now() + delay),
        });
        this.eventBus.publish(new OnboardingParked(onboardingId, `retry in ${delay} ms`));
        return;
      }
      if (recorded.retryable) {
        recorded = {
          ...recorded,
          code: 'ONBOARDING_DEADLINE_EXCEEDED',
          message: `kept failing past the deadline; last error: ${recorded.code}: ${recorded.message}`,
          retryable: false,
        };
      }
      this.logger.error({
        msg: 'step failed for good, compensating',
        step: stepName,
        error: recorded,
        ...context,
      });
      await this.store.transition(this.owner, onboardingId, {
        status: 'COMPENSATING',
        error: recorded,
      });
      this.eventBus.publish(new OnboardingStepFailed(onboardingId, stepName ?? 'onboarding'));
    } catch (secondary) {
      // Postgres itself is failing: leave the onboarding leased; the lease expires and a runner
      // picks it up again from its last committed step.
      this.logger.error({
        msg: 'could not record step failure',
        error: String(secondary),
        ...context,
      });
      this.eventBus.publish(new OnboardingParked(onboardingId, 'could not record failure'));
    }
  }
}
