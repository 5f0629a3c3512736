import { createTestEnvironment, eventually, TestEnvironment } from '../support/app';
import { customerOnboarded, seedWorkspace } from '../support/events';
import { OnboardingView, rest, waitForTerminal } from '../support/rest';
import { ServiceProcess } from '../support/service-process';

const GRACE_SECONDS = 6;

/**
 * An overlap rotation survives the machine dying twice: once while the new key's create is on
 * its way to Workato, once during the grace period. It ends with exactly one new key (holding
 * the token the service hands out), and the old key removed no sooner than the grace period
 * after it began.
 */
describe('SIGKILL during an overlap rotation', () => {
  let env: TestEnvironment;
  let service: ServiceProcess;

  beforeAll(async () => {
    env = await createTestEnvironment('rotation-crash', { withKafka: false });
    service = await ServiceProcess.create(
      { ...env.env, ONBOARDING_LEASE_SECONDS: '2', LOG_LEVEL: 'info' },
      'rotation-crash',
    );
  });

  afterAll(async () => {
    await service?.kill();
    await env?.close();
  });

  const operation = async (id: string) =>
    (await rest<OnboardingView>(service.url, 'GET', `/v1/operations/${id}`)).body;
  const step = (view: OnboardingView, kind: string) =>
    (view.steps as OnboardingView[]).find((s) => s.kind === kind);

  it('ends with one new key and the old one removed after the grace period', async () => {
    const ws = await seedWorkspace(env.control);
    await service.start();
    const event = customerOnboarded(ws);
    expect((await rest(service.url, 'POST', '/v1/onboardings', event)).status).toBe(202);
    expect((await waitForTerminal(service.url, String(event.eventId))).status).toBe('COMPLETED');
    const [old] = (await env.control.managedUser(ws.id)).keys as { id: number; name: string }[];

    // The new key's create takes long enough for the kill to land while it is on its way.
    await env.control.addFault({
      method: 'POST',
      path: `/managed_users/${ws.ref}/api_clients/\\d+/api_keys$`,
      latencyMs: 1500,
      count: 1,
    });
    const accepted = await rest<{ operationId: string }>(
      service.url,
      'POST',
      `/v1/customers/${ws.ref}/key-rotations`,
      { apiClient: { name: `Customer ${ws.id}` }, graceSeconds: GRACE_SECONDS },
    );
    const id = accepted.body.operationId;
    await eventually(
      async () =>
        step(await operation(id), 'ROTATED_API_KEY')?.intentRecordedAt ? true : undefined,
      { timeoutMs: 20_000, intervalMs: 20, message: 'the create was never sent' },
    );
    await service.kill();
    await service.start();

    // The grace period begins once the new key exists and its token is stored; kill during it.
    const waiting = await eventually(
      async () => {
        const view = await operation(id);
        return step(view, 'GRACE_PERIOD')?.startedAt ? view : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, message: 'the grace period never began' },
    );
    const graceStarted = new Date(step(waiting, 'GRACE_PERIOD')!.startedAt).getTime();
    await new Promise((r) => setTimeout(r, 1000));
    await service.kill();
    expect(
      ((await env.control.managedUser(ws.id)).keys as { id: number }[]).some(
        (k) => k.id === old.id,
      ),
    ).toBe(true);
    await service.start();

    const done = await eventually(
      async () => {
        const view = await operation(id);
        return ['COMPLETED', 'FAILED', 'COMPENSATION_FAILED'].includes(view.status)
          ? view
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'the rotation did not finish' },
    );
    expect(done.status).toBe('COMPLETED');
    // The wait was neither lost nor restarted by the restarts.
    expect(step(done, 'GRACE_PERIOD')!.startedAt).toBe(step(waiting, 'GRACE_PERIOD')!.startedAt);
    const disabledAt = new Date(step(done, 'API_KEY_DISABLE')!.finishedAt).getTime();
    expect(disabledAt).toBeGreaterThanOrEqual(graceStarted + GRACE_SECONDS * 1000);

    const keys = (await env.control.managedUser(ws.id)).keys as {
      id: number;
      name: string;
      active: boolean;
      auth_token: string;
    }[];
    expect(keys.map((k) => k.name)).toEqual([step(done, 'ROTATED_API_KEY')!.target.newKeyName]);
    expect(keys[0].active).toBe(true);
    const credentials = await rest<{ apiKeys: { authToken: string }[] }>(
      service.url,
      'GET',
      `/v1/operations/${id}/credentials`,
    );
    expect(credentials.body.apiKeys.map((k) => k.authToken)).toEqual([keys[0].auth_token]);
  });
});
