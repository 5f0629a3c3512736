import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningSandbox, SandboxControl, startSandbox } from '../../workato-sandbox/sandbox.server';
import {
  createTestEnvironment,
  eventually,
  startTestApp,
  TestApp,
  TestEnvironment,
} from '../support/app';
import { customerOnboarded, seedWorkspace, TestWorkspace } from '../support/events';
import { produce, readTopic } from '../support/kafka';
import { OnboardingView, rest, waitForTerminal } from '../support/rest';
import { WorkatoAccounts } from '../../src/onboarding/ports/workato-workspace.port';

const FAST = 'collections:1000000/min,clients:1000000/min,portals:1000000/min';

/** Sends events to `topic` as partners do: keyed by the customer, the eventId in a header. */
function sendEvents(topic: string, ...events: Record<string, unknown>[]): Promise<void> {
  return produce(
    topic,
    events.map((event) => ({
      key: (event.customer as { managedUserId: string }).managedUserId,
      value: JSON.stringify(event),
      headers: { 'x-event-id': String(event.eventId) },
    })),
  );
}

/**
 * Two Workato accounts in one deployment, as a partner with customers in two data centers has:
 * two sandboxes, `us` paced slowly (2 requests a second) and `eu` with its token in a file. The
 * events arrive as a partner sends them, on the Kafka topic; the REST API is only looked at.
 */
describe('several Workato accounts', () => {
  let env: TestEnvironment;
  let us: RunningSandbox;
  let eu: RunningSandbox;
  let usControl: SandboxControl;
  let euControl: SandboxControl;
  let service: TestApp;
  let dir: string;
  let tokenFile: string;

  beforeAll(async () => {
    env = await createTestEnvironment('accounts');
    us = await startSandbox({ port: 0, token: 'us-token', limits: 'off' });
    eu = await startSandbox({ port: 0, token: 'eu-token-1', limits: 'off' });
    usControl = new SandboxControl(us.url);
    euControl = new SandboxControl(eu.url);
    dir = mkdtempSync(join(tmpdir(), 'accounts-'));
    tokenFile = join(dir, 'workato-eu');
    writeFileSync(tokenFile, 'eu-token-1\n');
    service = await startTestApp(env.env, {
      WORKATO_ACCOUNTS: JSON.stringify([
        { name: 'us', baseUrl: us.url, token: 'us-token', rateLimitRps: 2, rateLimits: FAST },
        { name: 'eu', baseUrl: eu.url, tokenFile, rateLimitRps: 1000, rateLimits: FAST },
      ]),
      WORKATO_ACCOUNT_RECHECK_SECONDS: '1',
    });
  });

  afterAll(async () => {
    await service?.close();
    await us?.close();
    await eu?.close();
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(event: Record<string, unknown>) {
    return rest<OnboardingView>(service.url, 'POST', '/v1/onboardings', event);
  }

  const callsFor = async (control: SandboxControl, ws: TestWorkspace) =>
    (await control.calls(0)).filter((c) => c.path.includes(`/managed_users/${ws.ref}/`));

  it('routes each onboarding to its account, and refuses an event that names none or an unknown one', async () => {
    const wsUs = await seedWorkspace(usControl);
    const wsEu = await seedWorkspace(euControl);
    const toUs = customerOnboarded(wsUs);
    const toEu = customerOnboarded(wsEu);
    await sendEvents(
      env.topics.onboarded,
      { ...toUs, workatoAccount: 'us' },
      { ...toEu, workatoAccount: 'eu' },
    );
    const viewUs = await waitForTerminal(service.url, String(toUs.eventId));
    const viewEu = await waitForTerminal(service.url, String(toEu.eventId));
    expect([viewUs.status, viewEu.status]).toEqual(['COMPLETED', 'COMPLETED']);
    expect(viewEu.workatoAccount).toBe('eu');
    // Each sandbox saw only its own customer.
    expect((await callsFor(usControl, wsUs)).length).toBeGreaterThan(0);
    expect(await callsFor(euControl, wsUs)).toEqual([]);
    expect((await callsFor(euControl, wsEu)).length).toBeGreaterThan(0);
    expect(await callsFor(usControl, wsEu)).toEqual([]);

    const listed = await rest<{ data: OnboardingView[] }>(
      service.url,
      'GET',
      '/v1/onboardings?workatoAccount=eu&limit=200',
    );
    expect(listed.body.data.map((o) => o.id)).toContain(viewEu.id);
    expect(listed.body.data.every((o) => o.workatoAccount === 'eu')).toBe(true);

    // Over Kafka an event naming no account, or an unknown one, goes to the DLQ with the reason.
    const none = customerOnboarded(wsEu);
    const unknown: Record<string, unknown> = { ...customerOnboarded(wsEu), workatoAccount: 'mars' };
    await sendEvents(env.topics.onboarded, none, unknown);
    const dead = await readTopic(env.topics.dlq, { count: 2, timeoutMs: 30_000 });
    const reasonOf = (event: Record<string, unknown>) =>
      dead.find((m) => m.headers['x-event-id'] === String(event.eventId))?.headers['dlq-reason'];
    expect(reasonOf(none)).toContain(
      'workatoAccount: is required: this deployment has several Workato accounts (us, eu) and none is named default',
    );
    expect(reasonOf(unknown)).toContain('unknown Workato account "mars"');
    for (const event of [none, unknown] as Record<string, unknown>[]) {
      const listed = await rest<{ data: OnboardingView[] }>(
        service.url,
        'GET',
        `/v1/onboardings?eventId=${event.eventId}`,
      );
      expect(listed.body.data).toEqual([]);
    }

    // Over HTTP the same events are refused with 400, naming the field.
    const noneOverHttp = await post(customerOnboarded(wsEu));
    expect(noneOverHttp.status).toBe(400);
    expect(noneOverHttp.body.issues).toEqual([
      {
        path: 'workatoAccount',
        message:
          'is required: this deployment has several Workato accounts (us, eu) and none is named default',
      },
    ]);
    const unknownOverHttp = await post({ ...customerOnboarded(wsEu), workatoAccount: 'mars' });
    expect(unknownOverHttp.status).toBe(400);
    expect(unknownOverHttp.body.message).toContain('unknown Workato account "mars"');

    const metrics = (await rest<string>(service.url, 'GET', '/metrics')).body as unknown as string;
    expect(metrics).toMatch(/workato_requests_total\{account="eu",endpoint="createApiClient"/);
    expect(metrics).toMatch(/workato_requests_total\{account="us",endpoint="createApiClient"/);
  });

  it('keeps one account saturated at its limit from delaying another', async () => {
    const wsUs = await seedWorkspace(usControl);
    const backlog = Array.from({ length: 40 }, (_, i) => ({
      ...customerOnboarded(wsUs, {
        collection: { name: `Backlog ${i}` },
        apiClient: { name: `Backlog ${i}` },
      }),
      workatoAccount: 'us',
    }));
    await sendEvents(env.topics.onboarded, ...backlog);
    // us is now busy for many seconds at 2 requests a second.
    await new Promise((r) => setTimeout(r, 1500));

    const wsEu = await seedWorkspace(euControl);
    const urgent: Record<string, unknown> = { ...customerOnboarded(wsEu), workatoAccount: 'eu' };
    const started = Date.now();
    await sendEvents(env.topics.onboarded, urgent);
    const view = await waitForTerminal(service.url, String(urgent.eventId), {}, 15_000);
    expect(view.status).toBe('COMPLETED');
    expect(Date.now() - started).toBeLessThan(5_000);
    const pending = await rest<{ data: OnboardingView[] }>(
      service.url,
      'GET',
      '/v1/onboardings?workatoAccount=us&status=RECEIVED&limit=200',
    );
    expect(pending.body.data.length).toBeGreaterThan(10);
  });

  it('pauses only the account whose token is refused, and resumes once its token file is replaced', async () => {
    const wsEu = await seedWorkspace(euControl);
    await euControl.revokeToken();
    const event: Record<string, unknown> = { ...customerOnboarded(wsEu), workatoAccount: 'eu' };
    await sendEvents(env.topics.onboarded, event);

    const waiting = await eventually(
      async () => {
        const list = await rest<{ data: OnboardingView[] }>(
          service.url,
          'GET',
          `/v1/onboardings?eventId=${event.eventId}`,
        );
        const view = list.body.data[0];
        return view?.error?.code === 'WORKATO_ACCOUNT_REFUSED' ? view : undefined;
      },
      { timeoutMs: 15_000, message: 'the onboarding never said its account refused the token' },
    );
    expect(waiting.status).toBe('IN_PROGRESS');
    expect(waiting.error.message).toMatch(/^Workato account eu refused the token/);
    expect(waiting.steps.every((s: OnboardingView) => s.attempts === 0)).toBe(true);
    const health = await rest<OnboardingView>(service.url, 'GET', '/health/ready');
    expect(health.body.details.workato.accounts.eu).toMatch(/^unauthorized/);
    const metrics = (await rest<string>(service.url, 'GET', '/metrics')).body as unknown as string;
    expect(metrics).toMatch(/workato_account_authorized\{account="eu"\} 0/);
    expect(metrics).toMatch(/workato_account_authorized\{account="us"\} 1/);

    // The partner regenerates the token and mounts it: nothing else is done.
    await euControl.setToken('eu-token-2');
    writeFileSync(tokenFile, 'eu-token-2\n');
    const done = await waitForTerminal(service.url, String(event.eventId), {}, 30_000);
    expect(done.status).toBe('COMPLETED');
    expect(done.error).toBeNull();
    const state = await euControl.managedUser(wsEu.id);
    expect(state.collections).toHaveLength(1);
    expect(state.clients).toHaveLength(1);
    expect(state.keys).toHaveLength(1);
    const deletes = (await callsFor(euControl, wsEu)).filter((c) => c.method === 'DELETE');
    expect(deletes).toEqual([]);
    const healthAfter = await rest<OnboardingView>(service.url, 'GET', '/health/ready');
    expect(healthAfter.body.details.workato.accounts.eu).toBe('ok');
  });
});

/**
 * A deployment configured as before several accounts existed: one base URL and token, the
 * deprecated portal limit, events without `workatoAccount`. Its one account is `default`.
 */
describe('the single-account settings of earlier releases', () => {
  let env: TestEnvironment;
  let service: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('accounts-single');
    const { WORKATO_RATE_LIMITS: _families, ...settings } = env.env;
    service = await startTestApp(settings, { WORKATO_PORTAL_RATE_LIMIT_PER_MINUTE: '600' });
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  it('onboards an event without workatoAccount through the one account, named default', async () => {
    expect(service.app.get(WorkatoAccounts).names).toEqual(['default']);
    const ws = await seedWorkspace(env.control);
    const event = customerOnboarded(ws);
    expect(event).not.toHaveProperty('workatoAccount');
    await sendEvents(env.topics.onboarded, event);
    const view = await waitForTerminal(service.url, String(event.eventId));
    expect(view.status).toBe('COMPLETED');
    expect(view.workatoAccount).toBe('default');
    const state = await env.control.managedUser(ws.id);
    expect(state.clients).toHaveLength(1);
  });
});
