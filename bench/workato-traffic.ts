import type { CallRecord } from '../workato-sandbox/sandbox-control.client';
import { Figure, figure } from './report';

/** The requests the sandbox accepted (not answered 429) in a window, as a rate. */
export interface AcceptedRate {
  /** Accepted requests received within the window. */
  accepted: number;
  windowSeconds: number;
  /** From the first to the last accepted request of the window. */
  spanSeconds: number;
  /**
   * (accepted - 1) / span: the rate between the window's first and last accepted request, so
   * not off by one request at either edge (±0.05 rps on a 20 s window).
   */
  perSecond: number;
  /** accepted / window, for comparison. */
  countedPerSecond: number;
}

/**
 * The rate at which the sandbox accepted requests (its call log, receipt times, epoch ms) in
 * [fromMs, toMs), optionally of some requests only (a family's paths).
 */
export function acceptedRate(
  calls: readonly CallRecord[],
  fromMs: number,
  toMs: number,
  which: (call: CallRecord) => boolean = () => true,
): AcceptedRate {
  const times = calls
    .filter((c) => !c.rateLimited && !c.dropped && which(c))
    .map((c) => Date.parse(c.timestamp))
    .filter((t) => t >= fromMs && t < toMs)
    .sort((a, b) => a - b);
  const windowSeconds = (toMs - fromMs) / 1000;
  const spanSeconds = times.length > 1 ? (times[times.length - 1] - times[0]) / 1000 : 0;
  return {
    accepted: times.length,
    windowSeconds,
    spanSeconds,
    perSecond: spanSeconds > 0 ? (times.length - 1) / spanSeconds : 0,
    countedPerSecond: windowSeconds > 0 ? times.length / windowSeconds : 0,
  };
}

/** The calls of one family, by the path segment the sandbox limits it by. */
export function ofFamily(family: string): (call: CallRecord) => boolean {
  return (call) => call.path.includes(`/${family}`);
}

/**
 * The shortest time, by the sandbox's receipt times, that `count` consecutive requests took
 * from first to last (null with fewer): every request sent, accepted or answered 429. With a
 * limit of N per window W, N + 1 requests received less than W + 2j apart (j: the arrival
 * jitter) can be counted in one window.
 */
export function tightestSpanMs(
  calls: readonly CallRecord[],
  count: number,
  which: (call: CallRecord) => boolean = () => true,
): { spanMs: number; at: string } | null {
  const times = calls
    .filter(which)
    .map((c) => ({ t: Date.parse(c.timestamp), at: c.timestamp }))
    .sort((a, b) => a.t - b.t);
  let best: { spanMs: number; at: string } | null = null;
  for (let i = 0; i + count - 1 < times.length; i++) {
    const span = times[i + count - 1].t - times[i].t;
    if (best === null || span < best.spanMs) best = { spanMs: span, at: times[i].at };
  }
  return best;
}

/** Each 429 with the receipt-time gaps (ms) of the accepted requests in the second before it. */
export function rateLimitedContext(
  calls: readonly CallRecord[],
): { at: string; path: string; gapsBeforeMs: number[] }[] {
  const accepted = calls
    .filter((c) => !c.rateLimited && !c.dropped)
    .map((c) => Date.parse(c.timestamp))
    .sort((a, b) => a - b);
  return calls
    .filter((c) => c.rateLimited)
    .slice(0, 20)
    .map((c) => {
      const t = Date.parse(c.timestamp);
      const before = accepted.filter((a) => a > t - 1000 && a <= t);
      return {
        at: c.timestamp,
        path: `${c.method} ${c.path}`,
        gapsBeforeMs: before.slice(1).map((a, i) => a - before[i]),
      };
    });
}

/**
 * The gaps (ms) between consecutive requests (429s too), by receipt time: the smallest and p1
 * (how close), the median, p99 and largest, and the time lost in gaps over 200 ms (moments
 * nothing was sent: under a backlog, what keeps the rate below the limiter's ceiling).
 */
export function receiptGaps(
  calls: readonly CallRecord[],
  which: (call: CallRecord) => boolean = () => true,
): {
  minMs: number;
  p1Ms: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
  over200Ms: { count: number; totalMs: number };
} | null {
  const times = calls
    .filter(which)
    .map((c) => Date.parse(c.timestamp))
    .sort((a, b) => a - b);
  if (times.length < 2) return null;
  const gaps = times
    .slice(1)
    .map((t, i) => t - times[i])
    .sort((a, b) => a - b);
  const at = (q: number) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))];
  const long = gaps.filter((g) => g > 200);
  return {
    minMs: gaps[0],
    p1Ms: at(0.01),
    medianMs: at(0.5),
    p99Ms: at(0.99),
    maxMs: gaps[gaps.length - 1],
    over200Ms: { count: long.length, totalMs: long.reduce((sum, g) => sum + g, 0) },
  };
}

/**
 * The tightest `limit + 1` requests as a figure: received at least `windowMs + 2 x jitterMs`
 * apart, no draw of the arrival jitter can put them in one window; closer, only the draws kept
 * them apart (with no jitter, closer than `windowMs` is a 429 for sure).
 */
export function tightestFigure(options: {
  id: string;
  name: string;
  tightest: { spanMs: number; at: string } | null;
  limit: number;
  windowMs: number;
  jitterMs: number;
  details?: Record<string, unknown>;
}): Figure {
  const { limit, windowMs, jitterMs, tightest } = options;
  const safe = windowMs + 2 * jitterMs;
  const name = `${options.name}: tightest ${limit + 1} consecutive requests, by receipt time`;
  if (tightest === null)
    return figure({
      id: options.id,
      name: `${name} (fewer than ${limit + 1} requests: none)`,
      value: NaN,
      unit: 'ms',
      details: options.details,
    });
  return figure({
    id: options.id,
    name,
    value: tightest.spanMs,
    unit: 'ms',
    baseline: { name: `window + 2 x ${jitterMs} ms jitter`, value: safe, unit: 'ms' },
    target: { description: `>= ${safe.toLocaleString('en-US')} ms`, met: tightest.spanMs >= safe },
    details: { at: tightest.at, ...options.details },
  });
}
