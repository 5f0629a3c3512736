import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/persistence/data-source';
import { testDatabaseAdminUrl } from './test-infrastructure';

export interface TestDatabase {
  name: string;
  url: string;
  /** Initialised, with every migration applied. */
  dataSource: DataSource;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Default true. */
  migrate?: boolean;
  /** Connections of `dataSource`. Default 10. */
  poolSize?: number;
  /** Default: the server global-setup started or found (TEST_DATABASE_ADMIN_URL). */
  adminUrl?: string;
  /** Start of the database's name. Default `test`. */
  prefix?: string;
}

/** A fresh database per test file, so files run in parallel and never see each other's rows. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const adminUrl = options.adminUrl ?? testDatabaseAdminUrl();
  const name = `${options.prefix ?? 'test'}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dataSource = createDataSource(url.toString(), { poolSize: options.poolSize ?? 10 });
  await dataSource.initialize();
  if (options.migrate !== false) await dataSource.runMigrations();
  return {
    name,
    url: url.toString(),
    dataSource,
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await withAdmin(adminUrl, (admin) =>
        admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

/** Runs `fn` on a connection of its own to the admin database, closed afterwards. */
export async function withAdmin<T>(
  adminUrl: string,
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
