/**
 * Every Workato request the sandbox received, for tests that assert what the orchestrator sent
 * (and did not send). Secrets in request bodies are redacted before they are stored, so a
 * test dump or a failing assertion never prints one.
 */
export interface CallRecord {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** The parsed JSON body, the raw text when it was not JSON, or null when there was none. */
  body: unknown;
  /** Null while the request is in flight and when the connection was dropped. */
  status: number | null;
  timestamp: string;
  durationMs: number | null;
  faultId?: number;
  dropped?: true;
  rateLimited?: true;
}

const REDACTED_KEYS = new Set(['jwt_secret', 'oauth_client_secret', 'client_secret', 'password']);

/**
 * A benchmark can send millions of requests; beyond this many entries the oldest are dropped
 * in chunks (sequence numbers keep counting, so `since` stays meaningful).
 */
const DEFAULT_CAPACITY = 100_000;

export class CallLog {
  private calls: CallRecord[] = [];
  private lastSeq = 0;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  begin(method: string, path: string, query: URLSearchParams, body: unknown): CallRecord {
    const record: CallRecord = {
      seq: ++this.lastSeq,
      method,
      path,
      query: queryObject(query),
      body: redact(body),
      status: null,
      timestamp: new Date().toISOString(),
      durationMs: null,
    };
    this.calls.push(record);
    if (this.calls.length > this.capacity) this.calls.splice(0, Math.ceil(this.capacity / 10));
    return record;
  }

  since(seq: number): CallRecord[] {
    if (seq <= 0) return [...this.calls];
    // Sequence numbers are dense and ascending, so the start index is a subtraction away.
    const first = this.calls.length > 0 ? this.calls[0].seq : this.lastSeq + 1;
    return this.calls.slice(Math.max(0, seq + 1 - first));
  }

  /** Sequence numbers survive a clear, so a `since` taken earlier never replays old calls. */
  clear(): void {
    this.calls = [];
  }

  get last(): number {
    return this.lastSeq;
  }
}

function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of query) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      REDACTED_KEYS.has(key) && inner !== null && inner !== undefined
        ? '[REDACTED]'
        : redact(inner);
  }
  return out;
}
