/**
 * Workato documents 10 requests/second for the Embedded API platform (001) and 60
 * requests/minute in the workspace variant (003). The sandbox enforces both kinds: a per-second
 * limit over every Workato endpoint and a per-minute one over portal endpoints.
 *
 * Token buckets rather than fixed windows: a caller that paces itself with a token bucket of
 * the same rate and burst never sees a 429, while one that ignores the limit does at once.
 */
class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.refillPerMs);
      this.last = now;
    }
  }

  canTake(): boolean {
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens -= 1;
  }

  /** Whole seconds until a token is available; Retry-After is never below 1. */
  retryAfterSeconds(): number {
    const ms = (1 - this.tokens) / this.refillPerMs;
    return Math.max(1, Math.ceil(ms / 1000));
  }
}

export interface RateLimitConfig {
  rateLimitRps: number | null;
  portalRateLimitPerMinute: number | null;
}

export class SandboxRateLimiter {
  private global: TokenBucket | null = null;
  private portal: TokenBucket | null = null;
  private config: RateLimitConfig = { rateLimitRps: null, portalRateLimitPerMinute: null };

  constructor(
    config: RateLimitConfig,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.configure(config);
  }

  /** Applying a configuration starts with full buckets. */
  configure(config: RateLimitConfig): void {
    const t = this.now();
    this.config = { ...config };
    this.global =
      config.rateLimitRps === null
        ? null
        : new TokenBucket(Math.max(1, config.rateLimitRps), config.rateLimitRps / 1000, t);
    this.portal =
      config.portalRateLimitPerMinute === null
        ? null
        : new TokenBucket(
            Math.max(1, config.portalRateLimitPerMinute),
            config.portalRateLimitPerMinute / 60_000,
            t,
          );
  }

  current(): RateLimitConfig {
    return { ...this.config };
  }

  /**
   * Admits a request or returns the Retry-After seconds. A rejected request consumes nothing,
   * so a caller that waits as told gets through.
   */
  admit(isPortal: boolean): number {
    if (this.global === null && (this.portal === null || !isPortal)) return 0;
    const t = this.now();
    const buckets: TokenBucket[] = [];
    if (this.global) buckets.push(this.global);
    if (isPortal && this.portal) buckets.push(this.portal);
    let retryAfter = 0;
    for (const bucket of buckets) {
      bucket.refill(t);
      if (!bucket.canTake()) retryAfter = Math.max(retryAfter, bucket.retryAfterSeconds());
    }
    if (retryAfter > 0) return retryAfter;
    for (const bucket of buckets) bucket.take();
    return 0;
  }
}
