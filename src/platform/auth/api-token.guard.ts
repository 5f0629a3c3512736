import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { bearerToken, requiredRole, roleSatisfies } from './access-rules';
import type { ApiRole, Principal } from './api-token';
import { ApiTokenVerifier } from './api-token.verifier';
import { IS_PUBLIC_KEY, REQUIRED_ROLE_KEY } from './auth.decorators';

export type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * The global access rule of the REST API: every route needs `Authorization: Bearer <token>`
 * with a role that may call it, except routes marked `@Public()`. Sets `req.principal`.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly verifier: ApiTokenVerifier,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    // Only the REST API is guarded here (there is no other transport).
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets)) return true;

    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    const res = http.getResponse<Response>();
    const presented = bearerToken(req.headers.authorization);
    if (presented === null) {
      throw unauthorized(
        res,
        req.headers.authorization === undefined
          ? 'missing API token: send Authorization: Bearer <token>'
          : 'the Authorization header must be Bearer <token>',
        'Bearer',
      );
    }
    const principal = this.verifier.verify(presented);
    if (!principal) throw unauthorized(res, 'unknown API token', 'Bearer error="invalid_token"');
    req.principal = principal;

    const declared = this.reflector.getAllAndOverride<ApiRole | undefined>(
      REQUIRED_ROLE_KEY,
      targets,
    );
    const required = requiredRole(req.method, declared);
    if (!roleSatisfies(principal.role, required)) {
      throw new ForbiddenException({
        statusCode: 403,
        error: 'Forbidden',
        message: `this action needs the ${required} role`,
      });
    }
    return true;
  }
}

function unauthorized(res: Response, message: string, challenge: string): UnauthorizedException {
  res.setHeader('WWW-Authenticate', challenge);
  return new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message });
}
