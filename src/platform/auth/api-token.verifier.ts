import { ApiToken, Principal } from './api-token';
import { ConstantTimeLookup } from './constant-time';

/**
 * Knows the accepted API tokens and says whose a presented one is, in constant time. Provided
 * by AuthModule.forRoot with the tokens from resolveApiTokens.
 */
export class ApiTokenVerifier {
  private readonly lookup: ConstantTimeLookup<Principal>;

  constructor(tokens: readonly ApiToken[]) {
    this.lookup = new ConstantTimeLookup(
      tokens.map((t) => ({
        secret: t.token,
        value: { role: t.role, fingerprint: t.fingerprint },
      })),
    );
  }

  /** The principal the token belongs to, or null for an unknown token. */
  verify(presented: string): Principal | null {
    const principal = this.lookup.find(presented);
    return principal ? { ...principal } : null;
  }
}
