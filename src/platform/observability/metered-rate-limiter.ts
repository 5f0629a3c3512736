import { RateLimitBucket, WorkatoRateLimiter } from '../../workato/rate-limiter';
import { OnboardingMetrics } from './onboarding.metrics';

/**
 * Wraps the Workato rate limiter the client uses and records how long each slot took, per
 * bucket (the client's own request event only has the sum over the buckets it needed).
 */
export class MeteredRateLimiter extends WorkatoRateLimiter {
  constructor(
    private readonly inner: WorkatoRateLimiter,
    private readonly metrics: OnboardingMetrics,
  ) {
    super();
  }

  async acquire(bucket: RateLimitBucket): Promise<{ waitedMs: number }> {
    const result = await this.inner.acquire(bucket);
    this.metrics.observeRateLimitWait(bucket, result.waitedMs);
    return result;
  }

  pauseUntil(bucket: RateLimitBucket, untilEpochMs: number): Promise<void> {
    return this.inner.pauseUntil(bucket, untilEpochMs);
  }
}
