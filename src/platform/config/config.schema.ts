import { z } from 'zod';
import {
  parseWorkatoAccounts,
  WORKATO_REGIONS,
  WorkatoRegion,
} from '../../workato/accounts.config';
import { parseRateLimits, PUBLISHED_RATE_LIMITS, RateLimits } from '../../workato/rate-limits';

/**
 * The environment variables are the public contract of the service: names are used as written
 * in the README, and every one is validated once at boot.
 */
const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be an integer port number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const positiveInt = z.coerce.number().int('must be an integer').positive('must be positive');

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const postgresUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (
        (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== ''
      );
    } catch {
      return false;
    }
  },
  { message: 'must be a postgres:// or postgresql:// connection string with a host' },
);

const brokerList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b.length > 0),
  )
  .refine((list) => list.length > 0 && list.every((b) => /^[^\s:]+:\d{1,5}$/.test(b)), {
    message: 'must be a comma-separated list of host:port',
  });

export { WORKATO_REGIONS } from '../../workato/accounts.config';
export type { WorkatoRegion } from '../../workato/accounts.config';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATA_DIR: z.string().min(1).default('./.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'verbose']).default('info'),

  HTTP_PORT: port.default(3000),
  DATABASE_URL: postgresUrl.optional(),
  RUN_MIGRATIONS: booleanFlag.default(true),
  DATABASE_POOL_SIZE: positiveInt.default(20),
  /** How long boot waits for DATABASE_URL to answer (it may be starting next to us). */
  DATABASE_CONNECT_TIMEOUT_SECONDS: positiveInt.default(60),
  /** Port of the embedded PostgreSQL that `npm start` runs when DATABASE_URL is unset. */
  EMBEDDED_POSTGRES_PORT: port.default(54320),

  KAFKA_BROKERS: brokerList.optional(),
  /** `npm start` may start a local broker from the Maven jars when KAFKA_BROKERS is unset. */
  KAFKA_LOCAL_BROKER: booleanFlag.default(true),
  KAFKA_CLIENT_ID: z.string().min(1).default('workato-onboarding'),
  KAFKA_GROUP_ID: z.string().min(1).default('workato-onboarding'),
  KAFKA_TOPIC_ONBOARDED: z.string().min(1).default('partner.customer-onboarded'),
  KAFKA_TOPIC_RESULTS: z.string().min(1).default('onboarding.results'),
  KAFKA_TOPIC_DLQ: z.string().min(1).default('partner.customer-onboarded.dlq'),
  /** Partitions of the topics the service creates when they are missing. */
  KAFKA_TOPIC_PARTITIONS: positiveInt.default(6),
  KAFKA_CONSUMER_ENABLED: booleanFlag.default(true),

  WORKATO_REGION: z
    .enum(Object.keys(WORKATO_REGIONS) as [WorkatoRegion, ...WorkatoRegion[]])
    .default('us'),
  WORKATO_BASE_URL: httpUrl.optional(),
  /**
   * Several Workato accounts (data centers, trial/staging): a JSON array of
   * {name, region|baseUrl, token|tokenFile, rateLimitRps?, rateLimits?}. Unset: one account,
   * `default`, from WORKATO_REGION / WORKATO_BASE_URL / WORKATO_API_TOKEN and the limits.
   */
  WORKATO_ACCOUNTS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      for (const problem of parseWorkatoAccounts(value, PUBLISHED_RATE_LIMITS).problems)
        ctx.addIssue({ code: 'custom', message: problem.replace(/^WORKATO_ACCOUNTS:?\s*/, '') });
    }),
  /** How often an account whose token was refused is tried again. */
  WORKATO_ACCOUNT_RECHECK_SECONDS: positiveInt.default(30),
  WORKATO_API_TOKEN: z.string().min(1).optional(),
  WORKATO_RATE_LIMIT_RPS: z.coerce.number().positive('must be a positive number').default(10),
  /** Per-family limits per minute, e.g. `portals:60/min,clients:1000/min`; unset ones are Workato's. */
  WORKATO_RATE_LIMITS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      try {
        parseRateLimits(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  /** Deprecated: WORKATO_RATE_LIMITS=portals:<n>/min. */
  WORKATO_PORTAL_RATE_LIMIT_PER_MINUTE: z.coerce
    .number()
    .positive('must be a positive number')
    .optional(),
  /** How long a managed user's list of API portals is trusted (portal by name). */
  WORKATO_PORTAL_CACHE_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Added to each window when spacing requests (see src/workato/rate-limits.ts). */
  WORKATO_RATE_LIMIT_SAFETY_MS: z.coerce
    .number()
    .min(0, 'must be between 0 and 1000')
    .max(1000, 'must be between 0 and 1000')
    .default(PUBLISHED_RATE_LIMITS.safetyMarginMs),
  /** Workato cuts requests at 40 s; we give up earlier and retry. */
  WORKATO_TIMEOUT_MS: positiveInt
    .max(40000, 'must be at most 40000 (Workato cuts at 40 s)')
    .default(20000),
  WORKATO_MAX_ATTEMPTS: positiveInt.default(6),
  WORKATO_RETRY_MAX_ELAPSED_MS: positiveInt.default(120000),
  WORKATO_RETRY_BASE_DELAY_MS: positiveInt.default(250),
  WORKATO_RETRY_MAX_DELAY_MS: positiveInt.default(20000),
  /** Without WORKATO_BASE_URL outside production, `npm start` runs the Workato sandbox here. */
  SANDBOX_PORT: port.default(4010),

  ONBOARDING_DEADLINE_SECONDS: positiveInt.default(3600),
  ONBOARDING_CONCURRENCY: positiveInt.default(16),
  /**
   * Look an onboarding's API collection and client up by name first and adopt what exists
   * (true), or create them directly, with no look-up (false). An event may say otherwise.
   */
  ONBOARDING_ADOPT_EXISTING: booleanFlag.default(true),
  /** How long an instance holds an onboarding without renewing; a dead instance's work is taken over after this. */
  ONBOARDING_LEASE_SECONDS: positiveInt.default(30),
  /** Off for an instance that should only ingest and serve REST (e.g. a read replica). */
  ONBOARDING_RUNNER_ENABLED: booleanFlag.default(true),
  /** Seconds between drift scans of every customer with managed resources; 0: no scan. */
  DRIFT_SCAN_INTERVAL_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 (no scan) or a positive number of seconds')
    .default(0),
  /** The share of each account's per-second Workato limit a drift scan may spend. */
  DRIFT_SCAN_QUOTA_SHARE: z.coerce
    .number({ error: 'must be a number' })
    .gt(0, 'must be above 0 (a scan needs some of the quota)')
    .lt(1, 'must be below 1: onboardings and operations need the rest of the quota')
    .default(0.1),
  SECRETS_ENCRYPTION_KEY: z.string().min(1).optional(),
  /** `role:token,…` with roles viewer and operator. Unset outside production: a dev token. */
  API_TOKENS: z.string().min(1).optional(),
  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(1).optional(),
  /** OTLP/HTTP collector base URL (traces are sent to <url>/v1/traces); unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('workato-onboarding'),
  /** Requests per minute per API token (429 beyond). */
  API_RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
});

export type ConfigValues = z.infer<typeof configSchema>;

/** The Workato rate limits the configuration asks for, and warnings about how it asks. */
export function rateLimitsOf(values: ConfigValues): { limits: RateLimits; warnings: string[] } {
  const warnings: string[] = [];
  const perMinute = { ...PUBLISHED_RATE_LIMITS.perMinute };
  if (values.WORKATO_PORTAL_RATE_LIMIT_PER_MINUTE !== undefined) {
    perMinute.portals = values.WORKATO_PORTAL_RATE_LIMIT_PER_MINUTE;
    warnings.push(
      'WORKATO_PORTAL_RATE_LIMIT_PER_MINUTE is deprecated: use WORKATO_RATE_LIMITS=portals:<n>/min',
    );
  }
  if (values.WORKATO_RATE_LIMITS)
    Object.assign(perMinute, parseRateLimits(values.WORKATO_RATE_LIMITS).perMinute);
  return {
    limits: {
      perSecond: values.WORKATO_RATE_LIMIT_RPS,
      perMinute,
      safetyMarginMs: values.WORKATO_RATE_LIMIT_SAFETY_MS,
    },
    warnings,
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): ConfigValues {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    // An empty variable means "unset": `FOO= npm start` should not fail validation.
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}
