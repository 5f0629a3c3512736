import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { parseApiTokens, resolveApiTokens } from '../auth/api-token';
import { DEV_SECRETS, prepareDevSecrets } from '../secrets/dev-secrets';
import { AppConfig } from '../config/app-config';
import { parseEncryptionKeys, SecretKeyError } from '../secrets/secret-box';
import { ConfigError, ConfigValues, rateLimitsOf } from '../config/config.schema';
import { parseWorkatoAccounts, WorkatoAccountSpec } from '../../workato/accounts.config';
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
  const dataDir = resolve(values.DATA_DIR);
  const useSandbox =
    !values.WORKATO_BASE_URL &&
    !values.WORKATO_API_TOKEN &&
    !values.WORKATO_ACCOUNTS &&
    !production;

  // Every configuration problem, all at once, before anything is started or written.
  const problems: string[] = [];
  if (production)
    for (const name of [
      'DATABASE_URL',
      'SECRETS_ENCRYPTION_KEY',
      'WORKATO_API_TOKEN',
      'API_TOKENS',
    ] as const)
      if (!values[name] && !(name === 'WORKATO_API_TOKEN' && values.WORKATO_ACCOUNTS))
        problems.push(`${name}: is required when NODE_ENV=production`);
  if (!useSandbox && !production && !values.WORKATO_API_TOKEN && !values.WORKATO_ACCOUNTS)
    problems.push(
      'WORKATO_API_TOKEN: is required when talking to a real Workato (WORKATO_BASE_URL)',
    );
  collect(
    problems,
    () => values.SECRETS_ENCRYPTION_KEY && parseEncryptionKeys(values.SECRETS_ENCRYPTION_KEY),
  );
  collect(problems, () => values.API_TOKENS && parseApiTokens(values.API_TOKENS));
  if (values.WORKATO_ACCOUNTS)
    parseWorkatoAccounts(values.WORKATO_ACCOUNTS, rateLimitsOf(values).limits).accounts.forEach(
      (account, index) => {
        if (!account.tokenFile) return;
        try {
          if (!readFileSync(account.tokenFile, 'utf8').trim())
            problems.push(`WORKATO_ACCOUNTS[${index}].tokenFile: ${account.tokenFile} is empty`);
        } catch (error) {
          problems.push(
            `WORKATO_ACCOUNTS[${index}].tokenFile: cannot read ${account.tokenFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
          );
        }
      },
    );
  if (problems.length > 0) throw new ConfigError(problems);

  const stops: (() => Promise<void>)[] = [];
  const notes: string[] = [];
  try {
    let secretsEncryptionKey = values.SECRETS_ENCRYPTION_KEY;
    let devToken: string | null = null;
    let apiTokens = values.API_TOKENS ? parseApiTokens(values.API_TOKENS) : [];
    if (!secretsEncryptionKey || !values.API_TOKENS) {
      prepareDevSecrets(dataDir);
      if (!secretsEncryptionKey) {
        const file = DEV_SECRETS.encryptionKey(dataDir);
        if (!existsSync(file))
          writeFileSync(file, `dev:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
        secretsEncryptionKey = readFileSync(file, 'utf8').trim();
        log(`SECRETS_ENCRYPTION_KEY is unset: using the development key in ${file}`);
      }
      if (!values.API_TOKENS) {
        ({ tokens: apiTokens, devToken } = resolveApiTokens(values, dataDir));
        log(
          `API_TOKENS is unset: using the development operator token in ${DEV_SECRETS.apiToken(dataDir)}`,
        );
      }
    }

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
    } else {
      await waitForDatabase(databaseUrl, values.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000, log);
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
    let workatoAccounts: WorkatoAccountSpec[] | undefined;
    if (useSandbox) {
      const sandbox = await startLocalSandbox({
        port: values.SANDBOX_PORT,
        stateDir: resolve(dataDir, 'workato-sandbox'),
      });
      stops.push(sandbox.stop);
      const [first] = sandbox.accounts;
      workatoBaseUrl = first.url;
      workatoApiToken = first.token;
      sandboxUrl = first.url;
      // Two accounts, as a partner with customers in two data centers has: events go to
      // `default` unless they name `"workatoAccount": "eu"`.
      const { limits } = rateLimitsOf(values);
      workatoAccounts = sandbox.accounts.map((a) => ({
        name: a.name,
        baseUrl: a.url,
        token: a.token,
        limits,
      }));
      for (const a of sandbox.accounts)
        notes.push(`Workato   ${a.name}: sandbox ${a.url} (control API: ${a.url}/__sandbox/state)`);
    } else if (values.WORKATO_ACCOUNTS) {
      for (const a of parseWorkatoAccounts(values.WORKATO_ACCOUNTS, rateLimitsOf(values).limits)
        .accounts)
        notes.push(`Workato   ${a.name}: ${a.baseUrl}`);
    } else {
      notes.push(`Workato   ${workatoBaseUrl}`);
    }

    const config = new AppConfig(values, {
      databaseUrl,
      kafkaBrokers,
      workatoBaseUrl,
      workatoApiToken,
      secretsEncryptionKey,
      sandboxUrl,
      apiTokens,
      ...(workatoAccounts ? { workatoAccounts } : {}),
    });
    return { config, notes, devToken, stop: () => stopAll(stops) };
  } catch (error) {
    await stopAll(stops);
    throw error;
  }
}

/** Stops what was started, last started first. */
async function stopAll(stops: (() => Promise<void>)[]): Promise<void> {
  for (const stop of [...stops].reverse()) await stop().catch(() => undefined);
  stops.length = 0;
}

function collect(problems: string[], check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (error instanceof ConfigError) problems.push(...error.problems);
    else if (error instanceof SecretKeyError) problems.push(error.message);
    else throw error;
  }
}

/**
 * Waits for an external Postgres with backoff (it may be starting next to us), one line per
 * attempt; gives up after `timeoutMs` with one line that names the host and the reason.
 */
export async function waitForDatabase(url: string, timeoutMs: number, log: Log): Promise<void> {
  const where = (() => {
    try {
      const u = new URL(url);
      return `${u.hostname}:${u.port || 5432}`;
    } catch {
      return 'DATABASE_URL';
    }
  })();
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      if (attempt > 1) log(`Postgres at ${where} is reachable`);
      return;
    } catch (error) {
      const reason = describeConnectError(error);
      const elapsed = Date.now() - started;
      if (elapsed >= timeoutMs)
        throw new DatabaseUnreachableError(
          `Postgres at ${where} is not reachable after ${Math.round(elapsed / 1000)} s: ${reason}`,
        );
      const delay = Math.min(5000, 500 * 2 ** (attempt - 1), timeoutMs - elapsed);
      log(
        `Postgres at ${where} is not reachable (${reason}); trying again in ${(delay / 1000).toFixed(1)} s (attempt ${attempt})`,
      );
      await new Promise((r) => setTimeout(r, delay));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

export class DatabaseUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnreachableError';
  }
}

/** The cause in a few words, never the URL (it holds the password). */
function describeConnectError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const text = e?.code ?? String(e?.message ?? error).split('\n')[0];
  return text.replace(/postgres(ql)?:\/\/\S+/g, '<DATABASE_URL>').slice(0, 200);
}
