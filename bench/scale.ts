/** How much each bench does: `BENCH_SCALE=small` for a quick run, `full` (default) for the figures. */
export interface BenchScale {
  name: 'small' | 'full';
  warmupMs: number;
  /** 1a: concurrent callers and the measured window of each variant. */
  clientConcurrency: number;
  clientUnlimitedMs: number;
  /** 1b: the safety margins (ms) to run two clients at, and the measured window of each. */
  safetyMarginsMs: number[];
  clientLimitedMs: number;
  /** 2: events ingested; rows of the Postgres baselines. */
  ingestionEvents: number;
  insertRows: number;
  /** 3: onboardings, and the ONBOARDING_CONCURRENCY values to run them at. */
  endToEndOnboardings: number;
  endToEndConcurrency: number[];
  /** 4: onboardings queued at once for the soak, the workspaces they spread over, the window. */
  soakOnboardings: number;
  soakWorkspaces: number;
  soakWindowMs: number;
  /** 4b: onboardings queued (each in a workspace of its own, a portal by name), the window. */
  portalSoakOnboardings: number;
  portalSoakWindowMs: number;
  /** 5: the onboarding table sizes to query, and the requests per query kind and size. */
  statusQuerySizes: number[];
  statusQueryRequests: number;
  /** 6: onboardings per shape and adoption setting. */
  callsPerShape: number;
}

export function benchScale(value = process.env.BENCH_SCALE): BenchScale {
  const name = value === undefined || value === '' ? 'full' : value;
  if (name === 'small')
    return {
      name,
      warmupMs: 500,
      clientConcurrency: 32,
      clientUnlimitedMs: 3_000,
      safetyMarginsMs: [0, 10, 25, 50],
      clientLimitedMs: 8_000,
      ingestionEvents: 1_000,
      insertRows: 1_000,
      endToEndOnboardings: 200,
      endToEndConcurrency: [16],
      soakOnboardings: 1_000,
      soakWorkspaces: 20,
      soakWindowMs: 30_000,
      portalSoakOnboardings: 80,
      portalSoakWindowMs: 30_000,
      statusQuerySizes: [1_000, 10_000],
      statusQueryRequests: 200,
      callsPerShape: 10,
    };
  if (name === 'full')
    return {
      name,
      warmupMs: 1_000,
      clientConcurrency: 32,
      clientUnlimitedMs: 5_000,
      safetyMarginsMs: [0, 10, 25, 50],
      clientLimitedMs: 20_000,
      ingestionEvents: 5_000,
      insertRows: 2_000,
      endToEndOnboardings: 1_000,
      endToEndConcurrency: [16, 32],
      soakOnboardings: 10_000,
      soakWorkspaces: 20,
      soakWindowMs: 120_000,
      portalSoakOnboardings: 200,
      portalSoakWindowMs: 90_000,
      statusQuerySizes: [1_000, 10_000, 100_000],
      statusQueryRequests: 500,
      callsPerShape: 30,
    };
  throw new Error(`BENCH_SCALE must be small or full, not ${JSON.stringify(value)}`);
}
