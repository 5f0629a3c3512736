import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { startEmbeddedPostgres } from '../src/platform/local/embedded-postgres';
import { javaMajorVersion } from '../src/platform/local/local-kafka';
import { projectRoot } from '../src/platform/local/project-root';
import { createTestDatabase, TestDatabase, withAdmin } from '../test/support/database';
import { createTestTopics, deleteTestTopics, testKafka, TestTopics } from '../test/support/kafka';
import {
  freeKafkaPort,
  freePort,
  KAFKA_SCRIPT,
  kafkaScriptEnvironment,
} from '../test/support/test-infrastructure';
import type { ServiceSettings } from './service';

const run = promisify(execFile);

/** A database of a bench's own: test/support's, on the bench's server. */
export type BenchDatabase = TestDatabase;
export type BenchTopics = TestTopics;

export interface InfrastructureInfo {
  postgres: string;
  kafka: string;
}

/**
 * Postgres and Kafka for the benchmark, the way `npm start` finds them: DATABASE_URL and
 * KAFKA_BROKERS when set, otherwise an embedded PostgreSQL and a local broker of this run's own
 * (free ports, directories under .data/ named after the pid), stopped and removed by `stop()`.
 * Every bench then takes a fresh database and fresh topics from here.
 */
export class BenchEnvironment {
  private readonly stops: { what: string; stop: () => Promise<void> }[] = [];
  private adminUrl = '';
  private brokers: string[] = [];
  private stopped: Promise<void> | null = null;
  readonly info: InfrastructureInfo = { postgres: '', kafka: '' };

  constructor(private readonly log: (line: string) => void) {}

  async start(): Promise<void> {
    const root = projectRoot();
    const pid = process.pid;

    if (process.env.DATABASE_URL) {
      this.adminUrl = process.env.DATABASE_URL;
      this.info.postgres = `DATABASE_URL (${redact(this.adminUrl)})`;
    } else {
      const dataDir = resolve(root, `.data/bench-${pid}`);
      const port = await freePort();
      this.log(`starting an embedded PostgreSQL on 127.0.0.1:${port} (data in ${dataDir})`);
      // Registered before the start so a failed start still removes the directory.
      let stopPg: (() => Promise<void>) | null = null;
      this.stops.push({
        what: 'embedded PostgreSQL',
        stop: async () => {
          if (stopPg) await stopPg();
          rmSync(dataDir, { recursive: true, force: true });
        },
      });
      const pg = await withoutNewSignalListeners(() =>
        startEmbeddedPostgres({ dataDir, port, database: 'postgres' }),
      );
      stopPg = pg.stop;
      this.adminUrl = pg.url;
      this.info.postgres = `embedded (127.0.0.1:${port})`;
    }
    this.info.postgres += `, ${await this.postgresVersion()}`;

    if (process.env.KAFKA_BROKERS) {
      this.brokers = process.env.KAFKA_BROKERS.split(',')
        .map((b) => b.trim())
        .filter((b) => b !== '');
      this.info.kafka = `KAFKA_BROKERS (${this.brokers.join(',')})`;
    } else {
      const java = javaMajorVersion();
      if (java === null || java < 17)
        throw new Error(
          `the benchmark needs Kafka: set KAFKA_BROKERS or install Java 17+ (found ${java ?? 'no java'})`,
        );
      const port = await freeKafkaPort();
      const runDir = resolve(root, `.data/bench-kafka-${pid}`);
      const env = kafkaScriptEnvironment({ port, runDir });
      const script = KAFKA_SCRIPT;
      this.log(`starting a local Kafka broker on 127.0.0.1:${port} (scripts/kafka/kafka.sh)`);
      this.stops.push({
        what: 'local Kafka broker',
        stop: async () => {
          await run('bash', [script, 'stop'], { env, timeout: 60_000 });
          rmSync(runDir, { recursive: true, force: true });
        },
      });
      await run('bash', [script, 'start'], { env, timeout: 300_000 });
      this.brokers = [`127.0.0.1:${port}`];
      this.info.kafka = `local broker 127.0.0.1:${port} (Kafka ${process.env.KAFKA_VERSION ?? '4.1.1'}, scripts/kafka)`;
    }
  }

  get kafkaBrokers(): string[] {
    return this.brokers;
  }

  kafka(clientId = 'bench'): Kafka {
    return testKafka(this.brokers, clientId);
  }

  /** A database of its own with every migration applied; `drop()` removes it. */
  createDatabase(prefix: string, poolSize = 10): Promise<BenchDatabase> {
    return createTestDatabase({ adminUrl: this.adminUrl, prefix: `bench_${prefix}`, poolSize });
  }

  /** Topics and a consumer group of the caller's own. */
  createTopics(prefix: string, partitions: number): Promise<BenchTopics> {
    return createTestTopics(`bench.${prefix}`, { partitions, brokers: this.brokers });
  }

  deleteTopics(topics: BenchTopics): Promise<void> {
    return deleteTestTopics(topics, this.brokers);
  }

  /** A service's settings: this run's brokers, `db`, `topics`, the `sandbox`, and `env` over the defaults. */
  serviceSettings(
    db: { url: string },
    topics: BenchTopics,
    sandbox: { url: string; token: string },
    env: Record<string, string> = {},
  ): ServiceSettings {
    return {
      databaseUrl: db.url,
      kafkaBrokers: this.brokers,
      topics,
      workatoBaseUrl: sandbox.url,
      workatoApiToken: sandbox.token,
      env,
    };
  }

  /** Stops what start() started, in reverse order; safe to call more than once. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      for (const { what, stop } of this.stops.reverse()) {
        this.log(`stopping the ${what}`);
        await stop().catch((error: unknown) =>
          this.log(`WARNING: could not stop the ${what}: ${String(error)}`),
        );
      }
    })();
    return this.stopped;
  }

  private async postgresVersion(): Promise<string> {
    const rows = await withAdmin(this.adminUrl, (admin) => admin.query('SHOW server_version'));
    const fsync = await withAdmin(this.adminUrl, (admin) => admin.query('SHOW synchronous_commit'));
    return `PostgreSQL ${String(rows.rows[0]?.server_version)}, synchronous_commit=${String(fsync.rows[0]?.synchronous_commit)}`;
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'unparsable URL';
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];

/**
 * Runs `start`, then removes the signal listeners it added. Loading `embedded-postgres` installs
 * async-exit-hook, whose SIGINT/SIGTERM listener stops Postgres and exits the process as soon as
 * that is done: before the broker is stopped and the directories are removed. The bench stops
 * everything itself on a signal (run.ts).
 */
async function withoutNewSignalListeners<T>(start: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  try {
    return await start();
  } finally {
    for (const signal of SIGNALS)
      for (const listener of process.listeners(signal))
        if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
  }
}

/** Onboardings by status. */
export async function statusCounts(dataSource: DataSource): Promise<Record<string, number>> {
  const rows = (await dataSource.query(
    'SELECT status, count(*)::int AS n FROM onboarding GROUP BY status ORDER BY status',
  )) as { status: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Counters of one database (transactions, rows) and of the cluster's WAL, to take deltas of. */
export interface DatabaseActivity {
  commits: number;
  rowsInserted: number;
  rowsUpdated: number;
  /** Cluster-wide: WAL flushes to disk (pg_stat_wal.wal_sync), null when not readable. */
  walSyncs: number | null;
  walBytes: number | null;
}

export async function databaseActivity(dataSource: DataSource): Promise<DatabaseActivity> {
  const [db] = (await dataSource.query(
    `SELECT xact_commit::float8 AS commits, tup_inserted::float8 AS ins, tup_updated::float8 AS upd
       FROM pg_stat_database WHERE datname = current_database()`,
  )) as { commits: number; ins: number; upd: number }[];
  let walSyncs: number | null = null;
  let walBytes: number | null = null;
  try {
    const [wal] = (await dataSource.query(
      'SELECT wal_sync::float8 AS syncs, wal_bytes::float8 AS bytes FROM pg_stat_wal',
    )) as { syncs: number; bytes: number }[];
    walSyncs = Number(wal.syncs);
    walBytes = Number(wal.bytes);
  } catch {
    // pg_stat_wal needs PostgreSQL 14+.
  }
  return {
    commits: Number(db.commits),
    rowsInserted: Number(db.ins),
    rowsUpdated: Number(db.upd),
    walSyncs,
    walBytes,
  };
}

/** `after - before`, per unit of work, with `ownQueries` of the bench's polling taken out. */
export function activityPer(
  before: DatabaseActivity,
  after: DatabaseActivity,
  units: number,
  ownQueries = 0,
): Record<string, number | null> {
  const per = (a: number | null, b: number | null, minus = 0) =>
    a === null || b === null ? null : Math.round(((b - a - minus) / units) * 100) / 100;
  return {
    commits: per(before.commits, after.commits, ownQueries),
    rowsInserted: per(before.rowsInserted, after.rowsInserted),
    rowsUpdated: per(before.rowsUpdated, after.rowsUpdated),
    walSyncs: per(before.walSyncs, after.walSyncs),
    walBytes: per(before.walBytes, after.walBytes),
  };
}
