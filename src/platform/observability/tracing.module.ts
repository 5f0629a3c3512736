import { Global, Module } from '@nestjs/common';
import { OnboardingTracing } from './onboarding.tracing';

/** OpenTelemetry tracing (a no-op unless OTEL_EXPORTER_OTLP_ENDPOINT is set), for any module. */
@Global()
@Module({ providers: [OnboardingTracing], exports: [OnboardingTracing] })
export class TracingModule {}
