import 'reflect-metadata';
import { ConfigError, parseConfig } from '../platform/config/config.schema';
import { createDataSource } from './data-source';

/**
 * `npm run migration:run`: applies pending migrations to DATABASE_URL and exits, for deployments
 * that run migrations as a step of their own (with RUN_MIGRATIONS=false on the service).
 */
async function main(): Promise<void> {
  const values = parseConfig(process.env);
  if (!values.DATABASE_URL) throw new ConfigError(['DATABASE_URL: is required to run migrations']);
  const dataSource = createDataSource(values.DATABASE_URL, { poolSize: 1 });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    process.stdout.write(
      applied.length === 0
        ? 'migrations: nothing to apply, the schema is up to date\n'
        : `migrations: applied ${applied.map((m) => m.name).join(', ')}\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(
    `migration:run failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
