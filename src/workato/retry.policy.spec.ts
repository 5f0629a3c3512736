import { parseRetryAfterMs, RetryPolicy } from './retry.policy';
import { WorkatoError, WorkatoErrorCode } from './workato.errors';

function workatoError(
  code: WorkatoErrorCode,
  retryable: boolean,
  extra: { retryAfterMs?: number } = {},
): WorkatoError {
  return new WorkatoError({
    code,
    message: code,
    status: null,
    retryable,
    method: 'GET',
    path: '/p',
    ...extra,
  });
}

/** A fake clock whose sleep advances time and records the waits. */
function fakeTime(random: () => number = () => 0.5) {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    advance: (ms: number) => {
      now += ms;
    },
    deps: {
      random,
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    },
  };
}

describe('RetryPolicy.backoffMs', () => {
  it('is full jitter: random(0, min(maxDelay, base * 2^n))', () => {
    const low = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 }, { random: () => 0 });
    const high = new RetryPolicy(
      { baseDelayMs: 100, maxDelayMs: 1000 },
      { random: () => 0.999999 },
    );
    for (let n = 0; n < 10; n++) {
      const ceiling = Math.min(1000, 100 * 2 ** n);
      expect(low.backoffMs(n)).toBe(0);
      expect(high.backoffMs(n)).toBeLessThan(ceiling);
      expect(high.backoffMs(n)).toBeGreaterThanOrEqual(ceiling - 1);
    }
  });

  it('stays within bounds with real randomness, and never overflows', () => {
    const policy = new RetryPolicy({ baseDelayMs: 250, maxDelayMs: 20_000 });
    for (let n = 0; n < 2000; n++) {
      const d = policy.backoffMs(n % 1100);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(20_000);
    }
  });

  it('uses a Retry-After as a lower bound', () => {
    const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 }, { random: () => 0.5 });
    const error = workatoError('WORKATO_RATE_LIMITED', true, { retryAfterMs: 3000 });
    expect(policy.delayMs(error, 0)).toBe(3000);
    const small = workatoError('WORKATO_RATE_LIMITED', true, { retryAfterMs: 1 });
    expect(policy.delayMs(small, 3)).toBe(400);
  });
});

describe('RetryPolicy.run', () => {
  it('retries retryable errors and returns the first success', async () => {
    const time = fakeTime();
    const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 10_000 }, time.deps);
    const attempts: number[] = [];
    const result = await policy.run(async (attempt) => {
      attempts.push(attempt);
      if (attempt < 3) throw workatoError('WORKATO_SERVER_ERROR', true);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
    expect(time.sleeps).toEqual([50, 100]);
  });

  it('does not retry terminal errors or foreign errors', async () => {
    const policy = new RetryPolicy({}, fakeTime().deps);
    let calls = 0;
    await expect(
      policy.run(async () => {
        calls++;
        throw workatoError('WORKATO_BAD_REQUEST', false);
      }),
    ).rejects.toMatchObject({ code: 'WORKATO_BAD_REQUEST' });
    expect(calls).toBe(1);
    await expect(
      policy.run(async () => {
        calls++;
        throw new TypeError('bug');
      }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(2);
  });

  it('stops after maxAttempts and throws the last error', async () => {
    const time = fakeTime();
    const policy = new RetryPolicy({ maxAttempts: 4, baseDelayMs: 10 }, time.deps);
    let calls = 0;
    await expect(
      policy.run(async () => {
        calls++;
        throw workatoError('WORKATO_TIMEOUT', true);
      }),
    ).rejects.toMatchObject({ code: 'WORKATO_TIMEOUT' });
    expect(calls).toBe(4);
    expect(time.sleeps).toHaveLength(3);
  });

  it('does not start a wait that would end past maxElapsedMs', async () => {
    const time = fakeTime(() => 0.999);
    const policy = new RetryPolicy(
      { maxAttempts: 100, maxElapsedMs: 5_000, baseDelayMs: 1_000, maxDelayMs: 4_000 },
      time.deps,
    );
    let calls = 0;
    await expect(
      policy.run(async () => {
        calls++;
        time.advance(500); // each attempt takes 500 ms
        throw workatoError('WORKATO_NETWORK_ERROR', true);
      }),
    ).rejects.toMatchObject({ code: 'WORKATO_NETWORK_ERROR' });
    // 500 + sleep 999 + 500 + sleep 1998 + 500 = 4497; the next wait (3996) would pass 5000.
    expect(calls).toBe(3);
    expect(time.sleeps).toEqual([999, 1998]);
    expect(time.sleeps.reduce((a, b) => a + b, 0) + calls * 500).toBeLessThanOrEqual(5_000);
  });

  it('gives up when the Retry-After alone exceeds the budget', async () => {
    const time = fakeTime();
    const policy = new RetryPolicy({ maxElapsedMs: 10_000 }, time.deps);
    await expect(
      policy.run(async () => {
        throw workatoError('WORKATO_RATE_LIMITED', true, { retryAfterMs: 60_000 });
      }),
    ).rejects.toMatchObject({ code: 'WORKATO_RATE_LIMITED' });
    expect(time.sleeps).toEqual([]);
  });

  it('waits at least the Retry-After and reports each retry', async () => {
    const time = fakeTime(() => 0);
    const policy = new RetryPolicy({}, time.deps);
    const events: Array<{ attempt: number; delayMs: number; code: string }> = [];
    await policy.run(
      async (attempt) => {
        if (attempt === 1) throw workatoError('WORKATO_RATE_LIMITED', true, { retryAfterMs: 2000 });
        return 1;
      },
      (e) => events.push({ attempt: e.attempt, delayMs: e.delayMs, code: e.error.code }),
    );
    expect(time.sleeps).toEqual([2000]);
    expect(events).toEqual([{ attempt: 1, delayMs: 2000, code: 'WORKATO_RATE_LIMITED' }]);
  });

  it('rejects nonsensical options', () => {
    expect(() => new RetryPolicy({ maxAttempts: 0 })).toThrow(RangeError);
    expect(() => new RetryPolicy({ baseDelayMs: -1 })).toThrow(RangeError);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfterMs('0', now)).toBe(0);
    expect(parseRetryAfterMs('1', now)).toBe(1000);
    expect(parseRetryAfterMs(' 30 ', now)).toBe(30_000);
    expect(parseRetryAfterMs('1.5', now)).toBe(1500);
    expect(parseRetryAfterMs(['2', '5'], now)).toBe(2000);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterMs('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores absent and malformed values', () => {
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('', now)).toBeUndefined();
    expect(parseRetryAfterMs('-1', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('1e3', now)).toBeUndefined();
  });
});
