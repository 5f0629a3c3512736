/**
 * The one error type the Workato client throws. `code` is stable and is what callers switch on;
 * `retryable` says whether trying the same request again may succeed.
 *
 * Nothing here ever holds the API token: messages are built from the method, the path (never
 * the query string) and Workato's own message, and the client scrubs the token out of
 * Workato's message too in case a proxy echoes request headers back.
 */
export const WORKATO_ERROR_CODES = [
  /** Connection refused/reset/dropped, DNS failure: retryable. */
  'WORKATO_NETWORK_ERROR',
  /** Our per-request timeout or 408: retryable. */
  'WORKATO_TIMEOUT',
  /** 429: retryable after Retry-After. */
  'WORKATO_RATE_LIMITED',
  /** 5xx: retryable. */
  'WORKATO_SERVER_ERROR',
  'WORKATO_BAD_REQUEST',
  'WORKATO_UNAUTHORIZED',
  'WORKATO_FORBIDDEN',
  'WORKATO_NOT_FOUND',
  'WORKATO_CONFLICT',
  'WORKATO_UNPROCESSABLE',
  /** Any other 4xx. */
  'WORKATO_CLIENT_ERROR',
  /** HTTP 2xx with `"success": false` in the body. */
  'WORKATO_REQUEST_FAILED',
  /** A 2xx (or 3xx) response we cannot use: not JSON, or not the documented shape. */
  'WORKATO_INVALID_RESPONSE',
  /** Rejected by our own validation before anything was sent. */
  'WORKATO_INVALID_REQUEST',
  /** Not sent: the account's circuit is open after a run of failures (retryable, later). */
  'WORKATO_CIRCUIT_OPEN',
] as const;
export type WorkatoErrorCode = (typeof WORKATO_ERROR_CODES)[number];

export interface WorkatoErrorInit {
  code: WorkatoErrorCode;
  message: string;
  /** HTTP status, or null when no response was received (network error, timeout, validation). */
  status: number | null;
  retryable: boolean;
  /** HTTP method of the request, or null for validation outside a request. */
  method: string | null;
  /** Request path without query string, or null for validation outside a request. */
  path: string | null;
  workatoMessage?: string | null;
  fieldErrors?: Record<string, string[]>;
  workatoId?: string;
  retryAfterMs?: number;
  /** Low-level cause, kept as text (`code: message`) so no object graph leaks into logs. */
  causeText?: string;
}

export class WorkatoError extends Error {
  readonly code: WorkatoErrorCode;
  readonly status: number | null;
  readonly retryable: boolean;
  readonly method: string | null;
  readonly path: string | null;
  readonly workatoMessage: string | null;
  readonly fieldErrors?: Record<string, string[]>;
  readonly workatoId?: string;
  readonly retryAfterMs?: number;
  readonly causeText?: string;

  constructor(init: WorkatoErrorInit) {
    super(init.message);
    this.name = 'WorkatoError';
    this.code = init.code;
    this.status = init.status;
    this.retryable = init.retryable;
    this.method = init.method;
    this.path = init.path;
    this.workatoMessage = init.workatoMessage ?? null;
    if (init.fieldErrors !== undefined) this.fieldErrors = init.fieldErrors;
    if (init.workatoId !== undefined) this.workatoId = init.workatoId;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.causeText !== undefined) this.causeText = init.causeText;
  }

  /** Plain data, safe to store in the onboarding row and to log. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      retryable: this.retryable,
      method: this.method,
      path: this.path,
      workatoMessage: this.workatoMessage,
    };
    if (this.fieldErrors !== undefined) json.fieldErrors = this.fieldErrors;
    if (this.workatoId !== undefined) json.workatoId = this.workatoId;
    if (this.retryAfterMs !== undefined) json.retryAfterMs = this.retryAfterMs;
    if (this.causeText !== undefined) json.cause = this.causeText;
    return json;
  }
}

export interface WorkatoValidationIssue {
  field: string;
  message: string;
}

/** A request rejected before sending. `field` names the first offending field. */
export class WorkatoValidationError extends WorkatoError {
  readonly field: string;
  readonly issues: WorkatoValidationIssue[];

  constructor(
    issues: WorkatoValidationIssue[],
    request: { method: string | null; path: string | null } = { method: null, path: null },
  ) {
    if (issues.length === 0) throw new Error('WorkatoValidationError needs at least one issue');
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of issues) (fieldErrors[issue.field] ??= []).push(issue.message);
    const [first] = issues;
    super({
      code: 'WORKATO_INVALID_REQUEST',
      message: `Invalid Workato request: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`,
      status: null,
      retryable: false,
      method: request.method,
      path: request.path,
      fieldErrors,
    });
    this.name = 'WorkatoValidationError';
    this.field = first.field;
    this.issues = issues;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field };
  }
}

/** What we could read out of an error (or `success: false`) response body. */
export interface ParsedErrorBody {
  message: string | null;
  fieldErrors?: Record<string, string[]>;
  workatoId?: string;
}

const MAX_MESSAGE_LENGTH = 500;

/**
 * Reads the error body shapes Workato uses: `{"message"}`, `{"message","errors":{field:[..]}}`,
 * `{"message","id"}`; Rails-style `{"error"}` and `{"errors":[..]}` are accepted too, and a
 * non-JSON body (an HTML error page from a load balancer) becomes a truncated text message.
 */
export function parseErrorBody(text: string): ParsedErrorBody {
  const trimmed = text.trim();
  if (trimmed === '') return { message: null };
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return { message: truncate(trimmed) };
  }
  if (typeof json === 'string') return { message: json.trim() === '' ? null : truncate(json) };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { message: truncate(trimmed) };
  }
  const body = json as Record<string, unknown>;
  const result: ParsedErrorBody = { message: null };
  const message = firstString(body.message, body.error, body.error_message);
  if (message !== undefined) result.message = truncate(message);
  const fieldErrors = normaliseFieldErrors(body.errors);
  if (fieldErrors !== undefined) {
    result.fieldErrors = fieldErrors;
    if (result.message === null) {
      result.message = truncate(
        Object.entries(fieldErrors)
          .map(([field, msgs]) => `${field} ${msgs.join(', ')}`)
          .join('; '),
      );
    }
  } else if (Array.isArray(body.errors) && result.message === null) {
    const msgs = body.errors.filter((e): e is string => typeof e === 'string');
    if (msgs.length > 0) result.message = truncate(msgs.join('; '));
  }
  if (typeof body.id === 'string' || typeof body.id === 'number')
    result.workatoId = String(body.id);
  return result;
}

function normaliseFieldErrors(errors: unknown): Record<string, string[]> | undefined {
  if (errors === null || typeof errors !== 'object' || Array.isArray(errors)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [field, value] of Object.entries(errors as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      out[field] = value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    } else if (typeof value === 'string') {
      out[field] = [value];
    } else if (value !== null && value !== undefined) {
      out[field] = [JSON.stringify(value)];
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.trim() !== '') return v;
  return undefined;
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

/** Code and retryability for an HTTP error status. */
export function classifyStatus(status: number): { code: WorkatoErrorCode; retryable: boolean } {
  if (status === 429) return { code: 'WORKATO_RATE_LIMITED', retryable: true };
  if (status === 408) return { code: 'WORKATO_TIMEOUT', retryable: true };
  if (status >= 500) return { code: 'WORKATO_SERVER_ERROR', retryable: true };
  switch (status) {
    case 400:
      return { code: 'WORKATO_BAD_REQUEST', retryable: false };
    case 401:
      return { code: 'WORKATO_UNAUTHORIZED', retryable: false };
    case 403:
      return { code: 'WORKATO_FORBIDDEN', retryable: false };
    case 404:
      return { code: 'WORKATO_NOT_FOUND', retryable: false };
    case 409:
      return { code: 'WORKATO_CONFLICT', retryable: false };
    case 422:
      return { code: 'WORKATO_UNPROCESSABLE', retryable: false };
  }
  if (status >= 400) return { code: 'WORKATO_CLIENT_ERROR', retryable: false };
  // 1xx/3xx reaching us (undici does not follow redirects): not something a retry fixes.
  return { code: 'WORKATO_INVALID_RESPONSE', retryable: false };
}

/** Builds the error for a non-2xx response (or a 2xx with `success: false`). */
export function errorFromResponse(args: {
  status: number;
  method: string;
  path: string;
  bodyText: string;
  retryAfterMs?: number;
  successFalse?: boolean;
}): WorkatoError {
  const parsed = parseErrorBody(args.bodyText);
  const { code, retryable } = args.successFalse
    ? { code: 'WORKATO_REQUEST_FAILED' as const, retryable: false }
    : classifyStatus(args.status);
  const what = args.successFalse ? `${args.status} with success: false` : `${args.status}`;
  const detail = parsed.message ?? 'no message';
  return new WorkatoError({
    code,
    message: `Workato ${args.method} ${args.path} failed (${what}, ${code}): ${detail}`,
    status: args.status,
    retryable,
    method: args.method,
    path: args.path,
    workatoMessage: parsed.message,
    ...(parsed.fieldErrors !== undefined ? { fieldErrors: parsed.fieldErrors } : {}),
    ...(parsed.workatoId !== undefined ? { workatoId: parsed.workatoId } : {}),
    ...(args.retryAfterMs !== undefined ? { retryAfterMs: args.retryAfterMs } : {}),
  });
}

export function isWorkatoError(error: unknown): error is WorkatoError {
  return error instanceof WorkatoError;
}
