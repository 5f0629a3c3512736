import { createHash } from 'node:crypto';
import { CallLog, CallRecord } from './sandbox.call-log';
import { FaultRegistry, FaultView } from './sandbox.faults';
import { RouteResult, SandboxHttpError } from './sandbox.http';
import { presentClient, presentCollection, presentEndpoint, presentKey } from './sandbox.presenter';
import {
  FAMILIES,
  Family,
  jitterProblem,
  LimitName,
  LimitUsage,
  parseLimitsOption,
  parsePerMinute,
  RateLimitSettings,
  rateProblem,
  SandboxConfig,
  SandboxRateLimiter,
} from './sandbox.rate-limit';
import { parseSeed, ParsedSandboxSeed, SandboxSeedError } from './sandbox.seed';
import { ManagedUserRecord, PortalKind, SandboxState } from './sandbox.state';
import { SandboxStats, SandboxStatsView } from './sandbox.stats';

/** The parts of a running sandbox the control API reads and resets. */
export interface SandboxRuntime {
  readonly state: SandboxState;
  readonly faults: FaultRegistry;
  readonly calls: CallLog;
  readonly stats: SandboxStats;
  readonly limiter: SandboxRateLimiter;
  /**
   * Back to the start: the initial seed (ids keep counting), no faults, no calls, zero stats,
   * the initial rate limits with empty windows, the initial token.
   */
  reset(): void;
  addSeed(seed: ParsedSandboxSeed): void;
  /** A token to accept from now on (the only one), or null to refuse every token. */
  setToken(token: string | null): void;
  readonly tokenRefused: boolean;
}

export interface ManagedUserSnapshot {
  id: number;
  externalId: string | null;
  name: string;
  projects: { id: string; name: string }[];
  portals: {
    id: number;
    name: string;
    subdomain: string;
    kind: PortalKind;
    api_collection_ids: number[];
  }[];
  collections: Record<string, unknown>[];
  endpoints: Record<string, unknown>[];
  /**
   * Clients as Workato shows them plus `jwt_secret_sha256`, so a test can check which secret
   * was sent without the secret itself ever leaving the sandbox.
   */
  clients: Record<string, unknown>[];
  /** Keys with their full `auth_token` and owning `api_client_id`. */
  keys: Record<string, unknown>[];
}

export interface SandboxStateSnapshot {
  managedUsers: ManagedUserSnapshot[];
}

export interface SandboxStatsResponse extends SandboxStatsView {
  /** Per limit (`overall` per second, then each family per minute): 429s caused and peak. */
  limits: Record<LimitName, LimitUsage>;
  config: SandboxConfig;
}

/**
 * What PUT /__sandbox/config accepts. `limits` replaces every limit (families it leaves out
 * have none); the other fields change only what they name, after `limits` when both are given.
 * `rateLimitRps` and `portalRateLimitPerMinute` are the older names of `perSecond` and
 * `perMinute.api_portals`.
 */
export interface SandboxConfigUpdate {
  limits?:
    | 'workato'
    | 'off'
    | { perSecond?: number | null; perMinute?: Partial<Record<Family, number | null>> };
  perSecond?: number | null;
  perMinute?: Partial<Record<Family, number | null>>;
  arrivalJitterMs?: number;
  rateLimitRps?: number | null;
  portalRateLimitPerMinute?: number | null;
}

export interface TokenResponse {
  /** False while every token is refused. */
  accepting: boolean;
}

export interface CallsResponse {
  calls: CallRecord[];
  lastSeq: number;
}

export interface FaultsResponse {
  faults: FaultView[];
}

const PREFIX = '/__sandbox';

/**
 * The control API: unauthenticated, unlogged, never rate-limited or fault-injected. All of it is
 * beyond the documents: Workato has nothing like it.
 */
export function handleControl(
  rt: SandboxRuntime,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): RouteResult {
  const route = `${method} ${path.slice(PREFIX.length) || '/'}`;
  switch (route) {
    case 'POST /faults':
      return ok({ id: rt.faults.add(body).id });
    case 'GET /faults':
      return ok<FaultsResponse>({ faults: rt.faults.list() });
    case 'DELETE /faults':
      rt.faults.clear();
      return ok({ success: true });
    case 'GET /calls': {
      const since = Number(query.get('since') ?? 0);
      return ok<CallsResponse>({
        calls: rt.calls.since(Number.isFinite(since) ? since : 0),
        lastSeq: rt.calls.last,
      });
    }
    case 'DELETE /calls':
      rt.calls.clear();
      return ok({ success: true });
    case 'POST /reset':
      rt.reset();
      return ok({ success: true });
    case 'POST /seed':
      return seed(rt, body);
    case 'GET /state':
      return ok<SandboxStateSnapshot>(snapshot(rt.state, query.get('managedUserId')));
    case 'GET /stats':
      return ok<SandboxStatsResponse>({
        ...rt.stats.view(),
        limits: rt.limiter.usage(),
        config: rt.limiter.current(),
      });
    case 'DELETE /stats':
      rt.stats.reset();
      rt.limiter.resetUsage();
      return ok({ success: true });
    case 'GET /config':
      return ok<SandboxConfig>(rt.limiter.current());
    case 'PUT /config':
      rt.limiter.configure(parseConfigUpdate(body, rt.limiter.settingsNow()));
      return ok<SandboxConfig>(rt.limiter.current());
    case 'GET /token':
      return ok<TokenResponse>({ accepting: !rt.tokenRefused });
    case 'PUT /token':
      rt.setToken(parseToken(body));
      return ok<TokenResponse>({ accepting: true });
    case 'DELETE /token':
      rt.setToken(null);
      return ok<TokenResponse>({ accepting: false });
  }
  const faultId = /^DELETE \/faults\/(\d+)$/.exec(route);
  if (faultId) {
    if (!rt.faults.remove(Number(faultId[1]))) throw SandboxHttpError.notFound();
    return ok({ success: true });
  }
  throw SandboxHttpError.notFound();
}

function ok<T>(body: T): RouteResult {
  return { status: 200, body };
}

function seed(rt: SandboxRuntime, body: unknown): RouteResult {
  try {
    const parsed = parseSeed(body);
    rt.addSeed(parsed);
    return ok({ success: true, managedUserIds: parsed.managedUsers.map((mu) => mu.id) });
  } catch (error) {
    if (error instanceof SandboxSeedError) throw SandboxHttpError.badRequest(error.message);
    throw error;
  }
}

function parseConfigUpdate(input: unknown, current: RateLimitSettings): RateLimitSettings {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw SandboxHttpError.badRequest('Request body must be a JSON object');
  }
  const body = input as Record<string, unknown>;
  const errors: Record<string, string[]> = {};
  const fail = (field: string, message: string): void => {
    (errors[field] ??= []).push(message);
  };
  const known = [
    'limits',
    'perSecond',
    'perMinute',
    'arrivalJitterMs',
    'rateLimitRps',
    'portalRateLimitPerMinute',
  ];
  for (const key of Object.keys(body)) if (!known.includes(key)) fail(key, 'is not a field');
  if ('perSecond' in body && 'rateLimitRps' in body)
    fail('rateLimitRps', 'give perSecond or rateLimitRps, not both');
  const perMinuteObject = body.perMinute as Record<string, unknown> | undefined;
  if ('portalRateLimitPerMinute' in body && perMinuteObject?.api_portals !== undefined)
    fail('portalRateLimitPerMinute', 'give perMinute.api_portals or this, not both');

  const next: RateLimitSettings = { ...current, perMinute: { ...current.perMinute } };
  if ('limits' in body) {
    const parsed = parseLimitsOption(body.limits, 'limits');
    if ('problems' in parsed) for (const p of parsed.problems) fail(p.field, p.message);
    else Object.assign(next, parsed.limits);
  }
  for (const [field, apply] of [
    ['perSecond', (v: number | null) => (next.perSecond = v)],
    ['rateLimitRps', (v: number | null) => (next.perSecond = v)],
    ['portalRateLimitPerMinute', (v: number | null) => (next.perMinute.api_portals = v)],
  ] as const) {
    if (!(field in body)) continue;
    const problem = rateProblem(body[field]);
    if (problem) fail(field, problem);
    else apply(body[field] as number | null);
  }
  if ('perMinute' in body) {
    const parsed = parsePerMinute(body.perMinute, 'perMinute');
    if ('problems' in parsed) for (const p of parsed.problems) fail(p.field, p.message);
    else
      for (const family of FAMILIES)
        if (parsed.perMinute[family] !== undefined)
          next.perMinute[family] = parsed.perMinute[family] as number | null;
  }
  if ('arrivalJitterMs' in body) {
    const problem = jitterProblem(body.arrivalJitterMs);
    if (problem) fail('arrivalJitterMs', problem);
    else next.arrivalJitterMs = body.arrivalJitterMs as number;
  }
  if (Object.keys(errors).length > 0) throw SandboxHttpError.validation(errors);
  return next;
}

function parseToken(input: unknown): string {
  const token =
    input !== null && typeof input === 'object' && !Array.isArray(input)
      ? (input as Record<string, unknown>).token
      : undefined;
  if (typeof token !== 'string' || token === '')
    throw SandboxHttpError.validation({ token: ["can't be blank"] });
  if (!/^\S+$/.test(token))
    throw SandboxHttpError.validation({ token: ['must not contain spaces'] });
  return token;
}

function snapshot(state: SandboxState, managedUserId: string | null): SandboxStateSnapshot {
  if (managedUserId === null || managedUserId === '') {
    return { managedUsers: state.allManagedUsers().map(snapshotOf) };
  }
  const mu = state.findManagedUser(managedUserId);
  if (!mu) throw SandboxHttpError.notFound();
  return { managedUsers: [snapshotOf(mu)] };
}

function snapshotOf(mu: ManagedUserRecord): ManagedUserSnapshot {
  const clients = [...mu.clients.values()];
  return {
    id: mu.id,
    externalId: mu.externalId,
    name: mu.name,
    projects: [...mu.projects.values()].map((p) => ({ ...p })),
    portals: [...mu.portals.values()].map((p) => ({
      id: p.id,
      name: p.name,
      subdomain: p.subdomain,
      kind: p.kind,
      api_collection_ids: [...p.apiCollectionIds],
    })),
    collections: [...mu.collections.values()].map(presentCollection),
    endpoints: [...mu.endpoints.values()].map(presentEndpoint),
    clients: clients.map((c) => ({
      ...presentClient(mu, c, { withKeys: false }),
      jwt_secret_sha256:
        c.jwtSecret === null ? null : createHash('sha256').update(c.jwtSecret).digest('hex'),
    })),
    keys: clients.flatMap((c) =>
      [...c.keys.values()].map((k) => ({
        ...presentKey(k, { reveal: true }),
        api_client_id: c.id,
      })),
    ),
  };
}
