import { DynamicModule, Module } from '@nestjs/common';
import { MetricsAccess, MetricsController } from './metrics.controller';
import { OnboardingMetrics } from './onboarding.metrics';

export interface MetricsOptions {
  /** METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <it>`. */
  metricsToken?: string | null;
}

/**
 * GET /metrics and the injectable OnboardingMetrics, global so any module can record. Needs
 * the TypeORM DataSource (global under TypeOrmModule.forRoot) for its scrape-time gauges.
 */
@Module({})
export class MetricsModule {
  static forRoot(options: MetricsOptions = {}): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [
        OnboardingMetrics,
        { provide: MetricsAccess, useValue: new MetricsAccess(options.metricsToken || null) },
      ],
      exports: [OnboardingMetrics],
    };
  }
}
