import { parseWorkatoAccounts, WORKATO_REGIONS } from './accounts.config';
import { PUBLISHED_RATE_LIMITS } from './rate-limits';

describe('WORKATO_ACCOUNTS', () => {
  it('reads named accounts by region or base URL, with their own limits', () => {
    const { accounts, problems } = parseWorkatoAccounts(
      JSON.stringify([
        { name: 'us', region: 'us', tokenFile: '/run/secrets/workato-us' },
        { name: 'cn', region: 'cn', token: 't', rateLimitRps: 5, rateLimits: 'portals:30/min' },
        { name: 'staging', baseUrl: 'https://workato.example.test', token: 't' },
      ]),
      PUBLISHED_RATE_LIMITS,
    );
    expect(problems).toEqual([]);
    expect(accounts.map((a) => [a.name, a.baseUrl])).toEqual([
      ['us', WORKATO_REGIONS.us],
      ['cn', 'https://app.workatoapp.cn'],
      ['staging', 'https://workato.example.test'],
    ]);
    expect(accounts[0].tokenFile).toBe('/run/secrets/workato-us');
    expect(accounts[1].limits.perSecond).toBe(5);
    expect(accounts[1].limits.perMinute.portals).toBe(30);
    expect(accounts[1].limits.perMinute.clients).toBe(1000);
  });

  it('names every bad entry and field at once, never echoing a token', () => {
    const { problems } = parseWorkatoAccounts(
      JSON.stringify([
        { name: 'us', region: 'mars', token: 'sekret-1' },
        { name: 'eu', region: 'eu', baseUrl: 'https://x.test', token: 'sekret-2' },
        { name: 'us', region: 'us' },
        { region: 'us', token: 'sekret-3', extra: true },
        { name: 'jp', region: 'jp', token: 't', rateLimits: 'widgets:1/min' },
      ]),
      PUBLISHED_RATE_LIMITS,
    );
    expect(problems).toEqual([
      expect.stringMatching(/^WORKATO_ACCOUNTS\[0\]\.region: must be one of us, eu, /),
      'WORKATO_ACCOUNTS[1].region: give exactly one of region or baseUrl',
      'WORKATO_ACCOUNTS[2].token: give exactly one of token or tokenFile',
      'WORKATO_ACCOUNTS[2].name: "us" is given twice',
      'WORKATO_ACCOUNTS[3].name: is required',
      'WORKATO_ACCOUNTS[3]: unknown field extra',
      expect.stringMatching(/^WORKATO_ACCOUNTS\[4\]\.rateLimits: .*unknown family "widgets"/),
    ]);
    expect(problems.join('\n')).not.toMatch(/sekret/);
  });

  it('refuses what is not a non-empty JSON array', () => {
    expect(parseWorkatoAccounts('{', PUBLISHED_RATE_LIMITS).problems).toEqual([
      'WORKATO_ACCOUNTS: must be a JSON array of accounts',
    ]);
    expect(parseWorkatoAccounts('[]', PUBLISHED_RATE_LIMITS).problems).toEqual([
      'WORKATO_ACCOUNTS: must be a non-empty JSON array of accounts',
    ]);
  });
});
