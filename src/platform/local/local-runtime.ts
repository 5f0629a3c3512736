import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEV_TOKEN_FILE, resolveApiTokens } from '../auth/api-token';
import { AppConfig } from '../config/app-config';
import { parseEncryptionKeys, SecretKeyError } from '../secrets/secret-box';
import { ConfigError, ConfigValues } from '../config/config.schema';
import { startEmbeddedPostgres } from './embedded-postgres';
import { javaMajorVersion, startLocalKafka } from './local-kafka';
import { startLocalSandbox } from './local-sandbox';

export interface LocalRuntime {
  config: AppConfig;
  /** Human-readable lines for the start banner. */
  notes: string[];
  /** The generated operator token when API_TOKENS is unset (development only). */
  devToken: string | null;
  stop(): Promise<void>;
}

type Log = (message: string) => void;

/**
 * Fills in what configuration leaves unset, so `npm start` needs none: an embedded Postgres, a
 * local Kafka broker, the Workato sandbox and a development encryption key, all under DATA_DIR.
 * Production (NODE_ENV=production) gets none of these: there, missing settings stop boot.
 */
export async function startLocalRuntime(values: ConfigValues, log: Log): Promise<LocalRuntime> {
  const production = values.NODE_ENV === 'production';
  const stops: (() => Promise<void>)[] = [];
  const notes: string[] = [];
  const dataDir = resolve(values.DATA_DIR);

  if (production) {
    const missing = (
      ['DATABASE_URL', 'SECRETS_ENCRYPTION_KEY', 'WORKATO_API_TOKEN', 'API_TOKENS'] as const
    ).filter((name) => !values[name]);
    if (missing.length > 0)
      throw new ConfigError(missing.map((name) => `${name}: is required when NODE_ENV=production`));
  }

  try {
    let databaseUrl = values.DATABASE_URL;
    if (!databaseUrl) {
      log(
        `DATABASE_URL is unset: starting an embedded PostgreSQL (data in ${resolve(dataDir, 'postgres')})`,
      );
      const pg = await startEmbeddedPostgres({ dataDir, port: values.EMBEDDED_POSTGRES_PORT });
      stops.push(pg.stop);
      databaseUrl = pg.url;
      notes.push(
        `Postgres  embedded, 127.0.0.1:${values.EMBEDDED_POSTGRES_PORT} (data in ${resolve(dataDir, 'postgres')})`,
      );
    }

    let kafkaBrokers: string[] | null = values.KAFKA_BROKERS ?? null;
    if (!kafkaBrokers && values.KAFKA_LOCAL_BROKER && !production) {
      const java = javaMajorVersion();
      if (java !== null && java >= 17) {
        log('KAFKA_BROKERS is unset: starting a local Kafka broker (scripts/kafka/kafka.sh)');
        try {
          const kafka = await startLocalKafka({ dataDir });
          stops.push(kafka.stop);
          kafkaBrokers = kafka.brokers;
          notes.push(`Kafka     local broker ${kafka.brokers.join(',')}`);
        } catch (error) {
          log(`WARNING: the local Kafka broker did not start: ${(error as Error).message}`);
        }
      } else {
        log(
          `WARNING: Java 17+ not found (${java ?? 'no java'}); cannot start a local Kafka broker`,
        );
      }
    }
    if (!kafkaBrokers) {
      log(
        'WARNING: running WITHOUT Kafka: only HTTP ingestion (POST /v1/onboardings) is on, and results are kept in the outbox',
      );
      notes.push('Kafka     OFF: only HTTP ingestion is on');
    }

    let workatoBaseUrl = AppConfig.workatoBaseUrlFor(values);
    let workatoApiToken = values.WORKATO_API_TOKEN ?? '';
    let sandboxUrl: string | null = null;
    if (!values.WORKATO_BASE_URL && !values.WORKATO_API_TOKEN && !production) {
      const sandbox = await startLocalSandbox({
        port: values.SANDBOX_PORT,
        stateFile: resolve(dataDir, 'workato-sandbox.json'),
      });
      stops.push(sandbox.stop);
      workatoBaseUrl = sandbox.url;
      workatoApiToken = sandbox.token;
      sandboxUrl = sandbox.url;
      notes.push(`Workato   sandbox ${sandbox.url} (control API: ${sandbox.url}/__sandbox/state)`);
    } else {
      if (!workatoApiToken)
        throw new ConfigError(['WORKATO_API_TOKEN: is required when talking to a real Workato']);
      notes.push(`Workato   ${workatoBaseUrl}`);
    }

    let secretsEncryptionKey = values.SECRETS_ENCRYPTION_KEY;
    if (!secretsEncryptionKey) {
      const file = resolve(dataDir, 'secrets.key');
      if (!existsSync(file)) {
        mkdirSync(dataDir, { recursive: true });
        writeFileSync(file, `dev:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
      }
      secretsEncryptionKey = readFileSync(file, 'utf8').trim();
      log(`SECRETS_ENCRYPTION_KEY is unset: using the development key in ${file}`);
    }

    try {
      parseEncryptionKeys(secretsEncryptionKey);
    } catch (error) {
      if (error instanceof SecretKeyError) throw new ConfigError([error.message]);
      throw error;
    }

    const { tokens: apiTokens, devToken } = resolveApiTokens(values, dataDir);
    if (devToken) {
      log(
        `API_TOKENS is unset: using the development operator token in ${resolve(dataDir, DEV_TOKEN_FILE)}`,
      );
    }

    const config = new AppConfig(values, {
      databaseUrl,
      kafkaBrokers,
      workatoBaseUrl,
      workatoApiToken,
      secretsEncryptionKey,
      sandboxUrl,
      apiTokens,
    });
    return {
      config,
      notes,
      devToken,
      stop: async () => {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}
