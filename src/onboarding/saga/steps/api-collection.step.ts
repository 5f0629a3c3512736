import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/app-config';
import { adoptsExisting, OnboardingRequest } from '../../domain/onboarding-request';
import { STEP_NAMES } from '../../domain/steps';
import { WorkatoAccounts, WorkatoWorkspace } from '../../ports/workato-workspace.port';
import type { OnboardingRun } from '../onboarding-run';
import type { Created, Found, ProvisionStep } from '../saga-step';

/**
 * The API collection, in the event's project. Its undo is to keep it: Workato has no endpoint
 * to delete an API collection, so one we created is marked RETAINED and a replay adopts it.
 */
@Injectable()
export class ApiCollectionStep implements ProvisionStep {
  readonly kind = 'API_COLLECTION' as const;

  constructor(
    private readonly accounts: WorkatoAccounts,
    private readonly config: AppConfig,
  ) {}

  plan(request: OnboardingRequest) {
    return [
      {
        name: STEP_NAMES.apiCollection,
        naturalKey: `project:${request.projectId}/collection:${request.collection.name}`,
      },
    ];
  }

  /** Only when adoption is on: with it off, nothing of ours can exist before our intent. */
  mayPreexist(run: OnboardingRun): boolean {
    return adoptsExisting(run.onboardingRequest, this.config.values.ONBOARDING_ADOPT_EXISTING);
  }

  find(run: OnboardingRun): Promise<Found | null> {
    const { projectId, collection } = run.onboardingRequest;
    return this.workspaceOf(run).findApiCollection(
      run.onboarding.managedUserId,
      projectId,
      collection.name,
    );
  }

  create(run: OnboardingRun): Promise<Created> {
    const { projectId, collection } = run.onboardingRequest;
    return this.workspaceOf(run).createApiCollection(
      run.onboarding.managedUserId,
      projectId,
      collection.name,
    );
  }

  /** Someone else's collection of that name in the project is what the partner asked for. */
  foundWithoutIntent(): 'adopt' {
    return 'adopt';
  }

  /** The Workato workspace of the onboarding's account. */
  private workspaceOf(run: OnboardingRun): WorkatoWorkspace {
    return this.accounts.workspace(run.onboarding.workatoAccount);
  }
}
