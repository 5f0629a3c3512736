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
});
