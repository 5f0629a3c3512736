import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { HealthModule } from './health/health.module';
import { HttpApiModule } from './http/http-api.module';
import { KafkaModule } from './kafka/kafka.module';
import { OnboardingModule } from './onboarding/onboarding.module';
import { dataSourceOptions } from './persistence/data-source';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CqrsModule.forRoot(),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.runtime.databaseUrl, {
            poolSize: config.values.DATABASE_POOL_SIZE,
          }),
          migrationsRun: config.values.RUN_MIGRATIONS,
          retryAttempts: 10,
          retryDelay: 1000,
        }),
        OnboardingModule,
        KafkaModule,
        HealthModule,
        HttpApiModule,
      ],
    };
  }
}
