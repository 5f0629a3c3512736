import { Injectable } from '@nestjs/common';
import type { OnboardingRequest } from '../domain/onboarding-request';
import type { PlannedStep, StepKind } from '../domain/steps';
import type { ProvisionStep, SagaRow } from './saga-step';
import { ApiClientStep } from './steps/api-client.step';
import { ApiCollectionStep } from './steps/api-collection.step';
import { ApiKeyStep } from './steps/api-key.step';
import {
  DeleteApiClientStep,
  DeleteApiKeyStep,
  DisableApiKeyStep,
  EnableApiKeyStep,
  GracePeriodStep,
  RefreshApiKeyStep,
} from './steps/key-state.steps';
import { DriftReportStep, RestoreApiClientStep } from './steps/drift-repair.steps';
import { RecreatedApiKeyStep } from './steps/recreated-api-key.step';
import { RotatedApiKeyStep } from './steps/rotated-api-key.step';

/**
 * The onboarding saga: the one place that says what an onboarding does, in which order, and
 * what undoes each step. Read it top to bottom: a row runs once every row above it has
 * succeeded, and after the last row the onboarding completes (COMPLETED, results message). A
 * row that fails for good (or keeps failing past the deadline) unwinds the rows above it,
 * bottom to top, each as its `undo` column says, and the onboarding ends FAILED. Each step's
 * provision and undo stand side by side in its file under steps/.
 */
@Injectable()
export class OnboardingSaga {
  readonly rows: readonly SagaRow<ProvisionStep>[];
  /**
   * The customer operations' steps and their undo. Which of them an operation runs, in which
   * order, depends on what the customer has when it starts: domain/customer-operation.plan.ts.
   */
  readonly operationRows: readonly SagaRow[];

  constructor(
    apiCollection: ApiCollectionStep,
    apiClient: ApiClientStep,
    apiKey: ApiKeyStep,
    rotatedApiKey: RotatedApiKeyStep,
    gracePeriod: GracePeriodStep,
    refreshApiKey: RefreshApiKeyStep,
    disableApiKey: DisableApiKeyStep,
    enableApiKey: EnableApiKeyStep,
    deleteApiKey: DeleteApiKeyStep,
    deleteApiClient: DeleteApiClientStep,
    recreatedApiKey: RecreatedApiKeyStep,
    restoreApiClient: RestoreApiClientStep,
    driftReport: DriftReportStep,
  ) {
    this.rows = [
      // step                 undone by
      { step: apiCollection, undo: 'retain' }, // Workato cannot delete an API collection
      { step: apiClient, undo: 'delete' },
      { step: apiKey, undo: 'delete' }, // one step per API key of the event
    ];
    this.operationRows = [
      { step: rotatedApiKey, undo: 'delete' }, // kept once the grace period has passed
      { step: gracePeriod, undo: 'none' },
      { step: refreshApiKey, undo: 'none' }, // the old token is gone for good
      { step: disableApiKey, undo: 'none' },
      { step: enableApiKey, undo: 'none' },
      { step: deleteApiKey, undo: 'none' },
      { step: deleteApiClient, undo: 'none' },
      { step: recreatedApiKey, undo: 'none' }, // the customer's key again: kept
      { step: restoreApiClient, undo: 'none' },
      { step: driftReport, undo: 'none' },
    ];
    for (const row of [...this.rows, ...this.operationRows])
      if (row.undo === 'delete' && !row.step.undo)
        throw new Error(`saga step ${row.step.kind} is undone by delete but has no undo`);
  }

  /** The steps an onboarding of `request` runs, in order. */
  plan(request: OnboardingRequest): PlannedStep[] {
    return this.rows
      .flatMap((row) => row.step.plan(request).map((step) => ({ ...step, kind: row.step.kind })))
      .map((step, position) => ({ ...step, position }));
  }

  rowFor(kind: StepKind): SagaRow {
    const row = [...this.rows, ...this.operationRows].find((r) => r.step.kind === kind);
    if (!row) throw new Error(`no saga has a step ${kind}`);
    return row;
  }
}
