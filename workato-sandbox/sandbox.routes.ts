import { paginate, RawJson, RouteResult, SandboxHttpError } from './sandbox.http';
import type { Family } from './sandbox.rate-limit';
import {
  clientJson,
  presentClient,
  presentCollection,
  presentCreatedCollection,
  presentEndpoint,
  presentKey,
  presentPortal,
} from './sandbox.presenter';
import {
  ClientRecord,
  EndpointRecord,
  KeyRecord,
  ManagedUserRecord,
  SandboxState,
} from './sandbox.state';
import {
  validateClientPayload,
  validateCollectionCreate,
  validateKeyCreate,
  validateKeyUpdate,
} from './sandbox.validation';

export interface RouteContext {
  state: SandboxState;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

export interface Route {
  methods: readonly string[];
  segments: readonly string[];
  /** The rate-limit family the route counts against (see sandbox.rate-limit.ts). */
  family: Family;
  handle(ctx: RouteContext): RouteResult;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

const MU = '/api/managed_users/:mu';
const MU_V2 = '/api/v2/managed_users/:mu';
const CLIENT = `${MU_V2}/api_clients/:client`;
const KEY = `${CLIENT}/api_keys/:key`;

const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
const success = (): RouteResult => ok({ success: true });

/**
 * The Embedded API platform surface of 001, under `/api/managed_users/:id` (v1 collections and
 * endpoints) and `/api/v2/managed_users/:id` (clients, keys, portals). The deprecated v1 client
 * and access-profile endpoints are left out on purpose: the orchestrator must not use them.
 */
const ROUTES: Route[] = [
  route('GET', `${MU}/api_collections`, 'api_collections', (ctx) => {
    const mu = managedUser(ctx);
    const page = paginate(mu.collections, ctx.query);
    return ok({ result: page.items.map(presentCollection) });
  }),
  route('POST', `${MU}/api_collections`, 'api_collections', (ctx) => {
    const mu = managedUser(ctx);
    const input = validateCollectionCreate(mu, ctx.body, ctx.query.get('project_id'));
    // Duplicate names are accepted, as Workato does; finding an existing collection before
    // creating one is the caller's job.
    return ok(
      presentCreatedCollection(ctx.state.createCollection(mu, input.name, input.projectId)),
    );
  }),
  route('GET', `${MU}/api_endpoints`, 'api_endpoints', (ctx) => {
    const mu = managedUser(ctx);
    const collectionId = ctx.query.get('api_collection_id');
    let endpoints: EndpointRecord[] | Map<number, EndpointRecord> = mu.endpoints;
    if (collectionId !== null && collectionId !== '') {
      const collection = /^\d+$/.test(collectionId)
        ? mu.collections.get(Number(collectionId))
        : undefined;
      endpoints = (collection?.endpointIds ?? []).map(
        (id) => mu.endpoints.get(id) as EndpointRecord,
      );
    }
    return ok({ result: paginate(endpoints, ctx.query).items.map(presentEndpoint) });
  }),
  route('PUT', `${MU}/api_endpoints/:endpoint/enable`, 'api_endpoints', (ctx) =>
    setEndpoint(ctx, true),
  ),
  route('PUT', `${MU}/api_endpoints/:endpoint/disable`, 'api_endpoints', (ctx) =>
    setEndpoint(ctx, false),
  ),

  route('GET', `${MU_V2}/api_clients`, 'api_clients', (ctx) => {
    const mu = managedUser(ctx);
    const page = paginate(mu.clients, ctx.query);
    // Pages of a hundred clients are the heaviest answers the sandbox gives; each client's JSON
    // is cached until it changes.
    const data = page.items.map((c) => clientJson(mu, c)).join(',');
    return ok(
      new RawJson(
        `{"data":[${data}],"count":${page.count},"page":${page.page},"per_page":${page.perPage}}`,
      ),
    );
  }),
  route('POST', `${MU_V2}/api_clients`, 'api_clients', (ctx) => {
    const mu = managedUser(ctx);
    const client = ctx.state.createClient(mu, validateClientPayload(mu, ctx.body));
    return ok({ data: presentClient(mu, client, { withKeys: false }) });
  }),
  route('GET', CLIENT, 'api_clients', (ctx) => {
    const { mu, client } = apiClient(ctx);
    return ok({ data: presentClient(mu, client, { withKeys: true }) });
  }),
  route('PUT', CLIENT, 'api_clients', (ctx) => {
    const { mu, client } = apiClient(ctx);
    ctx.state.updateClient(client, validateClientPayload(mu, ctx.body, client));
    return ok({ data: presentClient(mu, client, { withKeys: true }) });
  }),
  route('DELETE', CLIENT, 'api_clients', (ctx) => {
    const { mu, client } = apiClient(ctx);
    ctx.state.deleteClient(mu, client);
    return success();
  }),

  route('GET', `${CLIENT}/api_keys`, 'api_clients', (ctx) => {
    const { client } = apiClient(ctx);
    const page = paginate(client.keys, ctx.query);
    return ok({
      data: page.items.map((k) => presentKey(k, { reveal: false })),
      count: page.count,
      page: page.page,
      per_page: page.perPage,
    });
  }),
  route('POST', `${CLIENT}/api_keys`, 'api_clients', (ctx) => {
    const { client } = apiClient(ctx);
    const key = ctx.state.createKey(client, validateKeyCreate(ctx.body));
    return ok({ data: presentKey(key, { reveal: true }) });
  }),
  route('PUT', KEY, 'api_clients', (ctx) => {
    const { key } = apiKey(ctx);
    ctx.state.updateKey(key, validateKeyUpdate(ctx.body));
    return ok({ data: presentKey(key, { reveal: false }) });
  }),
  route('PUT', `${KEY}/enable`, 'api_clients', (ctx) => {
    const { client, key } = apiKey(ctx);
    ctx.state.setKeyActive(client, key, true);
    return success();
  }),
  route('PUT', `${KEY}/disable`, 'api_clients', (ctx) => {
    const { client, key } = apiKey(ctx);
    ctx.state.setKeyActive(client, key, false);
    return success();
  }),
  // 001's quick reference lists refresh_secret as POST, its detailed section (and 003) as PUT.
  // Which one a real account honours is unknown, so both are accepted (beyond the documents:
  // each one documents only one of them).
  route(['PUT', 'POST'], `${KEY}/refresh_secret`, 'api_clients', (ctx) => {
    const { key } = apiKey(ctx);
    if (key.authToken === null) {
      throw SandboxHttpError.badRequest(
        `API keys of ${key.authType} clients have no secret to refresh`,
      );
    }
    ctx.state.refreshKeySecret(key);
    return ok({ data: presentKey(key, { reveal: true }) });
  }),
  route('DELETE', KEY, 'api_clients', (ctx) => {
    const { client, key } = apiKey(ctx);
    ctx.state.deleteKey(client, key);
    return success();
  }),

  route('GET', `${MU_V2}/api_portals`, 'api_portals', (ctx) => {
    const mu = managedUser(ctx);
    const page = paginate(mu.portals, ctx.query);
    return ok({
      data: page.items.map((p) => presentPortal(mu, p)),
      count: page.count,
      page: page.page,
      per_page: page.perPage,
    });
  }),
];

/** Routes indexed by segment count, so a lookup compares against a handful of candidates. */
const BY_LENGTH = new Map<number, Route[]>();
for (const r of ROUTES) {
  const list = BY_LENGTH.get(r.segments.length) ?? [];
  list.push(r);
  BY_LENGTH.set(r.segments.length, list);
}

/** Every route with its path pattern and family, for tests and docs. */
export function routeTable(): { methods: readonly string[]; pattern: string; family: Family }[] {
  return ROUTES.map((r) => ({
    methods: r.methods,
    pattern: r.segments.join('/'),
    family: r.family,
  }));
}

/** Returns null for unknown paths and for known paths with the wrong method: both are 404s. */
export function matchRoute(method: string, path: string): RouteMatch | null {
  const parts = path.split('/');
  const candidates = BY_LENGTH.get(parts.length);
  if (!candidates) return null;
  outer: for (const r of candidates) {
    if (!r.methods.includes(method)) continue;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const segment = r.segments[i];
      if (segment.startsWith(':')) {
        if (parts[i] === '') continue outer;
        const decoded = safeDecode(parts[i]);
        if (decoded === null) continue outer;
        params[segment.slice(1)] = decoded;
      } else if (segment !== parts[i]) {
        continue outer;
      }
    }
    return { route: r, params };
  }
  return null;
}

function route(
  methods: string | readonly string[],
  pattern: string,
  family: Family,
  handle: (ctx: RouteContext) => RouteResult,
): Route {
  return {
    methods: typeof methods === 'string' ? [methods] : methods,
    segments: pattern.split('/'),
    family,
    handle,
  };
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function managedUser(ctx: RouteContext): ManagedUserRecord {
  const mu = ctx.state.findManagedUser(ctx.params.mu);
  if (!mu) throw SandboxHttpError.notFound();
  return mu;
}

function numericParam(value: string): number | null {
  return /^\d+$/.test(value) ? Number(value) : null;
}

function setEndpoint(ctx: RouteContext, active: boolean): RouteResult {
  const mu = managedUser(ctx);
  const id = numericParam(ctx.params.endpoint);
  const endpoint = id === null ? undefined : mu.endpoints.get(id);
  if (!endpoint) throw SandboxHttpError.notFound();
  ctx.state.setEndpointActive(endpoint, active);
  return success();
}

function apiClient(ctx: RouteContext): { mu: ManagedUserRecord; client: ClientRecord } {
  const mu = managedUser(ctx);
  const id = numericParam(ctx.params.client);
  const client = id === null ? undefined : mu.clients.get(id);
  if (!client) throw SandboxHttpError.notFound();
  return { mu, client };
}

function apiKey(ctx: RouteContext): {
  mu: ManagedUserRecord;
  client: ClientRecord;
  key: KeyRecord;
} {
  const found = apiClient(ctx);
  const id = numericParam(ctx.params.key);
  const key = id === null ? undefined : found.client.keys.get(id);
  if (!key) throw SandboxHttpError.notFound();
  return { ...found, key };
}
