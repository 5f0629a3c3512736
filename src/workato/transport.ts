import { Pool } from 'undici';
import { INVALID_JSON, describeParseError, isObject, parseJsonBody } from './codecs';
import { RateLimitFamily } from './rate-limits';
import { WorkatoRateLimiter } from './rate-limiter';
import { parseRetryAfterMs, RetryPolicy, RetryPolicyOptions } from './retry.policy';
import { errorFromResponse, WorkatoError } from './workato.errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface WorkatoClientLogger {
  debug(message: string, context: Record<string, unknown>): void;
  warn(message: string, context: Record<string, unknown>): void;
}

/** One HTTP attempt, for metrics. `status` is null when no response arrived. */
export interface WorkatoRequestEvent {
  /** The endpoint's name in the client's table, e.g. `createApiClient`: a metric label. */
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

/** The current token; `refresh` re-reads it (after a 401) and says whether it changed. */
export interface TokenProvider {
  current(): string;
  refresh(): boolean;
  /** Every token seen so far, to scrub from anything Workato sends back. */
  known(): readonly string[];
}

/** Opens after a run of failures of one account, so an outage is not hammered (see circuit.ts). */
export interface CircuitGate {
  /** Null when a request may go; else why not. */
  refusal(): string | null;
  succeeded(): void;
  failed(): void;
}

export interface TransportOptions {
  /** e.g. https://www.workato.com (the account's data center) or the sandbox URL. */
  baseUrl: string;
  /** The Embed admin API token, or where to get the current one (a token file is re-read). */
  apiToken: string | TokenProvider;
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
  circuit?: CircuitGate;
}

/** One request, as the client's endpoint table describes it. */
export interface RequestSpec<T> {
  endpoint: string;
  method: HttpMethod;
  /** Already URL-encoded, without query string. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  family: RateLimitFamily;
  parse: (json: unknown) => T;
}

const DEFAULT_TIMEOUT_MS = 20_000;
/** A Retry-After beyond this is treated as this, so a bad header cannot stall every instance. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;
/** Without Retry-After, a 429 is taken to mean the family's 60-second window is spent. */
const FAMILY_WINDOW_MS = 60_000;

class TimeoutMarker extends Error {}

/**
 * Sends requests to Workato: through the shared rate limiter, with the retry policy, a timeout
 * per attempt, and one error type (WorkatoError). The API token is only ever put in the
 * Authorization header, and scrubbed from anything Workato sends back.
 */
export class WorkatoTransport {
  private readonly pool: Pool;
  private readonly token: TokenProvider;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  readonly retryPolicy: RetryPolicy;

  constructor(private readonly options: TransportOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error('WorkatoClient: baseUrl must be an http(s) URL');
    }
    if (!options.apiToken) throw new Error('WorkatoClient: apiToken is required');
    const fixed = options.apiToken;
    this.token =
      typeof fixed === 'string'
        ? { current: () => fixed, refresh: () => false, known: () => [fixed] }
        : fixed;
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

  get logger(): WorkatoClientLogger | undefined {
    return this.options.logger;
  }

  async close(): Promise<void> {
    if (!this.pool.closed && !this.pool.destroyed) await this.pool.close();
  }

  fullPath(path: string): string {
    return this.basePath + path;
  }

  /** Sends with retries (`retry: false`: one attempt; an object: other retry options). */
  async send<T>(spec: RequestSpec<T>, retry?: false | RetryPolicyOptions): Promise<T> {
    const policy =
      retry === false
        ? new RetryPolicy({ ...this.retryPolicy.options, maxAttempts: 1 }, this.options.retryDeps)
        : retry !== undefined
          ? new RetryPolicy({ ...this.retryPolicy.options, ...retry }, this.options.retryDeps)
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
    const refusal = this.options.circuit?.refusal();
    if (refusal)
      throw new WorkatoError({
        code: 'WORKATO_CIRCUIT_OPEN',
        message: `Workato ${spec.method} ${this.fullPath(spec.path)} not sent: ${refusal}`,
        status: null,
        retryable: true,
        method: spec.method,
        path: this.fullPath(spec.path),
      });
    try {
      const result = await this.attemptOnce(spec, attempt);
      this.options.circuit?.succeeded();
      return result;
    } catch (error) {
      // An outage or a storm of 5xx opens the circuit; a refusal of this request alone does not.
      // A refused token says nothing about the account's health either way.
      if (error instanceof WorkatoError && (error.status === null || error.status >= 500))
        this.options.circuit?.failed();
      else if (error instanceof WorkatoError && error.status !== 401 && error.status !== 403)
        this.options.circuit?.succeeded();
      // A refused token may have been rotated in its file: read it again, and try once more.
      if (error instanceof WorkatoError && error.status === 401 && this.token.refresh())
        return this.attemptOnce(spec, attempt);
      throw error;
    }
  }

  private async attemptOnce<T>(spec: RequestSpec<T>, attempt: number): Promise<T> {
    const { waitedMs: rateLimitWaitMs } = await this.options.rateLimiter.acquire(spec.family);
    const path = this.fullPath(spec.path);
    const started = performance.now();
    let status: number | null = null;
    let errorCode: string | undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutMarker()), this.timeoutMs);
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${this.token.current()}`,
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
        const retryAfterMs = await this.pauseAfter429(spec.family, retryAfterHeader);
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
      const event: WorkatoRequestEvent = {
        endpoint: spec.endpoint,
        method: spec.method,
        status,
        durationMs,
        attempt,
        rateLimitWaitMs,
        ...(errorCode !== undefined ? { errorCode } : {}),
      };
      this.options.logger?.debug('Workato request', { ...event, path });
      try {
        this.options.onRequest?.(event);
      } catch {
        // A metrics hook must never fail a request.
      }
    }
  }

  /**
   * The quota is the workspace's: after a 429 every request of every instance holds back. With
   * a Retry-After, everything waits that long (Workato does not say which limit was hit); without
   * one, the request's family is taken to have spent its 60-second window.
   */
  private async pauseAfter429(
    family: RateLimitFamily,
    header: string | string[] | undefined,
  ): Promise<number> {
    const parsed = parseRetryAfterMs(header);
    const retryAfterMs = Math.min(parsed ?? FAMILY_WINDOW_MS, MAX_RETRY_AFTER_MS);
    const until = Date.now() + retryAfterMs;
    const buckets = parsed === undefined ? [family] : (['overall', family] as const);
    for (const bucket of buckets)
      await this.options.rateLimiter.pause(bucket, until).catch((error: unknown) =>
        // The retry still waits for Retry-After; losing the shared pause only costs others.
        this.options.logger?.warn('Could not pause the Workato rate limiter', {
          bucket,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    return retryAfterMs;
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
    const text = JSON.stringify(error.toJSON());
    if (!this.token.known().some((token) => text.includes(token))) return error;
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
    let scrubbed = text;
    for (const token of this.token.known()) scrubbed = scrubbed.split(token).join('[REDACTED]');
    return scrubbed;
  }
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
