import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { RunningSandbox, SandboxControl, startSandbox } from '../../workato-sandbox/sandbox.server';
import { InProcessRateLimiter, WorkatoRateLimiter } from '../../src/workato/rate-limiter';
import {
  RATE_LIMIT_FAMILIES,
  RateLimitBucket,
  RateLimitFamily,
  rateLimits,
} from '../../src/workato/rate-limits';
import {
  WorkatoClient,
  WorkatoClientOptions,
  WorkatoRequestEvent,
} from '../../src/workato/workato.client';
import { WorkatoError, WorkatoValidationError } from '../../src/workato/workato.errors';
import { CreateApiClientRequest } from '../../src/workato/workato.types';

/**
 * The Workato client against the sandbox over real HTTP: every endpoint of its table, pagination
 * past 100 (one page, every page, the first match), the validation rules on both sides, every
 * error body shape, 429 handling and retries with injected faults. The sandbox's default seed is
 * the demo workspace: managed user 5454 with external id 12345, project 523144, magic-link
 * portal 37 and identity portal 38.
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
  readonly acquired: RateLimitFamily[] = [];
  readonly pauses: Array<{ bucket: RateLimitBucket; inMs: number }> = [];
  constructor(readonly inner: WorkatoRateLimiter) {
    super();
  }
  async acquire(family: RateLimitFamily): Promise<{ waitedMs: number }> {
    this.acquired.push(family);
    return this.inner.acquire(family);
  }
  async pause(bucket: RateLimitBucket, untilEpochMs: number): Promise<void> {
    this.pauses.push({ bucket, inMs: untilEpochMs - Date.now() });
    return this.inner.pause(bucket, untilEpochMs);
  }
}

/** Limits far above anything a test sends, in every bucket: pacing never slows a test down. */
const fastLimits = () =>
  rateLimits({
    perSecond: 5000,
    perMinute: Object.fromEntries(RATE_LIMIT_FAMILIES.map((f) => [f, 300_000])),
  });

function makeClient(overrides: Partial<WorkatoClientOptions> = {}): {
  client: WorkatoClient;
  limiter: SpyRateLimiter;
  inner: InProcessRateLimiter;
  events: WorkatoRequestEvent[];
} {
  const inner = new InProcessRateLimiter(fastLimits());
  const limiter = new SpyRateLimiter(inner);
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
  return { client, limiter, inner, events };
}

/**
 * The WorkatoError a call fails with. Takes the call as a function so a synchronous throw is
 * caught too: that a call rejects instead of throwing is checked once, in its own test.
 */
async function rejection(call: () => Promise<unknown>): Promise<WorkatoError> {
  try {
    await call();
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
  sandbox = await startSandbox({ port: 0, limits: 'off' });
  control = new SandboxControl(sandbox.url);
});

beforeEach(async () => {
  await control.reset();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sandbox.close();
});

describe('API collections', () => {
  it('creates a collection (project_id in the query, bare response) and lists it', async () => {
    const { client } = makeClient();
    const seq = await control.lastCallSeq();
    const created = await client.call('createApiCollection', {
      mu: MU,
      projectId: PROJECT,
      body: { name: 'Netsuite customers' },
    });
    expect(created).toMatchObject({ name: 'Netsuite customers', version: '1.0' });
    expect(typeof created.id).toBe('number');

    const [call] = await callsSince(seq);
    expect(call).toMatchObject({
      method: 'POST',
      path: `/api/managed_users/${MU}/api_collections`,
      query: { project_id: String(PROJECT) },
      body: { name: 'Netsuite customers' },
    });

    const listed = await client.call('listApiCollections', { mu: MU_EXTERNAL });
    // v1 lists carry no count or page: the Page says so rather than inventing them.
    expect(listed).toEqual({
      data: [expect.objectContaining({ id: created.id, project_id: String(PROJECT) })],
      count: null,
      page: null,
      perPage: null,
    });
  });

  it('follows collection pages past 100', async () => {
    const { client } = makeClient();
    for (let i = 0; i < 130; i++) {
      await client.call('createApiCollection', {
        mu: MU,
        projectId: PROJECT,
        body: { name: `Collection ${i}` },
      });
    }
    const page2 = await client.call('listApiCollections', { mu: MU, page: 2, perPage: 100 });
    expect(page2.data).toHaveLength(30);
    expect(page2).toMatchObject({ count: null, page: null, perPage: null });

    const seq = await control.lastCallSeq();
    const all = await client.listAll('listApiCollections', { mu: MU });
    expect(all).toHaveLength(130);
    expect(new Set(all.map((c) => c.id)).size).toBe(130);
    expect((await callsSince(seq)).map((c) => c.query)).toEqual([
      { page: '1', per_page: '100' },
      { page: '2', per_page: '100' },
    ]);
  });
});

describe('API clients (v2)', () => {
  async function collectionId(client: WorkatoClient): Promise<number> {
    return (
      await client.call('createApiCollection', {
        mu: MU,
        projectId: PROJECT,
        body: { name: 'Catalog' },
      })
    ).id;
  }

  it('creates with every field, finds it and deletes it', async () => {
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
    const created = await client.call('createApiClient', { mu: MU, body: req });
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
    expect(call).toMatchObject({
      method: 'POST',
      path: `/api/v2/managed_users/${MU}/api_clients`,
    });
    expect(call.body).toEqual({ ...req, jwt_secret: '[REDACTED]' });

    const found = await client.findFirst(
      'listApiClients',
      { mu: MU_EXTERNAL },
      (c) => c.id === created.id,
    );
    expect(found).toMatchObject({ id: created.id, name: 'Automation Inc.' });

    const deleteSeq = await control.lastCallSeq();
    await expect(
      client.call('deleteApiClient', { mu: MU, clientId: created.id }),
    ).resolves.toBeUndefined();
    expect(await callsSince(deleteSeq)).toEqual([
      expect.objectContaining({
        method: 'DELETE',
        path: `/api/v2/managed_users/${MU}/api_clients/${created.id}`,
        status: 200,
      }),
    ]);
    expect(
      await client.findFirst('listApiClients', { mu: MU }, (c) => c.id === created.id),
    ).toBeNull();
    const again = await rejection(() =>
      client.call('deleteApiClient', { mu: MU, clientId: created.id }),
    );
    expect(again.code).toBe('WORKATO_NOT_FOUND');
  });

  it('creates an identity-portal oidc client (idp_user_id, 003)', async () => {
    const { client } = makeClient();
    const created = await client.call('createApiClient', {
      mu: MU,
      body: {
        name: 'Identity user',
        api_collection_ids: [await collectionId(client)],
        api_portal_id: IDENTITY_PORTAL,
        idp_user_id: 'eshSUgjCGb4ZnF51FjEL3b',
        auth_type: 'oidc',
        oidc_issuer: 'https://idp.example.com',
      },
    });
    expect(created).toMatchObject({ idp_user_id: 'eshSUgjCGb4ZnF51FjEL3b', auth_type: 'oidc' });
  });

  it('pages through more than 100 clients, and finds one paging only as far as needed', async () => {
    const { client } = makeClient();
    const collection = await collectionId(client);
    for (let i = 0; i < 130; i++) {
      await client.call('createApiClient', {
        mu: MU,
        body: { name: `Client ${i}`, api_collection_ids: [collection], auth_type: 'token' },
      });
    }
    const page2 = await client.call('listApiClients', { mu: MU, page: 2, perPage: 100 });
    expect(page2).toMatchObject({ page: 2, perPage: 100, count: 130 });
    expect(page2.data).toHaveLength(30);
    const small = await client.call('listApiClients', { mu: MU, page: 3, perPage: 7 });
    expect(small.data).toHaveLength(7);

    let seq = await control.lastCallSeq();
    const all = await client.listAll('listApiClients', { mu: MU });
    expect(all).toHaveLength(130);
    expect(new Set(all.map((c) => c.id)).size).toBe(130);
    expect((await callsSince(seq)).map((c) => c.query)).toEqual([
      { page: '1', per_page: '100' },
      { page: '2', per_page: '100' },
    ]);

    const pagesFor = async (name: string) => {
      seq = await control.lastCallSeq();
      const found = await client.findFirst('listApiClients', { mu: MU }, (c) => c.name === name);
      return { found: found?.name ?? null, pages: (await callsSince(seq)).length };
    };
    expect(await pagesFor('Client 5')).toEqual({ found: 'Client 5', pages: 1 });
    expect(await pagesFor('Client 120')).toEqual({ found: 'Client 120', pages: 2 });
    expect(await pagesFor('nobody')).toEqual({ found: null, pages: 2 });
  });

  it('never calls the deprecated v1 client or access-profile endpoints', async () => {
    const { client } = makeClient();
    const seq = await control.lastCallSeq();
    const created = await client.call('createApiClient', {
      mu: MU,
      body: { name: 'x', api_collection_ids: [await collectionId(client)], auth_type: 'token' },
    });
    const key = await client.call('createApiKey', {
      mu: MU,
      clientId: created.id,
      body: { name: 'k', active: true },
    });
    await client.call('refreshApiKeySecret', { mu: MU, clientId: created.id, keyId: key.id });
    await client.listAll('listApiClients', { mu: MU });
    const paths = (await callsSince(seq)).map((c) => c.path);
    expect(paths.some((p) => p.includes('api_access_profiles'))).toBe(false);
    expect(
      paths.filter((p) => p.includes('api_clients')).every((p) => p.startsWith('/api/v2/')),
    ).toBe(true);
  });
});

describe('API keys (v2)', () => {
  async function tokenClient(client: WorkatoClient): Promise<number> {
    const collection = await client.call('createApiCollection', {
      mu: MU,
      projectId: PROJECT,
      body: { name: 'Keys' },
    });
    const created = await client.call('createApiClient', {
      mu: MU,
      body: { name: 'Key holder', api_collection_ids: [collection.id], auth_type: 'token' },
    });
    return created.id;
  }

  it('creates (full token once), lists, refreshes and deletes', async () => {
    const { client } = makeClient();
    const clientId = await tokenClient(client);
    const seq = await control.lastCallSeq();
    const key = await client.call('createApiKey', {
      mu: MU,
      clientId,
      body: {
        name: 'Production',
        active: true,
        ip_allow_list: ['8.8.8.8/24'],
        ip_deny_list: ['192.168.0.0/16'],
      },
    });
    expect(key.auth_token).toMatch(/^[0-9a-f]{64}$/);
    expect(key).toMatchObject({ active: true, ip_allow_list: ['8.8.8.8/24'] });
    const [createCall] = await callsSince(seq);
    expect(createCall).toMatchObject({
      method: 'POST',
      path: `/api/v2/managed_users/${MU}/api_clients/${clientId}/api_keys`,
      body: {
        name: 'Production',
        active: true,
        ip_allow_list: ['8.8.8.8/24'],
        ip_deny_list: ['192.168.0.0/16'],
      },
    });

    const listed = await client.call('listApiKeys', { mu: MU, clientId });
    expect(listed).toMatchObject({ count: 1, page: 1 });
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0].auth_token).toBe(key.auth_token?.slice(-4));
    expect(await client.listAll('listApiKeys', { mu: MU_EXTERNAL, clientId })).toEqual([
      expect.objectContaining({ id: key.id, name: 'Production', active: true }),
    ]);

    const refreshSeq = await control.lastCallSeq();
    const refreshed = await client.call('refreshApiKeySecret', { mu: MU, clientId, keyId: key.id });
    expect(refreshed.auth_token).toMatch(/^[0-9a-f]{64}$/);
    expect(refreshed.auth_token).not.toBe(key.auth_token);
    const [refreshCall] = await callsSince(refreshSeq);
    expect(refreshCall).toMatchObject({
      method: 'PUT',
      path: `/api/v2/managed_users/${MU}/api_clients/${clientId}/api_keys/${key.id}/refresh_secret`,
    });

    const deleteSeq = await control.lastCallSeq();
    await client.call('deleteApiKey', { mu: MU_EXTERNAL, clientId, keyId: key.id });
    expect(await callsSince(deleteSeq)).toEqual([
      expect.objectContaining({
        method: 'DELETE',
        path: `/api/v2/managed_users/${MU_EXTERNAL}/api_clients/${clientId}/api_keys/${key.id}`,
      }),
    ]);
    expect(await client.listAll('listApiKeys', { mu: MU, clientId })).toEqual([]);
  });

  it('pages through more than 100 keys', async () => {
    const { client } = makeClient();
    const clientId = await tokenClient(client);
    for (let i = 0; i < 130; i++) {
      await client.call('createApiKey', {
        mu: MU,
        clientId,
        body: { name: `key ${i}`, active: i % 2 === 0 },
      });
    }
    const page2 = await client.call('listApiKeys', { mu: MU, clientId, page: 2, perPage: 100 });
    expect(page2.data).toHaveLength(30);
    const all = await client.listAll('listApiKeys', { mu: MU, clientId });
    expect(all).toHaveLength(130);
    expect(new Set(all.map((k) => k.id)).size).toBe(130);
    expect(all.filter((k) => k.active)).toHaveLength(65);
  });
});

describe('API portals (v2)', () => {
  it('lists portals, each request counted against the portals family', async () => {
    const { client, limiter } = makeClient();
    const page = await client.call('listApiPortals', { mu: MU });
    expect(page.data.map((p) => p.id).sort()).toEqual([MAGIC_LINK_PORTAL, IDENTITY_PORTAL]);
    expect(limiter.acquired).toEqual(['portals']);
    expect(await client.listAll('listApiPortals', { mu: MU_EXTERNAL })).toHaveLength(2);
    expect(limiter.acquired).toEqual(['portals', 'portals']);
  });

  it('counts each endpoint against its published family', async () => {
    const { client, limiter } = makeClient();
    const collection = await client.call('createApiCollection', {
      mu: MU,
      projectId: PROJECT,
      body: { name: 'F' },
    });
    await client.call('listApiCollections', { mu: MU });
    const created = await client.call('createApiClient', {
      mu: MU,
      body: { name: 'F', api_collection_ids: [collection.id], auth_type: 'token' },
    });
    await client.call('listApiClients', { mu: MU });
    const key = await client.call('createApiKey', {
      mu: MU,
      clientId: created.id,
      body: { name: 'k', active: true },
    });
    await client.call('listApiKeys', { mu: MU, clientId: created.id });
    await client.call('refreshApiKeySecret', { mu: MU, clientId: created.id, keyId: key.id });
    await client.call('deleteApiKey', { mu: MU, clientId: created.id, keyId: key.id });
    await client.call('deleteApiClient', { mu: MU, clientId: created.id });
    // API keys count as clients.
    expect(limiter.acquired).toEqual([
      'collections',
      'collections',
      'clients',
      'clients',
      'clients',
      'clients',
      'clients',
      'clients',
      'clients',
    ]);
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
    const created = await client.call('createApiCollection', {
      mu: 'Eacme/eu 1',
      projectId: 9,
      body: { name: 'c' },
    });
    expect(created.name).toBe('c');
    const [call] = await callsSince(seq);
    expect(call.path).toBe('/api/managed_users/Eacme%2Feu%201/api_collections');
    expect((await client.call('listApiCollections', { mu: 777 })).data).toHaveLength(1);
  });

  it('rejects an empty id before sending', async () => {
    const { client } = makeClient();
    const seq = await control.lastCallSeq();
    const error = await rejection(() => client.call('listApiCollections', { mu: '' }));
    expect(error).toBeInstanceOf(WorkatoValidationError);
    expect((error as WorkatoValidationError).field).toBe('managedUserId');
    expect(await callsSince(seq)).toEqual([]);
  });

  it('reports a bad request as a rejected promise, not a synchronous throw', async () => {
    // Callers chain .catch() or collect promises with Promise.allSettled: a call must not throw.
    const { client } = makeClient();
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = client.call('listApiCollections', { mu: '' });
    }).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(WorkatoValidationError);
  });
});

describe('validation', () => {
  let collection: number;
  let client: WorkatoClient;

  beforeEach(async () => {
    client = makeClient().client;
    collection = (
      await client.call('createApiCollection', { mu: MU, projectId: PROJECT, body: { name: 'V' } })
    ).id;
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

    const local = await rejection(() => client.call('createApiClient', { mu: MU, body: payload }));
    expect(local).toBeInstanceOf(WorkatoValidationError);
    expect(local.code).toBe('WORKATO_INVALID_REQUEST');
    expect((local as WorkatoValidationError).field).toBe(ourField);
    expect(local.message).toContain(ourField);
    expect(local.path).toBe(`/api/v2/managed_users/${MU}/api_clients`);
    expect(await callsSince(seq)).toEqual([]);

    const remote = await rejection(() =>
      client.call('createApiClient', { mu: MU, body: payload }, { skipValidation: true }),
    );
    expect(remote).toMatchObject({ code: 'WORKATO_BAD_REQUEST', status: 400, retryable: false });
    expect(remote.workatoMessage).toBe('Validation failed');
    expect(remote.fieldErrors?.[sandboxField]?.length).toBeGreaterThan(0);
    expect(await callsSince(seq)).toHaveLength(1);
  });

  it('validates API key and collection payloads too', async () => {
    const seq = await control.lastCallSeq();
    const localKey = await rejection(() =>
      client.call('createApiKey', { mu: MU, clientId: 1, body: { name: '', active: true } }),
    );
    expect((localKey as WorkatoValidationError).field).toBe('name');
    const localCollection = await rejection(() =>
      client.call('createApiCollection', { mu: MU, projectId: PROJECT, body: { name: '' } }),
    );
    expect(localCollection).toBeInstanceOf(WorkatoValidationError);
    expect((localCollection as WorkatoValidationError).field).toBe('name');
    expect(localCollection.path).toBe(`/api/managed_users/${MU}/api_collections`);
    expect(await callsSince(seq)).toEqual([]);

    const remote = await rejection(() =>
      client.call(
        'createApiCollection',
        { mu: MU, projectId: PROJECT, body: { name: '' } },
        { skipValidation: true },
      ),
    );
    expect(remote.fieldErrors).toEqual({ name: ["can't be blank"] });
  });
});

describe('error bodies', () => {
  it('{"message"}: 404 is terminal WORKATO_NOT_FOUND', async () => {
    const { client, events } = makeClient();
    const error = await rejection(() =>
      client.call('deleteApiClient', { mu: MU, clientId: 999_999 }),
    );
    expect(error).toMatchObject({
      code: 'WORKATO_NOT_FOUND',
      status: 404,
      retryable: false,
      workatoMessage: 'Not found',
      method: 'DELETE',
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
    const error = await rejection(() => client.call('listApiPortals', { mu: MU }));
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
    const error = await rejection(() => client.call('listApiClients', { mu: MU }));
    expect(error).toMatchObject({ code, status, retryable: false });
    expect(events).toHaveLength(1);
  });

  it('a wrong token is WORKATO_UNAUTHORIZED', async () => {
    const { client } = makeClient({ apiToken: 'not-the-token' });
    const error = await rejection(() => client.call('listApiClients', { mu: MU }));
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
      const error = await rejection(() => client.call('listApiClients', { mu: MU }));
      expect(error).toMatchObject({ code: 'WORKATO_SERVER_ERROR', status: 502, retryable: true });
      expect(error.workatoMessage).toBe(
        '<html><body>502 Bad Gateway for Bearer [REDACTED]</body></html>',
      );
      expect(JSON.stringify(error)).not.toContain('tok-123-secret');
      expect(events.map((e) => e.status)).toEqual([502]);

      const retrying = makeClient({ baseUrl: url, apiToken: 'tok-123-secret' });
      requests = 0;
      await expect(retrying.client.call('listApiClients', { mu: MU })).resolves.toEqual({
        data: [],
        count: 0,
        page: 1,
        perPage: 100,
      });
      expect(retrying.events.map((e) => e.status)).toEqual([502, 200]);
    });

    it('a 200 that is not JSON is WORKATO_INVALID_RESPONSE', async () => {
      const { client } = makeClient({ baseUrl: url, apiToken: 't' });
      const error = await rejection(() => client.call('listApiPortals', { mu: MU }));
      expect(error).toMatchObject({
        code: 'WORKATO_INVALID_RESPONSE',
        status: 200,
        retryable: false,
      });
    });
  });
});

describe('rate limiting', () => {
  it('honours Retry-After on a 429 and pauses both the overall bucket and the family', async () => {
    const { client, limiter, events } = makeClient();
    await control.addFault({ method: 'GET', path: 'api_clients$', status: 429, retryAfter: 1 });
    const seq = await control.lastCallSeq();
    const started = Date.now();
    const page = await client.call('listApiClients', { mu: MU });
    expect(page.data).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);

    // Workato does not say which limit a 429 is for: everything waits.
    expect(limiter.pauses.map((p) => p.bucket)).toEqual(['overall', 'clients']);
    for (const pause of limiter.pauses) {
      expect(pause.inMs).toBeGreaterThan(900);
      expect(pause.inMs).toBeLessThanOrEqual(1000);
    }
    expect(events.map((e) => e.status)).toEqual([429, 200]);

    const calls = await callsSince(seq);
    expect(calls).toHaveLength(2);
    const gap = Date.parse(calls[1].timestamp) - Date.parse(calls[0].timestamp);
    expect(gap).toBeGreaterThanOrEqual(990);
  });

  it('the pause holds back requests of every family too', async () => {
    const { client } = makeClient();
    await control.addFault({ method: 'GET', path: 'api_clients$', status: 429, retryAfter: 1 });
    await rejection(() => client.call('listApiClients', { mu: MU }, { retry: false }));
    const started = Date.now();
    await client.call('listApiCollections', { mu: MU });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('uses a default pause when Retry-After is absent', async () => {
    const { client, limiter, inner } = makeClient();
    await control.addFault({ method: 'GET', path: 'api_portals$', status: 429 });
    const error = await rejection(() =>
      client.call('listApiPortals', { mu: MU }, { retry: false }),
    );
    expect(error).toMatchObject({
      code: 'WORKATO_RATE_LIMITED',
      retryable: true,
      retryAfterMs: 60_000,
    });
    // Without Retry-After the family's minute is taken as spent: only its bucket waits.
    expect(limiter.pauses.map((p) => p.bucket)).toEqual(['portals']);
    expect(limiter.pauses[0].inMs).toBeGreaterThan(59_000);
    expect(limiter.pauses[0].inMs).toBeLessThanOrEqual(60_000);

    const started = Date.now();
    await client.call('listApiCollections', { mu: MU });
    expect(Date.now() - started).toBeLessThan(500);
    // A portal request would wait out the minute (asked of the limiter, without waiting).
    expect(inner.reserve('portals')).toBeGreaterThan(59_000);
  });

  it('paces itself under the sandbox limit: no 429 at the full rate', async () => {
    await control.setConfig({ rateLimitRps: 10 });
    const { client } = makeClient({
      rateLimiter: new InProcessRateLimiter(rateLimits({ perSecond: 10 })),
    });
    await control.resetStats();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 30 }, () => client.call('listApiCollections', { mu: MU })),
    );
    const elapsed = Date.now() - started;
    const stats = await control.stats();
    expect(stats.rateLimited429).toBe(0);
    expect(stats.requests).toBe(30);
    // 30 requests spaced (1000 + 50) / 10 = 105 ms apart: the first is immediate, the last at
    // 29 × 105 = 3045 ms.
    expect(elapsed).toBeGreaterThanOrEqual(29 * 105);
    expect(elapsed).toBeLessThan(5000);
  });
});

describe('retries', () => {
  it('retries a 500 and then succeeds', async () => {
    const { client, events } = makeClient();
    await control.addFault({ method: 'GET', path: 'api_collections$', status: 500, count: 1 });
    await expect(client.call('listApiCollections', { mu: MU })).resolves.toEqual({
      data: [],
      count: null,
      page: null,
      perPage: null,
    });
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
    await expect(client.call('listApiClients', { mu: MU })).resolves.toMatchObject({ data: [] });
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
    await expect(client.call('listApiPortals', { mu: MU })).resolves.toMatchObject({ count: 2 });
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
    const error = await rejection(() => client.call('listApiPortals', { mu: MU }));
    expect(error).toMatchObject({ code: 'WORKATO_TIMEOUT', status: null, retryable: true });
    expect(error.message).toContain('timed out after 200 ms');
    expect(events).toHaveLength(2);
  });

  it('success:false on a 200 is a terminal WORKATO_REQUEST_FAILED', async () => {
    const { client, events } = makeClient();
    const collection = await client.call('createApiCollection', {
      mu: MU,
      projectId: PROJECT,
      body: { name: 'E' },
    });
    const created = await client.call('createApiClient', {
      mu: MU,
      body: { name: 'E', api_collection_ids: [collection.id], auth_type: 'token' },
    });
    await control.addFault({
      method: 'DELETE',
      path: 'api_clients/\\d+$',
      successFalse: true,
      count: -1,
    });
    const error = await rejection(() =>
      client.call('deleteApiClient', { mu: MU, clientId: created.id }),
    );
    expect(error).toMatchObject({
      code: 'WORKATO_REQUEST_FAILED',
      status: 200,
      retryable: false,
      workatoMessage: 'Operation failed',
    });
    expect(events.filter((e) => e.endpoint === 'deleteApiClient')).toHaveLength(1);
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
    await client.call('createApiCollection', {
      mu: MU,
      projectId: PROJECT,
      body: { name: 'Twice' },
    });
    const listed = await client.call('listApiCollections', { mu: MU });
    expect(listed.data.map((c) => c.name)).toEqual(['Twice', 'Twice']);
  });

  it('retry: false makes exactly one attempt', async () => {
    const { client, events } = makeClient();
    await control.addFault({
      method: 'POST',
      path: 'api_collections$',
      drop: true,
      afterResponse: true,
    });
    const error = await rejection(() =>
      client.call(
        'createApiCollection',
        { mu: MU, projectId: PROJECT, body: { name: 'Once' } },
        { retry: false },
      ),
    );
    expect(error).toMatchObject({ code: 'WORKATO_NETWORK_ERROR', status: null, retryable: true });
    expect(events).toHaveLength(1);
    const listed = await client.call('listApiCollections', { mu: MU });
    expect(listed.data.map((c) => c.name)).toEqual(['Once']);
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
      await rejection(() => client.call('listApiPortals', { mu: MU })),
      await rejection(() => client.call('listApiKeys', { mu: MU, clientId: 1 })),
      await rejection(() => client.call('listApiCollections', { mu: MU })),
      await rejection(() => client.call('deleteApiClient', { mu: MU, clientId: 424242 })),
      await rejection(() =>
        client.call('createApiClient', { mu: MU, body: { name: '' } as CreateApiClientRequest }),
      ),
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
