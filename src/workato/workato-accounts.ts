import { Logger } from '@nestjs/common';
import {
  WorkatoAccounts,
  WorkatoAccountStatus,
  WorkatoWorkspace,
} from '../onboarding/ports/workato-workspace.port';
import { AppConfig } from '../platform/config/app-config';
import { rateLimitsOf } from '../platform/config/config.schema';
import { currentOnboardingLogContext } from '../platform/observability/log-context';
import { MeteredRateLimiter } from '../platform/observability/metered-rate-limiter';
import {
  OnboardingMetrics,
  workatoRequestSample,
} from '../platform/observability/onboarding.metrics';
import type { OnboardingTracing } from '../platform/observability/onboarding.tracing';
import { CircuitBreaker, TokenSource } from './account-health';
import { DEFAULT_ACCOUNT, parseWorkatoAccounts, WorkatoAccountSpec } from './accounts.config';
import { PortalCache } from './portal-cache';
import { PostgresRateLimiter, SqlQueryable } from './rate-limiter';
import type { CircuitGate } from './transport';
import { WorkatoClient } from './workato.client';
import { WorkatoWorkspaceAdapter } from './workato-workspace.adapter';

/** The accounts the configuration asks for (see WORKATO_ACCOUNTS in the README). */
export function accountSpecs(config: AppConfig): WorkatoAccountSpec[] {
  const { limits } = rateLimitsOf(config.values);
  if (config.runtime.workatoAccounts) return config.runtime.workatoAccounts;
  if (config.values.WORKATO_ACCOUNTS)
    return parseWorkatoAccounts(config.values.WORKATO_ACCOUNTS, limits).accounts;
  return [
    {
      name: DEFAULT_ACCOUNT,
      baseUrl: config.runtime.workatoBaseUrl,
      token: config.runtime.workatoApiToken,
      limits,
    },
  ];
}

/** One account: its client (own base URL, token, rate-limit buckets, circuit) and its state. */
class Account implements CircuitGate {
  readonly breaker: CircuitBreaker;
  readonly client: WorkatoClient;
  readonly workspace: WorkatoWorkspace;
  readonly limiter: PostgresRateLimiter;
  private refusedAt: number | null = null;
  private refusedBecause = '';
  private lastProbe = 0;

  constructor(
    readonly spec: WorkatoAccountSpec,
    db: SqlQueryable,
    private readonly config: AppConfig,
    private readonly metrics: OnboardingMetrics,
    tracing: OnboardingTracing | undefined,
  ) {
    const logger = new Logger(WorkatoClient.name);
    const values = config.values;
    this.breaker = new CircuitBreaker(spec.name);
    this.limiter = new PostgresRateLimiter(db, spec.limits, spec.name);
    this.client = new WorkatoClient({
      baseUrl: spec.baseUrl,
      apiToken: new TokenSource(spec),
      timeoutMs: values.WORKATO_TIMEOUT_MS,
      rateLimiter: new MeteredRateLimiter(this.limiter, metrics, spec.name),
      circuit: this,
      onRequest: (event) => {
        metrics.observeWorkatoRequest(workatoRequestSample(event), spec.name);
        tracing?.recordWorkatoRequest(event);
      },
      retry: {
        maxAttempts: values.WORKATO_MAX_ATTEMPTS,
        maxElapsedMs: values.WORKATO_RETRY_MAX_ELAPSED_MS,
        baseDelayMs: values.WORKATO_RETRY_BASE_DELAY_MS,
        maxDelayMs: values.WORKATO_RETRY_MAX_DELAY_MS,
      },
      logger: {
        debug: (message, context) =>
          logger.debug({
            msg: message,
            account: spec.name,
            ...context,
            ...currentOnboardingLogContext(),
          }),
        warn: (message, context) =>
          logger.warn({
            msg: message,
            account: spec.name,
            ...context,
            ...currentOnboardingLogContext(),
          }),
      },
    });
    this.workspace = new WorkatoWorkspaceAdapter(
      this.client,
      new PortalCache(values.WORKATO_PORTAL_CACHE_SECONDS * 1000),
    );
    metrics.setAccountAuthorized(spec.name, true);
  }

  // CircuitGate, over the breaker, also learning from a success that the token works again.
  refusal(): string | null {
    return this.breaker.refusal();
  }
  succeeded(): void {
    this.breaker.succeeded();
    if (this.refusedAt !== null) {
      this.refusedAt = null;
      this.metrics.setAccountAuthorized(this.spec.name, true);
      new Logger('WorkatoAccounts').log({
        msg: 'Workato account accepts its token again',
        account: this.spec.name,
      });
    }
  }
  failed(): void {
    this.breaker.failed();
  }

  refuse(reason: string): void {
    if (this.refusedAt === null) {
      new Logger('WorkatoAccounts').error({ msg: reason, account: this.spec.name });
      this.metrics.setAccountAuthorized(this.spec.name, false);
    }
    this.refusedAt = Date.now();
    this.refusedBecause = reason;
    this.lastProbe = Date.now();
  }

  /** While refused, one run is let through every recheck interval to find out. */
  admission(): 'run' | 'probe' | 'wait' {
    if (this.breaker.isOpen) return 'wait';
    if (this.refusedAt === null) return 'run';
    const recheckMs = this.config.values.WORKATO_ACCOUNT_RECHECK_SECONDS * 1000;
    return Date.now() - this.lastProbe < recheckMs ? 'wait' : 'probe';
  }

  probing(): void {
    this.lastProbe = Date.now();
  }

  status(): WorkatoAccountStatus {
    if (this.refusedAt !== null)
      return {
        name: this.spec.name,
        state: 'unauthorized',
        reason: this.refusedBecause,
        since: new Date(this.refusedAt).toISOString(),
      };
    if (this.breaker.isOpen)
      return {
        name: this.spec.name,
        state: 'failing',
        reason: this.breaker.refusal() ?? undefined,
      };
    return { name: this.spec.name, state: 'ok' };
  }
}

/** Every configured Workato account; the service's one way to reach Workato. */
export class WorkatoAccountRegistry extends WorkatoAccounts {
  private readonly accounts = new Map<string, Account>();
  readonly names: readonly string[];
  readonly defaultAccount: string | null;

  constructor(
    db: SqlQueryable,
    config: AppConfig,
    metrics: OnboardingMetrics,
    tracing: OnboardingTracing | undefined,
  ) {
    super();
    for (const spec of accountSpecs(config))
      this.accounts.set(spec.name, new Account(spec, db, config, metrics, tracing));
    this.names = [...this.accounts.keys()];
    this.defaultAccount =
      this.names.length === 1
        ? this.names[0]
        : this.accounts.has(DEFAULT_ACCOUNT)
          ? DEFAULT_ACCOUNT
          : null;
  }

  workspace(account: string): WorkatoWorkspace {
    return this.account(account).workspace;
  }

  admission(account: string): 'run' | 'probe' | 'wait' {
    return this.accounts.get(account)?.admission() ?? 'wait';
  }

  probing(account: string): void {
    this.accounts.get(account)?.probing();
  }

  refused(account: string, reason: string): void {
    this.account(account).refuse(reason);
  }

  statuses(): WorkatoAccountStatus[] {
    return [...this.accounts.values()].map((a) => a.status());
  }

  perSecondLimit(account: string): number {
    return this.account(account).spec.limits.perSecond;
  }

  /** The rate limiter of an account (benchmarks count its reservations). */
  limiter(account: string): PostgresRateLimiter {
    return this.account(account).limiter;
  }

  client(account: string): WorkatoClient {
    return this.account(account).client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.accounts.values()].map((a) => a.client.close()));
  }

  private account(name: string): Account {
    const account = this.accounts.get(name);
    if (!account) throw new Error(`no Workato account named "${name}" is configured`);
    return account;
  }
}
