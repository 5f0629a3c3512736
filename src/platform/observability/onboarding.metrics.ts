import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { ONBOARDING_STATUSES } from '../../onboarding/domain/lifecycle';
import type { StepKind } from '../../onboarding/domain/steps';
import { OutboxRepository } from '../../persistence/outbox.repository';
import type { RateLimitFamily } from '../../workato/rate-limits';
import type { WorkatoRequestEvent } from '../../workato/transport';

const PREFIX = 'workato_onboarding_';

export type OnboardingOutcome = 'completed' | 'failed' | 'compensation_failed';
/** `retrying`: the step failed with a retryable error and is scheduled again. */
export type StepOutcome = 'succeeded' | 'retrying' | 'failed';
/**
 * One compensation run of an onboarding: everything undone (`compensated`, the onboarding ends
 * FAILED), some left and scheduled again (`retrying`), or given up (`failed`, the onboarding
 * ends COMPENSATION_FAILED).
 */
export type CompensationOutcome = 'compensated' | 'retrying' | 'failed';
export type IngestSource = 'kafka' | 'http';
export type IngestOutcome = 'created' | 'duplicate' | 'conflict' | 'invalid';

/** One HTTP attempt against Workato. */
export interface WorkatoRequestSample {
  /** The client method, e.g. `createApiClient`. */
  endpoint: string;
  method: string;
  /** The HTTP status as text, or `network_error` / `timeout` when no response came. */
  status: string;
  durationMs: number;
  /** 1-based; an attempt above 1 is a retry. */
  attempt: number;
}

/** Maps the Workato client's `onRequest` event to a sample. */
export function workatoRequestSample(event: WorkatoRequestEvent): WorkatoRequestSample {
  const status =
    event.status !== null
      ? String(event.status)
      : event.errorCode === 'WORKATO_TIMEOUT'
        ? 'timeout'
        : 'network_error';
  return {
    endpoint: event.endpoint,
    method: event.method,
    status,
    durationMs: event.durationMs,
    attempt: event.attempt,
  };
}

const seconds = (value: number): number => (Number.isFinite(value) && value > 0 ? value : 0);

/**
 * The service's Prometheus metrics, in a registry of their own (with the default process
 * metrics). The rest of the code calls these typed methods and never touches prom-client.
 * The onboardings-by-status and outbox-backlog gauges are read from Postgres at scrape time,
 * so every instance reports the same totals.
 */
@Injectable()
export class OnboardingMetrics {
  private readonly logger = new Logger('Metrics');
  private readonly registry = new Registry();

  private readonly onboardingDuration = new Histogram({
    name: `${PREFIX}onboarding_duration_seconds`,
    help: 'Time from an onboarding being received to its terminal status',
    labelNames: ['outcome'] as const,
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    registers: [this.registry],
  });
  private readonly stepDuration = new Histogram({
    name: `${PREFIX}step_duration_seconds`,
    help: 'Duration of one run of an onboarding step',
    labelNames: ['step_kind', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  private readonly workatoRequests = new Counter({
    name: `${PREFIX}workato_requests_total`,
    help: 'HTTP attempts against Workato, by client endpoint, method and status',
    labelNames: ['account', 'endpoint', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly workatoRequestDuration = new Histogram({
    name: `${PREFIX}workato_request_duration_seconds`,
    help: 'Time on the wire of one HTTP attempt against Workato (rate-limiter wait excluded)',
    labelNames: ['account', 'endpoint', 'method'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40],
    registers: [this.registry],
  });
  private readonly workatoRetries = new Counter({
    name: `${PREFIX}workato_retries_total`,
    help: 'Attempts against Workato that were retries of a failed one',
    labelNames: ['account', 'endpoint'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitWait = new Histogram({
    name: `${PREFIX}rate_limit_wait_seconds`,
    help: "Time spent waiting for a slot in the shared Workato rate limiter's bucket",
    labelNames: ['account', 'bucket'] as const,
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly rateLimitMissedSlots = new Counter({
    name: `${PREFIX}rate_limit_missed_slots_total`,
    help: 'Rate-limiter slots given up because the request woke too late for them (a busy event loop)',
    labelNames: ['account', 'bucket'] as const,
    registers: [this.registry],
  });
  private readonly compensations = new Counter({
    name: `${PREFIX}compensations_total`,
    help: 'Compensation runs, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly deadLetters = new Counter({
    name: `${PREFIX}dlq_messages_total`,
    help: 'Messages sent to the dead-letter topic',
    registers: [this.registry],
  });
  private readonly ingested = new Counter({
    name: `${PREFIX}events_ingested_total`,
    help: 'CustomerOnboarded events received, by source and outcome',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly consumerLag = new Gauge({
    name: `${PREFIX}kafka_consumer_lag`,
    help: 'Messages behind the end of the partition after the last processed batch',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });
  private readonly accountAuthorized = new Gauge({
    name: `${PREFIX}workato_account_authorized`,
    help: "1 while Workato accepts the account's token, 0 while it refuses it (401/403)",
    labelNames: ['account'] as const,
    registers: [this.registry],
  });
  private readonly scrapeErrors = new Counter({
    name: `${PREFIX}metrics_scrape_errors_total`,
    help: 'Scrape-time queries that failed (their gauges read empty or NaN for that scrape)',
    labelNames: ['query'] as const,
    registers: [this.registry],
  });

  private readonly onboardings = new Gauge({
    name: `${PREFIX}onboardings`,
    help: 'Onboardings by status (all instances; read from Postgres at scrape time)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly operations = new Gauge({
    name: `${PREFIX}customer_operations`,
    help: 'Customer operations (key rotations, offboardings, reactivations) by type and status (read from Postgres at scrape time)',
    labelNames: ['type', 'status'] as const,
    registers: [this.registry],
  });
  private readonly operationsFinished = new Counter({
    name: `${PREFIX}customer_operations_finished_total`,
    help: 'Customer operations that reached a terminal status, by type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly driftFound = new Counter({
    name: `${PREFIX}drift_found_total`,
    help: 'Drift found by the periodic drift scan, by account and kind (counted at every scan it is seen)',
    labelNames: ['account', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly driftScans = new Counter({
    name: `${PREFIX}drift_scans_total`,
    help: 'Drift scans of one account, by outcome (completed, failed, skipped: the account was not admitting requests)',
    labelNames: ['account', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly outboxBacklog = new Gauge({
    name: `${PREFIX}outbox_backlog`,
    help: 'Results messages not yet published to Kafka (read from Postgres at scrape time)',
    registers: [this.registry],
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRepository,
  ) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Reads the database gauges, then the exposition text and its content type: GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    await Promise.all([this.readOnboardingsByStatus(), this.readOutboxBacklog()]);
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  observeOnboardingFinished(outcome: OnboardingOutcome, durationSeconds: number): void {
    this.onboardingDuration.observe({ outcome }, seconds(durationSeconds));
  }

  countOperationFinished(type: string, outcome: OnboardingOutcome): void {
    this.operationsFinished.inc({ type, outcome });
  }

  observeStep(kind: StepKind, outcome: StepOutcome, durationSeconds: number): void {
    this.stepDuration.observe({ step_kind: kind, outcome }, seconds(durationSeconds));
  }

  /** One HTTP attempt against a Workato account; an attempt above 1 also counts as a retry. */
  observeWorkatoRequest(sample: WorkatoRequestSample, account = 'default'): void {
    const { endpoint, method, status } = sample;
    this.workatoRequests.inc({ account, endpoint, method, status });
    this.workatoRequestDuration.observe(
      { account, endpoint, method },
      seconds(sample.durationMs / 1000),
    );
    if (sample.attempt > 1) this.countWorkatoRetry(endpoint, account);
  }

  /** HTTP attempts against Workato so far in this process, per account (the console's calls/s). */
  async workatoRequestTotals(): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    for (const { labels, value } of (await this.workatoRequests.get()).values) {
      const account = String(labels.account ?? 'default');
      totals.set(account, (totals.get(account) ?? 0) + value);
    }
    return totals;
  }

  countWorkatoRetry(endpoint: string, account = 'default'): void {
    this.workatoRetries.inc({ account, endpoint });
  }

  observeRateLimitWait(
    bucket: RateLimitFamily,
    waitedMs: number,
    account = 'default',
    missedSlots = 0,
  ): void {
    this.rateLimitWait.observe({ account, bucket }, seconds(waitedMs / 1000));
    if (missedSlots > 0) this.rateLimitMissedSlots.inc({ account, bucket }, missedSlots);
  }

  /** Whether Workato accepts the account's token (0 while it refuses it). */
  setAccountAuthorized(account: string, authorized: boolean): void {
    this.accountAuthorized.set({ account }, authorized ? 1 : 0);
  }

  countCompensation(outcome: CompensationOutcome): void {
    this.compensations.inc({ outcome });
  }

  countDeadLetter(): void {
    this.deadLetters.inc();
  }

  countIngested(source: IngestSource, outcome: IngestOutcome): void {
    this.ingested.inc({ source, outcome });
  }

  countDriftFound(account: string, kind: string): void {
    this.driftFound.inc({ account, kind });
  }

  countDriftScan(account: string, outcome: 'completed' | 'failed' | 'skipped'): void {
    this.driftScans.inc({ account, outcome });
  }

  /** Messages behind on one partition; negative or non-finite values read as 0. */
  setConsumerLag(topic: string, partition: number, lag: number): void {
    this.consumerLag.set(
      { topic, partition: String(partition) },
      Number.isFinite(lag) && lag > 0 ? lag : 0,
    );
  }

  /** Forgets every partition's lag: after a rebalance, when this instance's partitions change. */
  clearConsumerLag(): void {
    this.consumerLag.reset();
  }

  private async readOnboardingsByStatus(): Promise<void> {
    const rows = await this.scrapeQuery<{ type: string; status: string; count: string }>(
      'onboardings',
      'SELECT operation_type AS type, status, count(*) AS count FROM onboarding GROUP BY 1, 2',
    );
    this.onboardings.reset();
    this.operations.reset();
    if (!rows) return;
    // Every status, so a status with no onboardings reads 0 rather than vanishing.
    for (const status of ONBOARDING_STATUSES) this.onboardings.set({ status }, 0);
    for (const row of rows)
      if (row.type === 'ONBOARDING')
        this.onboardings.set({ status: row.status }, Number(row.count));
      else this.operations.set({ type: row.type, status: row.status }, Number(row.count));
  }

  private async readOutboxBacklog(): Promise<void> {
    const backlog = await this.scrape('outbox_backlog', () => this.outbox.backlog());
    // NaN, not 0, when the query failed: a gauge without labels cannot be left out.
    this.outboxBacklog.set(backlog ?? NaN);
  }

  private scrapeQuery<T>(name: string, sql: string): Promise<T[] | null> {
    return this.scrape(name, async () => (await this.dataSource.query(sql)) as T[]);
  }

  private async scrape<T>(name: string, read: () => Promise<T>): Promise<T | null> {
    if (!this.dataSource.isInitialized) return null;
    try {
      return await read();
    } catch (error) {
      this.scrapeErrors.inc({ query: name });
      this.logger.warn({ msg: 'metrics query failed', query: name, error: String(error) });
      return null;
    }
  }
}
