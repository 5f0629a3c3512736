import {
  ClockOffset,
  earliestFree,
  earliestFreeInBoth,
  InProcessRateLimiter,
} from './rate-limiter';
import {
  ARRIVAL_JITTER_MS,
  parseRateLimits,
  PUBLISHED_RATE_LIMITS,
  rateLimits,
  sendToleranceMs,
  spacingMs,
} from './rate-limits';

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
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
    });
    await limiter.acquire('clients');
    const second = await limiter.acquire('clients');
    expect(sleeps).toEqual([250]);
    expect(second.waitedMs).toBe(250);
    expect(limiter.missedSlots).toBe(0);
  });

  it('gives a slot up when it wakes later than the tolerance, and takes the next free one', async () => {
    const clock = fakeClock();
    // The event loop wakes each sleeper `late` ms after it asked.
    let late = 0;
    const limiter = new InProcessRateLimiter(PUBLISHED_RATE_LIMITS, {
      now: clock.now,
      sleep: async (ms) => clock.advance(ms + late),
    });
    expect(sendToleranceMs(PUBLISHED_RATE_LIMITS)).toBe(8);
    await limiter.acquire('clients'); // the slot at 0, sent at once
    late = 8; // within the tolerance: sent at its slot + 8 ms
    await limiter.acquire('clients');
    expect(limiter.missedSlots).toBe(0);
    late = 30; // every wake 30 ms late: four slots given up, the fifth sent anyway
    await limiter.acquire('clients');
    expect(limiter.missedSlots).toBe(4);
    late = 0;
    await limiter.acquire('clients');
    expect(limiter.missedSlots).toBe(4);
  });

  it('never puts more than the limit in any window when wakes come late, with ±20 ms of jitter', async () => {
    const clock = fakeClock();
    // Lateness of 0 to 40 ms, in a fixed pseudo-random order.
    let seed = 7;
    const lateness = () => (seed = (seed * 48271) % 2147483647) % 41;
    const limiter = new InProcessRateLimiter(PUBLISHED_RATE_LIMITS, {
      now: clock.now,
      sleep: async (ms) => clock.advance(ms + lateness()),
    });
    const sends: number[] = [];
    for (let i = 0; i < 300; i++) {
      await limiter.acquire('clients');
      sends.push(clock.now());
    }
    expect(limiter.missedSlots).toBeGreaterThan(0);
    expect(worstWindowCount(sends, 1000, ARRIVAL_JITTER_MS)).toBeLessThanOrEqual(10);
  });

  it("measures the database's clock by its fastest round trips, not its slow answers", () => {
    // The database's clock is 4 s ahead of this process's.
    const clock = new ClockOffset();
    expect(clock.estimateMs).toBe(0);
    // Read 2 ms after sending, answered 30 ms later (a busy event loop).
    clock.observe(1002 + 4000, 1000, 1030);
    expect(clock.estimateMs).toBe(4000 - 13);
    // A quick round trip narrows it; a slow one afterwards does not widen it.
    clock.observe(2001 + 4000, 2000, 2002);
    expect(clock.estimateMs).toBeCloseTo(4000, 0);
    clock.observe(3040 + 4000, 3000, 3100);
    expect(clock.estimateMs).toBeCloseTo(4000, 0);
    // The clock was stepped by a second: the old interval no longer agrees, the new one counts.
    clock.observe(4001 + 5000, 4000, 4002);
    expect(clock.estimateMs).toBeCloseTo(5000, 0);
  });
});
