import { bareOrWrapped, dataObject, dataPage, ignore, MAX_PER_PAGE, resultList } from './codecs';
import type { RateLimitFamily } from './rate-limits';
import type { RetryPolicyOptions } from './retry.policy';
import { HttpMethod, RequestSpec, TransportOptions, WorkatoTransport } from './transport';
import {
  validateCreateApiClientRequest,
  validateCreateApiCollectionRequest,
  validateCreateApiKeyRequest,
} from './workato-request.validation';
import { WorkatoValidationError } from './workato.errors';
import {
  apiClientSchema,
  apiCollectionSchema,
  apiKeySchema,
  apiPortalSchema,
  CreateApiClientRequest,
  CreateApiCollectionRequest,
  CreateApiKeyRequest,
  ManagedUserId,
  Page,
  PageRequest,
  WorkatoId,
} from './workato.types';

export type { WorkatoClientLogger, WorkatoRequestEvent } from './transport';
export type WorkatoClientOptions = TransportOptions;

/** One Workato endpoint: where it is, what it counts against, how its answer reads. */
interface Endpoint<P, R> {
  method: HttpMethod;
  family: RateLimitFamily;
  path(params: P): string;
  query?(params: P): Record<string, string | number | undefined>;
  body?(params: P): unknown;
  /** Checked before sending; throws WorkatoValidationError naming the field. */
  validate?(params: P, request: { method: string; path: string }): void;
  parse(json: unknown): R;
}

const endpoint = <P, R>(e: Endpoint<P, R>): Endpoint<P, R> => e;

interface InManagedUser {
  mu: ManagedUserId;
}
interface OfClient extends InManagedUser {
  clientId: WorkatoId;
}
interface OfKey extends OfClient {
  keyId: WorkatoId;
}
type Paged<P> = P & PageRequest;

/**
 * The Workato Embedded API endpoints the product uses, and nothing else: customers' workspaces
 * are under /api/managed_users/:id (v1: API collections) and /api/v2/managed_users/:id (v2: API
 * clients, their keys, portals). `family` is the published rate-limit family each counts against.
 *
 * The v1 access-profile endpoints are deliberately absent: deprecated on 1 December 2025 and
 * their tokens stopped working; API keys (v2) replace them.
 */
export const WORKATO_ENDPOINTS = {
  listApiCollections: endpoint({
    method: 'GET',
    family: 'collections',
    path: (p: Paged<InManagedUser>) => `${v1(p.mu)}/api_collections`,
    query: (p) => pageQuery(p),
    parse: resultList(apiCollectionSchema),
  }),
  /** In project `projectId`, sent as the `project_id` query parameter (001). */
  createApiCollection: endpoint({
    method: 'POST',
    family: 'collections',
    path: (p: InManagedUser & { projectId: WorkatoId; body: CreateApiCollectionRequest }) =>
      `${v1(p.mu)}/api_collections`,
    query: (p) => ({ project_id: String(p.projectId) }),
    body: (p) => ({ name: p.body.name }),
    validate: (p, request) => validateCreateApiCollectionRequest(p.body, p.projectId, request),
    // 001 documents a bare object here, unlike every other response.
    parse: bareOrWrapped(apiCollectionSchema),
  }),
  listApiClients: endpoint({
    method: 'GET',
    family: 'clients',
    path: (p: Paged<InManagedUser>) => `${v2(p.mu)}/api_clients`,
    query: (p) => pageQuery(p),
    parse: dataPage(apiClientSchema),
  }),
  createApiClient: endpoint({
    method: 'POST',
    family: 'clients',
    path: (p: InManagedUser & { body: CreateApiClientRequest }) => `${v2(p.mu)}/api_clients`,
    body: (p) => p.body,
    validate: (p, request) => validateCreateApiClientRequest(p.body, request),
    parse: dataObject(apiClientSchema),
  }),
  /** Workato rejects the client's callers at once (002). */
  deleteApiClient: endpoint({
    method: 'DELETE',
    family: 'clients',
    path: (p: OfClient) => `${v2(p.mu)}/api_clients/${seg(p.clientId, 'api_client_id')}`,
    parse: ignore,
  }),
  getApiClient: endpoint({
    method: 'GET',
    family: 'clients',
    path: (p: OfClient) => `${v2(p.mu)}/api_clients/${seg(p.clientId, 'api_client_id')}`,
    parse: dataObject(apiClientSchema),
  }),
  /**
   * 001 marks name and api_collection_ids required and documents neither auth_type nor
   * api_portal_id here: drift repair sends only what it restores.
   */
  updateApiClient: endpoint({
    method: 'PUT',
    family: 'clients',
    path: (p: OfClient & { body: { name: string; api_collection_ids: number[] } }) =>
      `${v2(p.mu)}/api_clients/${seg(p.clientId, 'api_client_id')}`,
    body: (p) => p.body,
    parse: dataObject(apiClientSchema),
  }),
  listApiKeys: endpoint({
    method: 'GET',
    family: 'clients',
    path: (p: Paged<OfClient>) => keysPath(p),
    query: (p) => pageQuery(p),
    parse: dataPage(apiKeySchema),
  }),
  /**
   * For token and OAuth 2.0 clients the answer holds the full `auth_token`, the only time
   * Workato shows it (lists return its last four characters).
   */
  createApiKey: endpoint({
    method: 'POST',
    family: 'clients',
    path: (p: OfClient & { body: CreateApiKeyRequest }) => keysPath(p),
    body: (p) => p.body,
    validate: (p, request) => validateCreateApiKeyRequest(p.body, request),
    parse: dataObject(apiKeySchema),
  }),
  /**
   * A new token; the old one stops working at once (002). PUT, as in 001's detailed section and
   * in 003; 001's quick reference says POST, but the detailed section has the sample request.
   */
  refreshApiKeySecret: endpoint({
    method: 'PUT',
    family: 'clients',
    path: (p: OfKey) => `${keysPath(p)}/${seg(p.keyId, 'api_key_id')}/refresh_secret`,
    parse: dataObject(apiKeySchema),
  }),
  /** Callers holding this key are accepted again (001: `{ "success": true }`). */
  enableApiKey: endpoint({
    method: 'PUT',
    family: 'clients',
    path: (p: OfKey) => `${keysPath(p)}/${seg(p.keyId, 'api_key_id')}/enable`,
    parse: ignore,
  }),
  /** Callers holding this key are refused until it is enabled again (001). */
  disableApiKey: endpoint({
    method: 'PUT',
    family: 'clients',
    path: (p: OfKey) => `${keysPath(p)}/${seg(p.keyId, 'api_key_id')}/disable`,
    parse: ignore,
  }),
  deleteApiKey: endpoint({
    method: 'DELETE',
    family: 'clients',
    path: (p: OfKey) => `${keysPath(p)}/${seg(p.keyId, 'api_key_id')}`,
    parse: ignore,
  }),
  listApiPortals: endpoint({
    method: 'GET',
    family: 'portals',
    path: (p: Paged<InManagedUser>) => `${v2(p.mu)}/api_portals`,
    query: (p) => pageQuery(p),
    parse: dataPage(apiPortalSchema),
  }),
};

type Endpoints = typeof WORKATO_ENDPOINTS;
export type EndpointName = keyof Endpoints;
export type ParamsOf<K extends EndpointName> =
  Endpoints[K] extends Endpoint<infer P, unknown> ? P : never;
export type ResultOf<K extends EndpointName> = ReturnType<Endpoints[K]['parse']>;
type ItemOf<K extends EndpointName> = ResultOf<K> extends Page<infer T> ? T : never;
type PagedEndpoint = {
  [K in EndpointName]: ResultOf<K> extends Page<{ id: number }> ? K : never;
}[EndpointName];

/** Options every call takes. */
export interface CallOptions {
  /**
   * `false`: one attempt only. Creates are not idempotent in Workato: a caller that cannot look
   * the resource up before trying again passes `retry: false`. An object overrides the retry
   * options for this call.
   */
  retry?: false | RetryPolicyOptions;
  /** Send without the client-side validation (contract tests of Workato's own). */
  skipValidation?: boolean;
}

/** listAll / findFirst stop here (100 000 items) rather than loop on a server that ignores pages. */
const MAX_PAGES = 1_000;

/**
 * The typed client of the endpoints above. Every call goes through the transport: the shared
 * rate limiter, the retry policy, one error type (WorkatoError).
 */
export class WorkatoClient {
  private readonly transport: WorkatoTransport;

  constructor(options: WorkatoClientOptions) {
    this.transport = new WorkatoTransport(options);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  async call<K extends EndpointName>(
    name: K,
    params: ParamsOf<K>,
    options: CallOptions = {},
  ): Promise<ResultOf<K>> {
    const e = WORKATO_ENDPOINTS[name] as unknown as Endpoint<ParamsOf<K>, ResultOf<K>>;
    const path = e.path(params);
    if (e.validate && !options.skipValidation)
      e.validate(params, { method: e.method, path: this.transport.fullPath(path) });
    const spec: RequestSpec<ResultOf<K>> = {
      endpoint: name,
      method: e.method,
      path,
      query: e.query?.(params),
      body: e.body?.(params),
      family: e.family,
      parse: e.parse,
    };
    return this.transport.send(spec, options.retry);
  }

  /** Every item of a list, page by page (100 per page). */
  async listAll<K extends PagedEndpoint>(
    name: K,
    params: ParamsOf<K>,
    options?: CallOptions,
  ): Promise<ItemOf<K>[]> {
    const all: ItemOf<K>[] = [];
    await this.walk(name, params, options, (item) => {
      all.push(item);
      return false;
    });
    return all;
  }

  /**
   * The first item that `matches`, paging only as far as needed: every page is a request
   * against the workspace's shared quota.
   */
  async findFirst<K extends PagedEndpoint>(
    name: K,
    params: ParamsOf<K>,
    matches: (item: ItemOf<K>) => boolean,
    options?: CallOptions,
  ): Promise<ItemOf<K> | null> {
    let found: ItemOf<K> | null = null;
    await this.walk(name, params, options, (item) => {
      if (!matches(item)) return false;
      found = item;
      return true;
    });
    return found;
  }

  /**
   * Walks pages of 100 until `visit` says stop or a short page. Also stops when Workato's
   * `count` has proven to be a total and has been reached, and when a page repeats (a server
   * that ignores `page`).
   */
  private async walk<K extends PagedEndpoint>(
    name: K,
    params: ParamsOf<K>,
    options: CallOptions | undefined,
    visit: (item: ItemOf<K>) => boolean,
  ): Promise<void> {
    const seen = new Set<number>();
    let total: number | null = null;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const result = (await this.call(
        name,
        { ...(params as object), page, perPage: MAX_PER_PAGE } as ParamsOf<K>,
        options,
      )) as Page<ItemOf<K> & { id: number }>;
      const fresh = result.data.filter((item) => !seen.has(item.id));
      if (result.data.length > 0 && fresh.length === 0) return;
      for (const item of fresh) {
        seen.add(item.id);
        if (visit(item)) return;
      }
      // `count` is not documented as page or total; it is a total once it exceeds a page.
      if (result.count !== null && result.count > result.data.length) total = result.count;
      const pageSize = Math.min(result.perPage ?? MAX_PER_PAGE, MAX_PER_PAGE);
      if (result.data.length !== pageSize) return;
      if (total !== null && seen.size >= total) return;
    }
    this.transport.logger?.warn('Workato list stopped at the page limit', {
      endpoint: name,
      pages: MAX_PAGES,
    });
  }
}

// ------------------------------------------------------------------ paths

function managedUserSegment(mu: ManagedUserId): string {
  const text = typeof mu === 'number' ? String(mu) : mu;
  if (
    (typeof mu === 'number' && !(Number.isInteger(mu) && mu > 0)) ||
    typeof text !== 'string' ||
    text.trim() === ''
  ) {
    throw new WorkatoValidationError([
      {
        field: 'managedUserId',
        message: "must be a numeric customer id or 'E' + the external id",
      },
    ]);
  }
  return encodeURIComponent(text);
}

function seg(id: WorkatoId, field: string): string {
  const text = String(id ?? '');
  if (text.trim() === '') {
    throw new WorkatoValidationError([{ field, message: 'is required' }]);
  }
  return encodeURIComponent(text);
}

const v1 = (mu: ManagedUserId): string => `/api/managed_users/${managedUserSegment(mu)}`;
const v2 = (mu: ManagedUserId): string => `/api/v2/managed_users/${managedUserSegment(mu)}`;
const keysPath = (p: OfClient): string =>
  `${v2(p.mu)}/api_clients/${seg(p.clientId, 'api_client_id')}/api_keys`;

function pageQuery(page: PageRequest): Record<string, number | undefined> {
  for (const [field, value] of [
    ['page', page.page],
    ['per_page', page.perPage],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new WorkatoValidationError([{ field, message: 'must be an integer >= 1' }]);
    }
  }
  if (page.perPage !== undefined && page.perPage > MAX_PER_PAGE) {
    throw new WorkatoValidationError([
      { field: 'per_page', message: `must be at most ${MAX_PER_PAGE}` },
    ]);
  }
  return { page: page.page, per_page: page.perPage };
}
