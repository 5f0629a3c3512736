import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunningSandbox, SandboxControl, startSandbox } from '../../workato-sandbox/sandbox.server';
import {
  OPERATOR_TOKEN,
  startTestApp,
  TEST_ENCRYPTION_KEY,
  TestApp,
  VIEWER_TOKEN,
} from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { rest } from '../support/rest';
import { freePort, ROOT } from '../support/test-infrastructure';

/**
 * `npm run demo` as a person runs it: the built demo as a child process against the service,
 * through a small HTTP proxy that records every request it makes.
 */
const DEMO = resolve(ROOT, 'dist/src/demo/demo.main.js');

interface Recorded {
  method: string;
  url: string;
  at: number;
}

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

let database: TestDatabase;
let sandbox: RunningSandbox;
let euSandbox: RunningSandbox;
let app: TestApp;
let proxy: Server;
let proxyUrl: string;
let requests: Recorded[] = [];
let dataDir: string;

/** Forwards everything to the service and records method, path and time. */
function startProxy(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', at: Date.now() });
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/**
 * The service without Kafka (the demo then sends over HTTP), with two Workato accounts as
 * `npm start` has them: `default` and `eu`, each a sandbox.
 */
async function startService(): Promise<TestApp> {
  return startTestApp({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '10',
    WORKATO_ACCOUNTS: JSON.stringify([
      { name: 'default', baseUrl: sandbox.url, token: sandbox.token },
      { name: 'eu', baseUrl: euSandbox.url, token: euSandbox.token },
    ]),
    // Workato's pace (about 10 requests/second): the onboardings take a few polls to finish.
    WORKATO_RATE_LIMIT_RPS: '8',
    WORKATO_RATE_LIMITS: 'portals:100000/min',
    WORKATO_RETRY_BASE_DELAY_MS: '20',
    WORKATO_RETRY_MAX_DELAY_MS: '200',
    WORKATO_MAX_ATTEMPTS: '3',
    SECRETS_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    API_TOKENS: `operator:${OPERATOR_TOKEN},viewer:${VIEWER_TOKEN}`,
  });
}

function runDemo(
  env: Record<string, string>,
  options: { terminal?: boolean } = {},
): Promise<DemoRun> {
  const demoEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    DEMO_URL: proxyUrl,
    // An empty DATA_DIR (no dev-api-token) and no broker: only what the test gives counts.
    DATA_DIR: dataDir,
    KAFKA_BROKERS: '127.0.0.1:1',
    ...env,
  };
  // In a terminal of 80 columns (a pseudo-terminal from util-linux's `script`), or piped.
  const [command, args] = options.terminal
    ? [
        'script',
        ['-qec', `stty cols 80 rows 24; exec '${process.execPath}' '${DEMO}'`, '/dev/null'],
      ]
    : [process.execPath, [DEMO]];
  const started = Date.now();
  const child = spawn(command, args, { env: demoEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  return new Promise((r) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      r({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

/** Lines as a terminal shows them: split at \n and \r, escape sequences removed. */
function screenLines(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- terminal escape sequences
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r\n|\r|\n/);
}

function expectFitsIn80Columns(run: DemoRun): void {
  const wide = screenLines(run.stdout + run.stderr).filter((l) => [...l].length > 80);
  expect(wide).toEqual([]);
}

const LIST_CALL = /^\/v1\/onboardings\?managedUserId=E12345&limit=50$/;

beforeAll(async () => {
  if (!existsSync(DEMO))
    throw new Error(`${DEMO} is missing: run npm run build (npm test does it first)`);
  dataDir = mkdtempSync(join(tmpdir(), 'workato-onboarding-demo-'));
  database = await createTestDatabase();
  sandbox = await startSandbox({ port: 0 });
  euSandbox = await startSandbox({ port: 0, token: 'eu-token' });
  app = await startService();
  proxy = await startProxy(app.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  await app?.close();
  await sandbox?.close();
  await euSandbox?.close();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  requests = [];
});

describe('npm run demo', () => {
  it('onboards every sample, in 80 columns, with one list call per poll', async () => {
    const run = await runDemo({ API_TOKEN: OPERATOR_TOKEN });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expectFitsIn80Columns(run);
    expect(run.stdout).toContain('Sending 7 onboardings over HTTP');
    expect(run.stdout).toMatch(/All 7 finished as expected/);
    // The failing sample's cause and its compensation, under its row.
    expect(run.stdout).toMatch(/^ {22}PORTAL_NOT_FOUND: /m);
    expect(run.stdout).toMatch(/^ {22}compensation: api_collection retained$/m);

    // Every onboarding reached its final state, as the service itself says.
    const list = await rest<{ data: { status: string; workatoAccount: string }[] }>(
      app.url,
      'GET',
      '/v1/onboardings?managedUserId=E12345&limit=200',
    );
    const statuses = list.body.data.map((o) => `${o.workatoAccount} ${o.status}`).sort();
    expect(statuses).toEqual([
      'default COMPLETED',
      'default COMPLETED',
      'default COMPLETED',
      'default COMPLETED',
      'default COMPLETED',
      'default FAILED',
      'eu COMPLETED',
    ]);
    // The eu sample was provisioned in the eu sandbox.
    const euState = await new SandboxControl(euSandbox.url).managedUser(5454);
    expect(euState.clients.map((c) => c.name)).toEqual([
      expect.stringMatching(/ token, account eu$/),
    ]);

    // Health, a token check, seven POSTs, then polls: one list call per round, a second apart.
    const posts = requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(7);
    const lastPost = requests.lastIndexOf(posts[posts.length - 1]);
    const polls = requests.slice(lastPost + 1);
    expect(polls.length).toBeGreaterThanOrEqual(1);
    for (const poll of polls) expect(`${poll.method} ${poll.url}`).toMatch(/^GET /);
    for (const poll of polls) expect(poll.url).toMatch(LIST_CALL);
    const gaps = polls.slice(1).map((p, i) => p.at - polls[i].at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);
    // So at most about 60 requests a minute while watching: far under the default 600.
    expect(polls.length).toBeGreaterThanOrEqual(3);
  }, 180_000);

  it('rewrites one progress line in an 80-column terminal', async () => {
    const run = await runDemo({ API_TOKEN: OPERATOR_TOKEN }, { terminal: true });
    expect(run.code).toBe(0);
    expectFitsIn80Columns(run);
    // Updated in place (\r + erase line), not stacked: few real lines for many updates.
    const updates = run.stdout.split('\r\x1b[K').length - 1;
    expect(updates).toBeGreaterThanOrEqual(1);
    expect(run.stdout.split('\n').length).toBeLessThan(25);
    expect(run.stdout).toMatch(/All 7 finished as expected/);
  }, 180_000);

  it('stops at once on a wrong token, saying which token to export', async () => {
    const run = await runDemo({ API_TOKEN: 'not-a-token-of-this-service' });
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(10_000);
    expect(run.stderr).toMatch(/demo failed: GET \/v1\/onboardings answered 401/);
    expect(run.stderr).toContain('export API_TOKEN=');
    expect(run.stderr).toContain('start banner');
    expectFitsIn80Columns(run);
    expect(requests.filter((r) => r.method === 'POST')).toEqual([]);
  }, 60_000);

  it('says no token was found when there is none', async () => {
    const run = await runDemo({});
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('API_TOKEN is unset');
    expect(run.stderr).toContain('export API_TOKEN=');
    expectFitsIn80Columns(run);
  }, 60_000);

  it('asks for an operator token when given a viewer token', async () => {
    const run = await runDemo({ API_TOKEN: VIEWER_TOKEN });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/POST \/v1\/onboardings answered 403/);
    expect(run.stderr).toContain('viewer token');
    expectFitsIn80Columns(run);
  }, 60_000);

  it('names the URL it tried when no service answers', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await runDemo({ API_TOKEN: OPERATOR_TOKEN, DEMO_URL: closed });
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(10_000);
    expect(run.stderr).toContain(`Cannot reach the service at ${closed} (ECONNREFUSED)`);
    expect(run.stderr).toContain('Is it running?');
    expectFitsIn80Columns(run);
  }, 60_000);
});
