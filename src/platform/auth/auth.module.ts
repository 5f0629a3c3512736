import { DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ApiRateLimitGuard } from './api-rate-limit.guard';
import type { ApiToken } from './api-token';
import { ApiTokenGuard } from './api-token.guard';
import { ApiTokenVerifier } from './api-token.verifier';

export interface AuthOptions {
  /** API_RATE_LIMIT_PER_MINUTE: requests per minute per token. Default 600. */
  rateLimitPerMinute?: number;
}

/**
 * Access control of the REST API: the accepted tokens (from resolveApiTokens), the token guard
 * and the per-token rate limit. The application registers both guards as APP_GUARD providers,
 * rate limit first.
 */
@Module({})
export class AuthModule {
  static forRoot(tokens: ApiToken[], options: AuthOptions = {}): DynamicModule {
    if (tokens.length === 0) throw new Error('AuthModule: at least one API token is needed');
    const limit = options.rateLimitPerMinute ?? 600;
    if (!Number.isInteger(limit) || limit <= 0)
      throw new Error('AuthModule: rateLimitPerMinute must be a positive integer');
    return {
      module: AuthModule,
      imports: [
        ThrottlerModule.forRoot({
          // blockDuration 0: a sliding window; a client over the limit waits only until its
          // oldest request in the window expires, not a further full minute.
          throttlers: [{ ttl: 60_000, limit, blockDuration: 0 }],
        }),
      ],
      providers: [
        { provide: ApiTokenVerifier, useValue: new ApiTokenVerifier(tokens) },
        ApiTokenGuard,
        ApiRateLimitGuard,
      ],
      exports: [ApiTokenVerifier, ApiTokenGuard, ApiRateLimitGuard],
    };
  }
}
