import { ConfigError, parseConfig } from './config.schema';

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('drift scan configuration', () => {
  it('is off by default and spends a tenth of the quota when on', () => {
    expect(parseConfig({})).toMatchObject({
      DRIFT_SCAN_INTERVAL_SECONDS: 0,
      DRIFT_SCAN_QUOTA_SHARE: 0.1,
    });
    expect(
      parseConfig({ DRIFT_SCAN_INTERVAL_SECONDS: '900', DRIFT_SCAN_QUOTA_SHARE: '0.25' }),
    ).toMatchObject({ DRIFT_SCAN_INTERVAL_SECONDS: 900, DRIFT_SCAN_QUOTA_SHARE: 0.25 });
  });

  it('refuses bad values, naming the variable and saying what it takes', () => {
    expect(problems({ DRIFT_SCAN_INTERVAL_SECONDS: 'hourly' })).toEqual([
      'DRIFT_SCAN_INTERVAL_SECONDS: must be a number of seconds',
    ]);
    expect(problems({ DRIFT_SCAN_INTERVAL_SECONDS: '-5' })).toEqual([
      'DRIFT_SCAN_INTERVAL_SECONDS: must be 0 (no scan) or a positive number of seconds',
    ]);
    expect(problems({ DRIFT_SCAN_INTERVAL_SECONDS: '1.5' })).toEqual([
      'DRIFT_SCAN_INTERVAL_SECONDS: must be a whole number of seconds',
    ]);
    expect(problems({ DRIFT_SCAN_QUOTA_SHARE: '0' })).toEqual([
      'DRIFT_SCAN_QUOTA_SHARE: must be above 0 (a scan needs some of the quota)',
    ]);
    expect(problems({ DRIFT_SCAN_QUOTA_SHARE: '1' })).toEqual([
      'DRIFT_SCAN_QUOTA_SHARE: must be below 1: onboardings and operations need the rest of the quota',
    ]);
    expect(problems({ DRIFT_SCAN_QUOTA_SHARE: 'lots' })).toEqual([
      'DRIFT_SCAN_QUOTA_SHARE: must be a number',
    ]);
  });
});
