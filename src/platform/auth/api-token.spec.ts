import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../config/config.schema';
import { DEV_SECRETS } from '../secrets/dev-secrets';
import { parseApiTokens, resolveApiTokens, tokenFingerprint } from './api-token';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseApiTokens', () => {
  it('reads role:token entries, trimming spaces, with each token fingerprinted', () => {
    expect(parseApiTokens(' viewer:v-token-1 , operator:op:with:colons ')).toEqual([
      { role: 'viewer', token: 'v-token-1', fingerprint: tokenFingerprint('v-token-1') },
      {
        role: 'operator',
        token: 'op:with:colons',
        fingerprint: tokenFingerprint('op:with:colons'),
      },
    ]);
  });

  it('fingerprints with the first 12 hex characters of sha256', () => {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(tokenFingerprint('abc')).toBe('ba7816bf8f01');
  });

  it.each([
    ['viewer:ok-token,operator', 'API_TOKENS: entry 2 must be role:token'],
    ['admin:s3cr3t-value', 'API_TOKENS: entry 1 has an unknown role'],
    ['viewer:', 'API_TOKENS: entry 1 has an empty token'],
    ['viewer:a,,operator:b', 'API_TOKENS: entry 2 is empty'],
    ['viewer:a,operator:b,', 'API_TOKENS: entry 3 is empty'],
    ['operator:has space', 'API_TOKENS: entry 1: the token must be visible ASCII'],
    ['operator:tok\u00e9n', 'API_TOKENS: entry 1: the token must be visible ASCII'],
    ['viewer:same-token,operator:same-token', 'API_TOKENS: entry 2 repeats the token of entry 1'],
  ])('rejects %j naming API_TOKENS and the entry', (value, expected) => {
    const problems = problemsOf(() => parseApiTokens(value));
    expect(problems.join('\n')).toContain(expected);
  });

  it('never echoes any part of a bad entry', () => {
    const secrets = ['s3cr3t-value', 'SUPERSECRETTOKEN', 'has space', 'same-token', 'admin'];
    const error = (() => {
      try {
        parseApiTokens(
          'admin:s3cr3t-value,SUPERSECRETTOKEN,operator:has space,viewer:same-token,operator:same-token',
        );
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.problems).toHaveLength(4);
    for (const secret of secrets) expect(error.message).not.toContain(secret);
  });
});

describe('resolveApiTokens', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'api-tokens-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const values = (env: Record<string, string>) => parseConfig(env);

  it('uses API_TOKENS when set, and no dev token', () => {
    const result = resolveApiTokens(
      values({ NODE_ENV: 'production', API_TOKENS: 'operator:prod-op-token' }),
      dir,
    );
    expect(result.devToken).toBeNull();
    expect(result.tokens.map((t) => t.role)).toEqual(['operator']);
  });

  it('refuses to run in production without API_TOKENS', () => {
    expect(problemsOf(() => resolveApiTokens(values({ NODE_ENV: 'production' }), dir))).toEqual([
      'API_TOKENS: is required when NODE_ENV=production',
    ]);
  });

  it.each(['development', 'test'])(
    'generates one operator token in %s, keeps it with mode 0600 and reuses it',
    (nodeEnv) => {
      const dataDir = join(dir, 'nested', 'data');
      const first = resolveApiTokens(values({ NODE_ENV: nodeEnv }), dataDir);
      expect(first.devToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(first.tokens).toEqual([
        {
          role: 'operator',
          token: first.devToken,
          fingerprint: tokenFingerprint(first.devToken!),
        },
      ]);
      const file = DEV_SECRETS.apiToken(dataDir);
      expect(readFileSync(file, 'utf8').trim()).toBe(first.devToken);
      if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

      const second = resolveApiTokens(values({ NODE_ENV: nodeEnv }), dataDir);
      expect(second.devToken).toBe(first.devToken);
    },
  );

  it('replaces an unusable token file and tightens a loosened mode', () => {
    const file = DEV_SECRETS.apiToken(dir);
    mkdirSync(DEV_SECRETS.dir(dir), { recursive: true });
    writeFileSync(file, '   \n');
    const replaced = resolveApiTokens(values({}), dir).devToken;
    expect(replaced).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(file, 'utf8').trim()).toBe(replaced);

    chmodSync(file, 0o644);
    expect(resolveApiTokens(values({}), dir).devToken).toBe(replaced);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
