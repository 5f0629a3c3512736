import { Logger, Module, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../platform/config/app-config';
import { rateLimitsOf } from '../platform/config/config.schema';
import { currentOnboardingLogContext } from '../platform/observability/log-context';
import { MeteredRateLimiter } from '../platform/observability/metered-rate-limiter';
import { OnboardingTracing } from '../platform/observability/onboarding.tracing';
import {
  OnboardingMetrics,
  workatoRequestSample,
} from '../platform/observability/onboarding.metrics';
import { PostgresRateLimiter, WorkatoRateLimiter } from './rate-limiter';
import { PortalCache } from './portal-cache';
import { WorkatoClient } from './workato.client';
import { WorkatoWorkspaceAdapter } from './workato-workspace.adapter';
import { WorkatoWorkspace } from '../onboarding/ports/workato-workspace.port';

/**
 * The Workato client for the application. Its rate limiter keeps the shared token buckets in
 * Postgres, because Workato's quota belongs to the whole Embed admin workspace and every
 * instance of the service spends it. AppConfig and the TypeORM DataSource are global.
 */
@Module({
  providers: [
    { provide: WorkatoWorkspace, useClass: WorkatoWorkspaceAdapter },
    {
      provide: PortalCache,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new PortalCache(config.values.WORKATO_PORTAL_CACHE_SECONDS * 1000),
    },
    {
      provide: WorkatoRateLimiter,
      inject: [DataSource, AppConfig],
      useFactory: (dataSource: DataSource, config: AppConfig): WorkatoRateLimiter =>
        new PostgresRateLimiter(dataSource, rateLimitsOf(config.values).limits),
    },
    {
      provide: WorkatoClient,
      inject: [
        AppConfig,
        WorkatoRateLimiter,
        OnboardingMetrics,
        { token: OnboardingTracing, optional: true },
      ],
      useFactory: (
        config: AppConfig,
        rateLimiter: WorkatoRateLimiter,
        metrics: OnboardingMetrics,
        tracing: OnboardingTracing | undefined,
      ): WorkatoClient => {
        const logger = new Logger(WorkatoClient.name);
        return new WorkatoClient({
          baseUrl: config.runtime.workatoBaseUrl,
          apiToken: config.runtime.workatoApiToken,
          timeoutMs: config.values.WORKATO_TIMEOUT_MS,
          rateLimiter: new MeteredRateLimiter(rateLimiter, metrics),
          onRequest: (event) => {
            metrics.observeWorkatoRequest(workatoRequestSample(event));
            tracing?.recordWorkatoRequest(event);
          },
          retry: {
            maxAttempts: config.values.WORKATO_MAX_ATTEMPTS,
            maxElapsedMs: config.values.WORKATO_RETRY_MAX_ELAPSED_MS,
            baseDelayMs: config.values.WORKATO_RETRY_BASE_DELAY_MS,
            maxDelayMs: config.values.WORKATO_RETRY_MAX_DELAY_MS,
          },
          logger: {
            debug: (message, context) =>
              logger.debug({ msg: message, ...context, ...currentOnboardingLogContext() }),
            warn: (message, context) =>
              logger.warn({ msg: message, ...context, ...currentOnboardingLogContext() }),
          },
        });
      },
    },
  ],
  exports: [WorkatoClient, WorkatoRateLimiter, WorkatoWorkspace],
})
export class WorkatoModule implements OnModuleDestroy {
  constructor(private readonly client: WorkatoClient) {}

  /** Closes the keep-alive connections so shutdown does not wait for them to time out. */
  async onModuleDestroy(): Promise<void> {
    await this.client.close();
  }
}
