import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { RunningSandbox, SandboxControl, startSandbox } from '../../workato-sandbox/sandbox.server';
import {
  InProcessRateLimiter,
  RateLimitBucket,
  WorkatoRateLimiter,
} from '../../src/workato/rate-limiter';
import {
  WorkatoClient,
  WorkatoClientOptions,
  WorkatoRequestEvent,
} from '../../src/workato/workato.client';
import { WorkatoError, WorkatoValidationError } from '../../src/workato/workato.errors';
import { CreateApiClientRequest } from '../../src/workato/workato.types';

/**
 * The Workato client against the sandbox over real HTTP: every endpoint, pagination past 100,
 * the validation rules on both sides, every error body shape, 429 handling and retries with
 * injected faults. The sandbox's default seed is the demo workspace: managed user 5454 with
 * external id 12345, project 523144, magic-link portal 37 and identity portal 38.
 */
const MU = 5454;
const MU_EXTERNAL = 'E12345';
const PROJECT = 523144;
const MAGIC_LINK_PORTAL = 37;
const IDENTITY_PORTAL = 38;
/** Assembled at run time: some tooling rewrites address-looking literals. */
const EMAIL = ['ops', 'acme.example.com'].join('@');

let sandbox: RunningSandbox;
let control: SandboxControl;
const clients: WorkatoClient[] = [];

/** Records what the client asks of its limiter, and passes through to a fast in-process one. */
class SpyRateLimiter extends WorkatoRateLimiter {
  readonly acquired: RateLimitBucket[] = [];
  readonly pauses: Array<{ bucket: RateLimitBucket; inMs: number }> = [];
  constructor(readonly inner: WorkatoRateLimiter) {
    super();
  }
  async acquire(bucket: RateLimitBucket): Promise<{ waitedMs: number }> {
    this.acquired.push(bucket);
    return this.inner.acquire(bucket);
  }
  async pauseUntil(bucket: RateLimitBucket, untilEpochMs: number): Promise<void> {
    this.pauses.push({ bucket, inMs: untilEpochMs - Date.now() });
    return this.inner.pauseUntil(bucket, untilEpochMs);
  }
}

function makeClient(overrides: Partial<WorkatoClientOptions> = {}): {
  client: WorkatoClient;
  limiter: SpyRateLimiter;
  events: WorkatoRequestEvent[];
} {
  const limiter = new SpyRateLimiter(
    new InProcessRateLimiter({ ratePerSecond: 5000, portalRatePerMinute: 300_000 }),
  );
  const events: WorkatoRequestEvent[] = [];
  const client = new WorkatoClient({
    baseUrl: sandbox.url,
    apiToken: sandbox.token,
    timeoutMs: 2000,
    rateLimiter: limiter,
    retry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 4, maxElapsedMs: 10_000 },
    onRequest: (e) => events.push(e),
    ...overrides,
  });
  clients.push(client);
  return { client, limiter, events };
}

async function rejection(promise: Promise<unknown>): Promise<WorkatoError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkatoError) return error;
    throw error;
  }
  throw new Error('expected the call to fail with a WorkatoError');
}

async function callsSince(seq: number) {
  return control.calls(seq);
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  control = new SandboxControl(sandbox.url);
});

beforeEach(async () => {
  await control.reset();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sandbox.close();
});

describe('API collections and endpoints', () => {
  it('creates a collection (project_id in the query, bare response) and lists it', async () => {
    const { client } = makeClient();
    const seq = await control.lastCallSeq();
    const created = await client.createApiCollection(MU, PROJECT, { name: 'Netsuite customers' });
    expect(created).toMatchObject({ name: 'Netsuite customers', version: '1.0' });
    expect(typeof created.id).toBe('number');

    const [call] = await callsSince(seq);
    expect(call).toMatchObject({
      method: 'POST',
      path: `/api/managed_users/${MU}/api_collections`,
      query: { project_id: String(PROJECT) },
      body: { name: 'Netsuite customers' },
    });

    const listed = await client.listApiCollections(MU_EXTERNAL);
    expect(listed).toEqual([
      expect.objectContaining({ id: created.id, project_id: String(PROJECT) }),
    ]);
  });

  it('follows collection pages past 100', async () => {
    const { client } = makeClient();
    for (let i = 0; i < 130; i++) {
      await client.createApiCollection(MU, PROJECT, { name: `Collection ${i}` });
    }
    expect(await client.listApiCollections(MU, { page: 2, perPage: 100 })).toHaveLength(30);
    const all = await client.listAllApiCollections(MU);
    expect(all).toHaveLength(130);
    expect(new Set(all.map((c) => c.id)).size).toBe(130);
  });

  it('lists, enables and disables endpoints', async () => {
    const { client } = makeClient();
    const collection = await client.createApiCollection(MU, PROJECT, { name: 'Orders' });
    await client.createApiCollection(MU, PROJECT, { name: 'Other' });
    const endpoints = await client.listApiEndpoints(MU, { apiCollectionId: collection.id });
    expect(endpoints.length).toBeGreaterThan(0);
    expect(endpoints.every((e) => e.api_collection_id === collection.id)).toBe(true);
    expect((await client.listApiEndpoints(MU)).length).toBeGreaterThan(endpoints.length);
    expect(await client.listAllApiEndpoints(MU, { apiCollectionId: collection.id })).toHaveLength(
      endpoints.length,
    );

    await client.enableApiEndpoint(MU, endpoints[0].id);
    let after = await client.listApiEndpoints(MU, { apiCollectionId: collection.id });
    expect(after.find((e) => e.id === endpoints[0].id)?.active).toBe(true);
    await client.disableApiEndpoint(MU_EXTERNAL, endpoints[0].id);
    after = await client.listApiEndpoints(MU, { apiCollectionId: collection.id });
    expect(after.find((e) => e.id === endpoints[0].id)?.active).toBe(false);
  });
});

describe('API clients (v2)', () => {
  async function collectionId(client: WorkatoClient): Promise<number> {
    return (await client.createApiCollection(MU, PROJECT, { name: 'Catalog' })).id;
  }

  it('creates with every field, gets, updates and deletes', async () => {
    const { client } = makeClient();
    const collection = await collectionId(client);
    const seq = await control.lastCallSeq();
    const req: CreateApiClientRequest = {
      name: 'Automation Inc.',
      description: 'API client for Product Catalog',
      project_id: PROJECT,
      api_portal_id: MAGIC_LINK_PORTAL,
      email: EMAIL,
      api_collection_ids: [collection],
      api_policy_id: 1,
      auth_type: 'jwt',
      jwt_method: 'hmac',
      jwt_secret: 'shared-secret',
      oidc_jwks_uri: 'https://idp.example.com/.well-known/jwks.json',
      access_profile_claim: 'workato_profile',
      required_claims: ['iss', 'sub'],
      allowed_issuers: ['https://idp.example.com'],
      mtls_enabled: true,
      validation_formula: 'OU=Workato',
      cert_bundle_ids: [3],
    };
    const created = await client.createApiClient(MU, req);
    expect(created).toMatchObject({
      name: 'Automation Inc.',
      auth_type: 'jwt',
      email: EMAIL,
      api_portal_id: MAGIC_LINK_PORTAL,
      mtls_enabled: true,
      validation_formula: 'OU=Workato',
      cert_bundle_ids: [3],
      api_collections: [{ id: collection, name: 'Catalog' }],
    });
    const [call] = await callsSince(seq);
    // The whole payload went out as given (the sandbox redacts the secret in its call log).
    expect(call.body).toEqual({ ...req, jwt_secret: '[REDACTED]' });

    const fetched = await client.getApiClient(MU_EXTERNAL, created.id);
    expect(fetched).toMatchObject({ id: created.id, api_keys: [] });

    const updated = await client.updateApiClient(MU, created.id, {
      name: 'Mustard Inc.',
      description: 'updated',
    });
    expect(updated).toMatchObject({ id: created.id, name: 'Mustard Inc.', description: 'updated' });

    await client.deleteApiClient(MU, created.id);
    expect((await rejection(client.getApiClient(MU, created.id))).code).toBe('WORKATO_NOT_FOUND');
  });

  it('creates an identity-portal oidc client (idp_user_id, 003)', async () => {
    const { client } = makeClient();
    const created = await client.createApiClient(MU, {
      name: 'Identity user',
      api_collection_ids: [await collectionId(client)],
      api_portal_id: IDENTITY_PORTAL,
      idp_user_id: 'eshSUgjCGb4ZnF51FjEL3b',
      auth_type: 'oidc',
      oidc_issuer: 'https://idp.example.com',
    });
    expect(created).toMatchObject({ idp_user_id: 'eshSUgjCGb4ZnF51FjEL3b', auth_type: 'oidc' });
  });

  it('pages through more than 100 clients', async () => {
    const { client } = makeClient();
    const collection = await collectionId(client);
    for (let i = 0; i < 130; i++) {
      await client.createApiClient(MU, {
        name: `Client ${i}`,
        api_collection_ids: [collection],
        auth_type: 'token',
      });
    }
    const page2 = await client.listApiClients(MU, { page: 2, perPage: 100 });
    expect(page2).toMatchObject({ page: 2, perPage: 100, count: 130 });
    expect(page2.data).toHaveLength(30);
    const small = await client.listApiClients(MU, { page: 3, perPage: 7 });
    expect(small.data).toHaveLength(7);

    const seq = await control.lastCallSeq();
    const all = await client.listAllApiClients(MU);
    expect(all).toHaveLength(130);
    expect(new Set(all.map((c) => c.id)).size).toBe(130);
    const calls = await callsSince(seq);
    expect(calls.map((c) => c.query)).toEqual([
      { page: '1', per_page: '100' },
      { page: '2', per_page: '100' },
    ]);
  });

  it('never calls the deprecated v1 client or access-profile endpoints', async () => {
    const { client } = makeClient();
    const seq = await control.lastCallSeq();
    const created = await client.createApiClient(MU, {
      name: 'x',
      api_collection_ids: [await collectionId(client)],
      auth_type: 'token',
    });
    const key = await client.createApiKey(MU, created.id, { name: 'k', active: true });
    await client.refreshApiKeySecret(MU, created.id, key.id);
    await client.listAllApiClients(MU);
    const paths = (await callsSince(seq)).map((c) => c.path);
    expect(paths.some((p) => p.includes('api_access_profiles'))).toBe(false);
    expect(
      paths.filter((p) => p.includes('api_clients')).every((p) => p.startsWith('/api/v2/')),
    ).toBe(true);
  });
});

describe('API keys (v2)', () => {
  async function tokenClient(client: WorkatoClient): Promise<number> {
    const collection = await client.createApiCollection(MU, PROJECT, { name: 'Keys' });
    const created = await client.createApiClient(MU, {
      name: 'Key holder',
      api_collection_ids: [collection.id],
      auth_type: 'token',
    });
    return created.id;
  }

  it('creates (full token once), lists, updates, enables, disables, refreshes and deletes', async () => {
    const { client } = makeClient();
    const clientId = await tokenClient(client);
    const key = await client.createApiKey(MU, clientId, {
      name: 'Production',
      active: true,
      ip_allow_list: ['8.8.8.8/24'],
      ip_deny_list: ['192.168.0.0/16'],
    });
    expect(key.auth_token).toMatch(/^[0-9a-f]{64}$/);
    expect(key).toMatchObject({ active: true, ip_allow_list: ['8.8.8.8/24'] });

    const listed = await client.listApiKeys(MU, clientId);
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0].auth_token).toBe(key.auth_token?.slice(-4));

    const updated = await client.updateApiKey(MU, clientId, key.id, { name: 'Renamed' });
    expect(updated.name).toBe('Renamed');

    await client.disableApiKey(MU, clientId, key.id);
    expect((await client.listAllApiKeys(MU, clientId))[0].active).toBe(false);
    await client.enableApiKey(MU_EXTERNAL, clientId, key.id);
    expect((await client.listAllApiKeys(MU, clientId))[0].active).toBe(true);

    const seq = await control.lastCallSeq();
    const refreshed = await client.refreshApiKeySecret(MU, clientId, key.id);
    expect(refreshed.auth_token).toMatch(/^[0-9a-f]{64}$/);
    expect(refreshed.auth_token).not.toBe(key.auth_token);
    const [refreshCall] = await callsSince(seq);
    expect(refreshCall).toMatchObject({
      method: 'PUT',
      path: `/api/v2/managed_users/${MU}/api_clients/${clientId}/api_keys/${key.id}/refresh_secret`,
    });

    await client.deleteApiKey(MU, clientId, key.id);
    expect(await client.listAllApiKeys(MU, clientId)).toEqual([]);
  });

  it('pages through more than 100 keys', async () => {
    const { client } = makeClient();
    const clientId = await tokenClient(client);
    for (let i = 0; i < 130; i++) {
      await client.createApiKey(MU, clientId, { name: `key ${i}`, active: i % 2 === 0 });
    }
    const page2 = await client.listApiKeys(MU, clientId, { page: 2, perPage: 100 });
    expect(page2.data).toHaveLength(30);
    const all = await client.listAllApiKeys(MU, clientId);
    expect(all).toHaveLength(130);
    expect(new Set(all.map((k) => k.id)).size).toBe(130);
  });
});

describe('API portals (v2)', () => {
  it('lists portals, taking a portal token and a default token per call', async () => {
    const { client, limiter } = makeClient();
    const page = await client.listApiPortals(MU);
    expect(page.data.map((p) => p.id).sort()).toEqual([MAGIC_LINK_PORTAL, IDENTITY_PORTAL]);
    expect(limiter.acquired).toEqual(['portal', 'default']);
    expect(await client.listAllApiPortals(MU_EXTERNAL)).toHaveLength(2);
  });
});

describe('managed user ids', () => {
  it('URL-encodes an external id', async () => {
    await control.seed({
      managedUsers: [
        { id: 777, externalId: 'acme/eu 1', name: 'Acme EU', projects: [{ id: 9, name: 'p' }] },
      ],
    });
    const { client } = makeClient();
    const seq = await control.lastCallSeq();
    const created = await client.createApiCollection('Eacme/eu 1', 9, { name: 'c' });
    expect(created.name).toBe('c');
    const [call] = await callsSince(seq);
    expect(call.path).toBe('/api/managed_users/Eacme%2Feu%201/api_collections');
    expect(await client.listApiCollections(777)).toHaveLength(1);
  });

  it('rejects an empty id before sending', async () => {
    const { client } = makeClient();
    const error = await rejection(client.listApiCollections(''));
    expect(error).toBeInstanceOf(WorkatoValidationError);
    expect((error as WorkatoValidationError).field).toBe('managedUserId');
  });
});

describe('validation', () => {
  let collection: number;
  let client: WorkatoClient;

  beforeEach(async () => {
    client = makeClient().client;
    collection = (await client.createApiCollection(MU, PROJECT, { name: 'V' })).id;
  });

  const valid = (): CreateApiClientRequest => ({
    name: 'Valid',
    api_collection_ids: [collection],
    auth_type: 'token',
  });

  // Each rule: the payload, the field our validator names, the field the sandbox names.
  const rules: Array<[string, () => Record<string, unknown>, string, string]> = [
    ['name is required', () => ({ name: '' }), 'name', 'name'],
    [
      'api_collection_ids is required',
      () => ({ api_collection_ids: [] }),
      'api_collection_ids',
      'api_collection_ids',
    ],
    ['auth_type in the enum', () => ({ auth_type: 'basic' }), 'auth_type', 'auth_type'],
    [
      'jwt requires jwt_method',
      () => ({ auth_type: 'jwt', jwt_secret: 's' }),
      'jwt_method',
      'jwt_method',
    ],
    [
      'jwt requires jwt_secret',
      () => ({ auth_type: 'jwt', jwt_method: 'hmac' }),
      'jwt_secret',
      'jwt_secret',
    ],
    ['jwt_method only with jwt', () => ({ jwt_method: 'rsa' }), 'jwt_method', 'jwt_method'],
    ['jwt_secret only with jwt', () => ({ jwt_secret: 's' }), 'jwt_secret', 'jwt_secret'],
    [
      'oidc requires an issuer or jwks uri',
      () => ({ auth_type: 'oidc' }),
      'oidc_issuer',
      'oidc_issuer',
    ],
    [
      'not both oidc_issuer and oidc_jwks_uri',
      () => ({
        auth_type: 'oidc',
        oidc_issuer: 'https://a.example.com',
        oidc_jwks_uri: 'https://b.example.com',
      }),
      'oidc_jwks_uri',
      'oidc_jwks_uri',
    ],
    [
      'oidc_issuer only with jwt/oidc',
      () => ({ oidc_issuer: 'https://a.example.com' }),
      'oidc_issuer',
      'oidc_issuer',
    ],
    [
      'oidc_jwks_uri only with jwt/oidc',
      () => ({ oidc_jwks_uri: 'https://a.example.com' }),
      'oidc_jwks_uri',
      'oidc_jwks_uri',
    ],
    [
      'access_profile_claim only with jwt/oidc',
      () => ({ access_profile_claim: 'c' }),
      'access_profile_claim',
      'access_profile_claim',
    ],
    [
      'required_claims only with jwt/oidc',
      () => ({ required_claims: ['iss'] }),
      'required_claims',
      'required_claims',
    ],
    [
      'allowed_issuers only with jwt/oidc',
      () => ({ allowed_issuers: ['x'] }),
      'allowed_issuers',
      'allowed_issuers',
    ],
    ['email requires api_portal_id', () => ({ email: EMAIL }), 'email', 'api_portal_id'],
    [
      'idp_user_id requires api_portal_id',
      () => ({ idp_user_id: 'u1' }),
      'idp_user_id',
      'api_portal_id',
    ],
    [
      'api_portal_id requires email',
      () => ({ api_portal_id: MAGIC_LINK_PORTAL }),
      'api_portal_id',
      'email',
    ],
    [
      'api_portal_id requires idp_user_id',
      () => ({ api_portal_id: IDENTITY_PORTAL }),
      'api_portal_id',
      'idp_user_id',
    ],
  ];

  it.each(rules)('%s', async (_label, patch, ourField, sandboxField) => {
    const payload = { ...valid(), ...patch() } as CreateApiClientRequest;
    const seq = await control.lastCallSeq();

    const local = await rejection(client.createApiClient(MU, payload));
    expect(local).toBeInstanceOf(WorkatoValidationError);
    expect(local.code).toBe('WORKATO_INVALID_REQUEST');
    expect((local as WorkatoValidationError).field).toBe(ourField);
    expect(local.message).toContain(ourField);
    expect(local.path).toBe(`/api/v2/managed_users/${MU}/api_clients`);
    expect(await callsSince(seq)).toEqual([]);

    const remote = await rejection(client.createApiClient(MU, payload, { skipValidation: true }));
    expect(remote).toMatchObject({ code: 'WORKATO_BAD_REQUEST', status: 400, retryable: false });
    expect(remote.workatoMessage).toBe('Validation failed');
    expect(remote.fieldErrors?.[sandboxField]?.length).toBeGreaterThan(0);
    expect(await callsSince(seq)).toHaveLength(1);
  });

  it('validates API key and collection payloads too', async () => {
    const local = await rejection(client.createApiKey(MU, 1, { name: '', active: true }));
    expect((local as WorkatoValidationError).field).toBe('name');
    const remote = await rejection(
      client.createApiCollection(MU, PROJECT, { name: '' }, { skipValidation: true }),
    );
    expect(remote.fieldErrors).toEqual({ name: ["can't be blank"] });
  });
});

describe('error bodies', () => {
  it('{"message"}: 404 is terminal WORKATO_NOT_FOUND', async () => {
    const { client, events } = makeClient();
    const error = await rejection(client.getApiClient(MU, 999_999));
    expect(error).toMatchObject({
      code: 'WORKATO_NOT_FOUND',
      status: 404,
      retryable: false,
      workatoMessage: 'Not found',
      method: 'GET',
      path: `/api/v2/managed_users/${MU}/api_clients/999999`,
    });
    expect(events).toHaveLength(1);
  });

  it('{"message","id"}: the id is kept', async () => {
    const { client } = makeClient();
    await control.addFault({
      method: 'GET',
      path: 'api_portals$',
      status: 422,
      body: { message: 'Portal is archived', id: 'err-42' },
    });
    const error = await rejection(client.listApiPortals(MU));
    expect(error).toMatchObject({
      code: 'WORKATO_UNPROCESSABLE',
      status: 422,
      retryable: false,
      workatoMessage: 'Portal is archived',
      workatoId: 'err-42',
    });
  });

  it.each([
    [401, 'WORKATO_UNAUTHORIZED'],
    [403, 'WORKATO_FORBIDDEN'],
    [409, 'WORKATO_CONFLICT'],
  ])('%i is terminal %s', async (status, code) => {
    const { client, events } = makeClient();
    await control.addFault({ method: 'GET', path: 'api_clients$', status });
    const error = await rejection(client.listApiClients(MU));
    expect(error).toMatchObject({ code, status, retryable: false });
    expect(events).toHaveLength(1);
  });

  it('a wrong token is WORKATO_UNAUTHORIZED', async () => {
    const { client } = makeClient({ apiToken: 'not-the-token' });
    const error = await rejection(client.listApiClients(MU));
    expect(error).toMatchObject({ code: 'WORKATO_UNAUTHORIZED', status: 401, retryable: false });
  });

  describe('non-JSON bodies (a load balancer page; the sandbox always answers JSON)', () => {
    let server: Server;
    let url: string;
    let requests = 0;

    beforeAll(async () => {
      server = createServer((req, res) => {
        requests++;
        if (req.url?.includes('api_portals')) {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<html>ok</html>');
        } else if (requests % 2 === 1) {
          res.writeHead(502, { 'content-type': 'text/html' });
          res.end(`<html><body>502 Bad Gateway for ${req.headers.authorization}</body></html>`);
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ data: [], count: 0, page: 1, per_page: 100 }));
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('is kept as the message (token scrubbed) and a 502 is retried', async () => {
      const { client, events } = makeClient({
        baseUrl: url,
        apiToken: 'tok-123-secret',
        retry: { maxAttempts: 1 },
      });
      const error = await rejection(client.listApiClients(MU));
      expect(error).toMatchObject({ code: 'WORKATO_SERVER_ERROR', status: 502, retryable: true });
      expect(error.workatoMessage).toBe(
        '<html><body>502 Bad Gateway for Bearer [REDACTED]</body></html>',
      );
      expect(JSON.stringify(error)).not.toContain('tok-123-secret');
      expect(events.map((e) => e.status)).toEqual([502]);

      const retrying = makeClient({ baseUrl: url, apiToken: 'tok-123-secret' });
      requests = 0;
      await expect(retrying.client.listApiClients(MU)).resolves.toMatchObject({ data: [] });
      expect(retrying.events.map((e) => e.status)).toEqual([502, 200]);
    });

    it('a 200 that is not JSON is WORKATO_INVALID_RESPONSE', async () => {
      const { client } = makeClient({ baseUrl: url, apiToken: 't' });
      const error = await rejection(client.listApiPortals(MU));
      expect(error).toMatchObject({
        code: 'WORKATO_INVALID_RESPONSE',
        status: 200,
        retryable: false,
      });
    });
  });
});

describe('rate limiting', () => {
  it('honours Retry-After on a 429 and pauses the bucket', async () => {
    const { client, limiter, events } = makeClient();
    await control.addFault({ method: 'GET', path: 'api_clients$', status: 429, retryAfter: 1 });
    const seq = await control.lastCallSeq();
    const started = Date.now();
    const page = await client.listApiClients(MU);
    expect(page.data).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);

    expect(limiter.pauses).toHaveLength(1);
    expect(limiter.pauses[0].bucket).toBe('default');
    expect(limiter.pauses[0].inMs).toBeGreaterThan(900);
    expect(limiter.pauses[0].inMs).toBeLessThanOrEqual(1000);
    expect(events.map((e) => e.status)).toEqual([429, 200]);

    const calls = await callsSince(seq);
    expect(calls).toHaveLength(2);
    const gap = Date.parse(calls[1].timestamp) - Date.parse(calls[0].timestamp);
    expect(gap).toBeGreaterThanOrEqual(990);
  });

  it('the pause holds back other requests in the bucket too', async () => {
    const { client } = makeClient();
    await control.addFault({ method: 'GET', path: 'api_clients$', status: 429, retryAfter: 1 });
    await rejection(client.listApiClients(MU, {}, { retry: false }));
    const started = Date.now();
    await client.listApiCollections(MU);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('uses a default pause when Retry-After is absent', async () => {
    const { client, limiter } = makeClient();
    await control.addFault({ method: 'GET', path: 'api_portals$', status: 429 });
    const error = await rejection(client.listApiPortals(MU, {}, { retry: false }));
    expect(error).toMatchObject({
      code: 'WORKATO_RATE_LIMITED',
      retryable: true,
      retryAfterMs: 1000,
    });
    expect(limiter.pauses.map((p) => p.bucket)).toEqual(['portal']);
  });

  it('paces itself under the sandbox limit: no 429 at the full rate', async () => {
    await control.setConfig({ rateLimitRps: 10 });
    const { client } = makeClient({ rateLimiter: new InProcessRateLimiter({ ratePerSecond: 10 }) });
    await control.resetStats();
    const started = Date.now();
    await Promise.all(Array.from({ length: 30 }, () => client.listApiCollections(MU)));
    const elapsed = Date.now() - started;
    const stats = await control.stats();
    expect(stats.rateLimited429).toBe(0);
    expect(stats.requests).toBe(30);
    // 30 evenly spaced requests at 10/s: the first is immediate, the last at 2.9 s.
    expect(elapsed).toBeGreaterThanOrEqual(2800);
    expect(elapsed).toBeLessThan(4500);
  });
});

describe('retries', () => {
  it('retries a 500 and then succeeds', async () => {
    const { client, events } = makeClient();
    await control.addFault({ method: 'GET', path: 'api_collections$', status: 500, count: 1 });
    await expect(client.listApiCollections(MU)).resolves.toEqual([]);
    expect(events.map((e) => [e.status, e.attempt])).toEqual([
      [500, 1],
      [200, 2],
    ]);
    expect(events[0]).toMatchObject({
      endpoint: 'listApiCollections',
      method: 'GET',
      errorCode: 'WORKATO_SERVER_ERROR',
    });
  });

  it('retries a dropped connection', async () => {
    const { client, events } = makeClient();
    await control.addFault({ method: 'GET', path: 'api_clients$', drop: true, count: 2 });
    await expect(client.listApiClients(MU)).resolves.toMatchObject({ data: [] });
    expect(events.map((e) => e.errorCode ?? e.status)).toEqual([
      'WORKATO_NETWORK_ERROR',
      'WORKATO_NETWORK_ERROR',
      200,
    ]);
  });

  it('times out a slow response (WORKATO_TIMEOUT) and retries it', async () => {
    const { client, events } = makeClient({ timeoutMs: 300 });
    await control.addFault({ method: 'GET', path: 'api_portals$', latencyMs: 1500, count: 1 });
    const started = Date.now();
    await expect(client.listApiPortals(MU)).resolves.toMatchObject({ count: 2 });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(events.map((e) => e.errorCode ?? e.status)).toEqual(['WORKATO_TIMEOUT', 200]);
    expect(events[0].durationMs).toBeGreaterThanOrEqual(290);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const { client, events } = makeClient({
      timeoutMs: 200,
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    });
    await control.addFault({ method: 'GET', path: 'api_portals$', latencyMs: 1000, count: -1 });
    const error = await rejection(client.listApiPortals(MU));
    expect(error).toMatchObject({ code: 'WORKATO_TIMEOUT', status: null, retryable: true });
    expect(error.message).toContain('timed out after 200 ms');
    expect(events).toHaveLength(2);
  });

  it('success:false on a 200 is a terminal WORKATO_REQUEST_FAILED', async () => {
    const { client, events } = makeClient();
    const collection = await client.createApiCollection(MU, PROJECT, { name: 'E' });
    const [endpoint] = await client.listApiEndpoints(MU, { apiCollectionId: collection.id });
    await control.addFault({ method: 'PUT', path: '/enable$', successFalse: true, count: -1 });
    const error = await rejection(client.enableApiEndpoint(MU, endpoint.id));
    expect(error).toMatchObject({
      code: 'WORKATO_REQUEST_FAILED',
      status: 200,
      retryable: false,
      workatoMessage: 'Operation failed',
    });
    expect(events.filter((e) => e.endpoint === 'enableApiEndpoint')).toHaveLength(1);
  });

  it('retries a create whose response was lost, so a retried POST can duplicate', async () => {
    // Why the orchestrator looks a resource up by name before creating it.
    const { client } = makeClient();
    await control.addFault({
      method: 'POST',
      path: 'api_collections$',
      drop: true,
      afterResponse: true,
    });
    await client.createApiCollection(MU, PROJECT, { name: 'Twice' });
    expect((await client.listApiCollections(MU)).map((c) => c.name)).toEqual(['Twice', 'Twice']);
  });

  it('retry: false makes exactly one attempt', async () => {
    const { client, events } = makeClient();
    await control.addFault({
      method: 'POST',
      path: 'api_collections$',
      drop: true,
      afterResponse: true,
    });
    const error = await rejection(
      client.createApiCollection(MU, PROJECT, { name: 'Once' }, { retry: false }),
    );
    expect(error).toMatchObject({ code: 'WORKATO_NETWORK_ERROR', status: null, retryable: true });
    expect(events).toHaveLength(1);
    expect((await client.listApiCollections(MU)).map((c) => c.name)).toEqual(['Once']);
  });
});

describe('the API token', () => {
  it('never appears in errors, their JSON, events or logs', async () => {
    const logs: string[] = [];
    const logger = {
      debug: (msg: string, ctx: Record<string, unknown>) => logs.push(msg + JSON.stringify(ctx)),
      warn: (msg: string, ctx: Record<string, unknown>) => logs.push(msg + JSON.stringify(ctx)),
    };
    const { client, events } = makeClient({
      timeoutMs: 200,
      logger,
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    });
    const token = sandbox.token;
    await control.addFault({ method: 'GET', path: 'api_portals$', latencyMs: 1000, count: 2 });
    await control.addFault({ method: 'GET', path: 'api_keys$', drop: true, count: 2 });
    await control.addFault({
      method: 'GET',
      path: 'api_collections$',
      status: 400,
      body: { message: `Token ${token} is not allowed here`, errors: { token: [token] } },
    });

    const errors = [
      await rejection(client.listApiPortals(MU)),
      await rejection(client.listApiKeys(MU, 1)),
      await rejection(client.listApiCollections(MU)),
      await rejection(client.getApiClient(MU, 424242)),
      await rejection(client.createApiClient(MU, { name: '' } as CreateApiClientRequest)),
    ];
    expect(errors.map((e) => e.code)).toEqual([
      'WORKATO_TIMEOUT',
      'WORKATO_NETWORK_ERROR',
      'WORKATO_BAD_REQUEST',
      'WORKATO_NOT_FOUND',
      'WORKATO_INVALID_REQUEST',
    ]);
    expect(errors[2].workatoMessage).toBe('Token [REDACTED] is not allowed here');
    for (const error of errors) {
      const text = [
        error.message,
        error.stack,
        JSON.stringify(error),
        JSON.stringify(error.toJSON()),
      ].join('\n');
      expect(text).not.toContain(token);
    }
    expect(JSON.stringify(events)).not.toContain(token);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(token);
  });
});
