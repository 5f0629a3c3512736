import { ExecutionContext, ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { tokenFingerprint } from './api-token';
import { ApiTokenGuard, AuthenticatedRequest } from './api-token.guard';
import { ApiTokenVerifier } from './api-token.verifier';
import { Public, RequireRole } from './auth.decorators';

class Routes {
  read(): void {}
  @RequireRole('operator')
  secrets(): void {}
  @Public()
  probe(): void {}
}

@Public()
class PublicRoutes {
  anything(): void {}
}

const guard = new ApiTokenGuard(
  new ApiTokenVerifier([
    { role: 'viewer', token: 'viewer-token', fingerprint: tokenFingerprint('viewer-token') },
    { role: 'operator', token: 'operator-token', fingerprint: tokenFingerprint('operator-token') },
  ]),
  new Reflector(),
);

function call(
  method: string,
  handler: keyof Routes | 'anything',
  authorization?: string,
): { outcome: unknown; req: AuthenticatedRequest; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  const req = {
    method,
    headers: authorization === undefined ? {} : { authorization },
  } as AuthenticatedRequest;
  const res = { setHeader: (name: string, value: string) => (headers[name] = value) };
  const cls = handler === 'anything' ? PublicRoutes : Routes;
  const context = {
    getType: () => 'http',
    getHandler: () => (cls.prototype as unknown as Record<string, () => void>)[handler],
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ExecutionContext;
  let outcome: unknown;
  try {
    outcome = guard.canActivate(context);
  } catch (error) {
    outcome = error;
  }
  return { outcome, req, headers };
}

describe('ApiTokenGuard', () => {
  it('lets @Public() routes through without a token, on the method or the class', () => {
    expect(call('POST', 'probe').outcome).toBe(true);
    expect(call('DELETE', 'anything').outcome).toBe(true);
  });

  it('answers 401 with a Bearer challenge without a token, or with another scheme', () => {
    for (const header of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const { outcome, headers } = call('GET', 'read', header);
      expect(outcome).toBeInstanceOf(UnauthorizedException);
      expect((outcome as UnauthorizedException).getResponse()).toMatchObject({
        statusCode: 401,
        error: 'Unauthorized',
      });
      expect(headers['WWW-Authenticate']).toBe('Bearer');
    }
  });

  it('answers 401 invalid_token for an unknown token', () => {
    const { outcome, headers, req } = call('GET', 'read', 'Bearer viewer-token-not');
    expect((outcome as UnauthorizedException).getResponse()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'unknown API token',
    });
    expect(headers['WWW-Authenticate']).toBe('Bearer error="invalid_token"');
    expect(req.principal).toBeUndefined();
  });

  it('lets a viewer read, and sets the principal with a fingerprint only', () => {
    const { outcome, req } = call('GET', 'read', 'Bearer viewer-token');
    expect(outcome).toBe(true);
    expect(req.principal).toEqual({
      role: 'viewer',
      fingerprint: tokenFingerprint('viewer-token'),
    });
  });

  it('answers 403 to a viewer that writes or asks for an operator route', () => {
    for (const [method, handler] of [
      ['POST', 'read'],
      ['DELETE', 'read'],
      ['GET', 'secrets'],
    ] as const) {
      const { outcome } = call(method, handler, 'Bearer viewer-token');
      expect(outcome).toBeInstanceOf(ForbiddenException);
      expect((outcome as ForbiddenException).getResponse()).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: 'this action needs the operator role',
      });
    }
  });

  it('lets an operator do everything', () => {
    for (const [method, handler] of [
      ['GET', 'read'],
      ['POST', 'read'],
      ['GET', 'secrets'],
    ] as const) {
      const { outcome, req } = call(method, handler, 'Bearer operator-token');
      expect(outcome).toBe(true);
      expect(req.principal?.role).toBe('operator');
    }
  });
});
