import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { SecretBox } from '../../platform/secrets/secret-box';
import { SECRET_CONTEXT } from '../../platform/secrets/secret-context';
import { isOnboardingRequest } from '../domain/customer-operation';
import { TOKEN_STEP_KINDS, tokenKeyNameOf } from '../domain/steps';
import { OnboardingSnapshot, OnboardingStore } from '../ports/onboarding.store';

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
    if (!credentialsReady(snapshot)) return { outcome: 'not_completed', status: snapshot.status };
    const taken = await this.store.takeCredentials(id, {
      onboardingId: id,
      action: 'CREDENTIALS_RETRIEVED',
      actorRole: actor.role,
      actorFingerprint: actor.fingerprint,
    });
    if (!taken) return { outcome: 'already_retrieved' };
    const jwt = isOnboardingRequest(snapshot.request) ? snapshot.request.apiClient.jwt : undefined;
    return {
      outcome: 'retrieved',
      credentials: {
        onboardingId: id,
        apiClientId:
          snapshot.steps.find((s) => s.kind === 'API_CLIENT')?.workatoId ??
          snapshot.steps.find((s) => s.target)?.target?.clientId ??
          null,
        apiKeys: taken.steps.map((s) => ({
          name: tokenKeyNameOf(s),
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

/**
 * Whether the saga's tokens can be handed out: once it completed, or, for an overlap rotation,
 * as soon as every new key exists, so the customer deploys it during the grace period.
 */
export function credentialsReady(snapshot: OnboardingSnapshot): boolean {
  if (snapshot.status === 'COMPLETED') return true;
  if (snapshot.operationType !== 'KEY_ROTATION' || snapshot.status !== 'IN_PROGRESS') return false;
  const tokens = snapshot.steps.filter((s) => TOKEN_STEP_KINDS.includes(s.kind));
  return tokens.length > 0 && tokens.every((s) => s.status === 'SUCCEEDED');
}
