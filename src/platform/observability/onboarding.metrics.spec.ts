import { DataSource } from 'typeorm';
import { InProcessRateLimiter } from '../../workato/rate-limiter';
import { rateLimits } from '../../workato/rate-limits';
import { MeteredRateLimiter } from './metered-rate-limiter';
import { OutboxRepository } from '../../persistence/outbox.repository';
import { OnboardingMetrics, workatoRequestSample } from './onboarding.metrics';

function metricsOn(dataSource: DataSource): OnboardingMetrics {
  return new OnboardingMetrics(dataSource, new OutboxRepository(dataSource));
}

function fakeDataSource(
  answer: (sql: string) => unknown[] | Promise<unknown[]>,
  initialized = true,
): DataSource {
  return {
    isInitialized: initialized,
    query: async (sql: string) => answer(sql),
  } as unknown as DataSource;
}

const countsOf = (sql: string): unknown[] =>
  sql.includes('outbox_message')
    ? [{ n: 7 }]
    : [
        { type: 'ONBOARDING', status: 'COMPLETED', count: '3' },
        { type: 'ONBOARDING', status: 'FAILED', count: '1' },
        { type: 'OFFBOARDING', status: 'COMPLETED', count: '2' },
      ];

async function text(metrics: OnboardingMetrics): Promise<string> {
  return (await metrics.render()).body;
}

describe('OnboardingMetrics', () => {
  it('renders Prometheus text with the default process metrics', async () => {
    const metrics = metricsOn(fakeDataSource(countsOf));
    const { contentType, body } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(body).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  });

  it('reads onboardings by status and the outbox backlog at scrape time, every status shown', async () => {
    let counts = countsOf;
    const metrics = metricsOn(fakeDataSource((sql) => counts(sql)));
    let body = await text(metrics);
    expect(body).toContain('workato_onboarding_onboardings{status="COMPLETED"} 3');
    expect(body).toContain('workato_onboarding_onboardings{status="FAILED"} 1');
    expect(body).toContain('workato_onboarding_onboardings{status="RECEIVED"} 0');
    // Customer operations are counted apart from onboardings.
    expect(body).toContain(
      'workato_onboarding_customer_operations{type="OFFBOARDING",status="COMPLETED"} 2',
    );
    expect(body).toContain('workato_onboarding_onboardings{status="COMPENSATION_FAILED"} 0');
    expect(body).toMatch(/^workato_onboarding_outbox_backlog 7$/m);

    counts = (sql) => (sql.includes('outbox_message') ? [{ n: 0 }] : []);
    body = await text(metrics);
    expect(body).toContain('workato_onboarding_onboardings{status="COMPLETED"} 0');
    expect(body).toMatch(/^workato_onboarding_outbox_backlog 0$/m);
  });

  it('leaves the database gauges empty (or NaN) and counts the error when a query fails', async () => {
    const metrics = metricsOn(
      fakeDataSource(() => Promise.reject(new Error('connection refused'))),
    );
    const body = await text(metrics);
    expect(body).not.toMatch(/^workato_onboarding_onboardings\{/m);
    // prom-client writes `Nan`; Prometheus parses NaN in any case.
    expect(body).toMatch(/^workato_onboarding_outbox_backlog NaN$/im);
    expect(body).toContain('workato_onboarding_metrics_scrape_errors_total{query="onboardings"} 1');
    expect(body).toContain(
      'workato_onboarding_metrics_scrape_errors_total{query="outbox_backlog"} 1',
    );
  });

  it('skips the database before it is initialised', async () => {
    const query = jest.fn();
    const metrics = metricsOn({
      isInitialized: false,
      query,
    } as unknown as DataSource);
    await text(metrics);
    expect(query).not.toHaveBeenCalled();
  });

  it('records what the rest of the service reports', async () => {
    const metrics = metricsOn(fakeDataSource(countsOf));
    metrics.observeOnboardingFinished('completed', 12.5);
    metrics.observeStep('API_CLIENT', 'succeeded', 0.3);
    metrics.observeStep('API_KEY', 'retrying', -1);
    metrics.observeWorkatoRequest({
      endpoint: 'createApiClient',
      method: 'POST',
      status: '201',
      durationMs: 120,
      attempt: 1,
    });
    metrics.observeWorkatoRequest({
      endpoint: 'createApiClient',
      method: 'POST',
      status: 'timeout',
      durationMs: 20_000,
      attempt: 2,
    });
    metrics.countWorkatoRetry('listApiClients');
    metrics.observeRateLimitWait('portals', 1500);
    metrics.countCompensation('compensated');
    metrics.countCompensation('failed');
    metrics.countDeadLetter();
    metrics.countDeadLetter();
    metrics.countIngested('kafka', 'created');
    metrics.countIngested('http', 'duplicate');
    metrics.countIngested('http', 'invalid');
    metrics.setConsumerLag('partner.customer-onboarded', 3, 42);
    metrics.setConsumerLag('partner.customer-onboarded', 4, -1);

    const body = await text(metrics);
    expect(body).toContain(
      'workato_onboarding_onboarding_duration_seconds_sum{outcome="completed"} 12.5',
    );
    expect(body).toContain(
      'workato_onboarding_onboarding_duration_seconds_bucket{le="30",outcome="completed"} 1',
    );
    expect(body).toContain(
      'workato_onboarding_step_duration_seconds_count{step_kind="API_CLIENT",outcome="succeeded"} 1',
    );
    expect(body).toContain(
      'workato_onboarding_step_duration_seconds_sum{step_kind="API_KEY",outcome="retrying"} 0',
    );
    expect(body).toContain(
      'workato_onboarding_workato_requests_total{account="default",endpoint="createApiClient",method="POST",status="201"} 1',
    );
    expect(body).toContain(
      'workato_onboarding_workato_requests_total{account="default",endpoint="createApiClient",method="POST",status="timeout"} 1',
    );
    expect(body).toContain(
      'workato_onboarding_workato_request_duration_seconds_count{account="default",endpoint="createApiClient",method="POST"} 2',
    );
    expect(body).toContain(
      'workato_onboarding_workato_request_duration_seconds_sum{account="default",endpoint="createApiClient",method="POST"} 20.12',
    );
    expect(body).toContain(
      'workato_onboarding_workato_retries_total{account="default",endpoint="createApiClient"} 1',
    );
    expect(body).toContain(
      'workato_onboarding_workato_retries_total{account="default",endpoint="listApiClients"} 1',
    );
    expect(body).toContain(
      'workato_onboarding_rate_limit_wait_seconds_sum{account="default",bucket="portals"} 1.5',
    );
    expect(body).toContain('workato_onboarding_compensations_total{outcome="compensated"} 1');
    expect(body).toContain('workato_onboarding_compensations_total{outcome="failed"} 1');
    expect(body).toMatch(/^workato_onboarding_dlq_messages_total 2$/m);
    expect(body).toContain(
      'workato_onboarding_events_ingested_total{source="kafka",outcome="created"} 1',
    );
    expect(body).toContain(
      'workato_onboarding_events_ingested_total{source="http",outcome="invalid"} 1',
    );
    expect(body).toContain(
      'workato_onboarding_kafka_consumer_lag{topic="partner.customer-onboarded",partition="3"} 42',
    );
    expect(body).toContain(
      'workato_onboarding_kafka_consumer_lag{topic="partner.customer-onboarded",partition="4"} 0',
    );

    metrics.clearConsumerLag();
    expect(await text(metrics)).not.toContain('workato_onboarding_kafka_consumer_lag{');
  });

  it('keeps each instance in a registry of its own', async () => {
    const a = metricsOn(fakeDataSource(countsOf));
    const b = metricsOn(fakeDataSource(countsOf));
    a.countDeadLetter();
    expect(await text(a)).toMatch(/^workato_onboarding_dlq_messages_total 1$/m);
    expect(await text(b)).toMatch(/^workato_onboarding_dlq_messages_total 0$/m);
  });
});

describe('workatoRequestSample', () => {
  const base = {
    endpoint: 'getApiClient',
    method: 'GET' as const,
    durationMs: 5,
    attempt: 1,
    rateLimitWaitMs: 0,
  };

  it('uses the HTTP status, or says why there was none', () => {
    expect(workatoRequestSample({ ...base, status: 404, errorCode: 'WORKATO_NOT_FOUND' })).toEqual({
      endpoint: 'getApiClient',
      method: 'GET',
      status: '404',
      durationMs: 5,
      attempt: 1,
    });
    expect(
      workatoRequestSample({ ...base, status: null, errorCode: 'WORKATO_TIMEOUT' }).status,
    ).toBe('timeout');
    expect(
      workatoRequestSample({ ...base, status: null, errorCode: 'WORKATO_NETWORK_ERROR' }).status,
    ).toBe('network_error');
  });
});

describe('MeteredRateLimiter', () => {
  it('records each bucket wait and passes pauses through', async () => {
    const metrics = metricsOn(fakeDataSource(countsOf));
    const inner = new InProcessRateLimiter(
      rateLimits({ perSecond: 1000, perMinute: { portals: 60_000 } }),
    );
    const pause = jest.spyOn(inner, 'pause');
    const limiter = new MeteredRateLimiter(inner, metrics);
    await limiter.acquire('portals');
    await limiter.acquire('clients');
    await limiter.acquire('clients');
    await limiter.pause('overall', 123);
    expect(pause).toHaveBeenCalledWith('overall', 123);
    const body = await text(metrics);
    expect(body).toContain(
      'workato_onboarding_rate_limit_wait_seconds_count{account="default",bucket="portals"} 1',
    );
    expect(body).toContain(
      'workato_onboarding_rate_limit_wait_seconds_count{account="default",bucket="clients"} 2',
    );
  });
});
