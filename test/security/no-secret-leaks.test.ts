import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createTestEnvironment,
  OPERATOR_TOKEN,
  TestEnvironment,
  VIEWER_TOKEN,
} from '../support/app';
import { customerOnboarded, RSA_PUBLIC_KEY, seedWorkspace } from '../support/events';
import { readTopic, testKafka } from '../support/kafka';
import { OnboardingView, rest, waitForTerminal } from '../support/rest';
import { ServiceProcess } from '../support/service-process';

/**
 * Runs the end-to-end scenarios on a real service process with debug logs, then searches its
 * logs, the results topic, the DLQ and every row of every table for every secret involved.
 */
describe('no secret in clear text anywhere', () => {
  const workatoToken = `wrk-${randomBytes(16).toString('hex')}`;
  const hmacSecret = `hmac-${randomBytes(16).toString('hex')}`;
  let env: TestEnvironment;
  let service: ServiceProcess;

  beforeAll(async () => {
    env = await createTestEnvironment('secrets', { workatoToken });
    service = await ServiceProcess.create({ ...env.env, LOG_LEVEL: 'debug' }, 'no-secret-leaks');
    await service.start();
  });

  afterAll(async () => {
    await service?.kill();
    await env?.close();
  });

  it('keeps Workato tokens, auth_tokens, JWT secrets and API tokens out of logs, topics and tables', async () => {
    const secrets = new Set<string>([
      workatoToken,
      hmacSecret,
      OPERATOR_TOKEN,
      VIEWER_TOKEN,
      RSA_PUBLIC_KEY,
    ]);
    const ws = await seedWorkspace(env.control);
    // The onboarding that fails and is compensated has a workspace of its own, so its fault
    // (the second key refused) cannot hit another onboarding's key.
    const other = await seedWorkspace(env.control);
    const producer = testKafka().producer();
    await producer.connect();
    const send = (value: unknown) =>
      producer.send({
        topic: env.topics.onboarded,
        messages: [{ key: ws.ref, value: JSON.stringify(value) }],
      });

    const events = [
      customerOnboarded(ws, { apiClient: { name: 'Token client' }, collection: { name: 'C1' } }),
      customerOnboarded(ws, {
        apiClient: {
          name: 'Hmac given',
          authType: 'jwt',
          jwt: { method: 'hmac', secret: hmacSecret },
        },
        collection: { name: 'C2' },
      }),
      customerOnboarded(ws, {
        apiClient: { name: 'Hmac generated', authType: 'jwt', jwt: { method: 'hmac' } },
        collection: { name: 'C3' },
      }),
      customerOnboarded(ws, {
        apiClient: { name: 'Rsa', authType: 'jwt', jwt: { method: 'rsa', secret: RSA_PUBLIC_KEY } },
        collection: { name: 'C4' },
      }),
      customerOnboarded(other, {
        apiClient: { name: 'Compensated', authType: 'oauth2' },
        collection: { name: 'C5' },
        apiKeys: ['A', 'B'].map((name) => ({
          name,
          active: true,
          ipAllowList: [],
          ipDenyList: [],
        })),
      }),
    ];
    await env.control.addFault({
      method: 'POST',
      path: `/managed_users/${other.ref}/api_clients/\\d+/api_keys$`,
      skip: 1,
      status: 422,
    });
    for (const event of events) await send(event);
    // A rejected event carrying a secret.
    await send({
      ...events[1],
      eventId: 'bad-one',
      apiClient: { ...(events[1].apiClient as object), portal: {} },
    });
    await producer.disconnect();

    const views: OnboardingView[] = [];
    for (const event of events)
      views.push(await waitForTerminal(service.url, String(event.eventId)));
    expect(views.map((v) => v.status)).toEqual([
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'FAILED',
    ]);

    // Every token Workato issued to keys that still exist, and the generated HMAC secret.
    for (const view of views.filter((v) => v.status === 'COMPLETED')) {
      const credentials = await rest<OnboardingView>(
        service.url,
        'GET',
        `/v1/onboardings/${view.id}/credentials`,
      );
      for (const key of credentials.body.apiKeys) if (key.authToken) secrets.add(key.authToken);
      if (credentials.body.jwtSecret) secrets.add(credentials.body.jwtSecret);
    }
    for (const key of [
      ...(await env.control.managedUser(ws.id)).keys,
      ...(await env.control.managedUser(other.id)).keys,
    ])
      if (key.auth_token) secrets.add(String(key.auth_token));
    expect(secrets.size).toBeGreaterThanOrEqual(7);

    const results = await readTopic(env.topics.results, { count: events.length, timeoutMs: 20000 });
    const dead = await readTopic(env.topics.dlq, { count: 1, timeoutMs: 20000 });
    expect(results).toHaveLength(events.length);
    expect(dead).toHaveLength(1);
    await service.signal('SIGTERM');
    const logs = readFileSync(service.logFile, 'utf8');
    expect(logs).toContain('onboarding received');

    const tables: { tablename: string }[] = await env.database.dataSource.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
    );
    let dump = '';
    for (const { tablename } of tables)
      for (const row of await env.database.dataSource.query(
        `SELECT t::text AS row FROM "${tablename}" t`,
      ))
        dump += `${row.row}\n`;
    expect(dump).toContain('api_key:A');

    const places: Record<string, string> = {
      logs,
      'results topic': JSON.stringify(results),
      DLQ: JSON.stringify(dead),
      database: dump,
    };
    const leaks: string[] = [];
    for (const secret of secrets)
      for (const [place, text] of Object.entries(places))
        if (text.includes(secret) || text.includes(JSON.stringify(secret).slice(1, -1)))
          leaks.push(`${secret.slice(0, 6)}… in ${place}`);
    expect(leaks).toEqual([]);
  });
});
