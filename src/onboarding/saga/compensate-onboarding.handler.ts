import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Logger } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';
import { compensationOrder, compensationPlan } from '../domain/onboarding-progress';
import { CLIENT_STEP, StepState } from '../domain/onboarding-step';
import { RecordedError } from '../domain/errors';
import { CompensateOnboardingCommand } from './onboarding.commands';
import {
  OnboardingCompensationFailed,
  OnboardingFailed,
  OnboardingParked,
} from './onboarding.events';
import { resultMessage } from '../operations/onboarding-results';
import { OnboardingStepRunner, rescheduleDelayMs, toRecordedError } from './onboarding-step.runner';
import { OnboardingSnapshot, OnboardingStore } from '../ports/onboarding.store';
import { WorkatoWorkspace } from '../ports/workato-workspace.port';

/** Compensation runs of its own before the onboarding parks as COMPENSATION_FAILED. */
export const COMPENSATION_RUNS = 3;

/**
 * Unwinds, newest first, exactly what this onboarding created. Adopted resources stay; an API
 * collection (Workato cannot delete one) is retained; a 404 counts as done. A step that fails
 * is recorded and the others still run.
 */
@CommandHandler(CompensateOnboardingCommand)
export class CompensateOnboardingHandler implements ICommandHandler<CompensateOnboardingCommand> {
  private readonly logger = new Logger('Compensation');

  constructor(
    private readonly runner: OnboardingStepRunner,
    private readonly store: OnboardingStore,
    private readonly workspace: WorkatoWorkspace,
    private readonly config: AppConfig,
    private readonly metrics: OnboardingMetrics,
  ) {}

  async execute({ onboardingId }: CompensateOnboardingCommand): Promise<void> {
    await this.runner.run(
      onboardingId,
      null,
      async ({ snapshot, owner }) => {
        const left: { step: StepState; error: RecordedError }[] = [];
        let clientId = snapshot.steps.find((s) => s.name === CLIENT_STEP)?.workatoId ?? null;
        for (const step of compensationOrder(snapshot.steps)) {
          const plan = compensationPlan(step);
          if (plan === 'NOTHING') continue;
          if (plan === 'RETAIN') {
            await this.store.updateStep(owner, onboardingId, step.name, {
              status: 'RETAINED',
              finished: true,
            });
            continue;
          }
          try {
            await this.store.updateStep(owner, onboardingId, step.name, {
              compensationAttemptsIncrement: true,
            });
            if (step.kind === 'API_CLIENT') {
              await this.deleteClient(snapshot, step);
            } else {
              clientId ??=
                (
                  await this.workspace.findApiClient(
                    snapshot.managedUserId,
                    snapshot.request.apiClient.name,
                  )
                )?.id ?? null;
              await this.deleteKey(snapshot, step, clientId);
            }
            await this.store.updateStep(owner, onboardingId, step.name, {
              status: 'COMPENSATED',
              secretCiphertext: null,
              finished: true,
            });
          } catch (error) {
            const recorded = toRecordedError(error, step.name);
            left.push({
              step: { ...step, compensationAttempts: step.compensationAttempts + 1 },
              error: recorded,
            });
            await this.store.updateStep(owner, onboardingId, step.name, {
              status: 'COMPENSATION_FAILED',
              lastError: recorded,
            });
          }
        }

        const context = {
          onboardingId,
          eventId: snapshot.eventId,
          managedUserId: snapshot.managedUserId,
        };
        if (left.length === 0) {
          this.logger.log({ msg: 'onboarding compensated', ...context });
          await this.finish(owner, snapshot, 'FAILED', snapshot.error);
          this.metrics.countCompensation('compensated');
          this.metrics.observeOnboardingFinished('failed', ageSeconds(snapshot));
          return new OnboardingFailed(onboardingId);
        }
        const runs = Math.max(...left.map((l) => l.step.compensationAttempts));
        const retryable = left.every((l) => l.error.retryable);
        if (retryable && runs < COMPENSATION_RUNS) {
          const delay = rescheduleDelayMs(runs);
          this.logger.warn({
            msg: 'compensation incomplete, will retry',
            left: left.length,
            retryInMs: delay,
            ...context,
          });
          await this.store.transition(owner, onboardingId, {
            status: 'COMPENSATING',
            nextRunAt: new Date(Date.now() + delay),
          });
          this.metrics.countCompensation('retrying');
          return new OnboardingParked(onboardingId, `compensation retry in ${delay} ms`);
        }
        const error: RecordedError = {
          ...(snapshot.error ?? { code: 'UNKNOWN', message: 'unknown failure', retryable: false }),
          compensation: left.map((l) => ({
            step: l.step.name,
            workatoId: l.step.workatoId,
            error: l.error,
          })),
        };
        this.logger.error({ msg: 'compensation failed', left: error.compensation, ...context });
        await this.finish(owner, snapshot, 'COMPENSATION_FAILED', error);
        this.metrics.countCompensation('failed');
        this.metrics.observeOnboardingFinished('compensation_failed', ageSeconds(snapshot));
        return new OnboardingCompensationFailed(onboardingId);
      },
      { expectStatus: 'compensating', spanName: 'compensate' },
    );
  }

  private async deleteClient(snapshot: OnboardingSnapshot, step: StepState): Promise<void> {
    const id =
      step.workatoId ??
      (await this.workspace.findApiClient(snapshot.managedUserId, snapshot.request.apiClient.name))
        ?.id;
    if (id) await this.workspace.deleteApiClient(snapshot.managedUserId, id);
  }

  private async deleteKey(
    snapshot: OnboardingSnapshot,
    step: StepState,
    clientId: string | null,
  ): Promise<void> {
    if (!clientId) return; // no client, so no key of ours can exist
    const keyName = step.name.replace(/^api_key:/, '');
    const id =
      step.workatoId ??
      (await this.workspace.findApiKey(snapshot.managedUserId, clientId, keyName))?.id;
    if (id) await this.workspace.deleteApiKey(snapshot.managedUserId, clientId, id);
  }

  private async finish(
    owner: string,
    snapshot: OnboardingSnapshot,
    status: 'FAILED' | 'COMPENSATION_FAILED',
    error: RecordedError | null,
  ): Promise<void> {
    const fresh = (await this.store.load(snapshot.id)) ?? snapshot;
    await this.store.transition(owner, snapshot.id, {
      status,
      error,
      finished: true,
      outbox: {
        topic: this.config.values.KAFKA_TOPIC_RESULTS,
        key: snapshot.managedUserId,
        payload: resultMessage('OnboardingFailed', fresh, status, error),
      },
    });
  }
}

function ageSeconds(snapshot: OnboardingSnapshot): number {
  return (Date.now() - snapshot.createdAt.getTime()) / 1000;
}
