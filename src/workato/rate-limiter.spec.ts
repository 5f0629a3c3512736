import { earliestFree, earliestFreeInBoth, InProcessRateLimiter } from './rate-limiter';
import { parseRateLimits, PUBLISHED_RATE_LIMITS, rateLimits, spacingMs } from './rate-limits';

function fakeClock() {
  let now = 1_000_000;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** The most requests any window of `windowMs` (half-open) holds, each shifted by up to ±jitter. */
function worstWindowCount(sends: number[], windowMs: number, jitterMs: number): number {
  // Worst case: earlier sends arrive late, later ones early; a window then holds every send
  // whose time is less than windowMs + 2·jitter after the first one it holds.
  const sorted = [...sends].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j < sorted.length && sorted[j] - sorted[i] < windowMs + 2 * jitterMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

describe('rate limits', () => {
  it('spaces requests by (window + margin) / limit', () => {
    expect(spacingMs(PUBLISHED_RATE_LIMITS, 'overall')).toBe(105);
    expect(spacingMs(PUBLISHED_RATE_LIMITS, 'portals')).toBeCloseTo(60_050 / 60);
    expect(spacingMs(PUBLISHED_RATE_LIMITS, 'clients')).toBeCloseTo(60.05);
  });

  it('parses WORKATO_RATE_LIMITS and names a bad entry', () => {
    expect(parseRateLimits('portals:120/min, clients:2000/min')).toEqual({
      perMinute: { portals: 120, clients: 2000 },
    });
    expect(parseRateLimits('cert_bundles:2/s')).toEqual({ perMinute: { cert_bundles: 120 } });
    expect(() => parseRateLimits('portals:60')).toThrow(
      /"portals:60" is not <family>:<number>\/min/,
    );
    expect(() => parseRateLimits('widgets:5/min')).toThrow(/unknown family "widgets"/);
    expect(() => parseRateLimits('portals:0/min')).toThrow(/must be positive/);
    expect(() => parseRateLimits('portals:1/min,portals:2/min')).toThrow(/given twice/);
  });
});

describe('slot log', () => {
  it('takes the first moment a spacing away from every slot', () => {
    expect(earliestFree([], 0, 100)).toBe(0);
    expect(earliestFree([0], 0, 100)).toBe(100);
    expect(earliestFree([0, 100, 200], 0, 100)).toBe(300);
    // A hole between two slots is used when it is wide enough.
    expect(earliestFree([0, 300], 50, 100)).toBe(100);
    expect(earliestFree([0, 150], 50, 100)).toBe(250);
  });

  it('finds a moment free in both buckets', () => {
    const overall = { slots: [0, 100, 200], spacing: 100 };
    const portals = { slots: [250], spacing: 1000 };
    expect(earliestFreeInBoth(portals, overall, 0)).toBe(1250);
    expect(earliestFreeInBoth({ slots: [], spacing: 1000 }, overall, 0)).toBe(300);
  });
});

describe('InProcessRateLimiter', () => {
  it('spaces reservations by the overall spacing', () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter(PUBLISHED_RATE_LIMITS, { now: clock.now });
    const waits = Array.from({ length: 5 }, () => limiter.reserve('clients'));
    expect(waits).toEqual([0, 105, 210, 315, 420]);
  });

  it('never puts more than the limit in any window, with ±20 ms of arrival jitter', () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter(PUBLISHED_RATE_LIMITS, { now: clock.now });
    const sends: number[] = [];
    const portalSends: number[] = [];
    for (let i = 0; i < 400; i++) {
      const family = i % 7 === 0 ? 'portals' : i % 2 ? 'clients' : 'collections';
      const at = clock.now() + limiter.reserve(family);
      sends.push(at);
      if (family === 'portals') portalSends.push(at);
      if (i % 3 === 0) clock.advance(37);
    }
    expect(worstWindowCount(sends, 1000, 20)).toBeLessThanOrEqual(10);
    expect(worstWindowCount(portalSends, 60_000, 20)).toBeLessThanOrEqual(60);
  });

  it('lets other families past a queue of portal requests (no head-of-line blocking)', () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter(PUBLISHED_RATE_LIMITS, { now: clock.now });
    expect(limiter.reserve('portals')).toBe(0);
    expect(Math.round(limiter.reserve('portals'))).toBe(1001);
    // The overall bucket is free between the two portal slots.
    expect(limiter.reserve('clients')).toBe(105);
    expect(limiter.reserve('clients')).toBe(210);
  });

  it('forgets slots once they can no longer constrain anything', () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter(PUBLISHED_RATE_LIMITS, { now: clock.now });
    limiter.reserve('clients');
    clock.advance(10_000);
    expect(limiter.reserve('clients')).toBe(0);
    expect(limiter.reserve('clients')).toBe(105);
  });

  it('a pause holds later reservations of that bucket back', async () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter(PUBLISHED_RATE_LIMITS, { now: clock.now });
    await limiter.pause('overall', clock.now() + 2000);
    expect(limiter.reserve('clients')).toBe(2000);
    expect(limiter.reserve('collections')).toBe(2105);
    await limiter.pause('portals', clock.now() + 30_000);
    expect(limiter.reserve('portals')).toBe(30_000);
    // A pause that ends before the current one changes nothing.
    await limiter.pause('overall', clock.now() + 500);
    expect(limiter.reserve('clients')).toBe(2210);
  });

  it('acquire sleeps for the reserved wait', async () => {
    const clock = fakeClock();
    const sleeps: number[] = [];
    const limiter = new InProcessRateLimiter(rateLimits({ perSecond: 4, safetyMarginMs: 0 }), {
      now: clock.now,
      sleep: async (ms) => void sleeps.push(ms),
    });
    await limiter.acquire('clients');
    const second = await limiter.acquire('clients');
    expect(sleeps).toEqual([250]);
    expect(second.waitedMs).toBe(250);
  });
});
