import { randomUUID } from 'node:crypto';
import { Controller, Get, Global, INestApplication, Module, Type } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { PersistenceModule } from '../../src/persistence/persistence.module';
import { ApiRateLimitGuard } from '../../src/platform/auth/api-rate-limit.guard';
import { parseApiTokens } from '../../src/platform/auth/api-token';
import { ApiTokenGuard } from '../../src/platform/auth/api-token.guard';
import { AuthModule } from '../../src/platform/auth/auth.module';
import { configureHttp } from '../../src/platform/http/configure-app';
import { MetricsModule } from '../../src/platform/observability/metrics.module';
import { OnboardingMetrics } from '../../src/platform/observability/onboarding.metrics';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * GET /metrics over real HTTP from a small Nest app of its own, with the API token guard and
 * rate limit wired as in the service, and the scrape-time gauges read from a real database.
 */

const OPERATOR = 'operator-token-0123456789';
const METRICS_TOKEN = 'metrics-token-0123456789';

@Controller('things')
class ThingsController {
  constructor(private readonly metrics: OnboardingMetrics) {}

  /** Something the service would do: record through the injectable, never prom-client. */
  @Get()
  list() {
    this.metrics.countIngested('http', 'created');
    return { ok: true };
  }
}

let db: TestDatabase;

function appModule(metricsToken: string | null): Type {
  @Global()
  @Module({ providers: [{ provide: DataSource, useValue: db.dataSource }], exports: [DataSource] })
  class DatabaseModule {}

  @Module({
    imports: [
      DatabaseModule,
      PersistenceModule,
      MetricsModule.forRoot({ metricsToken }),
      // A tiny limit: /metrics must not count against it.
      AuthModule.forRoot(parseApiTokens(`operator:${OPERATOR}`), { rateLimitPerMinute: 2 }),
    ],
    controllers: [ThingsController],
    providers: [
      { provide: APP_GUARD, useExisting: ApiRateLimitGuard },
      { provide: APP_GUARD, useExisting: ApiTokenGuard },
    ],
  })
  class SmallAppModule {}
  return SmallAppModule;
}

async function startApp(
  metricsToken: string | null,
): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(appModule(metricsToken), {
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

async function scrape(
  url: string,
  authorization?: string,
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${url}/metrics`, {
    headers: authorization ? { authorization } : {},
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function insertOnboarding(status: string): Promise<void> {
  await db.dataSource.query(
    `INSERT INTO onboarding
       (id, event_id, managed_user_id, customer_name, source, status, request, deadline_at)
     VALUES ($1, $2, 'E1', 'Umbrella Corp', 'http', $3, '{}'::jsonb, now() + interval '1 hour')`,
    [randomUUID(), `event-${randomUUID()}`, status],
  );
}

async function insertOutbox(published: boolean): Promise<void> {
  await db.dataSource.query(
    `INSERT INTO outbox_message (topic, message_key, payload, published_at)
     VALUES ('onboarding.results', 'E1', '{}'::jsonb, ${published ? 'now()' : 'NULL'})`,
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('GET /metrics, open (no METRICS_TOKEN)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp(null));
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves Prometheus text to anyone, without an API token and without a rate limit', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await scrape(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.text).toMatch(/^process_resident_memory_bytes \d/m);
    }
  });

  it('reflects the onboarding rows and the outbox backlog at scrape time', async () => {
    let res = await scrape(url);
    expect(res.text).toContain('workato_onboarding_onboardings{status="COMPLETED"} 0');
    expect(res.text).toMatch(/^workato_onboarding_outbox_backlog 0$/m);

    await insertOnboarding('COMPLETED');
    await insertOnboarding('COMPLETED');
    await insertOnboarding('IN_PROGRESS');
    await insertOnboarding('COMPENSATION_FAILED');
    await insertOutbox(false);
    await insertOutbox(false);
    await insertOutbox(true);

    res = await scrape(url);
    expect(res.text).toContain('workato_onboarding_onboardings{status="COMPLETED"} 2');
    expect(res.text).toContain('workato_onboarding_onboardings{status="IN_PROGRESS"} 1');
    expect(res.text).toContain('workato_onboarding_onboardings{status="COMPENSATION_FAILED"} 1');
    expect(res.text).toContain('workato_onboarding_onboardings{status="RECEIVED"} 0');
    expect(res.text).toMatch(/^workato_onboarding_outbox_backlog 2$/m);

    await db.dataSource.query(
      `UPDATE onboarding SET status = 'FAILED' WHERE status = 'IN_PROGRESS'`,
    );
    await db.dataSource.query(`UPDATE outbox_message SET published_at = now()`);
    res = await scrape(url);
    expect(res.text).toContain('workato_onboarding_onboardings{status="IN_PROGRESS"} 0');
    expect(res.text).toContain('workato_onboarding_onboardings{status="FAILED"} 1');
    expect(res.text).toMatch(/^workato_onboarding_outbox_backlog 0$/m);
  });

  it('shows what the rest of the app records through OnboardingMetrics', async () => {
    const call = await fetch(`${url}/things`, { headers: { authorization: `Bearer ${OPERATOR}` } });
    expect(call.status).toBe(200);
    const res = await scrape(url);
    expect(res.text).toContain(
      'workato_onboarding_events_ingested_total{source="http",outcome="created"} 1',
    );
  });

  it('leaves the other routes behind the API token guard', async () => {
    expect((await fetch(`${url}/things`)).status).toBe(401);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp(METRICS_TOKEN));
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 401 as JSON without the token, with a wrong one, or with an API token', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token',
      `Bearer ${METRICS_TOKEN}x`,
      `Bearer ${OPERATOR}`,
      `Basic ${METRICS_TOKEN}`,
    ]) {
      const res = await scrape(url, authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(JSON.parse(res.text)).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>',
      });
      expect(res.text).not.toContain('workato_onboarding_');
    }
  });

  it('serves the metrics with the token', async () => {
    const res = await scrape(url, `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('workato_onboarding_onboardings{status="COMPLETED"}');
  });
});
