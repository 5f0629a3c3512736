import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import {
  parseSandboxEnv,
  RunningAccount,
  SandboxEnv,
  SandboxEnvError,
  startAccounts,
} from '../../workato-sandbox/sandbox.env';
import { RunningSandbox, SandboxControl, startSandbox } from '../../workato-sandbox/sandbox.server';

/**
 * Tokens the control API can replace or refuse, several accounts side by side (one per data
 * center), and the environment `npm run sandbox` reads to start them.
 */
const MU = '/api/managed_users/5454';

async function status(url: string, token: string, path = `${MU}/api_collections`) {
  const response = await request(`${url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text === '' ? null : JSON.parse(text) };
}

function problemsOf(env: SandboxEnv): string[] {
  try {
    parseSandboxEnv(env);
  } catch (error) {
    if (error instanceof SandboxEnvError) return error.problems;
    throw error;
  }
  throw new Error('expected the environment to be refused');
}

describe('token control', () => {
  let sandbox: RunningSandbox;
  let control: SandboxControl;

  beforeAll(async () => {
    sandbox = await startSandbox({ limits: 'off', token: 'first-token' });
    control = new SandboxControl(sandbox.url);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  beforeEach(async () => {
    await control.reset();
  });

  it('replaces the token: only the new one is accepted', async () => {
    await control.setToken('second-token');
    expect(await status(sandbox.url, 'first-token')).toEqual({
      status: 401,
      body: { message: 'Unauthorized' },
    });
    expect((await status(sandbox.url, 'second-token')).status).toBe(200);
    expect(sandbox.token).toBe('second-token');
    expect(await control.tokenStatus()).toEqual({ accepting: true });
  });

  it('refuses every token until one is set again', async () => {
    await control.revokeToken();
    expect(await control.tokenStatus()).toEqual({ accepting: false });
    for (const token of ['first-token', 'anything']) {
      expect(await status(sandbox.url, token)).toEqual({
        status: 401,
        body: { message: 'Unauthorized' },
      });
    }
    await control.setToken('third-token');
    expect((await status(sandbox.url, 'third-token')).status).toBe(200);
    expect((await status(sandbox.url, 'first-token')).status).toBe(401);
  });

  it('goes back to the first token on reset', async () => {
    await control.setToken('temporary');
    await control.reset();
    expect((await status(sandbox.url, 'first-token')).status).toBe(200);
    expect(sandbox.token).toBe('first-token');
  });

  it('rejects a blank token or one with spaces', async () => {
    await expect(control.setToken('')).rejects.toThrow(/400.*can't be blank/);
    await expect(control.setToken('two words')).rejects.toThrow(/400.*spaces/);
    expect((await status(sandbox.url, 'first-token')).status).toBe(200);
  });
});

describe('several accounts', () => {
  let dir: string;
  let accounts: RunningAccount[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-accounts-'));
  });

  afterEach(async () => {
    await Promise.all(accounts.map((a) => a.sandbox.close()));
    accounts = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs two accounts on two ports, each with its own token, state file and limits', async () => {
    const config = parseSandboxEnv({
      SANDBOX_ACCOUNTS: JSON.stringify([
        { name: 'us', port: 0, token: 'sandbox-us-token' },
        { name: 'eu', port: 0, limits: 'off' },
      ]),
      SANDBOX_STATE_DIR: dir,
    });
    accounts = await startAccounts(config);
    const [us, eu] = accounts.map((a) => a.sandbox);
    expect(us.port).not.toBe(eu.port);
    expect(eu.token).toBe('sandbox-eu-token');
    expect(accounts[0].line).toContain(`"us" on ${us.url}`);
    expect(accounts[0].line).toContain('token sandbox-us-token');
    expect(accounts[0].line).toContain('limits workato (published)');
    expect(accounts[1].line).toContain('limits off');
    expect(accounts[1].line).toContain(join(dir, 'eu.json'));

    const created = await request(`${us.url}${MU}/api_collections?project_id=523144`, {
      method: 'POST',
      headers: { authorization: `Bearer ${us.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Only in us' }),
    });
    expect(created.statusCode).toBe(200);
    await created.body.dump();
    expect((await status(us.url, us.token)).body.result).toHaveLength(1);
    expect((await status(eu.url, eu.token)).body).toEqual({ result: [] });
    // Tokens are account-scoped.
    expect((await status(eu.url, us.token)).status).toBe(401);
    expect((await status(us.url, eu.token)).status).toBe(401);
    // So are rate limits: us's per-second limit is spent, eu has none.
    for (let i = 0; i < 10; i++) await status(us.url, us.token);
    expect((await status(us.url, us.token)).status).toBe(429);
    expect((await status(eu.url, eu.token)).status).toBe(200);
    expect((await new SandboxControl(eu.url).stats()).rateLimited429).toBe(0);

    await Promise.all(accounts.map((a) => a.sandbox.close()));
    expect(existsSync(join(dir, 'us.json'))).toBe(true);
    expect(existsSync(join(dir, 'eu.json'))).toBe(true);
  });

  it('lets a test move an account from one data center to another', async () => {
    accounts = await startAccounts(
      parseSandboxEnv({
        SANDBOX_ACCOUNTS: JSON.stringify([
          { name: 'us', port: 0, token: 'account-token', limits: 'off' },
          { name: 'eu', port: 0, token: 'not-yet', limits: 'off' },
        ]),
      }),
    );
    const [us, eu] = accounts.map((a) => a.sandbox);
    // The move: the old data center stops knowing the token, the new one starts.
    await new SandboxControl(us.url).revokeToken();
    await new SandboxControl(eu.url).setToken('account-token');
    expect((await status(us.url, 'account-token')).status).toBe(401);
    expect((await status(eu.url, 'account-token')).status).toBe(200);
  });

  it('closes the accounts it started when a later one cannot start', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as AddressInfo).port;
    // A port that was free a moment ago, for the account that does start.
    const probe: Server = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const firstPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    try {
      const config = parseSandboxEnv({
        SANDBOX_ACCOUNTS: JSON.stringify([
          { name: 'first', port: firstPort },
          { name: 'second', port: busyPort },
        ]),
      });
      await expect(startAccounts(config)).rejects.toThrow(/account "second": .*EADDRINUSE/);
      await expect(request(`http://127.0.0.1:${firstPort}/__sandbox/config`)).rejects.toMatchObject(
        { code: 'ECONNREFUSED' },
      );
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});

describe('the environment of npm run sandbox (main.ts)', () => {
  it('defaults to one account with the published limits', () => {
    const config = parseSandboxEnv({});
    expect(config.parentPid).toBeNull();
    expect(config.accounts).toHaveLength(1);
    const [account] = config.accounts;
    expect(account.name).toBe('default');
    expect(account.options).toMatchObject({
      port: 4010,
      host: '127.0.0.1',
      token: 'sandbox-token',
      stateFile: undefined,
      resetState: false,
      arrivalJitterMs: 0,
      limits: { perSecond: 10, perMinute: { api_portals: 60, api_clients: 1000 } },
    });
  });

  it('reads the single-account variables', () => {
    const [account] = parseSandboxEnv({
      SANDBOX_PORT: '5000',
      SANDBOX_HOST: '0.0.0.0',
      SANDBOX_TOKEN: 'tok',
      SANDBOX_STATE_FILE: '/tmp/x.json',
      SANDBOX_RESET: 'true',
      SANDBOX_ARRIVAL_JITTER_MS: '25',
      SANDBOX_PARENT_PID: '1',
    }).accounts;
    expect(account.options).toMatchObject({
      port: 5000,
      host: '0.0.0.0',
      token: 'tok',
      stateFile: '/tmp/x.json',
      resetState: true,
      arrivalJitterMs: 25,
    });
    expect(
      parseSandboxEnv({ SANDBOX_STATE_DIR: '/tmp/states' }).accounts[0].options.stateFile,
    ).toBe(join('/tmp/states', 'default.json'));
  });

  it('switches limits off, or sets the per-second and portal limits over the published ones', () => {
    const limits = (env: SandboxEnv) => parseSandboxEnv(env).accounts[0].options.limits;
    expect(limits({ SANDBOX_LIMITS: 'off' })).toEqual({
      perSecond: null,
      perMinute: expect.objectContaining({ api_portals: null, api_clients: null }),
    });
    expect(
      limits({ SANDBOX_RATE_LIMIT_RPS: '5', SANDBOX_PORTAL_RATE_LIMIT_PER_MINUTE: 'unlimited' }),
    ).toMatchObject({ perSecond: 5, perMinute: { api_portals: null, api_clients: 1000 } });
    expect(limits({ SANDBOX_LIMITS: 'off', SANDBOX_RATE_LIMIT_RPS: '3' })).toMatchObject({
      perSecond: 3,
      perMinute: { api_portals: null },
    });
    expect(
      limits({ SANDBOX_LIMITS: '{"perSecond":4,"perMinute":{"cert_bundles":2}}' }),
    ).toMatchObject({ perSecond: 4, perMinute: { cert_bundles: 2, api_clients: null } });
    // What `npm start` passes (src/local/local-sandbox.ts).
    expect(
      limits({ SANDBOX_RATE_LIMIT_RPS: '10', SANDBOX_PORTAL_RATE_LIMIT_PER_MINUTE: '60' }),
    ).toEqual(limits({}));
  });

  it('names the variable at fault, all problems at once', () => {
    const problems = problemsOf({
      SANDBOX_PORT: 'abc',
      SANDBOX_TOKEN: 'two words',
      SANDBOX_RATE_LIMIT_RPS: '-1',
      SANDBOX_PORTAL_RATE_LIMIT_PER_MINUTE: 'lots',
      SANDBOX_LIMITS: 'fast',
      SANDBOX_RESET: 'maybe',
      SANDBOX_PARENT_PID: 'x',
      SANDBOX_ARRIVAL_JITTER_MS: '-3',
      SANDBOX_SEED_FILE: '/nonexistent/seed.json',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      [
        'SANDBOX_ARRIVAL_JITTER_MS',
        'SANDBOX_LIMITS',
        'SANDBOX_PARENT_PID',
        'SANDBOX_PORT',
        'SANDBOX_PORTAL_RATE_LIMIT_PER_MINUTE',
        'SANDBOX_RATE_LIMIT_RPS',
        'SANDBOX_RESET',
        'SANDBOX_SEED_FILE',
        'SANDBOX_TOKEN',
      ].sort(),
    );
    expect(problemsOf({ SANDBOX_LIMITS: '{"perMinute":{"portals":1}}' })).toEqual([
      expect.stringMatching(/^SANDBOX_LIMITS\.perMinute\.portals: is not a family/),
    ]);
    expect(() => parseSandboxEnv({ SANDBOX_PORT: '70000' })).toThrow(
      /Invalid sandbox environment:\n {2}- SANDBOX_PORT: must be a port number/,
    );
  });

  it('names the account and field at fault in SANDBOX_ACCOUNTS', () => {
    const accounts = (list: unknown, extra: SandboxEnv = {}) =>
      problemsOf({ SANDBOX_ACCOUNTS: JSON.stringify(list), ...extra });
    expect(problemsOf({ SANDBOX_ACCOUNTS: '[{"name":' })).toEqual([
      expect.stringMatching(/^SANDBOX_ACCOUNTS: not valid JSON/),
    ]);
    expect(accounts({ name: 'us' })).toEqual([expect.stringMatching(/^SANDBOX_ACCOUNTS: must be/)]);
    expect(accounts([{}]).map((p) => p.split(':')[0])).toEqual([
      'SANDBOX_ACCOUNTS[0].name',
      'SANDBOX_ACCOUNTS[0].port',
    ]);
    expect(accounts([{ name: 'us', port: 1, colour: 'red' }])).toEqual([
      'SANDBOX_ACCOUNTS[0].colour: is not a field',
    ]);
    expect(accounts([{ name: 'us/../x', port: 1 }])).toEqual([
      expect.stringMatching(/^SANDBOX_ACCOUNTS\[0\]\.name: must be letters/),
    ]);
    expect(
      accounts([
        { name: 'us', port: 4010 },
        { name: 'us', port: 4010 },
      ]),
    ).toEqual([
      'SANDBOX_ACCOUNTS[1].name: "us" is also account 0\'s',
      "SANDBOX_ACCOUNTS[1].port: 4010 is also account 0's",
    ]);
    expect(accounts([{ name: 'us', port: 1, limits: { perMinute: { api_portals: 0 } } }])).toEqual([
      'SANDBOX_ACCOUNTS[0].limits.perMinute.api_portals: must be a positive number or null',
    ]);
    expect(
      accounts([{ name: 'us', port: 1 }], { SANDBOX_PORT: '4010', SANDBOX_STATE_FILE: 'f' }),
    ).toEqual([
      'SANDBOX_PORT: not used with SANDBOX_ACCOUNTS: give each account its own there',
      'SANDBOX_STATE_FILE: not used with SANDBOX_ACCOUNTS: give each account its own there',
    ]);
  });
});
