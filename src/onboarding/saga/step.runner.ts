import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '../../platform/config/app-config';
import { withOnboardingLogContext } from '../../platform/observability/log-context';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';
import { OnboardingTracing } from '../../platform/observability/onboarding.tracing';
import { SecretBox } from '../../platform/secrets/secret-box';
import { SECRET_CONTEXT } from '../../platform/secrets/secret-context';
import { NextMove, TransitionRefused } from '../domain/lifecycle';
import { pendingStep, runOrder, StepState } from '../domain/steps';
import { isOnboardingRequest } from '../domain/customer-operation';
import { customerResources } from '../domain/customer-resources';
import { planCustomerOperation } from '../domain/customer-operation.plan';
import { OnboardingError } from '../domain/errors';
import { LeaseLostError, OnboardingStore } from '../ports/onboarding.store';
import { WorkatoAccounts, WorkspaceCallError } from '../ports/workato-workspace.port';
import { DriftObserver } from './drift.observer';
import { OnboardingCompensation } from './compensate';
import { OnboardingCompletion } from './complete';
import { provisionOnce } from './exactly-once';
import { isAccountRefusal, toRecordedError, waitForRefusedAccount } from './failures';
import { InstanceIdentity } from './instance-identity';
import { lifecyclePolicy } from './lifecycle-policy';
import { RunOnboardingCommand } from './onboarding.messages';
import { OnboardingRun } from './onboarding-run';
import { OnboardingSaga } from './onboarding.saga';
import { isActionStep } from './saga-step';

/**
 * Runs one leased onboarding through the saga table, from its stored state, until it completes,
 * is compensated, waits for a retry, or is handed back (shutdown). Never throws: every outcome
 * is recorded, or, when Postgres itself fails, left to the lease's expiry.
 */
@CommandHandler(RunOnboardingCommand)
export class OnboardingStepRunner implements ICommandHandler<RunOnboardingCommand> {
  private readonly logger = new Logger('Onboarding');
  private readonly policy;
  private readonly recheckMs: number;

  constructor(
    private readonly store: OnboardingStore,
    private readonly saga: OnboardingSaga,
    private readonly compensation: OnboardingCompensation,
    private readonly completion: OnboardingCompletion,
    private readonly identity: InstanceIdentity,
    private readonly secrets: SecretBox,
    private readonly metrics: OnboardingMetrics,
    private readonly tracing: OnboardingTracing,
    private readonly accounts: WorkatoAccounts,
    private readonly drift: DriftObserver,
    config: AppConfig,
  ) {
    this.policy = lifecyclePolicy(config.values.ONBOARDING_DEADLINE_SECONDS);
    this.recheckMs = config.values.WORKATO_ACCOUNT_RECHECK_SECONDS * 1000;
  }

  async execute({ onboarding }: RunOnboardingCommand): Promise<void> {
    const run = new OnboardingRun(this.store, this.identity.id, onboarding, this.policy);
    await withOnboardingLogContext(run.ref, async () => {
      try {
        if (this.identity.draining) return await run.commit({ releaseLease: true });
        let next: NextMove;
        try {
          next = run.on({ type: 'RUN_STARTED', at: new Date() });
        } catch (error) {
          if (!(error instanceof TransitionRefused)) throw error;
          // Finished or replayed elsewhere since it was claimed.
          return await this.store.releaseLease(this.identity.id, run.id);
        }
        if (next === 'RUN_STEPS') next = await this.planOperation(run);
        if (next === 'RUN_STEPS') next = await this.forward(run);
        if (next === 'COMPENSATE') {
          this.logger.error({
            msg: 'onboarding failed for good, compensating',
            error: run.lifecycle.error,
            ...run.ref,
          });
          // COMPENSATING is durable before anything is undone.
          await run.commit();
          await this.compensation.compensate(run);
        }
      } catch (error) {
        if (error instanceof LeaseLostError) {
          this.logger.warn({ msg: 'onboarding run stopped', reason: error.message, ...run.ref });
          return;
        }
        // Postgres itself is failing: the lease expires and a runner takes the onboarding up
        // again from its last committed state.
        this.logger.error({
          msg: 'could not record onboarding progress',
          error: String(error),
          ...run.ref,
        });
      }
    });
  }

  /**
   * A customer operation's first run plans its steps from what the customer has by then (its
   * earlier sagas have all finished: the runner claims a customer's sagas one at a time). A
   * customer with nothing of the service's, or a request that cannot apply, fails here.
   */
  private async planOperation(run: OnboardingRun): Promise<NextMove> {
    const request = run.onboarding.request;
    if (isOnboardingRequest(request) || run.steps.length > 0) return 'RUN_STEPS';
    try {
      const history = await this.store.customerSagas(
        run.onboarding.workatoAccount,
        run.onboarding.managedUserId,
      );
      const earlier = history.filter((saga) => saga.id !== run.id);
      // A reconciliation repairs what Workato shows now: it observes just before planning.
      const { resources, drift } =
        request.eventType === 'CustomerReconciliationRequested'
          ? await this.drift.observe(
              run.onboarding.workatoAccount,
              run.onboarding.managedUserId,
              earlier,
            )
          : { resources: customerResources(earlier), drift: [] };
      const planned = planCustomerOperation(request, resources, drift);
      await run.commit();
      await this.store.planSteps(this.identity.id, run.id, planned);
      run.onboarding.steps.push(...planned.map(pendingStep));
      this.logger.log({ msg: 'customer operation planned', steps: planned.length, ...run.ref });
      return 'RUN_STEPS';
    } catch (error) {
      if (!(error instanceof OnboardingError) && !(error instanceof WorkspaceCallError))
        throw error;
      const recorded = toRecordedError(error);
      const next = run.on({ type: 'STEP_FAILED', at: new Date(), error: recorded, attempts: 1 });
      // A failed observation (a 429, Workato down) is tried again later, planned afresh.
      if (next === 'WAIT') await run.commit({ releaseLease: true });
      return next;
    }
  }

  /** Runs the pending steps in order; returns what comes next. */
  private async forward(run: OnboardingRun): Promise<NextMove> {
    for (const step of runOrder(run.steps)) {
      if (step.status === 'SUCCEEDED') continue;
      if (this.identity.draining) {
        // No new step starts on shutdown: what is done so far is committed and the lease handed
        // back, so another instance (or this one restarted) goes on at once.
        await run.commit({ releaseLease: true });
        return 'STOP';
      }
      const next = await this.runStep(run, step);
      if (next !== 'RUN_STEPS') return next;
    }
    return this.tracing.inStep(run.ref, 'complete', () =>
      this.completion.settle(run, { type: 'STEPS_SUCCEEDED', at: new Date() }),
    );
  }

  private async runStep(run: OnboardingRun, step: StepState): Promise<NextMove> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const impl = this.saga.rowFor(step.kind).step;
    const seal = (secret: string) =>
      this.secrets.encrypt(secret, SECRET_CONTEXT.apiKeyToken(run.id, step.name));
    try {
      if (isActionStep(impl)) {
        const now = new Date();
        run.updateStep(step.name, {
          attempts: step.attempts + 1,
          startedAt: step.startedAt ?? now,
        });
        // What came before is durable before anything changes state: a new key's token is
        // stored before any old key is disabled, and a wait's start before the wait.
        await run.commit();
        const outcome = await this.tracing.inStep(run.ref, `step ${step.name}`, () =>
          impl.perform(run, step, now),
        );
        if (outcome.waitUntil) {
          const next = run.on({ type: 'STEP_WAITING', at: now, until: outcome.waitUntil });
          // The new keys exist once the grace period starts: say so in the same commit as the
          // wait, so the partner can hand the tokens out while the old keys still work.
          if (step.kind === 'GRACE_PERIOD')
            this.completion.announceRotationReady(run, outcome.waitUntil);
          this.logger.log({
            msg: 'step waits',
            step: step.name,
            until: outcome.waitUntil.toISOString(),
            ...run.ref,
          });
          await run.commit({ releaseLease: true });
          return next;
        }
        run.updateStep(step.name, {
          status: 'SUCCEEDED',
          lastError: null,
          finishedAt: new Date(),
          ...(outcome.secret ? { secretCiphertext: seal(outcome.secret) } : {}),
        });
      } else {
        await this.tracing.inStep(run.ref, `step ${step.name}`, () =>
          provisionOnce(run, step, impl, seal),
        );
      }
      this.metrics.observeStep(step.kind, 'succeeded', seconds());
      return 'RUN_STEPS';
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      if (isAccountRefusal(error)) return this.waitForAccount(run, step);
      const recorded = toRecordedError(error, step.name);
      run.updateStep(step.name, {
        status: recorded.retryable ? 'PENDING' : 'FAILED',
        lastError: recorded,
      });
      const next = run.on({
        type: 'STEP_FAILED',
        at: new Date(),
        error: recorded,
        attempts: step.attempts,
      });
      this.metrics.observeStep(step.kind, next === 'WAIT' ? 'retrying' : 'failed', seconds());
      if (next === 'WAIT') {
        this.logger.warn({
          msg: 'step failed, will retry',
          step: step.name,
          error: recorded,
          ...run.ref,
        });
        await run.commit({ releaseLease: true });
      }
      return next;
    }
  }

  /** The account refused its token: the onboarding waits, its attempt not counted. */
  private waitForAccount(run: OnboardingRun, step: StepState): Promise<NextMove> {
    return waitForRefusedAccount(run, this.accounts, {
      stepName: step.name,
      recheckMs: this.recheckMs,
      update: { status: 'PENDING', attempts: Math.max(0, step.attempts - 1) },
    });
  }
}
