import { createHash } from 'node:crypto';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import {
  context,
  Context,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { AppConfig } from '../config/app-config';
import type { WorkatoRequestEvent } from '../../workato/transport';

export interface OnboardingTraceRef {
  onboardingId: string;
  eventId: string;
  managedUserId: string;
  workatoAccount?: string;
}

/**
 * OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT is set: one trace per onboarding, from
 * the Kafka message (or HTTP request) through every step and Workato call, across restarts and
 * instances. The trace id is the onboarding id itself and every span hangs off a parent derived
 * from it, so a step run by another instance after a crash lands in the same trace.
 */
@Injectable()
export class OnboardingTracing implements OnApplicationShutdown {
  private readonly provider: NodeTracerProvider | null;
  private readonly tracer: Tracer | null;

  constructor(config: AppConfig) {
    const endpoint = config.values.OTEL_EXPORTER_OTLP_ENDPOINT;
    if (!endpoint) {
      this.provider = null;
      this.tracer = null;
      return;
    }
    this.provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': config.values.OTEL_SERVICE_NAME }),
      spanProcessors: [
        new BatchSpanProcessor(
          new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }),
          { scheduledDelayMillis: 500 },
        ),
      ],
    });
    // Registers the AsyncLocalStorage context manager: Workato calls made inside a step see it.
    this.provider.register();
    this.tracer = this.provider.getTracer('workato-onboarding');
  }

  get enabled(): boolean {
    return this.tracer !== null;
  }

  /** A span for the arrival of the event (Kafka message or HTTP request). */
  recordIngestion(ref: OnboardingTraceRef, source: 'kafka' | 'http'): void {
    if (!this.tracer) return;
    const span = this.tracer.startSpan(
      `ingest CustomerOnboarded (${source})`,
      { kind: SpanKind.CONSUMER, attributes: attributesOf(ref, { 'messaging.source': source }) },
      parentOf(ref.onboardingId),
    );
    span.end();
  }

  /** Runs a step (or compensation) inside its span; Workato calls made meanwhile become children. */
  async inStep<T>(ref: OnboardingTraceRef, name: string, fn: () => Promise<T>): Promise<T> {
    if (!this.tracer) return fn();
    const span = this.tracer.startSpan(
      name,
      { attributes: attributesOf(ref) },
      parentOf(ref.onboardingId),
    );
    try {
      return await context.with(trace.setSpan(parentOf(ref.onboardingId), span), fn);
    } catch (error) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: String((error as Error).message ?? error),
      });
      throw error;
    } finally {
      span.end();
    }
  }

  /** Called by the Workato client after each request, in the context of the step that made it. */
  recordWorkatoRequest(event: WorkatoRequestEvent): void {
    if (!this.tracer || !trace.getSpan(context.active())) return;
    const end = Date.now();
    const span: Span = this.tracer.startSpan(
      `Workato ${event.method} ${event.endpoint}`,
      {
        kind: SpanKind.CLIENT,
        startTime: end - event.durationMs,
        attributes: {
          'http.request.method': event.method,
          'workato.endpoint': event.endpoint,
          'workato.attempt': event.attempt,
          ...(event.status !== null ? { 'http.response.status_code': event.status } : {}),
          ...(event.errorCode ? { 'error.type': event.errorCode } : {}),
        },
      },
      context.active(),
    );
    if (event.errorCode) span.setStatus({ code: SpanStatusCode.ERROR, message: event.errorCode });
    span.end(end);
  }

  async flush(): Promise<void> {
    await this.provider?.forceFlush();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.provider?.shutdown();
  }
}

function attributesOf(ref: OnboardingTraceRef, extra: Record<string, string> = {}) {
  return {
    'onboarding.id': ref.onboardingId,
    'onboarding.event_id': ref.eventId,
    'workato.managed_user_id': ref.managedUserId,
    ...(ref.workatoAccount ? { 'workato.account': ref.workatoAccount } : {}),
    ...extra,
  };
}

/** The onboarding's trace: trace id = the onboarding's UUID, a fixed root span id derived from it. */
function parentOf(onboardingId: string): Context {
  const traceId = onboardingId.replace(/-/g, '').toLowerCase();
  const spanId = createHash('sha256').update(onboardingId).digest('hex').slice(0, 16);
  return trace.setSpanContext(context.active(), {
    traceId,
    spanId,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}
