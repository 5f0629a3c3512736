import { Injectable } from '@nestjs/common';
import { OnboardingError } from '../../domain/errors';
import type { StepState, StepTarget } from '../../domain/steps';
import { WorkatoAccounts, WorkatoWorkspace } from '../../ports/workato-workspace.port';
import type { OnboardingRun } from '../onboarding-run';
import type { Created, ExactlyOnceStep, Found } from '../saga-step';
import { refreshedToken } from './refreshed-token';

/**
 * An overlap rotation's new API key, beside the old one, with the old one's settings. Its name
 * comes from the old name and the event (customer-operation.plan.ts), so the same exactly-once
 * rules as an onboarding's keys hold: a crash after the create finds it by name and, since our
 * intent was recorded, takes it as ours (with a fresh secret: the first token was never handed
 * out). Undone by deleting it, until the grace period has passed: from then on the new key is
 * the customer's working key and is kept.
 */
@Injectable()
export class RotatedApiKeyStep implements ExactlyOnceStep {
  readonly kind = 'ROTATED_API_KEY' as const;

  constructor(private readonly accounts: WorkatoAccounts) {}

  /** A key under that name can only be ours (a crash) or a person's: look first. */
  mayPreexist(): boolean {
    return true;
  }

  find(run: OnboardingRun, step: StepState): Promise<Found | null> {
    const target = targetOf(step);
    return this.workspaceOf(run).findApiKey(
      run.onboarding.managedUserId,
      target.clientId,
      newKeyNameOf(step),
    );
  }

  async create(run: OnboardingRun, step: StepState): Promise<Created> {
    const target = targetOf(step);
    const created = await this.workspaceOf(run).createApiKey(
      run.onboarding.managedUserId,
      target.clientId,
      {
        name: newKeyNameOf(step),
        active: target.active ?? true,
        ipAllowList: target.ipAllowList ?? [],
        ipDenyList: target.ipDenyList ?? [],
      },
    );
    if (!created.authToken)
      throw new OnboardingError(
        'API_KEY_TOKEN_MISSING',
        `creating API key "${newKeyNameOf(step)}" returned no token`,
      );
    return { id: created.id, secret: created.authToken };
  }

  foundWithoutIntent(_run: OnboardingRun, step: StepState, found: Found): OnboardingError {
    return new OnboardingError(
      'API_KEY_CONFLICT',
      `API key "${newKeyNameOf(step)}" (id ${found.id}) already exists on API client ${targetOf(step).clientId} and was not created by this rotation; it was left untouched`,
    );
  }

  async recoverSecret(run: OnboardingRun, step: StepState, found: Found): Promise<string> {
    return refreshedToken(this.workspaceOf(run), {
      managedUserId: run.onboarding.managedUserId,
      clientId: targetOf(step).clientId,
      keyId: found.id,
      keyName: newKeyNameOf(step),
    });
  }

  async undo(run: OnboardingRun, step: StepState): Promise<void | 'retained'> {
    if (run.stepOfKind('GRACE_PERIOD')?.status === 'SUCCEEDED') return 'retained';
    const target = targetOf(step);
    const workspace = this.workspaceOf(run);
    const mu = run.onboarding.managedUserId;
    const id =
      step.workatoId ?? (await workspace.findApiKey(mu, target.clientId, newKeyNameOf(step)))?.id;
    if (id) await workspace.deleteApiKey(mu, target.clientId, id);
  }

  private workspaceOf(run: OnboardingRun): WorkatoWorkspace {
    return this.accounts.workspace(run.onboarding.workatoAccount);
  }
}

/** The resource a customer operation's step acts on (planned with the step). */
export function targetOf(step: StepState): StepTarget {
  if (!step.target) throw new OnboardingError('STEP_ORDER', `step ${step.name} has no target`);
  return step.target;
}

function newKeyNameOf(step: StepState): string {
  const name = targetOf(step).newKeyName;
  if (!name) throw new OnboardingError('STEP_ORDER', `step ${step.name} names no new key`);
  return name;
}
