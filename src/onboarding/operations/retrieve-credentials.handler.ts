import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { SecretBox } from '../../platform/secrets/secret-box';
import { SECRET_CONTEXT } from '../../platform/secrets/secret-context';
import { apiKeyNameOf } from '../domain/steps';
import { OnboardingStore } from '../ports/onboarding.store';

export interface Credentials {
  onboardingId: string;
  apiClientId: string | null;
  apiKeys: { name: string; id: string | null; authToken: string | null }[];
  /** Only an HMAC secret the service generated: a secret the partner gave is theirs already. */
  jwtSecret?: string;
}

export type CredentialsResult =
  | { outcome: 'retrieved'; credentials: Credentials }
  | { outcome: 'not_found' }
  | { outcome: 'not_completed'; status: string }
  | { outcome: 'already_retrieved' };

/** Hands out an onboarding's secrets once, then wipes them; audited. */
export class RetrieveCredentialsCommand extends Command<CredentialsResult> {
  constructor(
    readonly onboardingId: string,
    readonly actor: { role: string; fingerprint: string },
  ) {
    super();
  }
}

@CommandHandler(RetrieveCredentialsCommand)
export class RetrieveCredentialsHandler implements ICommandHandler<RetrieveCredentialsCommand> {
  constructor(
    private readonly store: OnboardingStore,
    private readonly secrets: SecretBox,
  ) {}

  async execute({
    onboardingId: id,
    actor,
  }: RetrieveCredentialsCommand): Promise<CredentialsResult> {
    const snapshot = await this.store.load(id);
    if (!snapshot) return { outcome: 'not_found' };
    if (snapshot.status !== 'COMPLETED')
      return { outcome: 'not_completed', status: snapshot.status };
    const taken = await this.store.takeCredentials(id, {
      onboardingId: id,
      action: 'CREDENTIALS_RETRIEVED',
      actorRole: actor.role,
      actorFingerprint: actor.fingerprint,
    });
    if (!taken) return { outcome: 'already_retrieved' };
    const jwt = snapshot.request.apiClient.jwt;
    return {
      outcome: 'retrieved',
      credentials: {
        onboardingId: id,
        apiClientId: snapshot.steps.find((s) => s.kind === 'API_CLIENT')?.workatoId ?? null,
        apiKeys: taken.steps.map((s) => ({
          name: apiKeyNameOf(s.name),
          id: s.workatoId,
          authToken: s.secretCiphertext
            ? this.secrets.decrypt(s.secretCiphertext, SECRET_CONTEXT.apiKeyToken(id, s.name))
            : null,
        })),
        ...(taken.jwtSecretCiphertext && jwt?.method === 'hmac' && !jwt.secretProvided
          ? {
              jwtSecret: this.secrets.decrypt(
                taken.jwtSecretCiphertext,
                SECRET_CONTEXT.jwtSecret(id),
              ),
            }
          : {}),
      },
    };
  }
}
