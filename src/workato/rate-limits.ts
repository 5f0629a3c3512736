/**
 * Workato's published rate limits for the Embedded API, counted per Embed admin workspace: every
 * customer, every admin API key and every other tool of the partner share them.
 *
 * - 001 (Embedded API platform): 10 requests per second over every endpoint.
 * - Workato's Embedded API rate-limits page, per family of endpoints and minute: API collections
 *   1,000, API endpoints 1,000, API clients (their API keys are under them) 1,000, API portals 60,
 *   API certificate bundles 60, access policies 1,000.
 *
 * Enterprise plans can have them raised, so each is configurable (WORKATO_RATE_LIMIT_RPS and
 * WORKATO_RATE_LIMITS).
 */
export const RATE_LIMIT_FAMILIES = [
  'collections',
  'endpoints',
  'clients',
  'portals',
  'cert_bundles',
  'access_policies',
] as const;
export type RateLimitFamily = (typeof RATE_LIMIT_FAMILIES)[number];

export interface RateLimits {
  /** Requests in any 1-second window, over every endpoint. */
  perSecond: number;
  /** Requests in any 60-second window, per family. */
  perMinute: Record<RateLimitFamily, number>;
  /**
   * Added to each window when spacing requests: covers the jitter between when we send and
   * when Workato counts a request (network, event-loop delay). See spacingMs.
   */
  safetyMarginMs: number;
}

export const PUBLISHED_RATE_LIMITS: RateLimits = {
  perSecond: 10,
  perMinute: {
    collections: 1000,
    endpoints: 1000,
    clients: 1000,
    portals: 60,
    cert_bundles: 60,
    access_policies: 1000,
  },
  safetyMarginMs: 50,
};

/** A rate-limit bucket: `overall` (per second) or a family (per minute). */
export type RateLimitBucket = 'overall' | RateLimitFamily;

/**
 * How far off their sending Workato may count our requests: network and proxies. Issue 10 asks
 * for no 429 of ours with arrival jitter of ±20 ms; the bench's strict sandbox applies it.
 */
export const ARRIVAL_JITTER_MS = 20;

/**
 * The least time between two requests of a bucket. Requests spaced `s` apart put at most N in
 * any window of W as long as each is sent at most `l` after its slot, arrives within ±j of when
 * it was sent, and s ≥ (W + 2j + l) / N: N + 1 requests then span more than any window once the
 * jitter at both ends and the lateness of the first are taken off. So the spacing is
 * (W + margin) / N with margin ≥ 2j + l: a little below the limit (0.95 x at 10/s with the
 * default 50 ms: 2 x 20 ms of jitter and 10 ms of lateness and error), and never a 429 of ours, whichever
 * window Workato counts with. sendToleranceMs is the `l` the limiter enforces.
 */
export function spacingMs(limits: RateLimits, bucket: RateLimitBucket): number {
  const [windowMs, limit] =
    bucket === 'overall' ? [1000, limits.perSecond] : [60_000, limits.perMinute[bucket]];
  return (windowMs + limits.safetyMarginMs) / limit;
}

/**
 * How late after its slot a request may still be sent: most of the margin not kept for arrival
 * jitter (8 of the 10 ms at the default), the rest left for what the limiter cannot see (the
 * way from the check to the socket). What the clock estimate does not know counts as lateness.
 * At least 2 ms, the timer's own granularity, when the margin is set smaller. A request that
 * wakes later than that (a busy event loop) gives its slot up and takes another.
 */
export function sendToleranceMs(limits: RateLimits): number {
  return Math.max(2, (limits.safetyMarginMs - 2 * ARRIVAL_JITTER_MS) * 0.8);
}

/** `WORKATO_RATE_LIMITS` ("portals:60/min,clients:2000/min"): families left out keep the published limit. */
export function parseRateLimits(text: string): {
  perMinute: Partial<Record<RateLimitFamily, number>>;
} {
  const perMinute: Partial<Record<RateLimitFamily, number>> = {};
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const match = /^([a-z_]+)\s*:\s*(\d+(?:\.\d+)?)\s*\/\s*(min|minute|s|sec|second)$/.exec(entry);
    if (!match)
      throw new RangeError(
        `"${entry}" is not <family>:<number>/min (families: ${RATE_LIMIT_FAMILIES.join(', ')})`,
      );
    const [, family, amount, unit] = match;
    if (!(RATE_LIMIT_FAMILIES as readonly string[]).includes(family))
      throw new RangeError(
        `"${entry}": unknown family "${family}" (families: ${RATE_LIMIT_FAMILIES.join(', ')})`,
      );
    const perUnit = Number(amount);
    const value = unit.startsWith('m') ? perUnit : perUnit * 60;
    if (!(value > 0)) throw new RangeError(`"${entry}": the limit must be positive`);
    if (perMinute[family as RateLimitFamily] !== undefined)
      throw new RangeError(`"${entry}": family "${family}" is given twice`);
    perMinute[family as RateLimitFamily] = value;
  }
  return { perMinute };
}

/** Limits from Workato's published ones with some changed (tests, benchmarks, tools). */
export function rateLimits(
  overrides: {
    perSecond?: number;
    perMinute?: Partial<Record<RateLimitFamily, number>>;
    safetyMarginMs?: number;
  } = {},
): RateLimits {
  return {
    perSecond: overrides.perSecond ?? PUBLISHED_RATE_LIMITS.perSecond,
    perMinute: { ...PUBLISHED_RATE_LIMITS.perMinute, ...overrides.perMinute },
    safetyMarginMs: overrides.safetyMarginMs ?? PUBLISHED_RATE_LIMITS.safetyMarginMs,
  };
}
