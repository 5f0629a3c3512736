import { createHash } from 'node:crypto';
import { testKafka, readTopic } from '../support/kafka';
import { createTestEnvironment, startTestApp, TestApp, TestEnvironment } from '../support/app';
import { customerOnboarded, RSA_PUBLIC_KEY, seedWorkspace, TestWorkspace } from '../support/events';
import { OnboardingView, rest, waitForTerminal } from '../support/rest';

type Case = {
  name: string;
  via: 'kafka' | 'http';
  apiClient: (ws: TestWorkspace) => Record<string, unknown>;
  keys: number;
  /** Fields the create-client request must carry, beyond name, auth type and collection. */
  expectedClientFields: (ws: TestWorkspace) => Record<string, unknown>;
  portalByName?: boolean;
  keysHaveTokens: boolean;
};

const CASES: Case[] = [
  {
    name: 'token client, portal by id (magic link), two keys',
    via: 'kafka',
    apiClient: (ws) => ({
      authType: 'token',
      portal: { portalId: ws.magicLinkPortal.id, email: 'dev@umbrella.example' },
    }),
    keys: 2,
    expectedClientFields: (ws) => ({
      api_portal_id: ws.magicLinkPortal.id,
      email: 'dev@umbrella.example',
    }),
    keysHaveTokens: true,
  },
  {
    name: 'jwt hmac with a generated secret, no portal, no keys',
    via: 'http',
    apiClient: () => ({
      authType: 'jwt',
      jwt: { method: 'hmac' },
      accessProfileClaim: 'tenant',
      requiredClaims: ['sub'],
    }),
    keys: 0,
    expectedClientFields: () => ({
      jwt_method: 'hmac',
      access_profile_claim: 'tenant',
      required_claims: ['sub'],
    }),
    keysHaveTokens: false,
  },
  {
    name: 'jwt rsa, portal by name (identity), one key',
    via: 'kafka',
    apiClient: (ws) => ({
      authType: 'jwt',
      jwt: { method: 'rsa', secret: RSA_PUBLIC_KEY },
      allowedIssuers: ['https://issuer.example'],
      portal: { portalName: ws.identityPortal.name, idpUserId: 'idp-user-1' },
    }),
    keys: 1,
    expectedClientFields: (ws) => ({
      jwt_method: 'rsa',
      allowed_issuers: ['https://issuer.example'],
      api_portal_id: ws.identityPortal.id,
      idp_user_id: 'idp-user-1',
    }),
    portalByName: true,
    keysHaveTokens: false,
  },
  {
    name: 'oauth2, portal by name (magic link), one key',
    via: 'kafka',
    apiClient: (ws) => ({
      authType: 'oauth2',
      apiPolicyId: 7,
      portal: { portalName: ws.magicLinkPortal.name, email: 'ops@umbrella.example' },
    }),
    keys: 1,
    expectedClientFields: (ws) => ({
      api_policy_id: 7,
      api_portal_id: ws.magicLinkPortal.id,
      email: 'ops@umbrella.example',
    }),
    portalByName: true,
    keysHaveTokens: true,
  },
  {
    name: 'oidc by issuer, one key',
    via: 'kafka',
    apiClient: () => ({
      authType: 'oidc',
      oidc: { issuer: 'https://login.umbrella.example/.well-known/openid-configuration' },
      accessProfileClaim: 'group',
    }),
    keys: 1,
    expectedClientFields: () => ({
      oidc_issuer: 'https://login.umbrella.example/.well-known/openid-configuration',
      access_profile_claim: 'group',
    }),
    keysHaveTokens: false,
  },
  {
    name: 'oidc by JWKS, portal by id (identity), no keys',
    via: 'http',
    apiClient: (ws) => ({
      authType: 'oidc',
      oidc: { jwksUri: 'https://login.umbrella.example/jwks.json' },
      portal: { portalId: ws.identityPortal.id, idpUserId: 'idp-user-2' },
    }),
    keys: 0,
    expectedClientFields: (ws) => ({
      oidc_jwks_uri: 'https://login.umbrella.example/jwks.json',
      api_portal_id: ws.identityPortal.id,
      idp_user_id: 'idp-user-2',
    }),
    keysHaveTokens: false,
  },
];

describe('onboarding end to end, per auth type', () => {
  let env: TestEnvironment;
  let service: TestApp;
  const results: { value: string }[] = [];

  beforeAll(async () => {
    env = await createTestEnvironment('authtypes');
    service = await startTestApp(env.env);
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  it.each(CASES)('$name (via $via)', async (c) => {
    const ws = await seedWorkspace(env.control);
    const keyNames = Array.from({ length: c.keys }, (_, i) => `Key ${i + 1}`);
    const event = customerOnboarded(ws, {
      apiClient: c.apiClient(ws),
      apiKeys: keyNames.map((name) => ({ name, active: true, ipAllowList: [], ipDenyList: [] })),
    });
    const since = await env.control.lastCallSeq();

    if (c.via === 'kafka') {
      const producer = testKafka().producer();
      await producer.connect();
      await producer.send({
        topic: env.topics.onboarded,
        messages: [{ key: ws.ref, value: JSON.stringify(event) }],
      });
      await producer.disconnect();
    } else {
      const posted = await rest(service.url, 'POST', '/v1/onboardings', event);
      expect(posted.status).toBe(202);
    }

    const view: OnboardingView = await waitForTerminal(service.url, String(event.eventId));
    expect(view.status).toBe('COMPLETED');
    expect(view.error).toBeNull();
    expect(view.steps.every((s: OnboardingView) => s.status === 'SUCCEEDED')).toBe(true);

    // The exact requests Workato received for this customer, in order.
    const calls = (await env.control.calls(since)).filter((call) =>
      call.path.includes(`/managed_users/${ws.ref}/`),
    );
    const v1 = `/api/managed_users/${ws.ref}`;
    const v2 = `/api/v2/managed_users/${ws.ref}`;
    const clientId = view.resources.apiClient.id;
    const expected = [
      `GET ${v1}/api_collections`,
      `POST ${v1}/api_collections`,
      `GET ${v2}/api_clients`,
      ...(c.portalByName ? [`GET ${v2}/api_portals`] : []),
      `POST ${v2}/api_clients`,
      // A client this onboarding created holds no keys it does not know of: no look-up.
      ...keyNames.map(() => `POST ${v2}/api_clients/${clientId}/api_keys`),
    ];
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual(expected);
    expect(calls.every((call) => call.status !== null && call.status < 300)).toBe(true);

    const createCollection = calls[1];
    expect(createCollection.query).toEqual({ project_id: ws.projectId });
    expect(createCollection.body).toEqual({ name: `Customer ${ws.id} API` });

    const createClient = calls.find(
      (call) => call.method === 'POST' && call.path === `${v2}/api_clients`,
    )!;
    expect(createClient.body).toMatchObject({
      name: `Customer ${ws.id}`,
      auth_type: (c.apiClient(ws) as { authType: string }).authType,
      project_id: Number(ws.projectId),
      api_collection_ids: [Number(view.resources.apiCollection.id)],
      ...c.expectedClientFields(ws),
    });
    const jwt = (c.apiClient(ws) as { jwt?: { method: string } }).jwt;
    if (jwt) expect((createClient.body as Record<string, unknown>).jwt_secret).toBe('[REDACTED]');

    // Workato's own state: one of each, as asked.
    const state = await env.control.managedUser(ws.id);
    expect(state.collections.map((col) => col.name)).toEqual([`Customer ${ws.id} API`]);
    expect(state.clients).toHaveLength(1);
    expect(String(state.clients[0].id)).toBe(clientId);
    expect(state.keys.map((k) => k.name).sort()).toEqual([...keyNames].sort());

    // Credentials once: the tokens Workato issued, then 410.
    const credentials = await rest<OnboardingView>(
      service.url,
      'GET',
      `/v1/onboardings/${view.id}/credentials`,
    );
    expect(credentials.status).toBe(200);
    for (const key of credentials.body.apiKeys) {
      const issued = state.keys.find((k) => String(k.id) === key.id)!;
      expect(key.authToken).toBe(c.keysHaveTokens ? issued.auth_token : null);
    }
    if (jwt?.method === 'hmac') {
      const sentSha = state.clients[0].jwt_secret_sha256;
      expect(createHash('sha256').update(credentials.body.jwtSecret).digest('hex')).toBe(sentSha);
    } else {
      expect(credentials.body.jwtSecret).toBeUndefined();
    }
    expect((await rest(service.url, 'GET', `/v1/onboardings/${view.id}/credentials`)).status).toBe(
      410,
    );

    // The outcome on the results topic, keyed by the managed user, without secrets.
    const messages = await readTopic(env.topics.results, {
      count: results.length + 1,
      timeoutMs: 20000,
    });
    results.splice(0, results.length, ...messages);
    const outcome = messages
      .map((m) => ({ key: m.key, value: JSON.parse(m.value) }))
      .find((m) => m.value.onboardingId === view.id);
    expect(outcome).toBeDefined();
    expect(outcome!.key).toBe(ws.ref);
    expect(outcome!.value).toMatchObject({
      type: 'OnboardingCompleted',
      eventId: event.eventId,
      status: 'COMPLETED',
      customer: { managedUserId: ws.ref },
      resources: {
        apiClient: { id: clientId },
        apiCollection: { id: view.resources.apiCollection.id },
      },
      error: null,
    });
    for (const key of state.keys)
      if (key.auth_token) expect(JSON.stringify(messages)).not.toContain(String(key.auth_token));
  });
});
