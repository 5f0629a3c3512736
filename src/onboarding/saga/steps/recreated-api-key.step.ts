import { Injectable } from '@nestjs/common';
import { OnboardingError } from '../../domain/errors';
import type { StepState, StepTarget } from '../../domain/steps';
import { WorkatoAccounts, WorkatoWorkspace } from '../../ports/workato-workspace.port';
import type { OnboardingRun } from '../onboarding-run';
import type { Created, ExactlyOnceStep, Found } from '../saga-step';
import { targetOf } from './rotated-api-key.step';

/**
 * A reconciliation's: an API key the service created, deleted behind its back, created again
 * under its old name with its recorded settings (working, or not, as recorded). Exactly once by
 * the same rules as every create: the intent is recorded before the create, so after a crash
 * between the create and its result the look-up by name finds the key and takes it as ours,
 * with a fresh secret (the first token was never handed out). A key of that name found without
 * our intent was added by hand meanwhile: it is left alone and the step fails, naming it.
 *
 * Not undone when a later step fails: the key is what the customer had; deleting it again would
 * bring the drift back.
 */
@Injectable()
export class RecreatedApiKeyStep implements ExactlyOnceStep {
  readonly kind = 'API_KEY_RECREATE' as const;

  constructor(private readonly accounts: WorkatoAccounts) {}

  /** Someone may have added a key of that name since the drift was observed: look first. */
  mayPreexist(): boolean {
    return true;
  }

  find(run: OnboardingRun, step: StepState): Promise<Found | null> {
    const target = keyTarget(step);
    return this.workspaceOf(run).findApiKey(
      run.onboarding.managedUserId,
      target.clientId,
      target.keyName,
    );
  }

  async create(run: OnboardingRun, step: StepState): Promise<Created> {
    const target = keyTarget(step);
    const created = await this.workspaceOf(run).createApiKey(
      run.onboarding.managedUserId,
      target.clientId,
      {
        name: target.keyName,
        active: target.active ?? true,
        ipAllowList: target.ipAllowList ?? [],
        ipDenyList: target.ipDenyList ?? [],
      },
    );
    // Keys of JWT and OIDC clients carry no token: the key is back, there is nothing to hand out.
    return { id: created.id, secret: created.authToken ?? null };
  }

  foundWithoutIntent(_run: OnboardingRun, step: StepState, found: Found): OnboardingError {
    const target = keyTarget(step);
    return new OnboardingError(
      'API_KEY_CONFLICT',
      `API key "${target.keyName}" (id ${found.id}) was added to API client ${target.clientId} by hand after the drift was observed; it was left untouched and the deleted key was not recreated`,
    );
  }

  async recoverSecret(run: OnboardingRun, step: StepState, found: Found): Promise<string | null> {
    const refreshed = await this.workspaceOf(run).refreshApiKeySecret(
      run.onboarding.managedUserId,
      keyTarget(step).clientId,
      found.id,
    );
    return refreshed.authToken ?? null;
  }

  private workspaceOf(run: OnboardingRun): WorkatoWorkspace {
    return this.accounts.workspace(run.onboarding.workatoAccount);
  }
}

function keyTarget(step: StepState): StepTarget & { keyName: string } {
  const target = targetOf(step);
  if (!target.keyName)
    throw new OnboardingError('STEP_ORDER', `step ${step.name} names no API key`);
  return { ...target, keyName: target.keyName };
}
