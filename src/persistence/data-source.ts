import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { OnboardingAuditEntity } from './onboarding-audit.entity';
import { OnboardingStepEntity } from './onboarding-step.entity';
import { OnboardingEntity } from './onboarding.entity';
import { OutboxMessageEntity } from './outbox-message.entity';

export const ENTITIES = [
  OnboardingEntity,
  OnboardingStepEntity,
  OutboxMessageEntity,
  OnboardingAuditEntity,
];

/** One place that says how we talk to Postgres: explicit entities, migrations, never synchronize. */
export function dataSourceOptions(
  url: string,
  overrides: { poolSize?: number } = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    extra: {
      max: overrides.poolSize ?? 20,
      connectionTimeoutMillis: 10_000,
      // Fail a connection that stalls (Postgres restarting) instead of hanging a step forever.
      query_timeout: 60_000,
      application_name: 'workato-onboarding',
    },
  };
}

export function createDataSource(url: string, overrides: { poolSize?: number } = {}): DataSource {
  return new DataSource(dataSourceOptions(url, overrides));
}

/** True when every known migration has been applied (used by the readiness probe). */
export async function migrationsPending(dataSource: DataSource): Promise<boolean> {
  return dataSource.showMigrations();
}
