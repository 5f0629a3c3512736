import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { SecretBox } from '../../platform/secrets/secret-box';
import { CLIENT_STEP } from '../domain/onboarding-step';
import { OnboardingError } from '../domain/errors';
import { CreateApiKeysCommand } from './onboarding.commands';
import { ApiKeysCreated } from './onboarding.events';
import { OnboardingStepRunner } from './onboarding-step.runner';
import { OnboardingStore } from '../ports/onboarding.store';
import { WorkatoWorkspace } from '../ports/workato-workspace.port';
import { provisionStep } from './provision-step';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';

@CommandHandler(CreateApiKeysCommand)
export class CreateApiKeysHandler implements ICommandHandler<CreateApiKeysCommand> {
  constructor(
    private readonly runner: OnboardingStepRunner,
    private readonly store: OnboardingStore,
    private readonly workspace: WorkatoWorkspace,
    private readonly metrics: OnboardingMetrics,
    private readonly secrets: SecretBox,
  ) {}

  async execute({ onboardingId }: CreateApiKeysCommand): Promise<void> {
    await this.runner.run(
      onboardingId,
      null,
      async (ctx) => {
        const { snapshot, owner } = ctx;
        const clientId = snapshot.steps.find((s) => s.name === CLIENT_STEP)?.workatoId;
        if (!clientId) throw new OnboardingError('STEP_ORDER', 'API client step has no Workato id');
        const { managedUserId } = snapshot;
        const hasToken = ['token', 'oauth2'].includes(snapshot.request.apiClient.authType);
        for (const key of snapshot.request.apiKeys) {
          const step = snapshot.steps.find((s) => s.name === `api_key:${key.name}`)!;
          if (step.status === 'SUCCEEDED') continue;
          ctx.currentStep = step.name;
          const seal = (secret: string) =>
            this.secrets.encrypt(secret, `${onboardingId}:${step.name}`);
          await provisionStep(this.store, owner, onboardingId, step, {
            find: () => this.workspace.findApiKey(managedUserId, clientId, key.name),
            create: async () => {
              const created = await this.workspace.createApiKey(managedUserId, clientId, key);
              return { id: created.id, secret: created.authToken ?? undefined };
            },
            // Refreshing or rotating someone's live key would break their integration.
            observe: (outcome, seconds) => this.metrics.observeStep('API_KEY', outcome, seconds),
            foundWithoutIntent: (found) =>
              new OnboardingError(
                'API_KEY_CONFLICT',
                `API key "${key.name}" (id ${found.id}) already exists on API client ${clientId} and was not created by this onboarding; it was left untouched`,
              ),
            // Workato shows a token once: if a crash lost it, a new secret is the only way back.
            // Keys of JWT and OIDC clients have no token to recover.
            ...(hasToken
              ? {
                  recoverSecret: async (found: { id: string }) => {
                    const refreshed = await this.workspace.refreshApiKeySecret(
                      managedUserId,
                      clientId,
                      found.id,
                    );
                    if (!refreshed.authToken)
                      throw new OnboardingError(
                        'API_KEY_TOKEN_MISSING',
                        `refreshing API key "${key.name}" returned no token`,
                      );
                    return refreshed.authToken;
                  },
                }
              : {}),
            sealSecret: seal,
          });
        }
        ctx.currentStep = null;
        return new ApiKeysCreated(onboardingId);
      },
      { spanName: 'step api_keys' },
    );
  }
}
