import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { COLLECTION_STEP } from '../domain/onboarding-step';
import { CreateApiCollectionCommand } from './onboarding.commands';
import { ApiCollectionCreated } from './onboarding.events';
import { OnboardingStepRunner } from './onboarding-step.runner';
import { OnboardingStore } from '../ports/onboarding.store';
import { WorkatoWorkspace } from '../ports/workato-workspace.port';
import { provisionStep } from './provision-step';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';

@CommandHandler(CreateApiCollectionCommand)
export class CreateApiCollectionHandler implements ICommandHandler<CreateApiCollectionCommand> {
  constructor(
    private readonly runner: OnboardingStepRunner,
    private readonly store: OnboardingStore,
    private readonly workspace: WorkatoWorkspace,
    private readonly metrics: OnboardingMetrics,
  ) {}

  async execute({ onboardingId }: CreateApiCollectionCommand): Promise<void> {
    await this.runner.run(onboardingId, COLLECTION_STEP, async ({ snapshot, owner }) => {
      const step = snapshot.steps.find((s) => s.name === COLLECTION_STEP)!;
      if (step.status === 'SUCCEEDED')
        return new ApiCollectionCreated(onboardingId, step.workatoId!);
      const { managedUserId } = snapshot;
      const { projectId, collection } = snapshot.request;
      const id = await provisionStep(this.store, owner, onboardingId, step, {
        find: () => this.workspace.findApiCollection(managedUserId, projectId, collection.name),
        create: () => this.workspace.createApiCollection(managedUserId, projectId, collection.name),
        // Someone else's collection of that name in the project is what the partner asked for.
        observe: (outcome, seconds) => this.metrics.observeStep('API_COLLECTION', outcome, seconds),
        foundWithoutIntent: 'adopt',
      });
      return new ApiCollectionCreated(onboardingId, id);
    });
  }
}
