import {
  Body,
  Controller,
  Get,
  INestApplication,
  Module,
  Param,
  Post,
  Req,
  Type,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ApiRateLimitGuard } from '../../src/platform/auth/api-rate-limit.guard';
import { parseApiTokens, tokenFingerprint } from '../../src/platform/auth/api-token';
import { ApiTokenGuard, AuthenticatedRequest } from '../../src/platform/auth/api-token.guard';
import { Public, RequireRole } from '../../src/platform/auth/auth.decorators';
import { AuthModule } from '../../src/platform/auth/auth.module';
import { configureHttp } from '../../src/platform/http/configure-app';

/**
 * The access rules over real HTTP, in a small Nest app of its own wired the way the service
 * wires them: AuthModule.forRoot plus both guards as APP_GUARD, the rate limit first, behind
 * the service's HTTP pipeline (configureHttp).
 */

const VIEWER = 'viewer-token-0123456789';
const OPERATOR = 'operator-token-0123456789';
const OTHER_OPERATOR = 'operator-token-other-0123456789';
const TOKENS = parseApiTokens(`viewer:${VIEWER},operator:${OPERATOR},operator:${OTHER_OPERATOR}`);

@Controller('things')
class ThingsController {
  @Get()
  list(@Req() req: AuthenticatedRequest) {
    return { principal: req.principal ?? null };
  }

  @Post()
  create(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    return { created: body, principal: req.principal ?? null };
  }

  @Get(':id/credentials')
  @RequireRole('operator')
  credentials(@Param('id') id: string) {
    return { id, secret: 'shown to operators only' };
  }

  @Get('probe')
  @Public()
  probe() {
    return { public: true };
  }
}

@Public()
@Controller('health')
class HealthLikeController {
  @Get('live')
  live() {
    return { status: 'ok' };
  }
}

function appModule(rateLimitPerMinute: number): Type {
  @Module({
    imports: [AuthModule.forRoot(TOKENS, { rateLimitPerMinute })],
    controllers: [ThingsController, HealthLikeController],
    providers: [
      { provide: APP_GUARD, useExisting: ApiRateLimitGuard },
      { provide: APP_GUARD, useExisting: ApiTokenGuard },
    ],
  })
  class SmallAppModule {}
  return SmallAppModule;
}

async function startApp(
  rateLimitPerMinute: number,
): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(appModule(rateLimitPerMinute), {
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

async function call(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  token?: string,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body: method === 'POST' ? JSON.stringify({ name: 'x' }) : undefined,
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe('API token access control', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp(10_000));
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 401 with a Bearer challenge when the token is missing', async () => {
    const res = await call(url, 'GET', '/things');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: expect.stringContaining('Bearer'),
    });
  });

  it('answers 401 to an unknown token, without echoing it', async () => {
    const res = await call(url, 'POST', '/things', 'not-a-known-token');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'unknown API token',
    });
    expect(JSON.stringify(res.body)).not.toContain('not-a-known-token');
  });

  it('answers 401 to another scheme', async () => {
    const res = await fetch(`${url}/things`, {
      headers: { authorization: `Basic ${Buffer.from(`u:${VIEWER}`).toString('base64')}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('lets a viewer read, as a viewer with the token fingerprint', async () => {
    const res = await call(url, 'GET', '/things', VIEWER);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      principal: { role: 'viewer', fingerprint: tokenFingerprint(VIEWER) },
    });
  });

  it('answers 403 to a viewer that writes', async () => {
    const res = await call(url, 'POST', '/things', VIEWER);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'this action needs the operator role',
    });
  });

  it("answers 403 to a viewer on a GET marked @RequireRole('operator')", async () => {
    const res = await call(url, 'GET', '/things/42/credentials', VIEWER);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'this action needs the operator role',
    });
  });

  it('lets an operator read, write and take credentials', async () => {
    const read = await call(url, 'GET', '/things', OPERATOR);
    expect(read.status).toBe(200);
    expect(read.body.principal).toEqual({
      role: 'operator',
      fingerprint: tokenFingerprint(OPERATOR),
    });
    const write = await call(url, 'POST', '/things', OPERATOR);
    expect(write.status).toBe(201);
    expect(write.body).toEqual({
      created: { name: 'x' },
      principal: { role: 'operator', fingerprint: tokenFingerprint(OPERATOR) },
    });
    const credentials = await call(url, 'GET', '/things/42/credentials', OPERATOR);
    expect(credentials.status).toBe(200);
    expect(credentials.body).toEqual({ id: '42', secret: 'shown to operators only' });
  });

  it('lets anyone call @Public() routes, on a method or a whole controller', async () => {
    expect((await call(url, 'GET', '/things/probe')).status).toBe(200);
    expect((await call(url, 'GET', '/health/live')).status).toBe(200);
    // A token that is wrong does not matter there either.
    expect((await call(url, 'GET', '/health/live', 'whatever')).status).toBe(200);
  });
});

describe('API rate limit', () => {
  const LIMIT = 3;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp(LIMIT));
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 429 as JSON with Retry-After once a token used its budget, over all routes', async () => {
    const first = await call(url, 'GET', '/things', OPERATOR);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));
    expect(first.headers.get('x-ratelimit-remaining')).toBe(String(LIMIT - 1));
    expect((await call(url, 'POST', '/things', OPERATOR)).status).toBe(201);
    expect((await call(url, 'GET', '/things/1/credentials', OPERATOR)).status).toBe(200);

    // The budget is the token's, whatever the route.
    for (const [method, path] of [
      ['GET', '/things'],
      ['POST', '/things'],
    ] as const) {
      const res = await call(url, method, path, OPERATOR);
      expect(res.status).toBe(429);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(res.body).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: expect.stringContaining(`${LIMIT} requests per minute`),
      });
    }

    // Another token has a budget of its own.
    expect((await call(url, 'GET', '/things', OTHER_OPERATOR)).status).toBe(200);
  });

  it('never limits @Public() routes such as health probes', async () => {
    for (let i = 0; i < LIMIT * 3; i++) {
      expect((await call(url, 'GET', '/health/live')).status).toBe(200);
    }
  });

  it('limits requests without a known token by client IP, so new bad tokens gain nothing', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      statuses.push((await call(url, 'GET', '/things', `bad-token-${i}`)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // Known tokens are counted on their own, not with the IP.
    expect((await call(url, 'GET', '/things', VIEWER)).status).toBe(200);
  });
});
