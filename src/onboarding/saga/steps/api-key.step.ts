import { Injectable } from '@nestjs/common';
import { OnboardingError } from '../../domain/errors';
import type { ApiKeyRequest, OnboardingRequest } from '../../domain/onboarding-request';
import { apiKeyNameOf, STEP_NAMES, StepState } from '../../domain/steps';
import { WorkatoAccounts, WorkatoWorkspace } from '../../ports/workato-workspace.port';
import type { OnboardingRun } from '../onboarding-run';
import type { Created, Found, ProvisionStep } from '../saga-step';
import { refreshedToken } from './refreshed-token';

/**
 * One API key of the client, one step per key of the event. Workato shows a key's token once,
 * in the create response; it is stored sealed and handed out once with the credentials. Undone
 * by deleting the key.
 */
@Injectable()
export class ApiKeyStep implements ProvisionStep {
  readonly kind = 'API_KEY' as const;

  constructor(private readonly accounts: WorkatoAccounts) {}

  plan(request: OnboardingRequest) {
    return request.apiKeys.map((key) => ({
      name: STEP_NAMES.apiKey(key.name),
      naturalKey: `client:${request.apiClient.name}/key:${key.name}`,
    }));
  }

  /**
   * A client this onboarding created cannot hold keys it does not know of; an adopted one can
   * (someone else's, or an earlier tool's).
   */
  mayPreexist(run: OnboardingRun): boolean {
    return run.stepOfKind('API_CLIENT')?.adopted ?? true;
  }

  find(run: OnboardingRun, step: StepState): Promise<Found | null> {
    return this.workspaceOf(run).findApiKey(
      run.onboarding.managedUserId,
      clientIdOf(run),
      apiKeyNameOf(step.name),
    );
  }

  async create(run: OnboardingRun, step: StepState): Promise<Created> {
    const created = await this.workspaceOf(run).createApiKey(
      run.onboarding.managedUserId,
      clientIdOf(run),
      keyRequest(run, step),
    );
    return { id: created.id, secret: created.authToken ?? null };
  }

  /** Refreshing or deleting someone's live key would break their integration: fail instead. */
  foundWithoutIntent(run: OnboardingRun, step: StepState, found: Found): OnboardingError {
    return new OnboardingError(
      'API_KEY_CONFLICT',
      `API key "${apiKeyNameOf(step.name)}" (id ${found.id}) already exists on API client ${clientIdOf(run)} and was not created by this onboarding; it was left untouched`,
    );
  }

  /**
   * Workato shows a token once: if a crash lost it, a new secret is the only way back (the lost
   * one was never handed out). Keys of JWT and OIDC clients have no token to recover.
   */
  async recoverSecret(run: OnboardingRun, step: StepState, found: Found): Promise<string | null> {
    if (!['token', 'oauth2'].includes(run.onboardingRequest.apiClient.authType)) return null;
    return refreshedToken(this.workspaceOf(run), {
      managedUserId: run.onboarding.managedUserId,
      clientId: clientIdOf(run),
      keyId: found.id,
      keyName: apiKeyNameOf(step.name),
    });
  }

  async undo(run: OnboardingRun, step: StepState): Promise<void> {
    const { managedUserId } = run.onboarding;
    const request = run.onboardingRequest;
    const clientId =
      run.stepOfKind('API_CLIENT')?.workatoId ??
      (await this.workspaceOf(run).findApiClient(managedUserId, request.apiClient.name))?.id;
    if (!clientId) return; // no client, so no key of ours can exist
    const id =
      step.workatoId ??
      (await this.workspaceOf(run).findApiKey(managedUserId, clientId, apiKeyNameOf(step.name)))
        ?.id;
    if (id) await this.workspaceOf(run).deleteApiKey(managedUserId, clientId, id);
  }

  /** The Workato workspace of the onboarding's account. */
  private workspaceOf(run: OnboardingRun): WorkatoWorkspace {
    return this.accounts.workspace(run.onboarding.workatoAccount);
  }
}

function clientIdOf(run: OnboardingRun): string {
  const id = run.stepOfKind('API_CLIENT')?.workatoId;
  if (!id) throw new OnboardingError('STEP_ORDER', 'API client step has no Workato id');
  return id;
}

function keyRequest(run: OnboardingRun, step: StepState): ApiKeyRequest {
  const name = apiKeyNameOf(step.name);
  const key = run.onboardingRequest.apiKeys.find((k) => k.name === name);
  if (!key) throw new OnboardingError('STEP_ORDER', `the event has no API key "${name}"`);
  return key;
}
