import { bucketRates, InProcessRateLimiter } from './rate-limiter';

function fakeClock() {
  let now = 1_000_000;
  return {
    now: () => now,
    set: (t: number) => {
      now = t;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('bucketRates', () => {
  it('defaults to 10 rps and 60/min with a single-token burst', () => {
    expect(bucketRates()).toEqual({
      default: { refillPerSecond: 10, capacity: 1 },
      portal: { refillPerSecond: 1, capacity: 1 },
    });
  });

  it('caps the burst at one second of rate', () => {
    expect(bucketRates({ ratePerSecond: 20, burstSeconds: 5 }).default.capacity).toBe(20);
    expect(bucketRates({ ratePerSecond: 20, burstSeconds: 0.25 }).default.capacity).toBe(5);
  });

  it('rejects non-positive rates', () => {
    expect(() => bucketRates({ ratePerSecond: 0 })).toThrow(RangeError);
  });
});

describe('InProcessRateLimiter', () => {
  it('spaces reservations evenly at 1/rate', () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter({ ratePerSecond: 10 }, { now: clock.now });
    const waits = Array.from({ length: 5 }, () => limiter.reserve('default'));
    expect(waits.map((w) => Math.round(w))).toEqual([0, 100, 200, 300, 400]);
  });

  it('refills over time, never above capacity', () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter({ ratePerSecond: 10 }, { now: clock.now });
    limiter.reserve('default');
    clock.advance(10_000);
    expect(limiter.reserve('default')).toBe(0);
    expect(Math.round(limiter.reserve('default'))).toBe(100);
  });

  it('keeps buckets apart', () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter(
      { ratePerSecond: 10, portalRatePerMinute: 60 },
      { now: clock.now },
    );
    expect(limiter.reserve('portal')).toBe(0);
    expect(limiter.reserve('default')).toBe(0);
    expect(Math.round(limiter.reserve('portal'))).toBe(1000);
    expect(Math.round(limiter.reserve('default'))).toBe(100);
  });

  it('pauseUntil holds every later reservation back and resumes one slot at a time', () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter({ ratePerSecond: 10 }, { now: clock.now });
    limiter.reserve('default');
    void limiter.pauseUntil('default', clock.now() + 2000);
    expect(Math.round(limiter.reserve('default'))).toBe(2000);
    expect(Math.round(limiter.reserve('default'))).toBe(2100);
    clock.advance(5000);
    expect(limiter.reserve('default')).toBe(0);
  });

  it('ignores a pause that ends before the current one', async () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter({ ratePerSecond: 10 }, { now: clock.now });
    await limiter.pauseUntil('default', clock.now() + 3000);
    await limiter.pauseUntil('default', clock.now() + 1000);
    expect(Math.round(limiter.reserve('default'))).toBe(3000);
  });

  it('acquire sleeps for the reserved wait', async () => {
    const clock = fakeClock();
    const sleeps: number[] = [];
    const limiter = new InProcessRateLimiter(
      { ratePerSecond: 4 },
      { now: clock.now, sleep: async (ms) => void sleeps.push(ms) },
    );
    await limiter.acquire('default');
    const second = await limiter.acquire('default');
    expect(sleeps).toEqual([250]);
    expect(second.waitedMs).toBe(250);
  });
});
