import { Injectable, Logger } from '@nestjs/common';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';
import { OnboardingTracing } from '../../platform/observability/onboarding.tracing';
import type { CompensationLeftover, NextMove } from '../domain/lifecycle';
import { compensationOrder, undoPlan } from '../domain/steps';
import { OnboardingCompletion } from './complete';
import { isAccountRefusal, toRecordedError, waitForRefusedAccount } from './failures';
import { WorkatoAccounts } from '../ports/workato-workspace.port';
import { AppConfig } from '../../platform/config/app-config';
import type { OnboardingRun } from './onboarding-run';
import { OnboardingSaga } from './onboarding.saga';

/**
 * Unwinds, newest first, exactly what this onboarding created, each step by its row's undo in
 * the saga table. Adopted resources stay; a 404 counts as done. A step whose undo fails is
 * recorded and the others still run; the lifecycle decides whether to try again or park.
 * Undos are idempotent, so the run commits once, at its end.
 */
@Injectable()
export class OnboardingCompensation {
  private readonly logger = new Logger('Compensation');

  constructor(
    private readonly saga: OnboardingSaga,
    private readonly completion: OnboardingCompletion,
    private readonly metrics: OnboardingMetrics,
    private readonly tracing: OnboardingTracing,
    private readonly accounts: WorkatoAccounts,
    config: AppConfig,
  ) {
    this.recheckMs = config.values.WORKATO_ACCOUNT_RECHECK_SECONDS * 1000;
  }

  private readonly recheckMs: number;

  async compensate(run: OnboardingRun): Promise<NextMove> {
    return this.tracing.inStep(run.ref, 'compensate', async () => {
      const left: CompensationLeftover[] = [];
      for (const step of compensationOrder(run.steps)) {
        const row = this.saga.rowFor(step.kind);
        const plan = undoPlan(step, row.undo);
        if (plan === 'NOTHING') continue;
        if (plan === 'RETAIN') {
          run.updateStep(step.name, { status: 'RETAINED', finishedAt: new Date() });
          continue;
        }
        const compensationAttempts = step.compensationAttempts + 1;
        try {
          const undone = await row.step.undo!(run, step);
          run.updateStep(step.name, {
            compensationAttempts,
            finishedAt: new Date(),
            // A kept resource keeps its token for the credentials; a deleted one's is wiped.
            ...(undone === 'retained'
              ? { status: 'RETAINED' as const }
              : { status: 'COMPENSATED' as const, secretCiphertext: null }),
          });
        } catch (error) {
          if (isAccountRefusal(error)) return this.waitForAccount(run, step.name);
          const recorded = toRecordedError(error, step.name);
          left.push({ step: step.name, workatoId: step.workatoId, error: recorded });
          run.updateStep(step.name, {
            status: 'COMPENSATION_FAILED',
            compensationAttempts,
            lastError: recorded,
          });
        }
      }
      // Compensation runs so far: the most any step still left has been tried.
      const runs = Math.max(0, ...left.map((l) => run.step(l.step).compensationAttempts));
      const next = await this.completion.settle(run, {
        type: 'COMPENSATION_ENDED',
        at: new Date(),
        left,
        runs,
      });
      const outcome = run.lifecycle.status;
      if (outcome === 'FAILED') {
        this.logger.log({ msg: 'onboarding compensated', ...run.ref });
        this.metrics.countCompensation('compensated');
      } else if (outcome === 'COMPENSATING') {
        this.logger.warn({
          msg: 'compensation incomplete, will retry',
          left: left.length,
          ...run.ref,
        });
        this.metrics.countCompensation('retrying');
      } else {
        this.logger.error({ msg: 'compensation failed', left, ...run.ref });
        this.metrics.countCompensation('failed');
      }
      return next;
    });
  }

  /** The account refused its token: the compensation waits, the run not counted. */
  private waitForAccount(run: OnboardingRun, stepName: string): Promise<NextMove> {
    return waitForRefusedAccount(run, this.accounts, { stepName, recheckMs: this.recheckMs });
  }
}
