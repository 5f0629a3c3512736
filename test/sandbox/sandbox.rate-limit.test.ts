import {
  Admission,
  Family,
  FAMILIES,
  familyOfPath,
  limitsOf,
  LimitsOption,
  RateLimitSettings,
  SandboxRateLimiter,
} from '../../workato-sandbox/sandbox.rate-limit';
import { mulberry32 } from '../../workato-sandbox/sandbox.random';
import { routeTable } from '../../workato-sandbox/sandbox.routes';
import { WindowLog } from '../../workato-sandbox/sandbox.window-log';

/**
 * The sliding window log on a clock the test moves, so window edges are exact to the
 * millisecond. Windows are half-open: requests share a window of W ms when less than W apart.
 */
let clock = 0;

function limiter(limits: LimitsOption, arrivalJitterMs = 0): SandboxRateLimiter {
  clock = 0;
  const settings: RateLimitSettings = { ...limitsOf(limits), arrivalJitterMs };
  return new SandboxRateLimiter(settings, () => clock);
}

/** `count` requests of `family` at time `at`. */
function burst(l: SandboxRateLimiter, at: number, count: number, family: Family | null = null) {
  clock = at;
  return Array.from({ length: count }, () => l.admit(family));
}

const admitted = (results: Admission[]): number => results.filter((r) => r.admitted).length;

function refusal(result: Admission) {
  if (result.admitted) throw new Error('expected a refusal');
  return result;
}

/** The brute-force reading of the rule: no window of W holds more than `limit` accepted times. */
function bruteAdmits(accepted: number[], t: number, windowMs: number, limit: number): boolean {
  const all = [...accepted, t];
  return all.every(
    (start) => all.filter((x) => x >= start && x < start + windowMs).length <= limit,
  );
}

function brutePeak(accepted: number[], windowMs: number): number {
  let peak = 0;
  for (const start of accepted) {
    const count = accepted.filter((x) => x >= start && x < start + windowMs).length;
    if (count > peak) peak = count;
  }
  return peak;
}

describe('any 1-second window (10 per second)', () => {
  const perSecond10: LimitsOption = { perSecond: 10, perMinute: {} };

  it('admits 10 at once, refuses an 11th anywhere within the second, admits 10 more at +1 s', () => {
    const l = limiter(perSecond10);
    expect(admitted(burst(l, 0, 10))).toBe(10);
    expect(admitted(burst(l, 500, 1))).toBe(0);
    expect(admitted(burst(l, 999.9, 1))).toBe(0);
    // [0, 1000) is full, but a window holding 1000 cannot hold 0.
    expect(admitted(burst(l, 1000, 11))).toBe(10);
  });

  it('refuses what a token bucket would let through (10 at once, then one 100 ms later)', () => {
    const l = limiter(perSecond10);
    burst(l, 0, 10);
    const [late] = burst(l, 100, 1);
    expect(refusal(late)).toMatchObject({ limit: 'overall', retryAfterSeconds: 1 });
  });

  it('refuses a burst straddling a window boundary that a fixed window would split', () => {
    const l = limiter(perSecond10);
    // Five near the end of one clock second, ten just after the next one starts: a fixed
    // per-second window would admit all fifteen; [900, 1900) may hold ten only.
    expect(admitted(burst(l, 900, 5))).toBe(5);
    expect(admitted(burst(l, 1100, 10))).toBe(5);
    expect(admitted(burst(l, 1899, 1))).toBe(0);
    // The first five leave the window at 1900: five more.
    expect(admitted(burst(l, 1900, 10))).toBe(5);
    expect(l.usage().overall.peak).toBe(10);
  });

  it('paces evenly spaced requests at exactly the limit without a refusal', () => {
    const l = limiter(perSecond10);
    for (let i = 0; i < 100; i++) expect(admitted(burst(l, i * 100, 1))).toBe(1);
    expect(l.usage().overall).toMatchObject({ peak: 10, rateLimited429: 0 });
  });

  it('consumes nothing when it refuses, so a caller that waits as told gets through', () => {
    const l = limiter(perSecond10);
    burst(l, 0, 10);
    let retry = 0;
    for (let t = 10; t < 1000; t += 10) retry = refusal(burst(l, t, 1)[0]).retryAfterSeconds;
    expect(retry).toBe(1);
    expect(admitted(burst(l, 1000, 10))).toBe(10);
  });
});

describe('the 60-second family window (API portals at 60 per minute)', () => {
  it('refuses the 61st portal request of a minute with a Retry-After counted from the first', () => {
    const l = limiter('workato');
    // Six a second (the per-second limit is 10) for ten seconds: 60 portal requests.
    for (let s = 0; s < 10; s++) expect(admitted(burst(l, s * 1000, 6, 'api_portals'))).toBe(6);
    const refused = refusal(burst(l, 10_000, 1, 'api_portals')[0]);
    expect(refused).toMatchObject({
      limit: 'api_portals',
      description: '60 requests per 60 s',
      // The requests at 0 leave the window at 60 s: 50 s from now.
      retryAfterSeconds: 50,
    });
    // Other families have their own windows.
    expect(admitted(burst(l, 10_000, 1, 'api_clients'))).toBe(1);
    expect(admitted(burst(l, 59_999, 1, 'api_portals'))).toBe(0);
    expect(admitted(burst(l, 60_000, 6, 'api_portals'))).toBe(6);
    expect(admitted(burst(l, 60_500, 1, 'api_portals'))).toBe(0);
    const usage = l.usage();
    expect(usage.api_portals).toMatchObject({ limit: 60, windowSeconds: 60, peak: 60 });
    expect(usage.api_portals.rateLimited429).toBe(3);
    expect(usage.api_clients).toMatchObject({ peak: 1, rateLimited429: 0 });
  });

  it('names the limit that keeps the caller waiting longer, and counts the 429 there', () => {
    const l = limiter({ perSecond: 2, perMinute: { api_portals: 2 } });
    burst(l, 0, 2, 'api_portals');
    // Both limits refuse: the per-second one for 1 s, the family one for 60 s.
    const refused = refusal(burst(l, 10, 1, 'api_portals')[0]);
    expect(refused).toMatchObject({ limit: 'api_portals', retryAfterSeconds: 60 });
    expect(l.usage().api_portals.rateLimited429).toBe(1);
    expect(l.usage().overall.rateLimited429).toBe(0);
    // Only the per-second limit refuses a request of another family.
    expect(refusal(burst(l, 20, 1, 'api_clients')[0])).toMatchObject({ limit: 'overall' });
  });

  it('has the published limits by default', () => {
    expect(limitsOf('workato')).toEqual({
      perSecond: 10,
      perMinute: {
        api_collections: 1000,
        api_endpoints: 1000,
        api_clients: 1000,
        api_portals: 60,
        cert_bundles: 60,
        access_policies: 1000,
      },
    });
  });
});

describe('configuration', () => {
  it('keeps accepted requests when a limit is switched on or lowered', () => {
    const l = limiter('off');
    burst(l, 0, 8);
    l.configure({ ...limitsOf({ perSecond: 5, perMinute: {} }), arrivalJitterMs: 0 });
    expect(admitted(burst(l, 500, 1))).toBe(0);
    expect(admitted(burst(l, 1000, 5))).toBe(5);
  });

  it('turns a fractional rate into whole requests per a longer window', () => {
    const l = limiter({ perSecond: 0.5, perMinute: {} });
    expect(admitted(burst(l, 0, 2))).toBe(1);
    const refused = refusal(burst(l, 1000, 1)[0]);
    expect(refused).toMatchObject({ description: '1 request per 2 s', retryAfterSeconds: 1 });
    expect(admitted(burst(l, 2000, 1))).toBe(1);
    expect(l.usage().overall).toMatchObject({ limit: 1, windowSeconds: 2 });
  });

  it('counts peaks and 429s from the last stats reset on, without forgetting admissions', () => {
    const l = limiter({ perSecond: 3, perMinute: {} });
    burst(l, 0, 5);
    expect(l.usage().overall).toMatchObject({ peak: 3, rateLimited429: 2 });
    l.resetUsage();
    expect(l.usage().overall).toMatchObject({ peak: 0, rateLimited429: 0 });
    // The window still holds the three accepted before the reset.
    expect(admitted(burst(l, 500, 1))).toBe(0);
    expect(admitted(burst(l, 1000, 1))).toBe(1);
    expect(l.usage().overall).toMatchObject({ peak: 1, rateLimited429: 1 });
  });

  it('tracks peaks of limits that are off', () => {
    const l = limiter('off');
    burst(l, 0, 7, 'api_clients');
    expect(l.usage().api_clients).toMatchObject({ limit: null, peak: 7, description: null });
    expect(l.usage().overall.peak).toBe(7);
  });
});

describe('arrival jitter: out-of-order arrival times', () => {
  it('never lets a window hold more than the limit, matching a brute-force check', () => {
    const random = mulberry32(42);
    for (const [windowMs, limit, jitter] of [
      [1000, 10, 300],
      [1000, 3, 900],
      [60_000, 20, 5000],
    ] as const) {
      const log = new WindowLog();
      const accepted: number[] = [];
      let receipt = 0;
      for (let i = 0; i < 600; i++) {
        receipt += random() * ((windowMs / limit) * 1.5);
        const t = receipt + (random() * 2 - 1) * jitter;
        log.prune(receipt - jitter - windowMs);
        const admits = log.admits(t, windowMs, limit);
        expect(admits).toBe(bruteAdmits(accepted, t, windowMs, limit));
        if (admits) {
          log.insert(t);
          accepted.push(t);
        } else {
          const at = log.earliestAdmission(t, windowMs, limit);
          expect(at).toBeGreaterThan(t);
          expect(bruteAdmits(accepted, at, windowMs, limit)).toBe(true);
          // And no earlier time does.
          for (let k = 1; k < 20; k++) {
            const before = t + ((at - t) * k) / 20;
            expect(bruteAdmits(accepted, before, windowMs, limit)).toBe(false);
          }
        }
      }
      expect(brutePeak(accepted, windowMs)).toBe(limit);
    }
  });

  it('counts requests at jittered times through the limiter, and its peak is the true one', () => {
    const l = limiter({ perSecond: 5, perMinute: {} }, 400);
    const random = mulberry32(7);
    const accepted: number[] = [];
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      clock += random() * 250;
      const result = l.admit(null);
      if (result.admitted) accepted.push(result.at);
      else refused++;
      expect(Math.abs(result.at - clock)).toBeLessThanOrEqual(400);
    }
    expect(refused).toBeGreaterThan(0);
    expect(accepted.some((t, i) => i > 0 && t < accepted[i - 1])).toBe(true);
    const peak = brutePeak(
      [...accepted].sort((a, b) => a - b),
      1000,
    );
    expect(peak).toBeLessThanOrEqual(5);
    expect(l.usage().overall).toMatchObject({ peak, rateLimited429: refused });
  });
});

describe('families', () => {
  it('gives every route the family its path names', () => {
    for (const route of routeTable())
      expect([route.pattern, familyOfPath(route.pattern)]).toEqual([route.pattern, route.family]);
  });

  it('gives paths the sandbox does not serve a family when their path names one', () => {
    const cases: [string, Family | null][] = [
      ['/api/managed_users/1/api_access_profiles', 'access_policies'],
      ['/api/managed_users/1/api_access_profiles/3/enable', 'access_policies'],
      ['/api/v2/managed_users/1/api_policies', 'access_policies'],
      ['/api/managed_users/1/cert_bundles/4/download', 'cert_bundles'],
      ['/api/cert_bundles', 'cert_bundles'],
      ['/api/managed_users/1/api_clients', 'api_clients'],
      ['/api/v2/managed_users/1/api_clients/2/api_keys/3/refresh_secret', 'api_clients'],
      ['/api/v2/managed_users/1/developer_api_clients', null],
      ['/api/managed_users/1/constructor', null],
      ['/api/no/such/thing', null],
    ];
    for (const [path, family] of cases) expect([path, familyOfPath(path)]).toEqual([path, family]);
    expect(FAMILIES).toHaveLength(6);
  });
});
