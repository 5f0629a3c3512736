import { WorkatoError } from './workato.errors';

export interface RetryPolicyOptions {
  /** Total attempts including the first. Default 6. */
  maxAttempts?: number;
  /** No retry starts after this much time since the first attempt. Default 120 000 ms. */
  maxElapsedMs?: number;
  /** Backoff base: the n-th retry waits random(0, min(maxDelayMs, baseDelayMs * 2^n)). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export const DEFAULT_RETRY_OPTIONS: Required<RetryPolicyOptions> = {
  maxAttempts: 6,
  maxElapsedMs: 120_000,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
};

/** Side effects of the policy, injectable so unit tests run without real time or randomness. */
export interface RetryPolicyDeps {
  /** Uniform in [0, 1). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface RetryEvent {
  /** The attempt that failed, 1-based. */
  attempt: number;
  delayMs: number;
  error: WorkatoError;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Exponential backoff with full jitter (the AWS Architecture Blog variant), bounded both in
 * attempts and in total elapsed time. Only WorkatoErrors with `retryable: true` are retried
 * (network errors, timeouts, 429, 5xx); a Retry-After on the error is a lower bound on the wait.
 *
 * Non-idempotent POSTs (create collection, client, key) are retried too: a create whose
 * response was lost may have happened. The onboarding makes that safe by looking the resource
 * up by its natural key (name) before creating it again; a caller that cannot do that passes
 * `retry: false` on the call.
 */
export class RetryPolicy {
  readonly options: Required<RetryPolicyOptions>;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(options: RetryPolicyOptions = {}, deps: RetryPolicyDeps = {}) {
    this.options = { ...DEFAULT_RETRY_OPTIONS, ...stripUndefined(options) };
    const { maxAttempts, maxElapsedMs, baseDelayMs, maxDelayMs } = this.options;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError('retry maxAttempts must be an integer >= 1');
    }
    if (!(maxElapsedMs >= 0) || !(baseDelayMs >= 0) || !(maxDelayMs >= 0)) {
      throw new RangeError('retry delays must be >= 0');
    }
    this.random = deps.random ?? Math.random;
    this.sleep = deps.sleep ?? sleep;
    this.now = deps.now ?? Date.now;
  }

  /** Full-jitter backoff before retry number `retryIndex` (0 for the first retry). */
  backoffMs(retryIndex: number): number {
    const { baseDelayMs, maxDelayMs } = this.options;
    // 2^retryIndex overflows to Infinity for large indexes; min() keeps it bounded.
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** retryIndex);
    return Math.floor(this.random() * ceiling);
  }

  /** The wait before retry `retryIndex` after `error`: backoff, at least its Retry-After. */
  delayMs(error: WorkatoError, retryIndex: number): number {
    return Math.max(this.backoffMs(retryIndex), error.retryAfterMs ?? 0);
  }

  /**
   * Runs `fn` (given the 1-based attempt number) until it succeeds, fails with a non-retryable
   * error, runs out of attempts, or the next wait would end past the elapsed-time budget. The
   * error of the last attempt is thrown.
   */
  async run<T>(
    fn: (attempt: number) => Promise<T>,
    onRetry?: (event: RetryEvent) => void,
  ): Promise<T> {
    const start = this.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (error) {
        if (!(error instanceof WorkatoError) || !error.retryable) throw error;
        if (attempt >= this.options.maxAttempts) throw error;
        const delayMs = this.delayMs(error, attempt - 1);
        if (this.now() - start + delayMs > this.options.maxElapsedMs) throw error;
        onRetry?.({ attempt, delayMs, error });
        await this.sleep(delayMs);
      }
    }
  }
}

/** Parses Retry-After (delta-seconds or an HTTP date) into milliseconds from `nowMs`. */
export function parseRetryAfterMs(
  value: string | string[] | undefined | null,
  nowMs: number = Date.now(),
): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === null) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // HTTP dates always name a weekday or month; refuse bare numbers like "-1" or "1e3".
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
