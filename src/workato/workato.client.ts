import { Pool } from 'undici';
import { z } from 'zod';
import { RateLimitBucket, WorkatoRateLimiter } from './rate-limiter';
import { parseRetryAfterMs, RetryPolicy, RetryPolicyOptions } from './retry.policy';
import {
  validateCreateApiClientRequest,
  validateCreateApiKeyRequest,
  validateUpdateApiClientRequest,
  validateUpdateApiKeyRequest,
} from './workato-request.validation';
import { errorFromResponse, WorkatoError, WorkatoValidationError } from './workato.errors';
import {
  ApiClient,
  apiClientSchema,
  ApiCollection,
  apiCollectionSchema,
  ApiEndpoint,
  apiEndpointSchema,
  ApiKey,
  apiKeySchema,
  ApiPortal,
  apiPortalSchema,
  CreateApiClientRequest,
  CreateApiCollectionRequest,
  CreateApiKeyRequest,
  ManagedUserId,
  Page,
  PageRequest,
  UpdateApiClientRequest,
  UpdateApiKeyRequest,
  WorkatoId,
} from './workato.types';

export interface WorkatoClientLogger {
  debug(message: string, context: Record<string, unknown>): void;
  warn(message: string, context: Record<string, unknown>): void;
}

/** One HTTP attempt, for metrics. `status` is null when no response arrived. */
export interface WorkatoRequestEvent {
  /** The client method, e.g. `createApiClient`: a low-cardinality metric label. */
  endpoint: string;
  method: HttpMethod;
  status: number | null;
  /** Time on the wire, without the rate-limiter wait. */
  durationMs: number;
  /** 1-based. */
  attempt: number;
  rateLimitWaitMs: number;
  /** Set when the attempt failed. */
  errorCode?: string;
}

export interface WorkatoClientOptions {
  /** e.g. https://www.workato.com (the account's data center) or the sandbox URL. */
  baseUrl: string;
  apiToken: string;
  /** Per attempt, headers and body included. Default 20 000 ms; Workato itself cuts at 40 s. */
  timeoutMs?: number;
  rateLimiter: WorkatoRateLimiter;
  retry?: RetryPolicyOptions;
  logger?: WorkatoClientLogger;
  onRequest?: (event: WorkatoRequestEvent) => void;
  /** Test seams for the retry policy's waits and jitter. */
  retryDeps?: ConstructorParameters<typeof RetryPolicy>[1];
  /** Most connections kept to Workato. Default 16 (the rate limit is the real bound). */
  connections?: number;
}

/** Options every call takes. */
export interface CallOptions {
  /**
   * `false`: one attempt only. Creates are retried by default; that is safe for the
   * orchestrator because it looks a resource up by its natural key before (re)creating it,
   * and any caller that cannot do that should pass `retry: false`.
   * An object overrides the client's retry options for this call.
   */
  retry?: false | RetryPolicyOptions;
  /**
   * Send the request without the client-side validation. For contract tests of Workato's own
   * validation, and for fields the validator does not know yet.
   */
  skipValidation?: boolean;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface RequestSpec<T> {
  endpoint: string;
  method: HttpMethod;
  /** Already URL-encoded, without query string. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Portal endpoints take a token from the portal bucket as well as the default one. */
  portal?: boolean;
  parse: (json: unknown) => T;
}

const DEFAULT_TIMEOUT_MS = 20_000;
/** When a 429 carries no Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** A Retry-After beyond this is treated as this, so a bad header cannot stall every instance. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;
const MAX_PER_PAGE = 100;
/** listAll* stops here (100 000 items) rather than loop forever on a server that ignores pages. */
const MAX_PAGES = 1_000;

class TimeoutMarker extends Error {}

/**
 * Typed client for the Workato Embedded API platform endpoints the onboarding uses
 * (/api/managed_users/:id/... and /api/v2/managed_users/:id/...). Every call goes through the
 * shared rate limiter, the retry policy and one error type (WorkatoError).
 *
 * The v1 access-profile endpoints are deliberately absent: deprecated on 1 December 2025 and
 * their tokens stopped working; API keys (v2) replace them.
 *
 * The API token is only ever put in the Authorization header: not in logs, errors or events.
 */
export class WorkatoClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly retryPolicy: RetryPolicy;

  constructor(private readonly options: WorkatoClientOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error('WorkatoClient: baseUrl must be an http(s) URL');
    }
    if (!options.apiToken) throw new Error('WorkatoClient: apiToken is required');
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retryPolicy = new RetryPolicy(options.retry, options.retryDeps);
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 16,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 10 * 60_000,
      connect: { timeout: Math.min(this.timeoutMs, 10_000) },
    });
  }

  async close(): Promise<void> {
    if (!this.pool.closed && !this.pool.destroyed) await this.pool.close();
  }

  // ---------------------------------------------------------------- API collections (v1)

  /** One page of API collections (`{"result": [...]}`; page/per_page per 003, max 100). */
  async listApiCollections(
    mu: ManagedUserId,
    page: PageRequest = {},
    opts?: CallOptions,
  ): Promise<ApiCollection[]> {
    return this.send(
      {
        endpoint: 'listApiCollections',
        method: 'GET',
        path: `${v1(mu)}/api_collections`,
        query: pageQuery(page),
        parse: resultList(apiCollectionSchema),
      },
      opts,
    );
  }

  /** Every API collection, following pages until a short one. */
  async listAllApiCollections(mu: ManagedUserId, opts?: CallOptions): Promise<ApiCollection[]> {
    return this.collectAll('listAllApiCollections', async (page, perPage) => {
      const data = await this.listApiCollections(mu, { page, perPage }, opts);
      return { data, perPage, count: null };
    });
  }

  /** Creates a collection in project `projectId` (sent as the `project_id` query parameter). */
  async createApiCollection(
    mu: ManagedUserId,
    projectId: WorkatoId,
    req: CreateApiCollectionRequest,
    opts?: CallOptions,
  ): Promise<ApiCollection> {
    const path = `${v1(mu)}/api_collections`;
    if (!opts?.skipValidation) {
      const issues = [];
      if (typeof req?.name !== 'string' || req.name.trim() === '') {
        issues.push({ field: 'name', message: 'is required and must be a non-empty string' });
      }
      if (String(projectId ?? '').trim() === '') {
        issues.push({ field: 'project_id', message: 'is required' });
      }
      if (issues.length > 0) {
        throw new WorkatoValidationError(issues, { method: 'POST', path: this.fullPath(path) });
      }
    }
    return this.send(
      {
        endpoint: 'createApiCollection',
        method: 'POST',
        path,
        query: { project_id: String(projectId) },
        body: { name: req.name },
        // 001 documents a bare object here, unlike every other response.
        parse: bareOrWrapped(apiCollectionSchema),
      },
      opts,
    );
  }

  // ---------------------------------------------------------------- API endpoints (v1)

  /** API endpoints, of one collection when `apiCollectionId` is given. */
  async listApiEndpoints(
    mu: ManagedUserId,
    filter: { apiCollectionId?: WorkatoId } & PageRequest = {},
    opts?: CallOptions,
  ): Promise<ApiEndpoint[]> {
    return this.send(
      {
        endpoint: 'listApiEndpoints',
        method: 'GET',
        path: `${v1(mu)}/api_endpoints`,
        query: {
          api_collection_id:
            filter.apiCollectionId === undefined ? undefined : String(filter.apiCollectionId),
          ...pageQuery(filter),
        },
        parse: resultList(apiEndpointSchema),
      },
      opts,
    );
  }

  async listAllApiEndpoints(
    mu: ManagedUserId,
    filter: { apiCollectionId?: WorkatoId } = {},
    opts?: CallOptions,
  ): Promise<ApiEndpoint[]> {
    return this.collectAll('listAllApiEndpoints', async (page, perPage) => {
      const data = await this.listApiEndpoints(mu, { ...filter, page, perPage }, opts);
      return { data, perPage, count: null };
    });
  }

  /** Enables an endpoint; Workato requires its recipe to be running. */
  async enableApiEndpoint(
    mu: ManagedUserId,
    endpointId: WorkatoId,
    opts?: CallOptions,
  ): Promise<void> {
    await this.send(
      {
        endpoint: 'enableApiEndpoint',
        method: 'PUT',
        path: `${v1(mu)}/api_endpoints/${seg(endpointId, 'api_endpoint_id')}/enable`,
        parse: ignore,
      },
      opts,
    );
  }

  async disableApiEndpoint(
    mu: ManagedUserId,
    endpointId: WorkatoId,
    opts?: CallOptions,
  ): Promise<void> {
    await this.send(
      {
        endpoint: 'disableApiEndpoint',
        method: 'PUT',
        path: `${v1(mu)}/api_endpoints/${seg(endpointId, 'api_endpoint_id')}/disable`,
        parse: ignore,
      },
      opts,
    );
  }

  // ---------------------------------------------------------------- API clients (v2)

  async listApiClients(
    mu: ManagedUserId,
    page: PageRequest = {},
    opts?: CallOptions,
  ): Promise<Page<ApiClient>> {
    return this.send(
      {
        endpoint: 'listApiClients',
        method: 'GET',
        path: `${v2(mu)}/api_clients`,
        query: pageQuery(page),
        parse: dataPage(apiClientSchema),
      },
      opts,
    );
  }

  /** Every API client, page by page (100 per page). */
  async listAllApiClients(mu: ManagedUserId, opts?: CallOptions): Promise<ApiClient[]> {
    return this.collectAll('listAllApiClients', (page, perPage) =>
      this.listApiClients(mu, { page, perPage }, opts),
    );
  }

  async getApiClient(
    mu: ManagedUserId,
    clientId: WorkatoId,
    opts?: CallOptions,
  ): Promise<ApiClient> {
    return this.send(
      {
        endpoint: 'getApiClient',
        method: 'GET',
        path: `${v2(mu)}/api_clients/${seg(clientId, 'api_client_id')}`,
        parse: dataObject(apiClientSchema),
      },
      opts,
    );
  }

  /** Validated before sending (see workato-request.validation.ts). */
  async createApiClient(
    mu: ManagedUserId,
    req: CreateApiClientRequest,
    opts?: CallOptions,
  ): Promise<ApiClient> {
    const path = `${v2(mu)}/api_clients`;
    if (!opts?.skipValidation) {
      validateCreateApiClientRequest(req, { method: 'POST', path: this.fullPath(path) });
    }
    return this.send(
      {
        endpoint: 'createApiClient',
        method: 'POST',
        path,
        body: req,
        parse: dataObject(apiClientSchema),
      },
      opts,
    );
  }

  async updateApiClient(
    mu: ManagedUserId,
    clientId: WorkatoId,
    req: UpdateApiClientRequest,
    opts?: CallOptions,
  ): Promise<ApiClient> {
    const path = `${v2(mu)}/api_clients/${seg(clientId, 'api_client_id')}`;
    if (!opts?.skipValidation) {
      validateUpdateApiClientRequest(req, { method: 'PUT', path: this.fullPath(path) });
    }
    return this.send(
      {
        endpoint: 'updateApiClient',
        method: 'PUT',
        path,
        body: req,
        parse: dataObject(apiClientSchema),
      },
      opts,
    );
  }

  /** Deletes the client; Workato rejects its callers' requests at once (002). */
  async deleteApiClient(mu: ManagedUserId, clientId: WorkatoId, opts?: CallOptions): Promise<void> {
    await this.send(
      {
        endpoint: 'deleteApiClient',
        method: 'DELETE',
        path: `${v2(mu)}/api_clients/${seg(clientId, 'api_client_id')}`,
        parse: ignore,
      },
      opts,
    );
  }

  // ---------------------------------------------------------------- API keys (v2)

  async listApiKeys(
    mu: ManagedUserId,
    clientId: WorkatoId,
    page: PageRequest = {},
    opts?: CallOptions,
  ): Promise<Page<ApiKey>> {
    return this.send(
      {
        endpoint: 'listApiKeys',
        method: 'GET',
        path: `${keysPath(mu, clientId)}`,
        query: pageQuery(page),
        parse: dataPage(apiKeySchema),
      },
      opts,
    );
  }

  async listAllApiKeys(
    mu: ManagedUserId,
    clientId: WorkatoId,
    opts?: CallOptions,
  ): Promise<ApiKey[]> {
    return this.collectAll('listAllApiKeys', (page, perPage) =>
      this.listApiKeys(mu, clientId, { page, perPage }, opts),
    );
  }

  /**
   * Creates a key. For token and OAuth 2.0 clients the response holds the full `auth_token`,
   * the only time Workato shows it (lists return its last four characters).
   */
  async createApiKey(
    mu: ManagedUserId,
    clientId: WorkatoId,
    req: CreateApiKeyRequest,
    opts?: CallOptions,
  ): Promise<ApiKey> {
    const path = keysPath(mu, clientId);
    if (!opts?.skipValidation) {
      validateCreateApiKeyRequest(req, { method: 'POST', path: this.fullPath(path) });
    }
    return this.send(
      {
        endpoint: 'createApiKey',
        method: 'POST',
        path,
        body: req,
        parse: dataObject(apiKeySchema),
      },
      opts,
    );
  }

  async updateApiKey(
    mu: ManagedUserId,
    clientId: WorkatoId,
    keyId: WorkatoId,
    req: UpdateApiKeyRequest,
    opts?: CallOptions,
  ): Promise<ApiKey> {
    const path = `${keysPath(mu, clientId)}/${seg(keyId, 'api_key_id')}`;
    if (!opts?.skipValidation) {
      validateUpdateApiKeyRequest(req, { method: 'PUT', path: this.fullPath(path) });
    }
    return this.send(
      { endpoint: 'updateApiKey', method: 'PUT', path, body: req, parse: dataObject(apiKeySchema) },
      opts,
    );
  }

  async enableApiKey(
    mu: ManagedUserId,
    clientId: WorkatoId,
    keyId: WorkatoId,
    opts?: CallOptions,
  ): Promise<void> {
    await this.send(
      {
        endpoint: 'enableApiKey',
        method: 'PUT',
        path: `${keysPath(mu, clientId)}/${seg(keyId, 'api_key_id')}/enable`,
        parse: ignore,
      },
      opts,
    );
  }

  async disableApiKey(
    mu: ManagedUserId,
    clientId: WorkatoId,
    keyId: WorkatoId,
    opts?: CallOptions,
  ): Promise<void> {
    await this.send(
      {
        endpoint: 'disableApiKey',
        method: 'PUT',
        path: `${keysPath(mu, clientId)}/${seg(keyId, 'api_key_id')}/disable`,
        parse: ignore,
      },
      opts,
    );
  }

  /**
   * Issues a new token (or OAuth 2.0 secret); the old one stops working at once (002).
   *
   * PUT, as in 001's detailed "Refresh API key secret" section and in 003. 001's quick
   * reference table says POST; we follow the detailed section, which has the sample request.
   */
  async refreshApiKeySecret(
    mu: ManagedUserId,
    clientId: WorkatoId,
    keyId: WorkatoId,
    opts?: CallOptions,
  ): Promise<ApiKey> {
    return this.send(
      {
        endpoint: 'refreshApiKeySecret',
        method: 'PUT',
        path: `${keysPath(mu, clientId)}/${seg(keyId, 'api_key_id')}/refresh_secret`,
        parse: dataObject(apiKeySchema),
      },
      opts,
    );
  }

  async deleteApiKey(
    mu: ManagedUserId,
    clientId: WorkatoId,
    keyId: WorkatoId,
    opts?: CallOptions,
  ): Promise<void> {
    await this.send(
      {
        endpoint: 'deleteApiKey',
        method: 'DELETE',
        path: `${keysPath(mu, clientId)}/${seg(keyId, 'api_key_id')}`,
        parse: ignore,
      },
      opts,
    );
  }

  // ---------------------------------------------------------------- API portals (v2)

  async listApiPortals(
    mu: ManagedUserId,
    page: PageRequest = {},
    opts?: CallOptions,
  ): Promise<Page<ApiPortal>> {
    return this.send(
      {
        endpoint: 'listApiPortals',
        method: 'GET',
        path: `${v2(mu)}/api_portals`,
        query: pageQuery(page),
        portal: true,
        parse: dataPage(apiPortalSchema),
      },
      opts,
    );
  }

  async listAllApiPortals(mu: ManagedUserId, opts?: CallOptions): Promise<ApiPortal[]> {
    return this.collectAll('listAllApiPortals', (page, perPage) =>
      this.listApiPortals(mu, { page, perPage }, opts),
    );
  }

  // ---------------------------------------------------------------- machinery

  /**
   * Walks pages of 100 until a short page. Also stops when Workato's `count` has proven to be
   * a total and has been reached, and when a page repeats (a server that ignores `page`).
   */
  private async collectAll<T extends { id: number }>(
    endpoint: string,
    fetchPage: (
      page: number,
      perPage: number,
    ) => Promise<{ data: T[]; perPage: number; count: number | null }>,
  ): Promise<T[]> {
    const all: T[] = [];
    const seen = new Set<number>();
    let total: number | null = null;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const result = await fetchPage(page, MAX_PER_PAGE);
      const fresh = result.data.filter((item) => !seen.has(item.id));
      if (result.data.length > 0 && fresh.length === 0) return all;
      for (const item of fresh) {
        seen.add(item.id);
        all.push(item);
      }
      // `count` is not documented as page or total; it is a total once it exceeds a page.
      if (result.count !== null && result.count > result.data.length) total = result.count;
      const pageSize = Math.min(result.perPage > 0 ? result.perPage : MAX_PER_PAGE, MAX_PER_PAGE);
      if (result.data.length < pageSize || result.data.length > pageSize) return all;
      if (total !== null && all.length >= total) return all;
    }
    this.options.logger?.warn('Workato list stopped at the page limit', {
      endpoint,
      pages: MAX_PAGES,
    });
    return all;
  }

  private async send<T>(spec: RequestSpec<T>, opts?: CallOptions): Promise<T> {
    const policy =
      opts?.retry === false
        ? new RetryPolicy({ ...this.retryPolicy.options, maxAttempts: 1 })
        : opts?.retry !== undefined
          ? new RetryPolicy({ ...this.retryPolicy.options, ...opts.retry }, this.options.retryDeps)
          : this.retryPolicy;
    return policy.run(
      (attempt) => this.attempt(spec, attempt),
      ({ attempt, delayMs, error }) =>
        this.options.logger?.warn('Workato request failed; retrying', {
          endpoint: spec.endpoint,
          method: spec.method,
          path: this.fullPath(spec.path),
          attempt,
          delayMs,
          code: error.code,
          status: error.status,
        }),
    );
  }

  private async attempt<T>(spec: RequestSpec<T>, attempt: number): Promise<T> {
    const buckets: RateLimitBucket[] = spec.portal ? ['portal', 'default'] : ['default'];
    let rateLimitWaitMs = 0;
    // The portal bucket first: its slots are rarer, and taking the default slot only once the
    // portal slot has come round keeps the default slot from being wasted while we wait.
    for (const bucket of buckets) {
      rateLimitWaitMs += (await this.options.rateLimiter.acquire(bucket)).waitedMs;
    }

    const path = this.fullPath(spec.path);
    const started = performance.now();
    let status: number | null = null;
    let errorCode: string | undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutMarker()), this.timeoutMs);
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${this.options.apiToken}`,
        accept: 'application/json',
        'user-agent': 'workato-onboarding',
      };
      let body: string | undefined;
      if (spec.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(spec.body);
      }
      let text: string;
      let retryAfterHeader: string | string[] | undefined;
      try {
        const response = await this.pool.request({
          method: spec.method,
          path: path + queryString(spec.query),
          headers,
          body,
          signal: controller.signal,
          // Backstops for the AbortSignal, which is what normally fires first.
          headersTimeout: this.timeoutMs + 1_000,
          bodyTimeout: this.timeoutMs + 1_000,
        });
        status = response.statusCode;
        retryAfterHeader = response.headers['retry-after'];
        text = await response.body.text();
      } catch (error) {
        throw this.transportError(error, controller.signal, spec.method, path);
      }

      if (status === 429) {
        const parsed = parseRetryAfterMs(retryAfterHeader);
        const retryAfterMs = Math.min(parsed ?? DEFAULT_RETRY_AFTER_MS, MAX_RETRY_AFTER_MS);
        // The quota is the workspace's: hold back every request in this bucket, on every
        // instance. A portal call pauses the portal bucket; the default bucket is paused by the
        // default-bucket calls that hit the limit themselves.
        await this.options.rateLimiter
          .pauseUntil(buckets[0], Date.now() + retryAfterMs)
          .catch((error: unknown) =>
            // The retry still waits for Retry-After; losing the shared pause only costs others.
            this.options.logger?.warn('Could not pause the Workato rate-limit bucket', {
              bucket: buckets[0],
              error: error instanceof Error ? error.message : String(error),
            }),
          );
        throw this.scrub(
          errorFromResponse({ status, method: spec.method, path, bodyText: text, retryAfterMs }),
        );
      }
      if (status < 200 || status >= 300) {
        throw this.scrub(errorFromResponse({ status, method: spec.method, path, bodyText: text }));
      }
      const json = parseJsonBody(text);
      if (json === INVALID_JSON) {
        throw invalidResponse(spec.method, path, status, 'the body is not JSON');
      }
      if (isObject(json) && json.success === false) {
        throw this.scrub(
          errorFromResponse({
            status,
            method: spec.method,
            path,
            bodyText: text,
            successFalse: true,
          }),
        );
      }
      try {
        return spec.parse(json);
      } catch (error) {
        // Never the body itself: a create-key response holds the new token.
        throw invalidResponse(spec.method, path, status, describeParseError(error));
      }
    } catch (error) {
      errorCode = error instanceof WorkatoError ? error.code : 'UNEXPECTED';
      throw error;
    } finally {
      clearTimeout(timer);
      const durationMs = Math.round(performance.now() - started);
      this.options.logger?.debug('Workato request', {
        endpoint: spec.endpoint,
        method: spec.method,
        path,
        status,
        durationMs,
        attempt,
        rateLimitWaitMs,
        ...(errorCode !== undefined ? { errorCode } : {}),
      });
      try {
        this.options.onRequest?.({
          endpoint: spec.endpoint,
          method: spec.method,
          status,
          durationMs,
          attempt,
          rateLimitWaitMs,
          ...(errorCode !== undefined ? { errorCode } : {}),
        });
      } catch {
        // A metrics hook must never fail a request.
      }
    }
  }

  private transportError(
    error: unknown,
    signal: AbortSignal,
    method: string,
    path: string,
  ): WorkatoError {
    const code = (error as { code?: unknown } | null)?.code;
    const timedOut =
      (signal.aborted && signal.reason instanceof TimeoutMarker) ||
      error instanceof TimeoutMarker ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'UND_ERR_CONNECT_TIMEOUT';
    const causeText = this.redact(
      error instanceof TimeoutMarker
        ? 'timeout'
        : `${typeof code === 'string' ? `${code}: ` : ''}${(error as Error)?.message ?? String(error)}`,
    );
    if (timedOut) {
      return new WorkatoError({
        code: 'WORKATO_TIMEOUT',
        message: `Workato ${method} ${path} timed out after ${this.timeoutMs} ms`,
        status: null,
        retryable: true,
        method,
        path,
        causeText,
      });
    }
    return new WorkatoError({
      code: 'WORKATO_NETWORK_ERROR',
      message: `Workato ${method} ${path} failed before a response: ${causeText}`,
      status: null,
      retryable: true,
      method,
      path,
      causeText,
    });
  }

  /** Workato's message comes from the network; make sure it cannot carry our token. */
  private scrub(error: WorkatoError): WorkatoError {
    if (!JSON.stringify(error.toJSON()).includes(this.options.apiToken)) return error;
    let fieldErrors: Record<string, string[]> | undefined;
    if (error.fieldErrors !== undefined) {
      fieldErrors = {};
      for (const [field, messages] of Object.entries(error.fieldErrors)) {
        fieldErrors[this.redact(field)] = messages.map((m) => this.redact(m));
      }
    }
    return new WorkatoError({
      code: error.code,
      message: this.redact(error.message),
      status: error.status,
      retryable: error.retryable,
      method: error.method,
      path: error.path,
      workatoMessage: error.workatoMessage === null ? null : this.redact(error.workatoMessage),
      ...(fieldErrors !== undefined ? { fieldErrors } : {}),
      ...(error.workatoId !== undefined ? { workatoId: this.redact(error.workatoId) } : {}),
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    });
  }

  private redact(text: string): string {
    return text.split(this.options.apiToken).join('[REDACTED]');
  }

  private fullPath(path: string): string {
    return this.basePath + path;
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
const keysPath = (mu: ManagedUserId, clientId: WorkatoId): string =>
  `${v2(mu)}/api_clients/${seg(clientId, 'api_client_id')}/api_keys`;

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

function queryString(query: Record<string, string | number | undefined> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

// ------------------------------------------------------------------ response parsing

const INVALID_JSON = Symbol('invalid json');

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function ignore(): void {}

/** v1 lists: `{"result": [...]}` (001); 003's own-workspace variant returns a bare array. */
function resultList<S extends z.ZodType>(item: S): (json: unknown) => z.infer<S>[] {
  const schema = z.union([z.object({ result: z.array(item) }), z.array(item)]);
  return (json) => {
    const parsed = schema.parse(json);
    return Array.isArray(parsed) ? parsed : parsed.result;
  };
}

/** v2 lists: `{"data": [...], "count", "page", "per_page"}`. */
function dataPage<S extends z.ZodType>(item: S): (json: unknown) => Page<z.infer<S>> {
  const schema = z.object({
    data: z.array(item),
    count: z.number().nullish(),
    page: z.number().nullish(),
    per_page: z.number().nullish(),
  });
  return (json) => {
    const parsed = schema.parse(json);
    return {
      data: parsed.data,
      count: parsed.count ?? parsed.data.length,
      page: parsed.page ?? 1,
      perPage: parsed.per_page ?? MAX_PER_PAGE,
    };
  };
}

/** v2 single objects: `{"data": {...}}`. */
function dataObject<S extends z.ZodType>(item: S): (json: unknown) => z.infer<S> {
  const schema = z.object({ data: item });
  return (json) => (schema.parse(json) as { data: z.infer<S> }).data;
}

/** A bare object (create collection, 001), accepted inside `data` or `result` too. */
function bareOrWrapped<S extends z.ZodType>(item: S): (json: unknown) => z.infer<S> {
  return (json) => {
    if (isObject(json) && json.id === undefined) {
      if (isObject(json.data)) return item.parse(json.data);
      if (isObject(json.result)) return item.parse(json.result);
    }
    return item.parse(json);
  };
}

function describeParseError(error: unknown): string {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const at = issue?.path.length ? issue.path.join('.') : '(root)';
    return `unexpected response shape at ${at}: ${issue?.message ?? 'invalid'}`;
  }
  return 'unexpected response shape';
}

function invalidResponse(
  method: string,
  path: string,
  status: number,
  detail: string,
): WorkatoError {
  return new WorkatoError({
    code: 'WORKATO_INVALID_RESPONSE',
    message: `Workato ${method} ${path} returned ${status} with ${detail}`,
    status,
    retryable: false,
    method,
    path,
  });
}
