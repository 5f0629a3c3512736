import { request } from 'undici';
import { RunningSandbox, SandboxControl, startSandbox } from '../../workato-sandbox/sandbox.server';

/**
 * The sandbox over real HTTP: response envelopes as documented in the Workato reference,
 * validation rules, key secrecy, pagination, rate limiting, faults and the control API.
 */
let sandbox: RunningSandbox;
let control: SandboxControl;

const MU = '/api/managed_users/5454';
const MU_V2 = '/api/v2/managed_users/5454';
const PROJECT = '523144';
const MAGIC_LINK_PORTAL = 37;
const IDENTITY_PORTAL = 38;
/** Built from parts so no tooling mistakes it for an address to obfuscate. */
const EMAIL = ['admin', 'automation.example.com'].join('@');

interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // Tests read arbitrary response shapes; a loose type keeps assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function api(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  options: { token?: string | null; rawBody?: string } = {},
): Promise<ApiResponse> {
  const token = options.token === undefined ? sandbox.token : options.token;
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const response = await request(`${sandbox.url}${path}`, { method, headers, body: payload });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    body: text === '' ? null : JSON.parse(text),
  };
}

async function createCollection(name = 'Product Catalog', managedUser = MU): Promise<number> {
  const res = await api('POST', `${managedUser}/api_collections?project_id=${PROJECT}`, { name });
  expect(res.status).toBe(200);
  return res.body.id;
}

async function createClient(overrides: Record<string, unknown> = {}): Promise<ApiResponse> {
  const collectionId = await createCollection();
  return api('POST', `${MU_V2}/api_clients`, {
    name: 'Automation Inc.',
    auth_type: 'token',
    api_collection_ids: [collectionId],
    ...overrides,
  });
}

async function createKey(
  clientId: number,
  body: Record<string, unknown> = {},
): Promise<ApiResponse> {
  return api('POST', `${MU_V2}/api_clients/${clientId}/api_keys`, {
    name: 'Production',
    active: true,
    ...body,
  });
}

beforeAll(async () => {
  // These tests are about everything but the default limits (10/s would slow them down);
  // sandbox.limits.test.ts covers those.
  sandbox = await startSandbox({ port: 0, limits: 'off' });
  control = new SandboxControl(sandbox.url);
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(async () => {
  await control.reset();
});

describe('authentication and unknown resources', () => {
  it('answers 401 without a token or with a wrong one', async () => {
    for (const token of [null, 'wrong-token']) {
      const res = await api('GET', `${MU}/api_collections`, undefined, { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: 'Unauthorized' });
    }
  });

  it('accepts the bearer scheme in any case', async () => {
    const response = await request(`${sandbox.url}${MU}/api_collections`, {
      headers: { authorization: `bearer ${sandbox.token}` },
    });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });

  it('answers 404 {"message":"Not found"} for unknown managed users, paths, methods and ids', async () => {
    const cases: ['GET' | 'POST' | 'PUT' | 'DELETE', string][] = [
      ['GET', '/api/managed_users/999999/api_collections'],
      ['GET', '/api/managed_users/Enope/api_collections'],
      ['GET', '/api/v2/managed_users/5454/api_clients/424242'],
      ['GET', '/api/v2/managed_users/5454/api_clients/abc'],
      ['PUT', `${MU}/api_endpoints/424242/enable`],
      ['GET', '/api/no/such/thing'],
      ['DELETE', `${MU}/api_collections`],
      // The deprecated v1 client endpoints are deliberately not served.
      ['GET', `${MU}/api_clients`],
    ];
    for (const [method, path] of cases) {
      const res = await api(method, path);
      expect({ path, status: res.status, body: res.body }).toEqual({
        path,
        status: 404,
        body: { message: 'Not found' },
      });
    }
  });

  it('answers 400 for a malformed JSON body', async () => {
    const res = await api('POST', `${MU_V2}/api_clients`, undefined, { rawBody: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/Malformed JSON/);
  });
});

describe('API collections and endpoints', () => {
  it('creates a collection as a bare object and lists it in a result envelope', async () => {
    const created = await api('POST', `${MU}/api_collections?project_id=${PROJECT}`, {
      name: 'Netsuite customers',
    });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      id: expect.any(Number),
      name: 'Netsuite customers',
      version: '1.0',
      url: expect.stringMatching(/^https:\/\/api\.na\.workato\.com\/.+\/netsuite-customers-v1$/),
      api_spec_url: expect.stringContaining('/swagger?token='),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/),
      updated_at: expect.any(String),
    });

    // The external id form, E + URL-encoded external id, reaches the same workspace.
    const listed = await api('GET', '/api/managed_users/E12345/api_collections');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ result: [{ ...created.body, project_id: PROJECT }] });
  });

  it('allows duplicate collection names in one project', async () => {
    const first = await createCollection('Same');
    const second = await createCollection('Same');
    expect(second).not.toBe(first);
    const listed = await api('GET', `${MU}/api_collections`);
    expect(listed.body.result.map((c: { name: string }) => c.name)).toEqual(['Same', 'Same']);
    expect(listed.body.result[0].url).not.toBe(listed.body.result[1].url);
  });

  it('rejects a missing name, a missing project and an unknown project with field errors', async () => {
    const noName = await api('POST', `${MU}/api_collections?project_id=${PROJECT}`, {});
    expect(noName.status).toBe(400);
    expect(noName.body.errors).toEqual({ name: ["can't be blank"] });

    const noProject = await api('POST', `${MU}/api_collections`, { name: 'x' });
    expect(noProject.status).toBe(400);
    expect(noProject.body.errors).toEqual({ project_id: ["can't be blank"] });

    const unknownProject = await api('POST', `${MU}/api_collections?project_id=1`, { name: 'x' });
    expect(unknownProject.status).toBe(400);
    expect(unknownProject.body).toEqual({
      message: 'Validation failed',
      errors: { project_id: ['is invalid'] },
    });
  });

  it('pages collections with page and per_page', async () => {
    for (let i = 0; i < 3; i++) await createCollection(`c${i}`);
    const page2 = await api('GET', `${MU}/api_collections?page=2&per_page=2`);
    expect(page2.body.result.map((c: { name: string }) => c.name)).toEqual(['c2']);
  });

  it('lists sample endpoints per collection and enables and disables them', async () => {
    const collectionId = await createCollection();
    await createCollection('Other');
    const all = await api('GET', `${MU}/api_endpoints`);
    expect(all.body.result).toHaveLength(4);
    const listed = await api('GET', `${MU}/api_endpoints?api_collection_id=${collectionId}`);
    expect(listed.body.result).toHaveLength(2);
    const endpoint = listed.body.result[0];
    expect(endpoint).toMatchObject({
      api_collection_id: collectionId,
      active: false,
      legacy: false,
      legacy_url: null,
    });

    const enabled = await api('PUT', `${MU}/api_endpoints/${endpoint.id}/enable`);
    expect(enabled).toMatchObject({ status: 200, body: { success: true } });
    let state = await control.managedUser(5454);
    expect(state.endpoints.find((e) => e.id === endpoint.id)?.active).toBe(true);

    const disabled = await api('PUT', `${MU}/api_endpoints/${endpoint.id}/disable`);
    expect(disabled.body).toEqual({ success: true });
    state = await control.managedUser(5454);
    expect(state.endpoints.find((e) => e.id === endpoint.id)?.active).toBe(false);
  });
});

describe('API clients', () => {
  it('creates, reads, lists, updates and deletes a client with the documented envelopes', async () => {
    const created = await createClient({
      description: 'API client for Product Catalog',
      api_portal_id: MAGIC_LINK_PORTAL,
      email: EMAIL,
      api_policy_id: 1,
      project_id: Number(PROJECT),
    });
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({
      id: expect.any(Number),
      name: 'Automation Inc.',
      description: 'API client for Product Catalog',
      active_api_keys_count: 0,
      total_api_keys_count: 0,
      is_legacy: false,
      email: EMAIL,
      idp_user_id: null,
      auth_type: 'token',
      project_id: PROJECT,
      api_portal_id: MAGIC_LINK_PORTAL,
      jwt_method: null,
      oidc_issuer: null,
      oidc_jwks_uri: null,
      access_profile_claim: null,
      required_claims: [],
      allowed_issuers: [],
      mtls_enabled: false,
      api_policies: [{ id: 1, name: expect.any(String) }],
      api_collections: [{ id: expect.any(Number), name: 'Product Catalog' }],
    });
    expect(created.body.data).not.toHaveProperty('api_keys');
    const id = created.body.data.id;

    const fetched = await api('GET', `${MU_V2}/api_clients/${id}`);
    expect(fetched.body).toEqual({ data: { ...created.body.data, api_keys: [] } });

    const listed = await api('GET', `/api/v2/managed_users/E12345/api_clients`);
    expect(listed.body).toEqual({ data: [created.body.data], count: 1, page: 1, per_page: 100 });

    // 001's update sample sends only name and description, so updates are partial.
    const updated = await api('PUT', `${MU_V2}/api_clients/${id}`, {
      name: 'Mustard Inc.',
      description: 'API client for Automation workflows',
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({
      id,
      name: 'Mustard Inc.',
      email: EMAIL,
      api_keys: [],
    });

    const deleted = await api('DELETE', `${MU_V2}/api_clients/${id}`);
    expect(deleted.body).toEqual({ success: true });
    expect((await api('GET', `${MU_V2}/api_clients/${id}`)).status).toBe(404);
  });

  it('creates an identity-portal client with idp_user_id and mTLS settings (003)', async () => {
    const created = await createClient({
      api_portal_id: IDENTITY_PORTAL,
      idp_user_id: 'eshSUgjCGb4ZnF51FjEL3b',
      mtls_enabled: true,
      validation_formula: 'OU=Workato',
      cert_bundle_ids: [3],
    });
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({
      idp_user_id: 'eshSUgjCGb4ZnF51FjEL3b',
      email: null,
      mtls_enabled: true,
      validation_formula: 'OU=Workato',
      cert_bundle_ids: [3],
    });
  });

  it('never returns jwt_secret, and exposes only its hash in the control state', async () => {
    const created = await createClient({
      auth_type: 'jwt',
      jwt_method: 'hmac',
      jwt_secret: 'super-secret-value',
      oidc_issuer: 'https://idp.example.com/.well-known/openid-configuration',
      access_profile_claim: 'profile',
      required_claims: ['sub'],
      allowed_issuers: ['https://idp.example.com'],
    });
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({
      auth_type: 'jwt',
      jwt_method: 'hmac',
      required_claims: ['sub'],
    });
    const id = created.body.data.id;
    const responses = [
      created,
      await api('GET', `${MU_V2}/api_clients/${id}`),
      await api('GET', `${MU_V2}/api_clients`),
      await api('PUT', `${MU_V2}/api_clients/${id}`, { description: 'changed' }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain('super-secret-value');
      expect(JSON.stringify(res.body)).not.toContain('jwt_secret');
    }
    const state = await control.managedUser(5454);
    expect(JSON.stringify(state)).not.toContain('super-secret-value');
    expect(state.clients[0].jwt_secret_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('validation', () => {
    const oidc = 'https://idp.example.com/.well-known/openid-configuration';
    const jwks = 'https://idp.example.com/jwks.json';
    const cases: [string, Record<string, unknown>, Record<string, string[]>][] = [
      ['name required', { name: undefined }, { name: ["can't be blank"] }],
      ['auth_type required', { auth_type: undefined }, { auth_type: ["can't be blank"] }],
      [
        'auth_type in the list',
        { auth_type: 'basic' },
        { auth_type: ['is not included in the list'] },
      ],
      [
        'api_collection_ids required',
        { api_collection_ids: undefined },
        { api_collection_ids: ["can't be blank"] },
      ],
      [
        'api_collection_ids non-empty',
        { api_collection_ids: [] },
        { api_collection_ids: ["can't be blank"] },
      ],
      [
        'api_collection_ids must exist',
        { api_collection_ids: [999999] },
        { api_collection_ids: ['contains unknown API collection ids: 999999'] },
      ],
      [
        'jwt needs jwt_method and jwt_secret',
        { auth_type: 'jwt' },
        { jwt_method: [expect.any(String)], jwt_secret: [expect.any(String)] },
      ],
      [
        'jwt_method hmac or rsa',
        { auth_type: 'jwt', jwt_method: 'ecdsa', jwt_secret: 's' },
        { jwt_method: ['is not included in the list'] },
      ],
      [
        'jwt with issuer and jwks uri',
        {
          auth_type: 'jwt',
          jwt_method: 'rsa',
          jwt_secret: 's',
          oidc_issuer: oidc,
          oidc_jwks_uri: jwks,
        },
        { oidc_issuer: [expect.any(String)], oidc_jwks_uri: [expect.any(String)] },
      ],
      [
        'oidc with issuer and jwks uri',
        { auth_type: 'oidc', oidc_issuer: oidc, oidc_jwks_uri: jwks },
        { oidc_issuer: [expect.any(String)], oidc_jwks_uri: [expect.any(String)] },
      ],
      [
        'oidc needs issuer or jwks uri',
        { auth_type: 'oidc' },
        { oidc_issuer: [expect.stringMatching(/blank/)] },
      ],
      [
        'jwt settings only with jwt',
        { auth_type: 'token', jwt_method: 'hmac', jwt_secret: 's' },
        { jwt_method: [expect.any(String)], jwt_secret: [expect.any(String)] },
      ],
      [
        'claims only with jwt or oidc',
        {
          auth_type: 'oauth2',
          access_profile_claim: 'x',
          required_claims: ['sub'],
          allowed_issuers: ['i'],
          oidc_jwks_uri: jwks,
        },
        {
          access_profile_claim: ['is only applicable when auth_type is jwt or oidc'],
          required_claims: ['is only applicable when auth_type is jwt or oidc'],
          allowed_issuers: ['is only applicable when auth_type is jwt or oidc'],
          oidc_jwks_uri: ['is only applicable when auth_type is jwt or oidc'],
        },
      ],
      [
        'api_portal_id must exist',
        { api_portal_id: 999, email: EMAIL },
        { api_portal_id: ['is invalid'] },
      ],
      [
        'email needs api_portal_id',
        { email: EMAIL },
        { api_portal_id: [expect.stringMatching(/email/)] },
      ],
      [
        'idp_user_id needs api_portal_id',
        { idp_user_id: 'u1' },
        { api_portal_id: [expect.stringMatching(/idp_user_id/)] },
      ],
      [
        'magic-link portal needs email',
        { api_portal_id: MAGIC_LINK_PORTAL },
        { email: [expect.stringMatching(/blank/)] },
      ],
      [
        'identity portal needs idp_user_id',
        { api_portal_id: IDENTITY_PORTAL },
        { idp_user_id: [expect.stringMatching(/blank/)] },
      ],
      [
        'identity portal rejects email',
        { api_portal_id: IDENTITY_PORTAL, idp_user_id: 'u1', email: EMAIL },
        { email: [expect.stringMatching(/magic-link/)] },
      ],
      [
        'magic-link portal rejects idp_user_id',
        { api_portal_id: MAGIC_LINK_PORTAL, email: EMAIL, idp_user_id: 'u1' },
        { idp_user_id: [expect.stringMatching(/identity/)] },
      ],
      [
        'email format',
        { api_portal_id: MAGIC_LINK_PORTAL, email: 'not-an-email' },
        { email: ['is invalid'] },
      ],
      ['project_id must exist', { project_id: 1 }, { project_id: ['is invalid'] }],
      ['project_id integer', { project_id: 'abc' }, { project_id: ['must be an integer'] }],
      [
        'mtls_enabled boolean',
        { mtls_enabled: 'yes' },
        { mtls_enabled: ['must be true or false'] },
      ],
      [
        'cert_bundle_ids integers',
        { cert_bundle_ids: ['x'] },
        { cert_bundle_ids: ['must be an array of integers'] },
      ],
    ];

    it.each(cases)('%s', async (_title, overrides, errors) => {
      const res = await createClient(overrides);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ message: 'Validation failed', errors });
      expect((await control.managedUser(5454)).clients).toHaveLength(0);
    });

    it('accepts oidc with exactly one of issuer and jwks uri, and jwt with neither', async () => {
      expect((await createClient({ auth_type: 'oidc', oidc_jwks_uri: jwks })).status).toBe(200);
      expect((await createClient({ auth_type: 'oidc', oidc_issuer: oidc })).status).toBe(200);
      expect(
        (await createClient({ auth_type: 'jwt', jwt_method: 'rsa', jwt_secret: 'pem' })).status,
      ).toBe(200);
    });

    it('validates an update against the merged client', async () => {
      const created = await createClient();
      const id = created.body.data.id;
      const toJwt = await api('PUT', `${MU_V2}/api_clients/${id}`, { auth_type: 'jwt' });
      expect(toJwt.status).toBe(400);
      expect(Object.keys(toJwt.body.errors).sort()).toEqual(['jwt_method', 'jwt_secret']);
      const emptyName = await api('PUT', `${MU_V2}/api_clients/${id}`, { name: '' });
      expect(emptyName.body.errors).toEqual({ name: ["can't be blank"] });
      const unknownCollection = await api('PUT', `${MU_V2}/api_clients/${id}`, {
        api_collection_ids: [1],
      });
      expect(unknownCollection.status).toBe(400);
    });
  });

  it('pages past 100 clients', async () => {
    const collectionId = await createCollection();
    for (let i = 0; i < 130; i++) {
      const res = await api('POST', `${MU_V2}/api_clients`, {
        name: `client ${i}`,
        auth_type: 'token',
        api_collection_ids: [collectionId],
      });
      expect(res.status).toBe(200);
    }
    const page1 = await api('GET', `${MU_V2}/api_clients?page=1&per_page=100`);
    expect(page1.body).toMatchObject({ count: 130, page: 1, per_page: 100 });
    expect(page1.body.data).toHaveLength(100);
    expect(page1.body.data[0].name).toBe('client 0');

    const page2 = await api('GET', `${MU_V2}/api_clients?page=2&per_page=100`);
    expect(page2.body).toMatchObject({ count: 130, page: 2, per_page: 100 });
    expect(page2.body.data.map((c: { name: string }) => c.name)).toEqual(
      Array.from({ length: 30 }, (_, i) => `client ${100 + i}`),
    );

    const clamped = await api('GET', `${MU_V2}/api_clients?per_page=500`);
    expect(clamped.body.per_page).toBe(100);
    expect(clamped.body.data).toHaveLength(100);
    const beyond = await api('GET', `${MU_V2}/api_clients?page=3`);
    expect(beyond.body).toMatchObject({ data: [], count: 130, page: 3 });
  });
});

describe('API keys', () => {
  it('shows the token in full only on create and refresh', async () => {
    const clientId = (await createClient()).body.data.id;
    const created = await createKey(clientId, {
      ip_allow_list: ['8.8.8.8/24'],
      ip_deny_list: ['192.168.0.0/16'],
    });
    expect(created.status).toBe(200);
    expect(created.body.data).toEqual({
      id: expect.any(Number),
      name: 'Production',
      auth_type: 'token',
      ip_allow_list: ['8.8.8.8/24'],
      ip_deny_list: ['192.168.0.0/16'],
      active: true,
      active_since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/),
      auth_token: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const { id: keyId, auth_token: token } = created.body.data;
    const masked = token.slice(-4);

    const listed = await api('GET', `${MU_V2}/api_clients/${clientId}/api_keys`);
    expect(listed.body).toEqual({
      data: [{ ...created.body.data, auth_token: masked }],
      count: 1,
      page: 1,
      per_page: 100,
    });
    const client = await api('GET', `${MU_V2}/api_clients/${clientId}`);
    expect(client.body.data.api_keys).toEqual([{ ...created.body.data, auth_token: masked }]);
    expect(client.body.data).toMatchObject({ active_api_keys_count: 1, total_api_keys_count: 1 });

    const updated = await api('PUT', `${MU_V2}/api_clients/${clientId}/api_keys/${keyId}`, {
      name: 'Mustard',
    });
    expect(updated.body.data).toMatchObject({
      name: 'Mustard',
      auth_token: masked,
      ip_allow_list: ['8.8.8.8/24'],
    });

    expect((await control.managedUser(5454)).keys[0]).toMatchObject({
      id: keyId,
      auth_token: token,
      api_client_id: clientId,
    });

    const refreshed = await api(
      'PUT',
      `${MU_V2}/api_clients/${clientId}/api_keys/${keyId}/refresh_secret`,
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.data.auth_token).toMatch(/^[0-9a-f]{64}$/);
    expect(refreshed.body.data.auth_token).not.toBe(token);
    const state = await control.managedUser(5454);
    expect(state.keys[0].auth_token).toBe(refreshed.body.data.auth_token);
    expect(JSON.stringify(state)).not.toContain(token);
  });

  it('refreshes with POST as well as PUT (001 disagrees with itself)', async () => {
    const clientId = (await createClient()).body.data.id;
    const key = (await createKey(clientId)).body.data;
    const viaPost = await api(
      'POST',
      `${MU_V2}/api_clients/${clientId}/api_keys/${key.id}/refresh_secret`,
    );
    expect(viaPost.status).toBe(200);
    expect(viaPost.body.data.auth_token).not.toBe(key.auth_token);
  });

  it('enables, disables and deletes keys', async () => {
    const clientId = (await createClient()).body.data.id;
    const key = (await createKey(clientId, { active: false })).body.data;
    expect(key.active_since).toBeNull();
    const base = `${MU_V2}/api_clients/${clientId}/api_keys/${key.id}`;

    expect((await api('PUT', `${base}/enable`)).body).toEqual({ success: true });
    let listed = await api('GET', `${MU_V2}/api_clients/${clientId}/api_keys`);
    expect(listed.body.data[0]).toMatchObject({ active: true, active_since: expect.any(String) });

    expect((await api('PUT', `${base}/disable`)).body).toEqual({ success: true });
    listed = await api('GET', `${MU_V2}/api_clients/${clientId}/api_keys`);
    expect(listed.body.data[0].active).toBe(false);

    expect((await api('DELETE', base)).body).toEqual({ success: true });
    expect((await api('DELETE', base)).status).toBe(404);
    listed = await api('GET', `${MU_V2}/api_clients/${clientId}/api_keys`);
    expect(listed.body).toMatchObject({ data: [], count: 0 });
  });

  it('validates key payloads', async () => {
    const clientId = (await createClient()).body.data.id;
    const missing = await api('POST', `${MU_V2}/api_clients/${clientId}/api_keys`, {});
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual({ name: ["can't be blank"], active: ["can't be blank"] });
    const badIp = await createKey(clientId, { ip_allow_list: ['999.1.1.1'] });
    expect(badIp.status).toBe(400);
    expect(Object.keys(badIp.body.errors)).toEqual(['ip_allow_list']);
    const notBoolean = await createKey(clientId, { active: 'true' });
    expect(notBoolean.body.errors).toEqual({ active: ['must be true or false'] });
  });

  it('deleting a client deletes its keys', async () => {
    const clientId = (await createClient()).body.data.id;
    const key = (await createKey(clientId)).body.data;
    expect((await control.managedUser(5454)).keys).toHaveLength(1);
    await api('DELETE', `${MU_V2}/api_clients/${clientId}`);
    expect((await control.managedUser(5454)).keys).toHaveLength(0);
    expect((await api('GET', `${MU_V2}/api_clients/${clientId}/api_keys`)).status).toBe(404);
    expect(
      (await api('PUT', `${MU_V2}/api_clients/${clientId}/api_keys/${key.id}/enable`)).status,
    ).toBe(404);
  });

  it('gives keys of JWT clients no token, so there is nothing to refresh', async () => {
    const client = await createClient({ auth_type: 'jwt', jwt_method: 'rsa', jwt_secret: 'pem' });
    const key = (await createKey(client.body.data.id)).body.data;
    expect(key).toMatchObject({ auth_type: 'jwt', auth_token: null });
    const refresh = await api(
      'PUT',
      `${MU_V2}/api_clients/${client.body.data.id}/api_keys/${key.id}/refresh_secret`,
    );
    expect(refresh.status).toBe(400);
    expect(refresh.body.message).toEqual(expect.any(String));
  });

  it('does not find a key through another client', async () => {
    const first = (await createClient()).body.data.id;
    const second = (await createClient({ name: 'Other' })).body.data.id;
    const key = (await createKey(first)).body.data;
    expect(
      (await api('PUT', `${MU_V2}/api_clients/${second}/api_keys/${key.id}/disable`)).status,
    ).toBe(404);
  });
});

describe('API portals', () => {
  it('lists portals in a data envelope', async () => {
    const res = await api('GET', `${MU_V2}/api_portals`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ count: 2, page: 1, per_page: 100 });
    expect(res.body.data[0]).toMatchObject({
      id: 37,
      user_id: 5454,
      name: 'IDEA Lifestyle',
      subdomain: 'idea',
    });
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After once the per-second limit is spent', async () => {
    await control.setConfig({ rateLimitRps: 3 });
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => api('GET', `${MU}/api_collections`)),
    );
    const limited = responses.filter((r) => r.status === 429);
    expect(responses.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(3);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].body).toEqual({
      message: 'Too many requests',
      limit: 'overall',
      limitDescription: '3 requests per 1 s',
    });
    expect(Number(limited[0].headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const stats = await control.stats();
    expect(stats.rateLimited429).toBe(limited.length);
    expect(stats.byStatus['429']).toBe(limited.length);
    expect(stats.config.rateLimitRps).toBe(3);
  });

  it('limits portal endpoints per minute, separately from the others', async () => {
    await control.setConfig({ portalRateLimitPerMinute: 1 });
    expect((await api('GET', `${MU_V2}/api_portals`)).status).toBe(200);
    const limited = await api('GET', `${MU_V2}/api_portals`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(1);
    expect((await api('GET', `${MU_V2}/api_clients`)).status).toBe(200);
  });

  it('is lifted by setting the limit to null, and restored by reset', async () => {
    await control.setConfig({ rateLimitRps: 1 });
    await api('GET', `${MU}/api_collections`);
    expect((await api('GET', `${MU}/api_collections`)).status).toBe(429);
    await control.setConfig({ rateLimitRps: null });
    expect((await api('GET', `${MU}/api_collections`)).status).toBe(200);
    await control.setConfig({ rateLimitRps: 1 });
    await control.reset();
    expect((await control.stats()).config.rateLimitRps).toBeNull();
  });
});

describe('faults', () => {
  it('answers an injected status for `count` matching requests, then behaves again', async () => {
    const { id } = await control.addFault({
      method: 'GET',
      path: '/api_collections$',
      status: 503,
      retryAfter: 2,
      count: 2,
    });
    expect(id).toEqual(expect.any(Number));
    // A different method does not match.
    expect(
      (await api('POST', `${MU}/api_collections?project_id=${PROJECT}`, { name: 'x' })).status,
    ).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await api('GET', `${MU}/api_collections`);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ message: 'Service unavailable' });
      expect(res.headers['retry-after']).toBe('2');
    }
    expect((await api('GET', `${MU}/api_collections`)).status).toBe(200);
    expect(await control.faults()).toEqual([]);
  });

  it('keeps an unlimited fault until it is cleared, with a custom body', async () => {
    await control.addFault({
      path: 'api_portals',
      status: 500,
      body: { message: 'boom' },
      count: -1,
    });
    for (let i = 0; i < 3; i++) {
      expect(await api('GET', `${MU_V2}/api_portals`)).toMatchObject({
        status: 500,
        body: { message: 'boom' },
      });
    }
    const [fault] = await control.faults();
    expect(fault).toMatchObject({ remaining: -1, triggered: 3 });
    await control.clearFaults();
    expect((await api('GET', `${MU_V2}/api_portals`)).status).toBe(200);
  });

  it('delays the real answer with latencyMs', async () => {
    await control.addFault({ path: 'api_clients$', latencyMs: 300 });
    const started = Date.now();
    const res = await api('GET', `${MU_V2}/api_clients`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: [], count: 0 });
  });

  it('drops the connection without performing the operation', async () => {
    const collectionId = await createCollection();
    await control.addFault({ method: 'POST', path: 'api_clients$', drop: true });
    await expect(
      api('POST', `${MU_V2}/api_clients`, {
        name: 'x',
        auth_type: 'token',
        api_collection_ids: [collectionId],
      }),
    ).rejects.toThrow();
    expect((await control.managedUser(5454)).clients).toHaveLength(0);
    const calls = await control.calls();
    expect(calls[calls.length - 1]).toMatchObject({ method: 'POST', status: null, dropped: true });
    expect((await control.stats()).dropped).toBe(1);
  });

  it('answers 200 {"success":false} with successFalse', async () => {
    const clientId = (await createClient()).body.data.id;
    const key = (await createKey(clientId)).body.data;
    await control.addFault({ path: '/enable$', successFalse: true });
    const res = await api('PUT', `${MU_V2}/api_clients/${clientId}/api_keys/${key.id}/disable`);
    expect(res.body).toEqual({ success: true });
    const failed = await api('PUT', `${MU_V2}/api_clients/${clientId}/api_keys/${key.id}/enable`);
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ success: false, message: expect.any(String) });
    expect((await control.managedUser(5454)).keys[0].active).toBe(false);
  });

  it('performs the operation and then drops with afterResponse', async () => {
    const collectionId = await createCollection();
    await control.addFault({
      method: 'POST',
      path: 'api_clients$',
      drop: true,
      afterResponse: true,
    });
    await expect(
      api('POST', `${MU_V2}/api_clients`, {
        name: 'Committed',
        auth_type: 'token',
        api_collection_ids: [collectionId],
      }),
    ).rejects.toThrow();
    const state = await control.managedUser(5454);
    expect(state.clients.map((c) => c.name)).toEqual(['Committed']);
  });

  it('performs the operation and then answers an error with afterResponse and a status', async () => {
    const clientId = (await createClient()).body.data.id;
    await control.addFault({ method: 'POST', path: 'api_keys$', status: 502, afterResponse: true });
    const res = await createKey(clientId);
    expect(res.status).toBe(502);
    expect((await control.managedUser(5454)).keys).toHaveLength(1);
  });

  it('delays, then fails, with latencyMs and a status; removes a single fault by id', async () => {
    await control.addFault({ path: 'api_portals', latencyMs: 150, status: 429, retryAfter: 1.2 });
    const { id } = await control.addFault({ path: 'api_clients', status: 500, count: -1 });
    const started = Date.now();
    const res = await api('GET', `${MU_V2}/api_portals`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(res).toMatchObject({ status: 429, body: { message: 'Too many requests' } });
    expect(res.headers['retry-after']).toBe('2');
    // Injected 429s are not the rate limiter's.
    expect((await control.stats()).rateLimited429).toBe(0);
    await control.removeFault(id);
    expect((await api('GET', `${MU_V2}/api_clients`)).status).toBe(200);
  });

  it('rejects an invalid fault', async () => {
    await expect(control.addFault({ path: '(' })).rejects.toThrow(/400/);
  });

  it('fires probabilistic faults deterministically after a reset', async () => {
    const run = async (): Promise<number[]> => {
      await control.reset();
      await control.addFault({ path: 'api_portals', status: 500, probability: 0.5, count: -1 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await api('GET', `${MU_V2}/api_portals`)).status);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
  });
});

describe('control API', () => {
  it('logs every call with jwt_secret redacted', async () => {
    const since = await control.lastCallSeq();
    await createClient({ auth_type: 'jwt', jwt_method: 'hmac', jwt_secret: 'do-not-log-me' });
    await api('GET', `${MU}/api_collections?page=1`, undefined, { token: null });
    const calls = await control.calls(since);
    expect(calls.map((c) => [c.method, c.path, c.status])).toEqual([
      ['POST', `${MU}/api_collections`, 200],
      ['POST', `${MU_V2}/api_clients`, 200],
      ['GET', `${MU}/api_collections`, 401],
    ]);
    expect(calls[0].query).toEqual({ project_id: PROJECT });
    expect(calls[1].body).toMatchObject({ jwt_secret: '[REDACTED]', jwt_method: 'hmac' });
    expect(JSON.stringify(calls)).not.toContain('do-not-log-me');
    expect(calls[0].seq).toBe(since + 1);
    expect(calls[0].timestamp).toEqual(expect.any(String));
    expect(await control.calls(calls[2].seq)).toEqual([]);
  });

  it('reset clears state, faults and calls and re-applies the seed', async () => {
    await createClient();
    await control.addFault({ path: 'nothing-matches-this', count: -1 });
    await control.seed({ managedUsers: [{ id: 777, name: 'Temp', projects: [], portals: [] }] });
    await control.reset();
    const state = await control.state();
    expect(state.managedUsers.map((mu) => mu.id).sort((a, b) => a - b)).toEqual([
      4243, 5454, 1279482,
    ]);
    expect(
      state.managedUsers.every((mu) => mu.clients.length === 0 && mu.collections.length === 0),
    ).toBe(true);
    expect(await control.faults()).toEqual([]);
    expect(await control.calls()).toEqual([]);
    expect((await control.stats()).requests).toBe(0);
  });

  it('seeds more workspaces idempotently by id', async () => {
    const seed = {
      managedUsers: [
        {
          id: 9001,
          externalId: 'acme/eu',
          name: 'Acme',
          projects: [{ id: '55', name: 'Acme APIs' }],
          portals: [{ id: 90, name: 'Acme portal', kind: 'identity' as const }],
        },
      ],
    };
    await control.seed(seed);
    await control.seed(seed);
    const state = await control.state('Eacme/eu');
    expect(state.managedUsers).toHaveLength(1);
    expect(state.managedUsers[0]).toMatchObject({
      id: 9001,
      projects: [{ id: '55', name: 'Acme APIs' }],
    });
    expect(state.managedUsers[0].portals).toHaveLength(1);
    // The external id is URL-encoded in the path.
    const created = await api(
      'POST',
      `/api/managed_users/${encodeURIComponent('Eacme/eu')}/api_collections?project_id=55`,
      {
        name: 'Acme',
      },
    );
    expect(created.status).toBe(200);
    await expect(control.seed({ managedUsers: [{ id: -1, name: '' }] } as never)).rejects.toThrow(
      /400/,
    );
  });

  it('counts requests by status in stats', async () => {
    await control.resetStats();
    await api('GET', `${MU}/api_collections`);
    await api('GET', '/api/nowhere');
    const stats = await control.stats();
    expect(stats).toMatchObject({
      requests: 2,
      byStatus: { '200': 1, '404': 1 },
      rateLimited429: 0,
    });
    expect(stats.windowStart).toEqual(expect.any(String));
  });

  it('is answered without a token and 404s unknown control paths', async () => {
    const response = await request(`${sandbox.url}/__sandbox/nope`);
    expect(response.statusCode).toBe(404);
    await response.body.dump();
  });
});

describe('startSandbox options', () => {
  it('accepts a custom token and seed', async () => {
    const other = await startSandbox({
      token: 'custom',
      seed: {
        managedUsers: [{ id: 1, name: 'Only', projects: [{ id: 2, name: 'p' }], portals: [] }],
      },
    });
    try {
      const ok = await request(`${other.url}/api/managed_users/1/api_collections`, {
        headers: { authorization: 'Bearer custom' },
      });
      expect(ok.statusCode).toBe(200);
      expect(await ok.body.json()).toEqual({ result: [] });
      const missing = await request(`${other.url}/api/managed_users/5454/api_collections`, {
        headers: { authorization: 'Bearer custom' },
      });
      expect(missing.statusCode).toBe(404);
      await missing.body.dump();
    } finally {
      await other.close();
    }
  });
});
