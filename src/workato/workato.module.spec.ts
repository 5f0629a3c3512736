import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppConfig } from '../platform/config/app-config';
import { parseConfig } from '../platform/config/config.schema';
import { PostgresRateLimiter, WorkatoRateLimiter } from './rate-limiter';
import { WorkatoClient } from './workato.client';
import { WorkatoModule } from './workato.module';
import { WorkatoAccountRegistry } from './workato-accounts';
import { WorkatoAccounts } from '../onboarding/ports/workato-workspace.port';
import { MetricsModule } from '../platform/observability/metrics.module';
import { PersistenceModule } from '../persistence/persistence.module';

const config = new AppConfig(parseConfig({ WORKATO_RATE_LIMIT_RPS: '5' }), {
  databaseUrl: 'postgres://localhost/unused',
  kafkaBrokers: null,
  workatoBaseUrl: 'http://127.0.0.1:9',
  workatoApiToken: 'module-spec-token',
  secretsEncryptionKey: 'unused',
  sandboxUrl: null,
  apiTokens: [],
});

/** Stands in for the lead's global ConfigModule and TypeOrmModule. */
@Global()
@Module({
  providers: [
    { provide: AppConfig, useValue: config },
    { provide: DataSource, useValue: { query: jest.fn() } },
  ],
  exports: [AppConfig, DataSource],
})
class GlobalsModule {}

describe('WorkatoModule', () => {
  it('provides the client and the Postgres limiter, and closes the pool on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [GlobalsModule, PersistenceModule, MetricsModule.forRoot(), WorkatoModule],
    }).compile();
    const accounts = moduleRef.get(WorkatoAccounts) as WorkatoAccountRegistry;
    expect(accounts.names).toEqual(['default']);
    expect(accounts.defaultAccount).toBe('default');
    const client = accounts.client('default');
    expect(client).toBeInstanceOf(WorkatoClient);
    expect(moduleRef.get(WorkatoRateLimiter)).toBeInstanceOf(PostgresRateLimiter);

    const close = jest.spyOn(client, 'close');
    await moduleRef.close();
    expect(close).toHaveBeenCalled();
  });
});
