import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from '../support/test-infrastructure';

const MAIN = resolve(ROOT, 'dist/src/main.js');

function boot(env: Record<string, string>) {
  return spawnSync(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('configuration validated at boot', () => {
  beforeAll(() => {
    if (!existsSync(MAIN))
      throw new Error(`${MAIN} is missing: run npm run build (npm test does it first)`);
  });

  it('stops on a bad DATABASE_URL and names it', () => {
    const result = boot({ DATABASE_URL: 'mysql://nope' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL');
    expect(result.stderr).toMatch(/postgres/);
  });

  it('stops on a bad HTTP_PORT and names it', () => {
    const result = boot({ HTTP_PORT: '70000' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('HTTP_PORT');
    expect(result.stderr).toMatch(/between 0 and 65535/);
  });

  it('names every bad variable at once', () => {
    const result = boot({
      HTTP_PORT: 'abc',
      KAFKA_BROKERS: 'not a broker',
      WORKATO_REGION: 'mars',
    });
    expect(result.status).toBe(1);
    for (const name of ['HTTP_PORT', 'KAFKA_BROKERS', 'WORKATO_REGION'])
      expect(result.stderr).toContain(name);
  });

  it('refuses to start in production without its secrets and a real Workato, naming each', () => {
    const result = boot({ NODE_ENV: 'production', DATABASE_URL: 'postgres://127.0.0.1:1/none' });
    expect(result.status).toBe(1);
    for (const name of ['SECRETS_ENCRYPTION_KEY', 'WORKATO_API_TOKEN', 'API_TOKENS'])
      expect(result.stderr).toContain(`${name}: is required when NODE_ENV=production`);
  });

  it('names the bad entry of API_TOKENS without echoing the token', () => {
    const result = boot({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://127.0.0.1:1/none',
      SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      WORKATO_API_TOKEN: 'w',
      API_TOKENS: 'operator:good-token-1,admin:sekret-value',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('API_TOKENS');
    expect(result.stderr).not.toContain('sekret-value');
  });
});
