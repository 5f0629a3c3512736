import { randomBytes } from 'node:crypto';
import { ConsoleLogger, INestApplication } from '@nestjs/common';
import { AppConfig } from '../src/platform/config/app-config';
import { serviceEnvironment, startTestApp } from '../test/support/app';
import { BenchTopics } from './bench-environment';

export interface ServiceSettings {
  databaseUrl: string;
  /** Empty: no Kafka, HTTP ingestion only. */
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
 * The environment of a service wired to the bench's database, topics and sandbox (test/support's
 * serviceEnvironment with the bench's key and token), plus `settings.env`.
 */
export function benchServiceEnvironment(settings: ServiceSettings): Record<string, string> {
  const withKafka = settings.kafkaBrokers.length > 0;
  return {
    ...serviceEnvironment({
      databaseUrl: settings.databaseUrl,
      topics: settings.topics,
      kafkaBrokers: withKafka ? settings.kafkaBrokers : null,
      workatoBaseUrl: settings.workatoBaseUrl,
      workatoApiToken: settings.workatoApiToken,
      secretsEncryptionKey: ENCRYPTION_KEY,
      apiTokens: API_TOKENS,
    }),
    // No brokers: HTTP ingestion only, rather than main.ts starting a local broker of its own.
    ...(withKafka ? {} : { KAFKA_LOCAL_BROKER: 'false' }),
    ...settings.env,
  };
}

/**
 * The whole service in this process, configured the way main.ts configures it (parseConfig of
 * the environment, then the runtime facts: test/support's startTestApp), wired to the bench's
 * database, topics and sandbox. Logs: errors and warnings only, counted.
 */
export async function startService(settings: ServiceSettings): Promise<RunningService> {
  const logger = new CountingLogger();
  const { app, config, close } = await startTestApp(
    benchServiceEnvironment(settings),
    {},
    { logger },
  );
  return { app, config, logged: logger.counts, close };
}
