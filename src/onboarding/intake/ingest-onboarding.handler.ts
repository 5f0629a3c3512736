import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Command, CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '../../platform/config/app-config';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';
import { OnboardingTracing } from '../../platform/observability/onboarding.tracing';
import { SecretBox } from '../../platform/secrets/secret-box';
import { SECRET_CONTEXT } from '../../platform/secrets/secret-context';
import { FieldIssue, ParseResult, parseCustomerOnboarded } from './customer-onboarded.schema';
import type { OnboardingRequest } from '../domain/onboarding-request';
import { OnboardingAccepted } from '../saga/onboarding.messages';
import { OnboardingSaga } from '../saga/onboarding.saga';
import { NewOnboarding, OnboardingStore } from '../ports/onboarding.store';

export interface IngestInput {
  input: Buffer | string | unknown;
  /** Already validated by the caller (the Kafka consumer validates before deciding DLQ). */
  parsed?: ParseResult;
}

export type IngestResult =
  | { outcome: 'created' | 'duplicate'; onboardingId: string }
  | { outcome: 'invalid'; reason: string; issues: FieldIssue[] };

/**
 * Records CustomerOnboarded events (one over HTTP, a Kafka batch at a time) and their
 * onboardings, in one transaction. Results come back in the order of the inputs.
 */
export class IngestOnboardingCommand extends Command<IngestResult[]> {
  constructor(
    readonly inputs: IngestInput[],
    readonly source: 'kafka' | 'http',
  ) {
    super();
  }
}

@CommandHandler(IngestOnboardingCommand)
export class IngestOnboardingHandler implements ICommandHandler<
  IngestOnboardingCommand,
  IngestResult
> {
  private readonly logger = new Logger('Ingestion');

  constructor(
    private readonly store: OnboardingStore,
    private readonly saga: OnboardingSaga,
    private readonly secrets: SecretBox,
    private readonly config: AppConfig,
    private readonly eventBus: EventBus,
    private readonly metrics: OnboardingMetrics,
    private readonly tracing: OnboardingTracing,
  ) {}

  async execute({ inputs, source }: IngestOnboardingCommand): Promise<IngestResult[]> {
    type Slot =
      | { kind: 'invalid'; result: IngestResult }
      | { kind: 'event'; request: OnboardingRequest; position: number; first: boolean };
    const slots: Slot[] = [];
    const batch: NewOnboarding[] = [];
    const positions = new Map<string, number>();
    for (const item of inputs) {
      const parsed = item.parsed ?? parseCustomerOnboarded(item.input);
      if (!parsed.ok) {
        this.metrics.countIngested(source, 'invalid');
        slots.push({
          kind: 'invalid',
          result: { outcome: 'invalid', reason: parsed.reason, issues: parsed.issues },
        });
        continue;
      }
      const { request } = parsed;
      // The same event twice in one batch: the later one is a duplicate of the first.
      const known = positions.get(request.eventId);
      if (known !== undefined) {
        slots.push({ kind: 'event', request, position: known, first: false });
        continue;
      }
      positions.set(request.eventId, batch.length);
      slots.push({ kind: 'event', request, position: batch.length, first: true });
      batch.push(this.prepare(request, parsed.jwtSecret, source));
    }
    const stored = batch.length > 0 ? await this.store.createFromEvents(batch) : [];
    return slots.map((slot) => {
      if (slot.kind === 'invalid') return slot.result;
      const { onboardingId, created } = stored[slot.position];
      return this.report(slot.request, onboardingId, created && slot.first, source);
    });
  }

  private prepare(
    request: OnboardingRequest,
    jwtSecret: string | null,
    source: 'kafka' | 'http',
  ): NewOnboarding {
    const id = randomUUID();
    // HMAC without a secret: we generate one; the customer reads it once with the credentials.
    const secret =
      request.apiClient.jwt?.method === 'hmac' && !jwtSecret
        ? randomBytes(32).toString('hex')
        : jwtSecret;
    return {
      id,
      source,
      request,
      steps: this.saga.plan(request),
      jwtSecretCiphertext: secret
        ? this.secrets.encrypt(secret, SECRET_CONTEXT.jwtSecret(id))
        : null,
      deadlineAt: new Date(Date.now() + this.config.values.ONBOARDING_DEADLINE_SECONDS * 1000),
    };
  }

  private report(
    request: OnboardingRequest,
    onboardingId: string,
    created: boolean,
    source: 'kafka' | 'http',
  ): IngestResult {
    this.metrics.countIngested(source, created ? 'created' : 'duplicate');
    const context = {
      onboardingId,
      eventId: request.eventId,
      managedUserId: request.customer.managedUserId,
    };
    if (created) {
      this.logger.log({ msg: 'onboarding received', source, ...context });
      this.tracing.recordIngestion(context, source);
      this.eventBus.publish(new OnboardingAccepted(onboardingId));
    } else {
      this.logger.log({ msg: 'duplicate event ignored', source, ...context });
    }
    return { outcome: created ? 'created' : 'duplicate', onboardingId };
  }
}
