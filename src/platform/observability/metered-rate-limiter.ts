import { Acquired, WorkatoRateLimiter } from '../../workato/rate-limiter';
import type { RateLimitBucket, RateLimitFamily } from '../../workato/rate-limits';
import { OnboardingMetrics } from './onboarding.metrics';

/**
 * Wraps the Workato rate limiter the client uses and records how long each slot took, per
 * bucket (the client's own request event only has the sum over the buckets it needed), and
 * the slots it gave up.
 */
export class MeteredRateLimiter extends WorkatoRateLimiter {
  constructor(
    private readonly inner: WorkatoRateLimiter,
    private readonly metrics: OnboardingMetrics,
    private readonly account = 'default',
  ) {
    super();
  }

  async acquire(family: RateLimitFamily): Promise<Acquired> {
    const result = await this.inner.acquire(family);
    this.metrics.observeRateLimitWait(family, result.waitedMs, this.account, result.missedSlots);
    return result;
  }

  pause(bucket: RateLimitBucket, untilEpochMs: number): Promise<void> {
    return this.inner.pause(bucket, untilEpochMs);
  }
}
