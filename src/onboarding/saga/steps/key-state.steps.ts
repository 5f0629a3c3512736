import { Injectable } from '@nestjs/common';
import { OnboardingError } from '../../domain/errors';
import type { StepState } from '../../domain/steps';
import { WorkatoAccounts, WorkatoWorkspace } from '../../ports/workato-workspace.port';
import type { OnboardingRun } from '../onboarding-run';
import type { ActionOutcome, ActionStep } from '../saga-step';
import { refreshedToken } from './refreshed-token';
import { targetOf } from './rotated-api-key.step';

/**
 * The customer operations' steps that change what exists (customer-operation.plan.ts says
 * which run when). Each acts only on a resource the service created, named in the step's
 * target; each leaves the same state when run again.
 */
@Injectable()
abstract class KeyAction implements ActionStep {
  abstract readonly kind: ActionStep['kind'];

  constructor(private readonly accounts: WorkatoAccounts) {}

  abstract perform(run: OnboardingRun, step: StepState, now: Date): Promise<ActionOutcome>;

  protected workspaceOf(run: OnboardingRun): WorkatoWorkspace {
    return this.accounts.workspace(run.onboarding.workatoAccount);
  }

  /** Workato's answer: false when the key no longer exists. */
  protected setActive(run: OnboardingRun, step: StepState, active: boolean): Promise<boolean> {
    const { clientId, keyId } = this.keyOf(step);
    return this.workspaceOf(run).setApiKeyActive(
      run.onboarding.managedUserId,
      clientId,
      keyId,
      active,
    );
  }

  protected keyOf(step: StepState): { clientId: string; keyId: string; keyName: string } {
    const target = targetOf(step);
    if (!target.keyId || !target.keyName)
      throw new OnboardingError('STEP_ORDER', `step ${step.name} names no API key`);
    return { clientId: target.clientId, keyId: target.keyId, keyName: target.keyName };
  }
}

/** Callers holding the key are refused; a key already gone is as good as disabled. */
@Injectable()
export class DisableApiKeyStep extends KeyAction {
  readonly kind = 'API_KEY_DISABLE' as const;

  async perform(run: OnboardingRun, step: StepState): Promise<ActionOutcome> {
    await this.setActive(run, step, false);
    return {};
  }
}

/** A reactivation's: the key works again. A key deleted meanwhile cannot be: it fails, named. */
@Injectable()
export class EnableApiKeyStep extends KeyAction {
  readonly kind = 'API_KEY_ENABLE' as const;

  async perform(run: OnboardingRun, step: StepState): Promise<ActionOutcome> {
    const { clientId, keyId, keyName } = this.keyOf(step);
    if (!(await this.setActive(run, step, true)))
      throw new OnboardingError(
        'API_KEY_MISSING',
        `API key "${keyName}" (id ${keyId}) of API client ${clientId} no longer exists in Workato: it was deleted outside this service; POST /v1/customers/${run.onboarding.managedUserId}/reconcile recreates it`,
      );
    return {};
  }
}

/** Deleted in Workato; already gone counts as done. */
@Injectable()
export class DeleteApiKeyStep extends KeyAction {
  readonly kind = 'API_KEY_DELETE' as const;

  async perform(run: OnboardingRun, step: StepState): Promise<ActionOutcome> {
    const { clientId, keyId } = this.keyOf(step);
    await this.workspaceOf(run).deleteApiKey(run.onboarding.managedUserId, clientId, keyId);
    return {};
  }
}

/**
 * An immediate rotation: Workato's refresh_secret, after which the old token stops working at
 * once. Run again after a crash it refreshes again: the token lost with the crash was never
 * handed out, and the one stored is the one that works.
 */
@Injectable()
export class RefreshApiKeyStep extends KeyAction {
  readonly kind = 'API_KEY_REFRESH' as const;

  async perform(run: OnboardingRun, step: StepState): Promise<ActionOutcome> {
    const secret = await refreshedToken(this.workspaceOf(run), {
      managedUserId: run.onboarding.managedUserId,
      ...this.keyOf(step),
    });
    return { secret };
  }
}

/** An offboarding's: the API client goes (Workato rejects its callers at once). */
@Injectable()
export class DeleteApiClientStep extends KeyAction {
  readonly kind = 'API_CLIENT_DELETE' as const;

  async perform(run: OnboardingRun, step: StepState): Promise<ActionOutcome> {
    await this.workspaceOf(run).deleteApiClient(
      run.onboarding.managedUserId,
      targetOf(step).clientId,
    );
    return {};
  }
}

/**
 * An overlap rotation's wait: the old keys keep working beside the new ones for the grace
 * period, counted from the step's first run (stored, so a restart neither loses nor restarts
 * it). The new keys and their tokens are committed before the wait begins.
 */
@Injectable()
export class GracePeriodStep implements ActionStep {
  readonly kind = 'GRACE_PERIOD' as const;

  perform(_run: OnboardingRun, step: StepState, now: Date): Promise<ActionOutcome> {
    const started = step.startedAt ?? now;
    const until = new Date(started.getTime() + (targetOf(step).graceSeconds ?? 0) * 1000);
    return Promise.resolve(until.getTime() > now.getTime() ? { waitUntil: until } : {});
  }
}
