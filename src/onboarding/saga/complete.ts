import { Injectable, Logger } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { AppConfig } from '../../platform/config/app-config';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';
import { isTerminal, LifecycleEvent, NextMove } from '../domain/lifecycle';
import { OnboardingFinished } from './onboarding.messages';
import { resultMessage, rotationReadyMessage } from './onboarding-results';
import type { OnboardingRun } from './onboarding-run';

/**
 * Ends a run: applies its last lifecycle event and commits it with whatever is pending. A
 * terminal outcome commits together with its results message (transactional outbox) and hands
 * the lease back in the same transaction.
 */
@Injectable()
export class OnboardingCompletion {
  private readonly logger = new Logger('Onboarding');

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: OnboardingMetrics,
    private readonly eventBus: EventBus,
  ) {}

  /** An overlap rotation's new keys exist (its grace period starts): ApiKeysRotationReady. */
  announceRotationReady(run: OnboardingRun, graceEndsAt: Date): void {
    run.addOutbox({
      topic: this.config.values.KAFKA_TOPIC_RESULTS,
      key: run.onboarding.managedUserId,
      payload: rotationReadyMessage(run.onboarding, graceEndsAt),
    });
  }

  async settle(run: OnboardingRun, event: LifecycleEvent): Promise<NextMove> {
    const next = run.on(event);
    const { status, error } = run.lifecycle;
    const terminal = isTerminal(status);
    if (terminal)
      run.addOutbox({
        topic: this.config.values.KAFKA_TOPIC_RESULTS,
        key: run.onboarding.managedUserId,
        payload: resultMessage(
          run.onboarding,
          status as 'COMPLETED' | 'FAILED' | 'COMPENSATION_FAILED',
          error,
        ),
      });
    await run.commit({ releaseLease: next === 'WAIT' || next === 'STOP' });
    if (terminal) {
      const seconds = (Date.now() - run.onboarding.createdAt.getTime()) / 1000;
      const outcome =
        status === 'COMPLETED'
          ? 'completed'
          : status === 'FAILED'
            ? 'failed'
            : 'compensation_failed';
      const type = run.onboarding.operationType;
      if (type === 'ONBOARDING') this.metrics.observeOnboardingFinished(outcome, seconds);
      else this.metrics.countOperationFinished(type, outcome);
      if (status === 'COMPLETED')
        this.logger.log({
          msg: type === 'ONBOARDING' ? 'onboarding completed' : `${type} completed`,
          ...run.ref,
        });
      this.eventBus.publish(new OnboardingFinished(run.id, status));
    }
    return next;
  }
}
