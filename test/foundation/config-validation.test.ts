import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, ROOT, testDatabaseAdminUrl } from '../support/test-infrastructure';

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

describe('a start that fails', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'failed-start-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  async function listening(port: number): Promise<boolean> {
    try {
      await fetch(`http://127.0.0.1:${port}/__sandbox/config`);
      return true;
    } catch {
      return false;
    }
  }

  it('reports every configuration problem, API_TOKENS included, before starting anything', () => {
    const result = boot({
      DATA_DIR: dataDir,
      API_TOKENS: 'admin:sekret-value',
      SECRETS_ENCRYPTION_KEY: 'k:c2hvcnQ=',
      WORKATO_BASE_URL: 'https://app.eu.workato.com',
    });
    expect(result.status).toBe(1);
    for (const name of ['API_TOKENS', 'SECRETS_ENCRYPTION_KEY', 'WORKATO_API_TOKEN'])
      expect(result.stderr).toContain(name);
    expect(result.stderr).not.toContain('sekret-value');
    // No embedded Postgres, no secrets written: nothing was started.
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('waits for an unreachable database with one line per attempt, then says why in one line', async () => {
    const sandboxPort = await freePort();
    const started = Date.now();
    const result = boot({
      DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://user:pw-not-shown@127.0.0.1:1/none',
      DATABASE_CONNECT_TIMEOUT_SECONDS: '2',
      KAFKA_LOCAL_BROKER: 'false',
      SANDBOX_PORT: String(sandboxPort),
    });
    expect(result.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      'workato-onboarding: failed to start: Postgres at 127.0.0.1:1 is not reachable after 2 s: ECONNREFUSED',
    ]);
    const attempts = result.stdout.split('\n').filter((l) => l.includes('is not reachable'));
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.length).toBeLessThanOrEqual(6);
    expect(result.stdout + result.stderr).not.toMatch(/pw-not-shown|\n\s+at /);
    expect(await listening(sandboxPort)).toBe(false);
  });

  it('stops what it started when the service cannot listen', async () => {
    const sandboxPort = await freePort();
    const busy = createServer().listen(0, '0.0.0.0');
    await new Promise((r) => busy.once('listening', r));
    try {
      const result = boot({
        DATA_DIR: dataDir,
        DATABASE_URL: `${testDatabaseAdminUrl()}`,
        RUN_MIGRATIONS: 'false',
        KAFKA_LOCAL_BROKER: 'false',
        SANDBOX_PORT: String(sandboxPort),
        HTTP_PORT: String((busy.address() as { port: number }).port),
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^workato-onboarding: failed to start: .*EADDRINUSE/);
      // The sandbox it had started is gone.
      expect(await listening(sandboxPort)).toBe(false);
    } finally {
      busy.close();
    }
  });
});
