/**
 * The times (in ms) of accepted requests, sorted, for a sliding window log.
 *
 * A window of W ms is any half-open interval [s, s + W); two requests share one exactly when
 * their times are less than W apart. The largest number of requests in any window that holds a
 * time t is the largest count over the windows (e - W, e] that end at a logged time e in
 * [t, t + W), or at t itself: a window holding t can slide right until it ends at its last
 * request without losing any. With requests logged in time order nothing lies after t and one
 * binary search answers; requests logged out of order (arrival jitter) add one search for each
 * later time, of which there are few because jitter is small next to a window.
 */
export class WindowLog {
  private times: number[] = [];
  /** Entries before `head` have been pruned; the array is compacted now and then. */
  private head = 0;

  get size(): number {
    return this.times.length - this.head;
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }

  insert(t: number): void {
    const last = this.times.length > this.head ? this.times[this.times.length - 1] : -Infinity;
    if (t >= last) this.times.push(t);
    else this.times.splice(this.upperBound(t), 0, t);
  }

  /** Forgets every time at or before `cutoff`; callers pass a cutoff no later query can need. */
  prune(cutoff: number): void {
    while (this.head < this.times.length && this.times[this.head] <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** Logged times in (end - windowMs, end]. */
  countEndingAt(end: number, windowMs: number): number {
    return this.upperBound(end) - this.upperBound(end - windowMs);
  }

  /** The largest count of any window of `windowMs` that holds t, t included as if logged. */
  maxWithin(t: number, windowMs: number): number {
    let max = this.countEndingAt(t, windowMs) + 1;
    const end = this.lowerBound(t + windowMs);
    for (let i = this.lowerBound(t); i < end; i++) {
      const count = this.countEndingAt(this.times[i], windowMs) + 1;
      if (count > max) max = count;
    }
    return max;
  }

  admits(t: number, windowMs: number, limit: number): boolean {
    return this.maxWithin(t, windowMs) <= limit;
  }

  /**
   * The earliest time from t on at which one more request would be admitted, if nothing else
   * were logged meanwhile. Admission only ever returns when a logged time e leaves the windows
   * that end at or after it, which happens at e + windowMs, so those are the candidates.
   */
  earliestAdmission(t: number, windowMs: number, limit: number): number {
    if (this.admits(t, windowMs, limit)) return t;
    for (let i = this.upperBound(t - windowMs); i < this.times.length; i++) {
      const candidate = this.times[i] + windowMs;
      if (candidate > t && this.admits(candidate, windowMs, limit)) return candidate;
    }
    // Unreachable: a window after the last logged time holds nothing.
    return this.times[this.times.length - 1] + windowMs;
  }

  /** First index (from head) whose time is > value. */
  private upperBound(value: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid] <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index (from head) whose time is >= value. */
  private lowerBound(value: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
