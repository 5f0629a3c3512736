import { Injectable } from '@nestjs/common';
import { OnboardingError } from '../../domain/errors';
import type { StepState } from '../../domain/steps';
import { WorkatoAccounts } from '../../ports/workato-workspace.port';
import type { OnboardingRun } from '../onboarding-run';
import type { ActionOutcome, ActionStep } from '../saga-step';
import { targetOf } from './rotated-api-key.step';

/**
 * A reconciliation's: the API client gets back the API collections its onboarding gave it.
 * Setting them again leaves the same state, so a retry after a crash is harmless.
 */
@Injectable()
export class RestoreApiClientStep implements ActionStep {
  readonly kind = 'API_CLIENT_RESTORE' as const;

  constructor(private readonly accounts: WorkatoAccounts) {}

  async perform(run: OnboardingRun, step: StepState): Promise<ActionOutcome> {
    const target = targetOf(step);
    const found = await this.accounts
      .workspace(run.onboarding.workatoAccount)
      .setApiClientCollections(run.onboarding.managedUserId, target.clientId, {
        name: target.clientName,
        apiCollectionIds: (target.apiCollectionIds ?? []).map(Number),
      });
    if (!found)
      throw new OnboardingError(
        'API_CLIENT_MISSING',
        `API client "${target.clientName}" (id ${target.clientId}) no longer exists in Workato: it was deleted outside this service`,
      );
    return {};
  }
}

/**
 * A reconciliation's record of the drift it was planned from, what it repairs and what it
 * leaves alone (with why), in its target. It calls nothing.
 */
@Injectable()
export class DriftReportStep implements ActionStep {
  readonly kind = 'DRIFT_REPORT' as const;

  perform(): Promise<ActionOutcome> {
    return Promise.resolve({});
  }
}
