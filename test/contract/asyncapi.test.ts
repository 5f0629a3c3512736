import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { ApiRateLimitGuard } from '../../src/platform/auth/api-rate-limit.guard';
import { parseApiTokens } from '../../src/platform/auth/api-token';
import { ApiTokenGuard } from '../../src/platform/auth/api-token.guard';
import { AuthModule } from '../../src/platform/auth/auth.module';
import { configureHttp } from '../../src/platform/http/configure-app';
import { ContractModule } from '../../src/contract/contract.module';
import { asyncApiDocument } from '../../src/contract/asyncapi.document';
import { OPERATION_TYPES, RESULT_TYPES } from '../../src/onboarding/domain/customer-operation';
import { EVENT_TYPES } from '../../src/onboarding/intake/customer-onboarded.schema';
import { ROOT } from './schema-validator';

/**
 * The AsyncAPI document: a valid AsyncAPI 3.0 document for the three topics (checked by the
 * AsyncAPI parser) that carries every event and result the service knows, and what GET
 * /asyncapi.json serves, without a token, is the committed file.
 */

const committed = () =>
  JSON.parse(readFileSync(join(ROOT, 'docs/asyncapi.json'), 'utf8')) as Record<string, unknown>;

describe('the AsyncAPI document', () => {
  it('is valid AsyncAPI 3.0, with no error or warning from @asyncapi/parser', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(committed()));
    const problems = diagnostics
      .filter(
        (d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning,
      )
      .map((d) => `${d.path.join('.')}: ${d.code}: ${d.message}`);
    expect(problems).toEqual([]);
    expect(document?.version()).toBe('3.0.0');

    const channels = document!.channels().all();
    expect(channels.map((c) => c.address()).sort()).toEqual([
      'onboarding.results',
      'partner.customer-onboarded',
      'partner.customer-onboarded.dlq',
    ]);
    const actions = Object.fromEntries(
      document!
        .operations()
        .all()
        .map((o) => [o.channels().all()[0].address(), o.action()]),
    );
    expect(actions).toEqual({
      'partner.customer-onboarded': 'receive',
      'onboarding.results': 'send',
      'partner.customer-onboarded.dlq': 'send',
    });
    const deadLetter = document!
      .messages()
      .all()
      .find((m) => m.name() === 'DeadLetter')!;
    expect(Object.keys(deadLetter.headers()!.properties() ?? {})).toContain('dlq-reason');
    for (const message of document!.messages().all())
      expect(message.bindings().get('kafka')?.value().key).toBeDefined();
  });

  it('carries every event type the service accepts and every result type it writes', async () => {
    const { document } = await new Parser().parse(JSON.stringify(committed()));
    const channel = (address: string) =>
      document!
        .channels()
        .all()
        .find((c) => c.address() === address)!;
    const sentBy = (address: string) =>
      document!
        .operations()
        .all()
        .find((o) => o.channels().all()[0].address() === address)!
        .messages()
        .all()
        .map((m) => m.name());

    // Each event as a plain document and as a CloudEvent, on the channel and in its operation.
    const events = EVENT_TYPES.flatMap((t) => [t, `${t}CloudEvent`]).sort();
    const consumed = channel('partner.customer-onboarded');
    expect(
      consumed
        .messages()
        .all()
        .map((m) => m.name())
        .sort(),
    ).toEqual(events);
    expect(sentBy('partner.customer-onboarded').sort()).toEqual(events);

    // The `type` each results message's payload is bound to: exactly RESULT_TYPES.
    const resultTypes = OPERATION_TYPES.flatMap((t) => [
      RESULT_TYPES[t].completed,
      RESULT_TYPES[t].failed,
      ...(RESULT_TYPES[t].ready ? [RESULT_TYPES[t].ready] : []),
    ]).sort();
    const results = channel('onboarding.results').messages().all();
    expect(results.map((m) => m.payload()?.properties()?.type?.const()).sort()).toEqual(
      resultTypes,
    );
    expect(sentBy('onboarding.results')).toHaveLength(resultTypes.length);
  });
});

@Controller('protected')
class ProtectedController {
  @Get()
  get() {
    return { ok: true };
  }
}

@Module({
  imports: [AuthModule.forRoot(parseApiTokens('viewer:viewer-token-0123456789')), ContractModule],
  controllers: [ProtectedController],
  // The guards as src/app.module.ts registers them.
  providers: [
    { provide: APP_GUARD, useExisting: ApiRateLimitGuard },
    { provide: APP_GUARD, useExisting: ApiTokenGuard },
  ],
})
class ContractTestModule {}

describe('GET /asyncapi.json', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    // The service's guards and HTTP pipeline, with only the contract's controller and one
    // protected route.
    app = await NestFactory.create(ContractTestModule, {
      logger: ['error', 'warn'],
      bodyParser: false,
    });
    configureHttp(app);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves the committed document, without a token', async () => {
    const res = await fetch(`${url}/asyncapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(committed());
    expect(asyncApiDocument()).toEqual(committed());
  });

  it('while the routes around it still need one', async () => {
    expect((await fetch(`${url}/protected`)).status).toBe(401);
  });
});
