import { randomBytes } from 'node:crypto';
import { ConsoleLogger, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { parseApiTokens } from '../src/platform/auth/api-token';
import { AppConfig } from '../src/platform/config/app-config';
import { parseConfig } from '../src/platform/config/config.schema';
import { configureHttp } from '../src/platform/http/configure-app';
import { BenchTopics } from './bench-environment';

export interface ServiceSettings {
  databaseUrl: string;
  kafkaBrokers: string[];
  topics: BenchTopics;
  workatoBaseUrl: string;
  workatoApiToken: string;
  /** Any other variable of the service's configuration (README). */
  env?: Record<string, string>;
}

export interface RunningService {
  app: INestApplication;
  config: AppConfig;
  /** Warnings and errors the service logged, by message (`msg` of a structured log line). */
  logged: Record<string, number>;
  close(): Promise<void>;
}

/**
 * Errors and warnings only, printed as the service prints them, and counted by message so the
 * report can say what the service complained about while it was measured.
 */
class CountingLogger extends ConsoleLogger {
  readonly counts: Record<string, number> = {};

  constructor() {
    super({ logLevels: ['error', 'warn'], colors: process.stdout.isTTY });
  }

  override error(message: unknown, ...rest: unknown[]): void {
    this.count('error', message);
    super.error(message, ...rest);
  }

  override warn(message: unknown, ...rest: unknown[]): void {
    this.count('warn', message);
    super.warn(message, ...rest);
  }

  private count(level: string, message: unknown): void {
    const text =
      typeof message === 'object' && message !== null && 'msg' in message
        ? String((message as { msg: unknown }).msg)
        : String(message);
    const key = `${level}: ${text.slice(0, 120)}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
}

/** One encryption key per bench run; nothing stored outlives the run's database. */
export const ENCRYPTION_KEY = `bench:${randomBytes(32).toString('base64')}`;
/** The bench's token for the REST API (bench 5 queries it), one per run. */
export const API_TOKEN = randomBytes(24).toString('base64url');
export const API_TOKENS = `operator:${API_TOKEN}`;

/**
 * The whole service in this process, configured the way main.ts configures it (parseConfig of
 * the environment, then the runtime facts), wired to the bench's database, topics and sandbox.
 * Logs: errors and warnings only.
 */
export async function startService(settings: ServiceSettings): Promise<RunningService> {
  const values = parseConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: settings.databaseUrl,
    KAFKA_BROKERS: settings.kafkaBrokers.join(','),
    KAFKA_GROUP_ID: settings.topics.groupId,
    KAFKA_TOPIC_ONBOARDED: settings.topics.onboarded,
    KAFKA_TOPIC_RESULTS: settings.topics.results,
    KAFKA_TOPIC_DLQ: settings.topics.dlq,
    WORKATO_BASE_URL: settings.workatoBaseUrl,
    WORKATO_API_TOKEN: settings.workatoApiToken,
    SECRETS_ENCRYPTION_KEY: ENCRYPTION_KEY,
    HTTP_PORT: '0',
    API_TOKENS,
    ...settings.env,
  });
  const config = new AppConfig(values, {
    databaseUrl: settings.databaseUrl,
    kafkaBrokers: settings.kafkaBrokers,
    workatoBaseUrl: settings.workatoBaseUrl,
    workatoApiToken: settings.workatoApiToken,
    secretsEncryptionKey: ENCRYPTION_KEY,
    sandboxUrl: null,
    // Benches 2 and 3 read the database directly; bench 5 calls the REST API with API_TOKEN.
    apiTokens: parseApiTokens(API_TOKENS),
  });
  const logger = new CountingLogger();
  const app = await NestFactory.create(AppModule.forRoot(config), { logger, bodyParser: false });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  return { app, config, logged: logger.counts, close: () => app.close() };
}
