import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { json } from 'express';
import { AppModule } from '../src/app.module';
import { AppConfig } from '../src/config/app-config';
import { parseConfig } from '../src/config/config.schema';
import { JsonExceptionFilter } from '../src/http/http-exception.filter';
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
  close(): Promise<void>;
}

/** One encryption key per bench run; nothing stored outlives the run's database. */
const ENCRYPTION_KEY = `bench:${randomBytes(32).toString('base64')}`;

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
    ...settings.env,
  });
  const config = new AppConfig(values, {
    databaseUrl: settings.databaseUrl,
    kafkaBrokers: settings.kafkaBrokers,
    workatoBaseUrl: settings.workatoBaseUrl,
    workatoApiToken: settings.workatoApiToken,
    secretsEncryptionKey: ENCRYPTION_KEY,
    sandboxUrl: null,
  });
  const app = await NestFactory.create(AppModule.forRoot(config), {
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  app.use(json({ limit: '256kb' }));
  app.useGlobalFilters(new JsonExceptionFilter());
  await app.listen(0, '127.0.0.1');
  return { app, config, close: () => app.close() };
}
