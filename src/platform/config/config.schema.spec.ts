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

  it.each([
    ['DRIFT_SCAN_INTERVAL_SECONDS', 'hourly', 'must be a number of seconds'],
    ['DRIFT_SCAN_INTERVAL_SECONDS', '-5', 'must be 0 (no scan) or a positive number of seconds'],
    ['DRIFT_SCAN_INTERVAL_SECONDS', '1.5', 'must be a whole number of seconds'],
    ['DRIFT_SCAN_QUOTA_SHARE', '0', 'must be above 0 (a scan needs some of the quota)'],
    [
      'DRIFT_SCAN_QUOTA_SHARE',
      '1',
      'must be below 1: onboardings and operations need the rest of the quota',
    ],
    ['DRIFT_SCAN_QUOTA_SHARE', 'lots', 'must be a number'],
  ])('refuses %s=%s, naming the variable and what it takes', (name, value, message) => {
    expect(problems({ [name]: value })).toEqual([`${name}: ${message}`]);
  });
});
