import { mulberry32 } from './sandbox.random';
import { WindowLog } from './sandbox.window-log';

/**
 * Workato's published rate limits for the Embedded API, enforced as a strict sliding window log.
 *
 * What the documents say:
 * - 001 (Embedded API platform): "API platform endpoints allow up to 10 requests per second."
 * - Workato's Embedded API rate-limits page (docs.workato.com/oem/oem-api/limits): limits per
 *   family of endpoints, counted per Embed admin workspace (all customer workspaces and all admin
 *   API keys share one quota): API portals 60/minute, API collections 1,000/minute, API endpoints
 *   1,000/minute, API clients 1,000/minute, API access policies 1,000/minute (the English page
 *   says "access profiles", the Japanese one "access policies"), API certificate bundles
 *   60/minute. One sandbox is one Embed admin workspace, so every request to it shares them.
 * - 003 (the partner's own workspace, /api/... without managed_users) says 60/minute over all
 *   API platform endpoints. That surface is not the Embedded one and the sandbox does not serve
 *   it; INDEX.md lists the disagreement with 001's 10/second.
 *
 * "N per window" is read strictly: a request is refused when admitting it would put more than N
 * accepted requests in ANY window of that length, wherever the window starts. A token bucket (a
 * full burst, then refills within the same second) or a fixed window (N at the end of one clock
 * second and N at the start of the next) lets more than N into some window; a sliding log does
 * not, so a caller that passes here passes under any reading of the limit.
 *
 * Beyond the documents, our choices where they are silent:
 * - A refused request consumes nothing: only accepted requests are logged, so a caller that
 *   waits as told by Retry-After gets through.
 * - Only requests with a valid token are counted (the server checks the token first).
 * - Every authenticated request counts against the per-second limit, and against the family its
 *   path names, including requests to paths the sandbox does not serve (see familyOfPath).
 * - Windows are half-open: requests share a window of W when less than W apart.
 */
export const FAMILIES = [
  'api_collections',
  'api_endpoints',
  'api_clients',
  'api_portals',
  'cert_bundles',
  'access_policies',
] as const;
export type Family = (typeof FAMILIES)[number];
/** `overall` is the per-second limit over every endpoint; the others are per family and minute. */
export type LimitName = 'overall' | Family;
export const LIMIT_NAMES: readonly LimitName[] = ['overall', ...FAMILIES];

/** Per-minute limits, null where there is none. */
export type PerMinuteLimits = Record<Family, number | null>;

/** Complete limits: what the sandbox enforces. */
export interface RateLimits {
  perSecond: number | null;
  perMinute: PerMinuteLimits;
}

/** Limits as a caller writes them: families left out have no per-minute limit. */
export interface LimitsSpec {
  perSecond: number | null;
  perMinute: Partial<Record<Family, number | null>>;
}

/** `'workato'`: the published limits; `'off'`: none. */
export type LimitsOption = 'workato' | 'off' | LimitsSpec;

export const WORKATO_LIMITS: RateLimits = Object.freeze({
  perSecond: 10,
  perMinute: Object.freeze({
    api_collections: 1000,
    api_endpoints: 1000,
    api_clients: 1000,
    api_portals: 60,
    cert_bundles: 60,
    access_policies: 1000,
  }),
});

export const NO_LIMITS: RateLimits = Object.freeze({
  perSecond: null,
  perMinute: Object.freeze(noPerMinute()),
});

/** The limiter's whole configuration. */
export interface RateLimitSettings extends RateLimits {
  /**
   * Beyond the documents: each request is counted as arriving at its receipt time plus a uniform
   * random offset in [-arrivalJitterMs, +arrivalJitterMs], to model a network that does not
   * deliver requests as evenly as they were sent. 0 (the default) counts receipt times.
   */
  arrivalJitterMs: number;
}

/** The older configuration shape, still accepted: per-second and portal per-minute limits. */
export interface RateLimitConfig {
  rateLimitRps: number | null;
  portalRateLimitPerMinute: number | null;
}

/** What GET /__sandbox/config answers: the effective limits. */
export interface SandboxConfig extends RateLimitSettings, RateLimitConfig {
  /** Which preset the limits equal, or `custom`. */
  preset: 'workato' | 'off' | 'custom';
}

export interface LimitUsage {
  /** Accepted requests allowed per window; null when the limit is off. */
  limit: number | null;
  windowSeconds: number;
  /** e.g. "60 requests per 60 s"; null when the limit is off. */
  description: string | null;
  /** 429s this limit caused (each 429 names one limit, see `admit`). */
  rateLimited429: number;
  /**
   * The most accepted requests seen in any one window of `windowSeconds` since the last stats
   * reset, counted whether or not the limit is on.
   */
  peak: number;
}

export type Admission =
  | { admitted: true; /** The arrival time the request was counted at (ms). */ at: number }
  | {
      admitted: false;
      at: number;
      limit: LimitName;
      description: string;
      /** Whole seconds, at least 1. */
      retryAfterSeconds: number;
    };

export const MAX_ARRIVAL_JITTER_MS = 60_000;
const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const JITTER_SEED = 0x1177e4;

/** A problem with a limits value, named by the path of the field at fault. */
export interface LimitsProblem {
  field: string;
  message: string;
}

export function noPerMinute(): PerMinuteLimits {
  return Object.fromEntries(FAMILIES.map((f) => [f, null])) as PerMinuteLimits;
}

export function limitsOf(option: LimitsOption): RateLimits {
  if (option === 'workato') return copyLimits(WORKATO_LIMITS);
  if (option === 'off') return copyLimits(NO_LIMITS);
  return { perSecond: option.perSecond, perMinute: { ...noPerMinute(), ...option.perMinute } };
}

export function copyLimits(limits: RateLimits): RateLimits {
  return { perSecond: limits.perSecond, perMinute: { ...limits.perMinute } };
}

/**
 * Validates a limits option from JSON (an env variable, a control request, startSandbox's
 * options): `"workato"`, `"off"`, or `{ perSecond?, perMinute? }` where each limit is a positive
 * number or null. Fields left out are off.
 */
export function parseLimitsOption(
  input: unknown,
  field: string,
): { limits: RateLimits } | { problems: LimitsProblem[] } {
  if (input === 'workato' || input === 'off') return { limits: limitsOf(input) };
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return {
      problems: [
        { field, message: 'must be "workato", "off" or an object with perSecond and perMinute' },
      ],
    };
  }
  const problems: LimitsProblem[] = [];
  const body = input as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (key !== 'perSecond' && key !== 'perMinute')
      problems.push({ field: `${field}.${key}`, message: 'is not a field (perSecond, perMinute)' });
  }
  const limits = copyLimits(NO_LIMITS);
  if (body.perSecond !== undefined) {
    const problem = rateProblem(body.perSecond);
    if (problem) problems.push({ field: `${field}.perSecond`, message: problem });
    else limits.perSecond = body.perSecond as number | null;
  }
  if (body.perMinute !== undefined) {
    const parsed = parsePerMinute(body.perMinute, `${field}.perMinute`);
    if ('problems' in parsed) problems.push(...parsed.problems);
    else Object.assign(limits.perMinute, parsed.perMinute);
  }
  return problems.length > 0 ? { problems } : { limits };
}

/** Validates a partial map of per-minute limits by family. */
export function parsePerMinute(
  input: unknown,
  field: string,
): { perMinute: Partial<PerMinuteLimits> } | { problems: LimitsProblem[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { problems: [{ field, message: 'must be an object of limits by family' }] };
  }
  const problems: LimitsProblem[] = [];
  const perMinute: Partial<PerMinuteLimits> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(FAMILIES as readonly string[]).includes(key)) {
      problems.push({
        field: `${field}.${key}`,
        message: `is not a family (${FAMILIES.join(', ')})`,
      });
      continue;
    }
    const problem = rateProblem(value);
    if (problem) problems.push({ field: `${field}.${key}`, message: problem });
    else perMinute[key as Family] = value as number | null;
  }
  return problems.length > 0 ? { problems } : { perMinute };
}

/** A message when `value` is not a positive number or null. */
export function rateProblem(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return null;
  return 'must be a positive number or null';
}

export function jitterProblem(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return value <= MAX_ARRIVAL_JITTER_MS ? null : `must be at most ${MAX_ARRIVAL_JITTER_MS}`;
  }
  return 'must be a number of milliseconds, 0 or more';
}

/**
 * A rate of `rate` per `baseMs` as a whole number of requests per window. Whole rates keep their
 * window; a fractional one (say 2.5/second, or the 0.5/second a caller may configure) becomes
 * floor(rate) per a window stretched to keep the long-run rate: 2 per 0.8 s, 1 per 2 s. Beyond
 * the documents: Workato publishes only whole numbers.
 */
function windowOf(rate: number | null, baseMs: number): { limit: number | null; windowMs: number } {
  if (rate === null) return { limit: null, windowMs: baseMs };
  if (Number.isInteger(rate)) return { limit: rate, windowMs: baseMs };
  const limit = Math.max(1, Math.floor(rate));
  return { limit, windowMs: (baseMs * limit) / rate };
}

function describe(limit: number, windowMs: number): string {
  const seconds = Number((windowMs / 1000).toFixed(3));
  return `${limit} request${limit === 1 ? '' : 's'} per ${seconds} s`;
}

/** One limit: its window, the log it admits by, and what the stats report about it. */
class Tracker {
  limit: number | null = null;
  windowMs: number;
  /** Every accepted request, for admission. */
  readonly log = new WindowLog();
  /** Accepted requests since the last stats reset, for the peak. */
  readonly statsLog = new WindowLog();
  rateLimited = 0;
  peak = 0;

  constructor(
    readonly name: LimitName,
    private readonly baseMs: number,
  ) {
    this.windowMs = baseMs;
  }

  configure(rate: number | null): void {
    const window = windowOf(rate, this.baseMs);
    this.limit = window.limit;
    this.windowMs = window.windowMs;
  }

  admits(t: number): boolean {
    return this.limit === null || this.log.admits(t, this.windowMs, this.limit);
  }

  earliestAdmission(t: number): number {
    return this.limit === null ? t : this.log.earliestAdmission(t, this.windowMs, this.limit);
  }

  accept(t: number, horizon: number): void {
    this.log.prune(horizon - this.windowMs);
    this.statsLog.prune(horizon - this.windowMs);
    this.log.insert(t);
    const count = this.statsLog.maxWithin(t, this.windowMs);
    this.statsLog.insert(t);
    if (count > this.peak) this.peak = count;
  }

  description(): string | null {
    return this.limit === null ? null : describe(this.limit, this.windowMs);
  }

  usage(): LimitUsage {
    return {
      limit: this.limit,
      windowSeconds: this.windowMs / 1000,
      description: this.description(),
      rateLimited429: this.rateLimited,
      peak: this.peak,
    };
  }

  resetUsage(): void {
    this.statsLog.clear();
    this.rateLimited = 0;
    this.peak = 0;
  }
}

export class SandboxRateLimiter {
  private readonly trackers: Record<LimitName, Tracker>;
  private settings!: RateLimitSettings;
  private random = mulberry32(JITTER_SEED);

  constructor(
    settings: RateLimitSettings,
    /** Milliseconds on a monotonic clock. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.trackers = Object.fromEntries(
      LIMIT_NAMES.map((name) => [
        name,
        new Tracker(name, name === 'overall' ? SECOND_MS : MINUTE_MS),
      ]),
    ) as Record<LimitName, Tracker>;
    this.configure(settings);
  }

  /**
   * Applies new limits. Requests already accepted stay in the logs: lowering a limit applies to
   * the requests of the current window too, and raising one takes effect at once.
   */
  configure(settings: RateLimitSettings): void {
    this.settings = {
      perSecond: settings.perSecond,
      perMinute: { ...settings.perMinute },
      arrivalJitterMs: settings.arrivalJitterMs,
    };
    this.trackers.overall.configure(settings.perSecond);
    for (const family of FAMILIES) this.trackers[family].configure(settings.perMinute[family]);
  }

  /** Back to a fresh start: new limits, empty logs, zero stats, the jitter sequence replayed. */
  reset(settings: RateLimitSettings): void {
    for (const tracker of Object.values(this.trackers)) {
      tracker.log.clear();
      tracker.resetUsage();
    }
    this.random = mulberry32(JITTER_SEED);
    this.configure(settings);
  }

  current(): SandboxConfig {
    const { perSecond, perMinute, arrivalJitterMs } = this.settings;
    return {
      preset: sameLimits(this.settings, WORKATO_LIMITS)
        ? 'workato'
        : sameLimits(this.settings, NO_LIMITS)
          ? 'off'
          : 'custom',
      perSecond,
      perMinute: { ...perMinute },
      arrivalJitterMs,
      rateLimitRps: perSecond,
      portalRateLimitPerMinute: perMinute.api_portals,
    };
  }

  settingsNow(): RateLimitSettings {
    return { ...this.settings, perMinute: { ...this.settings.perMinute } };
  }

  /**
   * Admits a request of `family` (null: a path of no family) or says which limit refused it and
   * when to come back. When both the per-second and the family limit refuse, the one that
   * keeps the caller waiting longer is named (the family's on a tie) and counts the 429.
   */
  admit(family: Family | null): Admission {
    const received = this.now();
    const jitter = this.settings.arrivalJitterMs;
    const t = jitter > 0 ? received + (this.random() * 2 - 1) * jitter : received;
    // No request arriving from now on can be counted earlier than this.
    const horizon = received - jitter;
    const involved = [this.trackers.overall];
    if (family !== null) involved.push(this.trackers[family]);

    const refusing = involved.filter((tracker) => !tracker.admits(t));
    if (refusing.length === 0) {
      for (const tracker of involved) tracker.accept(t, horizon);
      return { admitted: true, at: t };
    }

    let named = refusing[0];
    let namedAt = named.earliestAdmission(t);
    for (const tracker of refusing.slice(1)) {
      const at = tracker.earliestAdmission(t);
      if (at >= namedAt) {
        named = tracker;
        namedAt = at;
      }
    }
    named.rateLimited++;
    const admitAt = jointEarliestAdmission(involved, t);
    return {
      admitted: false,
      at: t,
      limit: named.name,
      description: named.description() as string,
      retryAfterSeconds: Math.max(1, Math.ceil((admitAt - t) / 1000)),
    };
  }

  usage(): Record<LimitName, LimitUsage> {
    return Object.fromEntries(
      LIMIT_NAMES.map((name) => [name, this.trackers[name].usage()]),
    ) as Record<LimitName, LimitUsage>;
  }

  resetUsage(): void {
    for (const tracker of Object.values(this.trackers)) tracker.resetUsage();
  }
}

/** The earliest time every limit admits at once; each moves it on until none has to. */
function jointEarliestAdmission(trackers: Tracker[], t: number): number {
  let at = t;
  for (let moved = true; moved;) {
    moved = false;
    for (const tracker of trackers) {
      const next = tracker.earliestAdmission(at);
      if (next > at) {
        at = next;
        moved = true;
      }
    }
  }
  return at;
}

function sameLimits(a: RateLimits, b: RateLimits): boolean {
  return a.perSecond === b.perSecond && FAMILIES.every((f) => a.perMinute[f] === b.perMinute[f]);
}

/**
 * The family of a Workato path, from its segments, whether or not the sandbox serves it: a
 * request to an endpoint it does not implement still counts against its family's limit (beyond
 * the documents: they count "all API portals endpoints" and so on, and say nothing of 404s). API keys live under /api_clients/:id/api_keys and count as API clients;
 * /developer_api_clients is a different family (Developer API clients) the sandbox neither serves
 * nor limits per minute.
 */
export function familyOfPath(path: string): Family | null {
  const segments = path.split('/');
  // The most specific segment wins: /api_clients/:id/api_keys is still a client path, but a
  // (hypothetical) /api_collections/:id/api_endpoints would be an endpoint path.
  for (let i = segments.length - 1; i >= 0; i--) {
    const family = SEGMENT_FAMILIES.get(segments[i]);
    if (family) return family;
  }
  return null;
}

/** A Map, not an object literal, so a segment such as `constructor` finds nothing. */
const SEGMENT_FAMILIES = new Map<string, Family>([
  ['api_collections', 'api_collections'],
  ['api_endpoints', 'api_endpoints'],
  ['api_clients', 'api_clients'],
  ['api_keys', 'api_clients'],
  ['api_portals', 'api_portals'],
  ['cert_bundles', 'cert_bundles'],
  // 001's deprecated v1 access profiles; the limits page calls the family access profiles in
  // English and access policies in Japanese.
  ['api_access_profiles', 'access_policies'],
  ['api_access_policies', 'access_policies'],
  ['api_policies', 'access_policies'],
]);
