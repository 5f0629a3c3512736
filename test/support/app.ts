import { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { parseApiTokens } from '../../src/platform/auth/api-token';
import { AppConfig } from '../../src/platform/config/app-config';
import { ConfigValues, parseConfig } from '../../src/platform/config/config.schema';
import { configureHttp } from '../../src/platform/http/configure-app';
import { RATE_LIMIT_FAMILIES } from '../../src/workato/rate-limits';
import { startSandbox, RunningSandbox, SandboxControl } from '../../workato-sandbox/sandbox.server';
import { createTestDatabase, TestDatabase } from './database';
import { createTestTopics, TestTopics } from './kafka';
import { testKafkaBrokers } from './test-infrastructure';

export const OPERATOR_TOKEN = 'test-operator-token-0123456789';
export const VIEWER_TOKEN = 'test-viewer-token-0123456789';
/** Every rate-limit family far above what a test sends (the sandbox enforces none by default here). */
export const UNLIMITED_FAMILIES = RATE_LIMIT_FAMILIES.map((family) => `${family}:1000000/min`).join(
  ',',
);
export const TEST_ENCRYPTION_KEY = `test:${Buffer.alloc(32, 7).toString('base64')}`;

export interface TestEnvironment {
  database: TestDatabase;
  topics: TestTopics;
  sandbox: RunningSandbox;
  control: SandboxControl;
  /** Environment for a service process (or an in-process app) wired to this test's parts. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** What wires a service to its parts; everything else keeps the service's defaults. */
export interface ServiceParts {
  databaseUrl: string;
  topics: TestTopics;
  /**
   * Null: no KAFKA_BROKERS. The service (an app in this process, or a ServiceProcess, which
   * sets KAFKA_LOCAL_BROKER=false) then runs without Kafka: HTTP ingestion only.
   */
  kafkaBrokers: string[] | null;
  workatoBaseUrl: string;
  workatoApiToken: string;
  /** Default TEST_ENCRYPTION_KEY. */
  secretsEncryptionKey?: string;
  /** Default the operator and viewer tokens of the tests. */
  apiTokens?: string;
}

/**
 * The environment of a service (a process, or an app in this process) connected to `parts`:
 * database, Kafka and its topics, Workato, secrets and API tokens, warnings and errors only,
 * any free HTTP port. Nothing else is set, so every other variable has the service's default.
 */
export function serviceEnvironment(parts: ServiceParts): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: parts.databaseUrl,
    KAFKA_GROUP_ID: parts.topics.groupId,
    KAFKA_TOPIC_ONBOARDED: parts.topics.onboarded,
    KAFKA_TOPIC_RESULTS: parts.topics.results,
    KAFKA_TOPIC_DLQ: parts.topics.dlq,
    WORKATO_BASE_URL: parts.workatoBaseUrl,
    WORKATO_API_TOKEN: parts.workatoApiToken,
    SECRETS_ENCRYPTION_KEY: parts.secretsEncryptionKey ?? TEST_ENCRYPTION_KEY,
    HTTP_PORT: '0',
    API_TOKENS: parts.apiTokens ?? `operator:${OPERATOR_TOKEN},viewer:${VIEWER_TOKEN}`,
  };
  if (parts.kafkaBrokers) env.KAFKA_BROKERS = parts.kafkaBrokers.join(',');
  return env;
}

/** What the tests change from the service's defaults: no limits to wait for, quick retries. */
export const TEST_TUNING: Record<string, string> = {
  DATABASE_POOL_SIZE: '10',
  WORKATO_RATE_LIMIT_RPS: '1000',
  WORKATO_RATE_LIMITS: UNLIMITED_FAMILIES,
  WORKATO_RETRY_BASE_DELAY_MS: '20',
  WORKATO_RETRY_MAX_DELAY_MS: '200',
  WORKATO_MAX_ATTEMPTS: '3',
  API_RATE_LIMIT_PER_MINUTE: '100000',
};

/** A database, topics and a Workato sandbox of this test file's own. */
export async function createTestEnvironment(
  prefix: string,
  options: { sandboxRateLimitRps?: number | null; withKafka?: boolean; workatoToken?: string } = {},
): Promise<TestEnvironment> {
  const database = await createTestDatabase();
  // Without Kafka the topic names are only placeholders: nothing reads or writes them.
  const topics =
    options.withKafka === false
      ? {
          onboarded: `${prefix}.onboarded`,
          results: `${prefix}.results`,
          dlq: `${prefix}.dlq`,
          groupId: prefix,
        }
      : await createTestTopics(prefix);
  const sandbox = await startSandbox({
    port: 0,
    rateLimitRps: options.sandboxRateLimitRps ?? null,
  });
  const control = new SandboxControl(sandbox.url);
  const env: Record<string, string> = {
    ...serviceEnvironment({
      databaseUrl: database.url,
      topics,
      kafkaBrokers: options.withKafka === false ? null : testKafkaBrokers(),
      workatoBaseUrl: sandbox.url,
      workatoApiToken: sandbox.token,
    }),
    ...TEST_TUNING,
  };
  return {
    database,
    topics,
    sandbox,
    control,
    env,
    close: async () => {
      await sandbox.close();
      await database.drop();
    },
  };
}

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  url: string;
  close(): Promise<void>;
}

/** The whole service in this process, on real Postgres, Kafka and the sandbox over HTTP. */
export async function startTestApp(
  env: Record<string, string>,
  overrides: Partial<Record<keyof ConfigValues, string>> = {},
  options: { logger?: LoggerService | LogLevel[] } = {},
): Promise<TestApp> {
  const values = parseConfig({ ...env, ...overrides });
  const config = new AppConfig(values, {
    databaseUrl: values.DATABASE_URL!,
    kafkaBrokers: values.KAFKA_BROKERS ?? null,
    workatoBaseUrl: values.WORKATO_BASE_URL!,
    workatoApiToken: values.WORKATO_API_TOKEN!,
    secretsEncryptionKey: values.SECRETS_ENCRYPTION_KEY!,
    sandboxUrl: null,
    apiTokens: parseApiTokens(values.API_TOKENS!),
  });
  const app = await NestFactory.create(AppModule.forRoot(config), {
    logger: options.logger ?? ['error', 'warn'],
    bodyParser: false,
  });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    url: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${options.message ?? 'condition not met in time'}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
