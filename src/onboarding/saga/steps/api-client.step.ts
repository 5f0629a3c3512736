import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/app-config';
import { SecretBox } from '../../../platform/secrets/secret-box';
import { SECRET_CONTEXT } from '../../../platform/secrets/secret-context';
import { OnboardingError } from '../../domain/errors';
import { adoptsExisting, OnboardingRequest } from '../../domain/onboarding-request';
import { STEP_NAMES, StepState } from '../../domain/steps';
import {
  CreateApiClientInput,
  WorkatoAccounts,
  WorkatoWorkspace,
} from '../../ports/workato-workspace.port';
import type { OnboardingRun } from '../onboarding-run';
import type { Created, Found, ProvisionStep } from '../saga-step';

/**
 * The v2 API client (token, JWT, OAuth 2.0 or OIDC, with its claims and issuers) in the
 * collection the previous step provisioned, assigned to its portal. Undone by deleting it,
 * which Workato applies at once to the client's callers (002).
 */
@Injectable()
export class ApiClientStep implements ProvisionStep {
  readonly kind = 'API_CLIENT' as const;

  constructor(
    private readonly accounts: WorkatoAccounts,
    private readonly secrets: SecretBox,
    private readonly config: AppConfig,
  ) {}

  plan(request: OnboardingRequest) {
    return [{ name: STEP_NAMES.apiClient, naturalKey: `client:${request.apiClient.name}` }];
  }

  /** Only when adoption is on: with it off, nothing of ours can exist before our intent. */
  mayPreexist(run: OnboardingRun): boolean {
    return adoptsExisting(run.onboardingRequest, this.config.values.ONBOARDING_ADOPT_EXISTING);
  }

  find(run: OnboardingRun): Promise<Found | null> {
    return this.workspaceOf(run).findApiClient(
      run.onboarding.managedUserId,
      run.onboardingRequest.apiClient.name,
    );
  }

  async create(run: OnboardingRun): Promise<Created> {
    return this.workspaceOf(run).createApiClient(
      run.onboarding.managedUserId,
      await this.payload(run),
    );
  }

  /** An existing client of that name is adopted and marked so; compensation never deletes it. */
  foundWithoutIntent(): 'adopt' {
    return 'adopt';
  }

  async undo(run: OnboardingRun, step: StepState): Promise<void> {
    const id = step.workatoId ?? (await this.find(run))?.id;
    if (id) await this.workspaceOf(run).deleteApiClient(run.onboarding.managedUserId, id);
  }

  private async payload(run: OnboardingRun): Promise<CreateApiClientInput> {
    const { managedUserId } = run.onboarding;
    const request = run.onboardingRequest;
    const client = request.apiClient;
    const collectionId = run.stepOfKind('API_COLLECTION')?.workatoId;
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
      const sealed = run.onboarding.jwtSecretCiphertext;
      if (!sealed)
        throw new OnboardingError(
          'JWT_SECRET_MISSING',
          'the JWT secret of this onboarding is no longer stored',
        );
      input.jwtMethod = client.jwt.method;
      input.jwtSecret = this.secrets.decrypt(sealed, SECRET_CONTEXT.jwtSecret(run.id));
    }
    if (client.portal) {
      let portalId = client.portal.portalId;
      if (portalId === undefined && client.portal.portalName !== undefined) {
        const portal = await this.workspaceOf(run).findPortalByName(
          managedUserId,
          client.portal.portalName,
        );
        if (!portal)
          throw new OnboardingError(
            'PORTAL_NOT_FOUND',
            `no API portal named "${client.portal.portalName}" in managed user ${managedUserId}`,
          );
        portalId = portal.id;
      }
      input.apiPortalId = portalId;
      input.email = client.portal.email;
      input.idpUserId = client.portal.idpUserId;
    }
    return input;
  }

  /** The Workato workspace of the onboarding's account. */
  private workspaceOf(run: OnboardingRun): WorkatoWorkspace {
    return this.accounts.workspace(run.onboarding.workatoAccount);
  }
}
