/**
 * The associated data each stored secret is sealed with (SecretBox's AES-GCM AAD). It binds a
 * ciphertext to the row it belongs to, so one copied to another row does not decrypt. Sealing,
 * handing out and re-encrypting all take it from here: a drift between them would make stored
 * secrets undecryptable.
 */
export const SECRET_CONTEXT = {
  /** An onboarding's JWT secret (given in the event or generated for HMAC). */
  jwtSecret: (onboardingId: string): string => onboardingId,
  /** An API key's auth_token, stored on the key's step. */
  apiKeyToken: (onboardingId: string, stepName: string): string => `${onboardingId}:${stepName}`,
} as const;
