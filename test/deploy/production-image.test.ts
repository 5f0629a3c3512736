import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startSandbox, RunningSandbox } from '../../workato-sandbox/sandbox.server';
import { OPERATOR_TOKEN, TEST_ENCRYPTION_KEY } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { rest, waitForTerminal } from '../support/rest';
import { freePort, ROOT } from '../support/test-infrastructure';

/**
 * The runtime stage of the Dockerfile, reproduced without Docker: the production build
 * (tsconfig.prod.json) in an app directory that belongs to root and is read-only, started as an
 * unprivileged user with NODE_ENV=production and a DATA_DIR that user owns, as the image does.
 * Tests run as root (as CI does) to switch users with setpriv; otherwise the service runs as the
 * current user, the app directory still read-only.
 */
const UNPRIVILEGED = 65534; // nobody:nogroup; the image's `node` user plays this part
const asRoot = process.getuid?.() === 0;
const REQUIRED = ['DATABASE_URL', 'SECRETS_ENCRYPTION_KEY', 'WORKATO_API_TOKEN', 'API_TOKENS'];

let tmp: string;
let appDir: string;
let dataDir: string;
let database: TestDatabase;
let sandbox: RunningSandbox;
const children = new Set<ChildProcess>();

/** Every file and directory under `dir`; symbolic links are neither followed nor listed. */
function walk(dir: string): { path: string; directory: boolean }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) return [];
    return entry.isDirectory()
      ? [{ path, directory: true }, ...walk(path)]
      : [{ path, directory: false }];
  });
}

/** Like the image's /app: owned by root, files 0444 and directories 0555. */
function setModes(dir: string, modes: { file: number; directory: number }): void {
  for (const entry of [{ path: dir, directory: true }, ...walk(dir)])
    chmodSync(entry.path, entry.directory ? modes.directory : modes.file);
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `node dist/src/main.js` in the app directory, as the unprivileged user when we are root. */
function startService(env: Record<string, string>): Started {
  const node = [process.execPath, 'dist/src/main.js'];
  const [command, ...args] = asRoot
    ? [
        'setpriv',
        `--reuid=${UNPRIVILEGED}`,
        `--regid=${UNPRIVILEGED}`,
        '--clear-groups',
        '--',
        ...node,
      ]
    : node;
  const child = spawn(command, args, {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      children.delete(child);
      r(code);
    }),
  );
  return { child, output: () => output, exited };
}

/** Polls readiness; fails at once, with the service's output, if the process exits. */
async function waitUntilReady(service: Started, url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (service.child.exitCode !== null)
      throw new Error(`exited with ${service.child.exitCode}:\n${service.output()}`);
    const status = await fetch(url).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`not ready in 60 s:\n${service.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The exit code, or 'timeout' (the process is then killed by afterAll). */
async function exitWithin(service: Started, ms: number): Promise<number | null | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  try {
    return await Promise.race([service.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'workato-onboarding-image-'));
  chmodSync(tmp, 0o755);
  appDir = join(tmp, 'app');
  dataDir = join(tmp, 'data');
  mkdirSync(appDir);
  mkdirSync(dataDir, { mode: 0o700 });

  // The Dockerfile's build stage: tsconfig.prod.json (src/ and migrations/ only) into dist/.
  await promisify(execFile)(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      'tsconfig.prod.json',
      '--outDir',
      join(appDir, 'dist'),
    ],
    { cwd: ROOT, timeout: 180_000 },
  );
  // …and the console's static files beside the compiled console, as the Dockerfile copies them.
  cpSync(resolve(ROOT, 'src/console/static'), join(appDir, 'dist/src/console/static'), {
    recursive: true,
  });
  // The runtime stage: dist/, package.json (the project root marker) and node_modules.
  copyFileSync(resolve(ROOT, 'package.json'), join(appDir, 'package.json'));
  symlinkSync(realpathSync(resolve(ROOT, 'node_modules')), join(appDir, 'node_modules'));
  setModes(appDir, { file: 0o444, directory: 0o555 });
  if (asRoot) chownSync(dataDir, UNPRIVILEGED, UNPRIVILEGED);

  database = await createTestDatabase({ migrate: false });
  sandbox = await startSandbox({ port: 0 });
}, 240_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sandbox?.close();
  await database?.drop();
  if (tmp) {
    setModes(tmp, { file: 0o644, directory: 0o755 });
    rmSync(tmp, { recursive: true, force: true });
  }
});

describe('the production image start logic (Dockerfile runtime stage, without Docker)', () => {
  it('builds without the Workato sandbox, the tests or the benchmarks', () => {
    const dist = join(appDir, 'dist');
    expect(readdirSync(dist).sort()).toEqual(['migrations', 'src']);
    const files = walk(dist).map((e) => relative(dist, e.path));
    expect(files).toContain('src/main.js');
    expect(files.filter((f) => /sandbox\.(server|state|routes)|workato-sandbox/.test(f))).toEqual(
      [],
    );
    const requiringSandbox = files
      .filter((f) => f.endsWith('.js'))
      .filter((f) => /require\("[^"]*workato-sandbox/.test(readFileSync(join(dist, f), 'utf8')));
    expect(requiringSandbox).toEqual([]);
  });

  it('starts as an unprivileged user in a read-only app directory and onboards', async () => {
    const port = await freePort();
    const service = startService({
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      HTTP_PORT: String(port),
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      SECRETS_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      WORKATO_BASE_URL: sandbox.url,
      WORKATO_API_TOKEN: sandbox.token,
      API_TOKENS: `operator:${OPERATOR_TOKEN}`,
    });
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(service, `${url}/health/ready`);

    if (asRoot) {
      const status = readFileSync(`/proc/${service.child.pid}/status`, 'utf8');
      expect(status).toMatch(new RegExp(`^Uid:\\s+${UNPRIVILEGED}\\s`, 'm'));
    }

    // Migrations ran, and a real onboarding goes through Workato (the sandbox) and back.
    const eventId = randomUUID();
    // The console's page is in the image too.
    expect((await fetch(`${url}/console`)).status).toBe(200);
    const posted = await rest(url, 'POST', '/v1/onboardings', {
      eventId,
      eventType: 'CustomerOnboarded',
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      customer: { managedUserId: 'E12345', name: 'Abstergo Industries' },
      projectId: '523144',
      collection: { name: `Image test ${eventId}` },
      apiClient: { name: `Image test ${eventId}`, authType: 'token' },
      apiKeys: [{ name: 'Production' }],
    });
    expect(posted.status).toBe(202);
    const done = await waitForTerminal(url, eventId);
    expect(done.status).toBe('COMPLETED');

    expect(service.output()).not.toMatch(/EACCES|EROFS|permission denied/i);
    expect(service.output()).not.toMatch(/sandbox \(|embedded PostgreSQL|local Kafka broker/);

    service.child.kill('SIGTERM');
    expect(await exitWithin(service, 40_000)).toBe(0);
    expect(service.output()).not.toMatch(/EACCES|EROFS|permission denied/i);
  }, 120_000);

  it('exits 1 without the required variables, naming every one of them', async () => {
    const service = startService({ NODE_ENV: 'production', DATA_DIR: dataDir });
    const code = await exitWithin(service, 30_000);
    expect(code).toBe(1);
    for (const name of REQUIRED)
      expect(service.output()).toContain(`${name}: is required when NODE_ENV=production`);
    expect(service.output()).not.toMatch(/EACCES/);
  }, 60_000);
});
