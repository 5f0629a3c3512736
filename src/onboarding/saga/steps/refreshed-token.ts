import { OnboardingError } from '../../domain/errors';
import type { WorkatoWorkspace } from '../../ports/workato-workspace.port';

/**
 * Workato's refresh_secret on a key, and the new token it answers with: the way to a token
 * when the one a create returned was lost (a crash), and an immediate rotation itself. An
 * answer without a token fails the step, naming the key.
 */
export async function refreshedToken(
  workspace: WorkatoWorkspace,
  key: { managedUserId: string; clientId: string; keyId: string; keyName: string },
): Promise<string> {
  const refreshed = await workspace.refreshApiKeySecret(key.managedUserId, key.clientId, key.keyId);
  if (!refreshed.authToken)
    throw new OnboardingError(
      'API_KEY_TOKEN_MISSING',
      `refreshing API key "${key.keyName}" returned no token`,
    );
  return refreshed.authToken;
}
