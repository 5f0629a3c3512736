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
 * The least time between two requests of a bucket. Requests spaced `s` apart put at most N in
 * any window of W as long as they arrive within ±j of when they were sent and s ≥ (W + 2j) / N:
 * N + 1 requests span N·s, which then exceeds any window plus the jitter at both ends. So the
 * spacing is (W + margin) / N with margin ≥ 2j: a little below the limit (0.95 × at 10/s with
 * the default 50 ms), and never a 429 of ours, whichever window Workato counts with.
 */
export function spacingMs(limits: RateLimits, bucket: RateLimitBucket): number {
  const [windowMs, limit] =
    bucket === 'overall' ? [1000, limits.perSecond] : [60_000, limits.perMinute[bucket]];
  return (windowMs + limits.safetyMarginMs) / limit;
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
