import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiRateLimitGuard } from './platform/auth/api-rate-limit.guard';
import { ApiTokenGuard } from './platform/auth/api-token.guard';
import { AuthModule } from './platform/auth/auth.module';
import { loggingModule } from './platform/observability/logging';
import { MetricsModule } from './platform/observability/metrics.module';
import { TracingModule } from './platform/observability/tracing.module';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from './platform/config/app-config';
import { ConfigModule } from './platform/config/config.module';
import { HealthModule } from './platform/health/health.module';
import { ContractModule } from './contract/contract.module';
import { ConsoleModule } from './console/console.module';
import { OnboardingModule } from './onboarding/onboarding.module';
import { dataSourceOptions } from './persistence/data-source';
import { PersistenceModule } from './persistence/persistence.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(config.values),
        AuthModule.forRoot(config.runtime.apiTokens, {
          rateLimitPerMinute: config.values.API_RATE_LIMIT_PER_MINUTE,
        }),
        MetricsModule.forRoot({ metricsToken: config.values.METRICS_TOKEN }),
        TracingModule,
        CqrsModule.forRoot(),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.runtime.databaseUrl, {
            poolSize: config.values.DATABASE_POOL_SIZE,
          }),
          migrationsRun: config.values.RUN_MIGRATIONS,
          // Boot has waited for the database already (waitForDatabase): a failure here is not
          // a database still starting, and ten identical lines would hide the reason.
          retryAttempts: 2,
          retryDelay: 1000,
        }),
        PersistenceModule,
        OnboardingModule,
        HealthModule,
        ContractModule,
        ConsoleModule,
      ],
      // The rate limit runs first, so a flood of bad tokens is throttled before it is checked.
      providers: [
        { provide: APP_GUARD, useExisting: ApiRateLimitGuard },
        { provide: APP_GUARD, useExisting: ApiTokenGuard },
      ],
    };
  }
}
