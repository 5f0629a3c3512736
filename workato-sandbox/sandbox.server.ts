import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_SEED } from './default-seed';
import { CallLog, CallRecord } from './sandbox.call-log';
import { FaultAction, FaultRegistry } from './sandbox.faults';
import { RawJson, RouteResult, SandboxHttpError } from './sandbox.http';
import { readStateFile, StateFileWriter } from './sandbox.persistence';
import {
  familyOfPath,
  jitterProblem,
  limitsOf,
  LimitsOption,
  noPerMinute,
  parseLimitsOption,
  RateLimits,
  RateLimitSettings,
  rateProblem,
  SandboxRateLimiter,
} from './sandbox.rate-limit';
import { matchRoute, RouteMatch } from './sandbox.routes';
import { handleControl, SandboxRuntime } from './sandbox-control.routes';
import { parseSeed, ParsedSandboxSeed, SandboxSeed } from './sandbox.seed';
import { SandboxState } from './sandbox.state';
import { SandboxStats } from './sandbox.stats';

export { SandboxControl } from './sandbox-control.client';
export type { SandboxSeed } from './sandbox.seed';
export type { Family, LimitName, LimitsOption, LimitsSpec } from './sandbox.rate-limit';

export interface SandboxOptions {
  /** 0 picks a free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The bearer token the Workato endpoints accept. Default `sandbox-token`. */
  token?: string;
  /** Default: the demo workspace of default-seed.ts. */
  seed?: SandboxSeed;
  /**
   * The rate limits: `'workato'` (the published ones, see sandbox.rate-limit.ts), `'off'`, or
   * `{ perSecond, perMinute: { api_portals: 60, ... } }` (families left out have none).
   * Default `'workato'`, unless one of the older options below is given.
   */
  limits?: LimitsOption;
  /**
   * Older options, still honoured when `limits` is not given: either one, even null, means
   * perSecond = rateLimitRps and API portals per minute = portalRateLimitPerMinute (null or
   * absent: none), and no other per-minute limit.
   */
  rateLimitRps?: number | null;
  portalRateLimitPerMinute?: number | null;
  /**
   * Beyond the documents: counts each request as arriving up to this many ms earlier or later
   * than it was received (uniformly at random), to model an uneven network. Default 0.
   */
  arrivalJitterMs?: number;
  /**
   * Keeps the state in this JSON file: loaded at start when it exists, rewritten after every
   * change (atomically, at most every 200 ms, and on close). Default: in memory only.
   */
  stateFile?: string;
  /** With `stateFile`: start from the seed whatever the file holds (ids keep counting). */
  resetState?: boolean;
}

export interface RunningSandbox {
  url: string;
  port: number;
  /** The token the sandbox accepts now (the last one set, when the control API refused all). */
  readonly token: string;
  close(): Promise<void>;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const MAX_BODY_BYTES = 1024 * 1024;
const CONTROL_PREFIX = '/__sandbox';

type ParsedBody = { ok: true; value: unknown } | { ok: false; raw: string; error: string };

/**
 * A stand-in for Workato's Embedded API platform, one Workato account: the endpoints of the
 * reference docs over in-memory state (optionally kept in a state file), behind a bearer token
 * and Workato's published rate limits, plus a control API under /__sandbox for tests (faults,
 * call log, state, stats, limits, token). docs/sandbox.md describes it all.
 */
export class SandboxServer implements SandboxRuntime {
  readonly state = new SandboxState();
  readonly faults = new FaultRegistry();
  readonly calls = new CallLog();
  readonly stats = new SandboxStats();
  readonly limiter: SandboxRateLimiter;
  /** Aborts pending injected delays on close, so no timer outlives the server. */
  private readonly closing = new AbortController();
  /** Null while the control API refuses every token. */
  private acceptedToken: string | null;
  private lastToken: string;
  private expectedAuthorization: string | null;

  constructor(
    private readonly initialToken: string,
    private readonly initialSeed: ParsedSandboxSeed,
    private readonly initialLimits: RateLimitSettings,
  ) {
    this.acceptedToken = initialToken;
    this.lastToken = initialToken;
    this.expectedAuthorization = `Bearer ${initialToken}`;
    this.limiter = new SandboxRateLimiter(initialLimits);
  }

  /** The token accepted now, or the last one accepted while every token is refused. */
  get token(): string {
    return this.lastToken;
  }

  /** The workspaces of the seed; ids keep counting. */
  applyInitialSeed(): void {
    this.state.applySeed(this.initialSeed);
  }

  reset(): void {
    this.state.clear();
    this.state.applySeed(this.initialSeed);
    this.faults.clear();
    this.calls.clear();
    this.stats.reset();
    this.limiter.reset(this.initialLimits);
    this.setToken(this.initialToken);
  }

  /**
   * Beyond the documents: the control API's token switch, to test a token rotation or a move
   * of the account to another data center (000: tokens are account-scoped). A string makes it
   * the only token accepted; null refuses every token until one is set again.
   */
  setToken(token: string | null): void {
    this.acceptedToken = token;
    if (token !== null) this.lastToken = token;
    this.expectedAuthorization = token === null ? null : `Bearer ${token}`;
  }

  get tokenRefused(): boolean {
    return this.acceptedToken === null;
  }

  addSeed(seed: ParsedSandboxSeed): void {
    this.state.applySeed(seed);
  }

  abortPending(): void {
    this.closing.abort();
  }

  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.handle(req, res).catch((error: unknown) => {
      // Only reachable through a sandbox bug; answer rather than leave the caller hanging.
      send(res, 500, { message: 'Internal server error', sandboxError: String(error) });
    });
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    let path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));

    let raw: string;
    try {
      raw = await readBody(req);
    } catch (error) {
      if (error instanceof SandboxHttpError) send(res, error.status, error.body);
      else res.destroy();
      return;
    }
    const body = parseBody(raw);

    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
      const result = body.ok
        ? guard(() => handleControl(this, method, path, query, body.value))
        : malformed(body.error);
      send(res, result.status, result.body);
      return;
    }
    await this.handleWorkato(req, res, method, path, query, body);
  }

  private async handleWorkato(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    query: URLSearchParams,
    body: ParsedBody,
  ): Promise<void> {
    const started = performance.now();
    const call = this.calls.begin(
      method,
      path,
      query,
      body.ok ? (body.value ?? null) : body.raw.slice(0, 10_000),
    );
    this.stats.received();
    const finish = (result: RouteResult, headers?: Record<string, string>): void => {
      call.status = result.status;
      call.durationMs = performance.now() - started;
      this.stats.answered(result.status);
      send(res, result.status, result.body, headers);
    };

    // A missing, wrong or refused token all get the same answer, as an unknown token does.
    if (
      this.acceptedToken === null ||
      (req.headers.authorization !== this.expectedAuthorization &&
        !hasBearer(req, this.acceptedToken))
    ) {
      finish({ status: 401, body: { message: 'Unauthorized' } });
      return;
    }

    const match = matchRoute(method, path);
    const admission = this.limiter.admit(match ? match.route.family : familyOfPath(path));
    if (!admission.admitted) {
      this.stats.rateLimitedRequest();
      call.rateLimited = true;
      // Beyond the documents: they give no 429 body. `limit` and `limitDescription` say which
      // limit was hit, so a test or a person reading a log knows which one to respect.
      finish(
        {
          status: 429,
          body: {
            message: 'Too many requests',
            limit: admission.limit,
            limitDescription: admission.description,
          },
        },
        { 'retry-after': String(admission.retryAfterSeconds) },
      );
      return;
    }

    const fault = this.faults.take(method, path);
    if (fault) {
      this.stats.faultTriggered();
      call.faultId = fault.id;
      if (!fault.afterResponse) {
        if (fault.latencyMs > 0 && !(await this.delay(fault.latencyMs))) return;
        if (fault.action.kind !== 'passthrough') {
          this.misbehave(res, call, fault.action, finish);
          return;
        }
      }
    }

    // Workato processes a request it has received even if the caller has gone away meanwhile,
    // so the operation runs whether or not the socket is still open.
    const result = this.execute(match, query, body);

    if (fault?.afterResponse) {
      if (fault.latencyMs > 0 && !(await this.delay(fault.latencyMs))) return;
      if (fault.action.kind !== 'passthrough') {
        this.misbehave(res, call, fault.action, finish);
        return;
      }
    }
    finish(result);
  }

  private execute(match: RouteMatch | null, query: URLSearchParams, body: ParsedBody): RouteResult {
    if (!match) return { status: 404, body: { message: 'Not found' } };
    if (!body.ok) return malformed(body.error);
    return guard(() =>
      match.route.handle({ state: this.state, params: match.params, query, body: body.value }),
    );
  }

  private misbehave(
    res: ServerResponse,
    call: CallRecord,
    action: FaultAction,
    finish: (result: RouteResult, headers?: Record<string, string>) => void,
  ): void {
    if (action.kind === 'drop') {
      call.dropped = true;
      this.stats.droppedConnection();
      res.destroy();
      return;
    }
    if (action.kind === 'respond') {
      // Retry-After is whole seconds (RFC 9110), so a fractional setting is rounded up.
      const headers =
        action.retryAfter === undefined
          ? undefined
          : { 'retry-after': String(Math.ceil(action.retryAfter)) };
      finish({ status: action.status, body: action.body }, headers);
    }
  }

  /** False when the server closed during the delay. */
  private async delay(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.closing.signal });
      return true;
    } catch {
      return false;
    }
  }
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const token = opts.token ?? 'sandbox-token';
  if (!/^\S+$/.test(token))
    throw new Error('startSandbox: token must be non-empty, without spaces');
  const host = opts.host ?? '127.0.0.1';
  const sandbox = new SandboxServer(
    token,
    parseSeed(opts.seed ?? DEFAULT_SEED),
    resolveLimitSettings(opts),
  );

  let writer: StateFileWriter | null = null;
  if (opts.stateFile !== undefined) {
    const persisted = readStateFile(opts.stateFile);
    if (persisted && !opts.resetState) {
      sandbox.state.importState(persisted);
    } else {
      if (persisted) sandbox.state.advanceIds(persisted.nextId);
      sandbox.applyInitialSeed();
    }
    writer = new StateFileWriter(opts.stateFile, sandbox.state);
    writer.attach();
    // The file exists (and says where ids are) from the start, not from the first change.
    writer.schedule();
    await writer.flush();
  } else {
    sandbox.applyInitialSeed();
  }

  const server: Server = createServer({ keepAliveTimeout: 10_000 }, sandbox.listener);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await writer?.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closed: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    get token() {
      return sandbox.token;
    },
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        sandbox.abortPending();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }).finally(() => writer?.close());
      return closed;
    },
  };
}

/**
 * The limits startSandbox's options ask for: `limits` when given, otherwise the older
 * rateLimitRps / portalRateLimitPerMinute when either is, otherwise Workato's published ones.
 */
export function resolveLimitSettings(opts: SandboxOptions): RateLimitSettings {
  const problems: string[] = [];
  const legacy = opts.rateLimitRps !== undefined || opts.portalRateLimitPerMinute !== undefined;
  let limits: RateLimits = limitsOf('workato');
  if (opts.limits !== undefined) {
    if (legacy) problems.push('give limits or rateLimitRps/portalRateLimitPerMinute, not both');
    const parsed = parseLimitsOption(opts.limits, 'limits');
    if ('problems' in parsed)
      problems.push(...parsed.problems.map((p) => `${p.field}: ${p.message}`));
    else limits = parsed.limits;
  } else if (legacy) {
    for (const field of ['rateLimitRps', 'portalRateLimitPerMinute'] as const) {
      const problem = rateProblem(opts[field] ?? null);
      if (problem) problems.push(`${field}: ${problem}`);
    }
    limits = {
      perSecond: opts.rateLimitRps ?? null,
      perMinute: { ...noPerMinute(), api_portals: opts.portalRateLimitPerMinute ?? null },
    };
  }
  const arrivalJitterMs = opts.arrivalJitterMs ?? 0;
  const jitter = jitterProblem(arrivalJitterMs);
  if (jitter) problems.push(`arrivalJitterMs: ${jitter}`);
  if (problems.length > 0) throw new Error(`startSandbox: ${problems.join('; ')}`);
  return { ...limits, arrivalJitterMs };
}

/** Accepts any capitalisation of the scheme and extra spaces, as Rails' token parser does. */
function hasBearer(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  if (header === undefined) return false;
  const match = /^bearer\s+(\S+)\s*$/i.exec(header);
  return match !== null && match[1] === token;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SandboxHttpError(413, { message: 'Request entity too large' }));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (chunks.length === 0) resolve('');
      else
        resolve(
          chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'),
        );
    });
    req.on('error', reject);
  });
}

function parseBody(raw: string): ParsedBody {
  if (raw.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (error) {
    return { ok: false, raw, error: (error as Error).message };
  }
}

function malformed(error: string): RouteResult {
  return { status: 400, body: { message: `Malformed JSON body: ${error}` } };
}

function guard(run: () => RouteResult): RouteResult {
  try {
    return run();
  } catch (error) {
    if (error instanceof SandboxHttpError) return { status: error.status, body: error.body };
    return { status: 500, body: { message: 'Internal server error', sandboxError: String(error) } };
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  if (res.headersSent || res.destroyed) return;
  const json = body instanceof RawJson ? body.json : JSON.stringify(body);
  res.writeHead(status, {
    ...JSON_HEADERS,
    'content-length': String(Buffer.byteLength(json)),
    ...headers,
  });
  res.end(json);
}
