import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export type Log = (line: string) => void;

export function now(): number {
  return performance.now();
}

export interface LoopResult {
  /** Calls completed inside the measured window (after the warm-up). */
  completed: number;
  errors: number;
  firstError: string | null;
  windowMs: number;
  perSecond: number;
  /** Calls completed per caller index, inside the window. */
  perCaller: number[];
}

/**
 * `concurrency` callers each calling `call` in a loop (closed loop: a caller sends its next call
 * when the previous one is answered). Calls completed during `warmupMs` are not counted; the
 * window is `durationMs` after that. Returns once every caller has finished its last call.
 */
export async function closedLoop(options: {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  call: (caller: number) => Promise<unknown>;
  onWindowStart?: () => void | Promise<void>;
  onWindowEnd?: () => void | Promise<void>;
}): Promise<LoopResult> {
  let counting = false;
  let stop = false;
  let completed = 0;
  let errors = 0;
  let firstError: string | null = null;
  const perCaller = new Array<number>(options.concurrency).fill(0);
  const callers = Array.from({ length: options.concurrency }, async (_, i) => {
    while (!stop) {
      try {
        await options.call(i);
        if (counting) {
          completed++;
          perCaller[i]++;
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  });
  await sleep(options.warmupMs);
  await options.onWindowStart?.();
  counting = true;
  const started = now();
  await sleep(options.durationMs);
  counting = false;
  const windowMs = now() - started;
  await options.onWindowEnd?.();
  stop = true;
  await Promise.all(callers);
  return {
    completed,
    errors,
    firstError,
    windowMs,
    perSecond: completed / (windowMs / 1000),
    perCaller,
  };
}

/** Samples the RSS of this process every `intervalMs` and keeps the peak. */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  peakBytes = 0;
  startBytes = 0;

  start(intervalMs = 200): void {
    this.startBytes = process.memoryUsage().rss;
    this.peakBytes = this.startBytes;
    this.timer = setInterval(() => {
      const rss = process.memoryUsage().rss;
      if (rss > this.peakBytes) this.peakBytes = rss;
    }, intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const rss = process.memoryUsage().rss;
    if (rss > this.peakBytes) this.peakBytes = rss;
  }
}

export const MiB = 1024 * 1024;

/** Prints `progress()` every `everyMs` while `run` is running. */
export async function withProgress<T>(
  log: Log,
  everyMs: number,
  progress: () => string,
  run: () => Promise<T>,
): Promise<T> {
  const timer = setInterval(() => log(progress()), everyMs);
  try {
    return await run();
  } finally {
    clearInterval(timer);
  }
}

/** `3 x warn: lease lost; 1 x error: ...` or `none`. */
export function describeLogged(logged: Record<string, number>): string {
  const entries = Object.entries(logged).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([m, n]) => `${n} x ${m}`).join('; ');
}
