import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { SecretBox } from '../../platform/secrets/secret-box';
import { CLIENT_STEP, COLLECTION_STEP } from '../domain/onboarding-step';
import { OnboardingError } from '../domain/errors';
import { CreateApiClientCommand } from './onboarding.commands';
import { ApiClientCreated } from './onboarding.events';
import { OnboardingStepRunner } from './onboarding-step.runner';
import { OnboardingSnapshot, OnboardingStore } from '../ports/onboarding.store';
import { CreateApiClientInput, WorkatoWorkspace } from '../ports/workato-workspace.port';
import { provisionStep } from './provision-step';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';

@CommandHandler(CreateApiClientCommand)
export class CreateApiClientHandler implements ICommandHandler<CreateApiClientCommand> {
  constructor(
    private readonly runner: OnboardingStepRunner,
    private readonly store: OnboardingStore,
    private readonly workspace: WorkatoWorkspace,
    private readonly metrics: OnboardingMetrics,
    private readonly secrets: SecretBox,
  ) {}

  async execute({ onboardingId }: CreateApiClientCommand): Promise<void> {
    await this.runner.run(onboardingId, CLIENT_STEP, async ({ snapshot, owner }) => {
      const step = snapshot.steps.find((s) => s.name === CLIENT_STEP)!;
      if (step.status === 'SUCCEEDED') return new ApiClientCreated(onboardingId, step.workatoId!);
      const { managedUserId } = snapshot;
      const id = await provisionStep(this.store, owner, onboardingId, step, {
        find: () => this.workspace.findApiClient(managedUserId, snapshot.request.apiClient.name),
        create: async () =>
          this.workspace.createApiClient(managedUserId, await this.payload(snapshot)),
        // An existing client of that name is adopted and marked so; compensation never deletes it.
        observe: (outcome, seconds) => this.metrics.observeStep('API_CLIENT', outcome, seconds),
        foundWithoutIntent: 'adopt',
      });
      return new ApiClientCreated(onboardingId, id);
    });
  }

  private async payload(snapshot: OnboardingSnapshot): Promise<CreateApiClientInput> {
    const { request } = snapshot;
    const client = request.apiClient;
    const collectionId = snapshot.steps.find((s) => s.name === COLLECTION_STEP)?.workatoId;
    if (!collectionId)
      throw new OnboardingError('STEP_ORDER', 'API collection step has no Workato id');
    const input: CreateApiClientInput = {
      name: client.name,
      description: client.description,
      projectId: request.projectId,
      apiCollectionIds: [Number(collectionId)],
      authType: client.authType,
      accessProfileClaim: client.accessProfileClaim,
      requiredClaims: client.requiredClaims,
      allowedIssuers: client.allowedIssuers,
      apiPolicyId: client.apiPolicyId,
      oidcIssuer: client.oidc?.issuer,
      oidcJwksUri: client.oidc?.jwksUri,
    };
    if (client.jwt) {
      if (!snapshot.jwtSecretCiphertext)
        throw new OnboardingError(
          'JWT_SECRET_MISSING',
          'the JWT secret of this onboarding is no longer stored',
        );
      input.jwtMethod = client.jwt.method;
      input.jwtSecret = this.secrets.decrypt(snapshot.jwtSecretCiphertext, snapshot.id);
    }
    if (client.portal) {
      let portalId = client.portal.portalId;
      if (portalId === undefined && client.portal.portalName !== undefined) {
        const portal = await this.workspace.findPortalByName(
          snapshot.managedUserId,
          client.portal.portalName,
        );
        if (!portal)
          throw new OnboardingError(
            'PORTAL_NOT_FOUND',
            `no API portal named "${client.portal.portalName}" in managed user ${snapshot.managedUserId}`,
          );
        portalId = portal.id;
      }
      input.apiPortalId = portalId;
      input.email = client.portal.email;
      input.idpUserId = client.portal.idpUserId;
    }
    return input;
  }
}
