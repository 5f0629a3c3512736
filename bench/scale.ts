/** How much each bench does: `BENCH_SCALE=small` for a quick run, `full` (default) for the figures. */
export interface BenchScale {
  name: 'small' | 'full';
  warmupMs: number;
  /** 1a: concurrent callers and the measured window of each variant. */
  clientConcurrency: number;
  clientUnlimitedMs: number;
  /** 1b: the limits to run at, and the measured window of each. */
  limitsRps: number[];
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
  /** 5: the onboarding table sizes to query, and the requests per query kind and size. */
  statusQuerySizes: number[];
  statusQueryRequests: number;
}

export function benchScale(value = process.env.BENCH_SCALE): BenchScale {
  const name = value === undefined || value === '' ? 'full' : value;
  if (name === 'small')
    return {
      name,
      warmupMs: 500,
      clientConcurrency: 32,
      clientUnlimitedMs: 3_000,
      limitsRps: [20],
      clientLimitedMs: 5_000,
      ingestionEvents: 1_000,
      insertRows: 1_000,
      endToEndOnboardings: 200,
      endToEndConcurrency: [16],
      soakOnboardings: 1_000,
      soakWorkspaces: 20,
      soakWindowMs: 30_000,
      statusQuerySizes: [1_000, 10_000],
      statusQueryRequests: 200,
    };
  if (name === 'full')
    return {
      name,
      warmupMs: 1_000,
      clientConcurrency: 32,
      clientUnlimitedMs: 5_000,
      limitsRps: [20, 10],
      clientLimitedMs: 10_000,
      ingestionEvents: 5_000,
      insertRows: 2_000,
      endToEndOnboardings: 1_000,
      endToEndConcurrency: [16, 32],
      soakOnboardings: 10_000,
      soakWorkspaces: 20,
      soakWindowMs: 120_000,
      statusQuerySizes: [1_000, 10_000, 100_000],
      statusQueryRequests: 500,
    };
  throw new Error(`BENCH_SCALE must be small or full, not ${JSON.stringify(value)}`);
}
