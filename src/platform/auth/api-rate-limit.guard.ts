import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Response } from 'express';
import { bearerToken } from './access-rules';
import type { AuthenticatedRequest } from './api-token.guard';
import { ApiTokenVerifier } from './api-token.verifier';
import { IS_PUBLIC_KEY } from './auth.decorators';

/**
 * Requests per minute per API token over the whole API (not per route), in a sliding window:
 * keyed by the token's fingerprint when the token is known, else by the client IP, so unknown
 * tokens cannot each open a fresh budget. `@Public()` routes (probes, /metrics) are not limited.
 * Works before or after ApiTokenGuard. The counts are per instance (in memory).
 */
@Injectable()
export class ApiRateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly verifier: ApiTokenVerifier,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    return (
      this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) === true
    );
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as AuthenticatedRequest;
    if (request.principal) return `token:${request.principal.fingerprint}`;
    const presented = bearerToken(request.headers.authorization);
    const principal = presented === null ? null : this.verifier.verify(presented);
    if (principal) return `token:${principal.fingerprint}`;
    return `ip:${request.ip ?? request.socket?.remoteAddress ?? 'unknown'}`;
  }

  /** One budget per tracker for the whole API, not one per route as the default key gives. */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string) {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfterSeconds = Math.max(1, detail.timeToBlockExpire);
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', retryAfterSeconds);
    throw new HttpException(
      {
        statusCode: 429,
        error: 'Too Many Requests',
        message: `rate limit of ${detail.limit} requests per minute exceeded; retry in ${retryAfterSeconds} s`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
