import { DataSource } from 'typeorm';
import { OutboxRepository } from '../../src/persistence/outbox.repository';
import { MeteredRateLimiter } from '../../src/platform/observability/metered-rate-limiter';
import {
  OnboardingMetrics,
  workatoRequestSample,
} from '../../src/platform/observability/onboarding.metrics';
import { RunningSandbox, SandboxControl, startSandbox } from '../../workato-sandbox/sandbox.server';
import { InProcessRateLimiter } from '../../src/workato/rate-limiter';
import { rateLimits } from '../../src/workato/rate-limits';
import { WorkatoClient } from '../../src/workato/workato.client';

/**
 * The Workato client connected to OnboardingMetrics exactly as the service's client factory
 * should do it (onRequest + MeteredRateLimiter), against the sandbox with injected faults.
 */
const MU = 5454;

let sandbox: RunningSandbox;
let control: SandboxControl;
let client: WorkatoClient;
let metrics: OnboardingMetrics;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, limits: 'off' });
  control = new SandboxControl(sandbox.url);
  // No database in this test: the scrape-time gauges are skipped.
  const noDatabase = { isInitialized: false } as unknown as DataSource;
  metrics = new OnboardingMetrics(noDatabase, new OutboxRepository(noDatabase));
  client = new WorkatoClient({
    baseUrl: sandbox.url,
    apiToken: sandbox.token,
    timeoutMs: 2000,
    rateLimiter: new MeteredRateLimiter(
      new InProcessRateLimiter(rateLimits({ perSecond: 5000, perMinute: { portals: 300_000 } })),
      metrics,
    ),
    retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3, maxElapsedMs: 10_000 },
    onRequest: (event) => metrics.observeWorkatoRequest(workatoRequestSample(event)),
  });
});

afterAll(async () => {
  await client.close();
  await sandbox.close();
});

it('counts attempts by status, retries, network errors and rate-limiter waits per bucket', async () => {
  await control.addFault({ method: 'GET', path: 'api_clients', status: 503, count: 1 });
  await client.call('listApiClients', { mu: MU });
  await control.addFault({ method: 'GET', path: 'api_portals', drop: true, count: 1 });
  await client.call('listApiPortals', { mu: MU });

  const text = (await metrics.render()).body;
  expect(text).toContain(
    'workato_onboarding_workato_requests_total{account="default",endpoint="listApiClients",method="GET",status="503"} 1',
  );
  expect(text).toContain(
    'workato_onboarding_workato_requests_total{account="default",endpoint="listApiClients",method="GET",status="200"} 1',
  );
  expect(text).toContain(
    'workato_onboarding_workato_requests_total{account="default",endpoint="listApiPortals",method="GET",status="network_error"} 1',
  );
  expect(text).toContain(
    'workato_onboarding_workato_retries_total{account="default",endpoint="listApiClients"} 1',
  );
  expect(text).toContain(
    'workato_onboarding_workato_retries_total{account="default",endpoint="listApiPortals"} 1',
  );
  expect(text).toContain(
    'workato_onboarding_workato_request_duration_seconds_count{account="default",endpoint="listApiClients",method="GET"} 2',
  );
  // Every attempt takes a slot, labelled with its endpoint's rate-limit family.
  expect(text).toContain(
    'workato_onboarding_rate_limit_wait_seconds_count{account="default",bucket="portals"} 2',
  );
  expect(text).toContain(
    'workato_onboarding_rate_limit_wait_seconds_count{account="default",bucket="clients"} 2',
  );
});
