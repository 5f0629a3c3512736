import { Module, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WorkatoAccounts } from '../onboarding/ports/workato-workspace.port';
import { AppConfig } from '../platform/config/app-config';
import { OnboardingMetrics } from '../platform/observability/onboarding.metrics';
import { OnboardingTracing } from '../platform/observability/onboarding.tracing';
import { WorkatoRateLimiter } from './rate-limiter';
import { WorkatoAccountRegistry } from './workato-accounts';

/**
 * The Workato accounts of the deployment, each with its own client, token, rate-limit buckets
 * (kept in Postgres, since every instance spends the same quota) and circuit. AppConfig and the
 * TypeORM DataSource are global.
 */
@Module({
  providers: [
    {
      provide: WorkatoAccounts,
      inject: [
        DataSource,
        AppConfig,
        OnboardingMetrics,
        { token: OnboardingTracing, optional: true },
      ],
      useFactory: (
        dataSource: DataSource,
        config: AppConfig,
        metrics: OnboardingMetrics,
        tracing: OnboardingTracing | undefined,
      ) => new WorkatoAccountRegistry(dataSource, config, metrics, tracing),
    },
    {
      // The first account's limiter: what a benchmark of one account counts.
      provide: WorkatoRateLimiter,
      inject: [WorkatoAccounts],
      useFactory: (accounts: WorkatoAccountRegistry) => accounts.limiter(accounts.names[0]),
    },
  ],
  exports: [WorkatoAccounts, WorkatoRateLimiter],
})
export class WorkatoModule implements OnModuleDestroy {
  constructor(private readonly accounts: WorkatoAccounts) {}

  /** Closes the keep-alive connections so shutdown does not wait for them to time out. */
  async onModuleDestroy(): Promise<void> {
    await (this.accounts as WorkatoAccountRegistry).close();
  }
}
