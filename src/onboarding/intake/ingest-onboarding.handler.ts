import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Command, CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '../../platform/config/app-config';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';
import { OnboardingTracing } from '../../platform/observability/onboarding.tracing';
import { SecretBox } from '../../platform/secrets/secret-box';
import { SECRET_CONTEXT } from '../../platform/secrets/secret-context';
import { FieldIssue, ParseResult, parseCustomerOnboarded } from './customer-onboarded.schema';
import { isOnboardingRequest, SagaRequest } from '../domain/customer-operation';
import { OnboardingAccepted } from '../saga/onboarding.messages';
import { OnboardingSaga } from '../saga/onboarding.saga';
import { NewOnboarding, OnboardingStore, RecordedEvent } from '../ports/onboarding.store';
import { WorkatoAccounts } from '../ports/workato-workspace.port';
import { sameRequest } from './same-event';

export interface IngestInput {
  input: Buffer | string | unknown;
  /** Already validated by the caller (the Kafka consumer validates before deciding DLQ). */
  parsed?: ParseResult;
}

/** The reason a reused eventId is refused with (HTTP 409, or the DLQ's dlq-reason). */
export const EVENT_ID_REUSED = 'eventId reused with a different payload';

export type IngestResult =
  | { outcome: 'created' | 'duplicate'; onboardingId: string }
  | { outcome: 'conflict'; onboardingId: string; reason: string }
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
    private readonly accounts: WorkatoAccounts,
  ) {}

  async execute({ inputs, source }: IngestOnboardingCommand): Promise<IngestResult[]> {
    type Slot =
      | { kind: 'invalid'; result: IngestResult }
      | {
          kind: 'event';
          request: SagaRequest;
          jwtSecret: string | null;
          position: number;
          first: boolean;
        };
    const slots: Slot[] = [];
    const batch: NewOnboarding[] = [];
    /** The JWT secret each event of the batch came with (the batch keeps it only sealed). */
    const batchSecrets: (string | null)[] = [];
    const positions = new Map<string, number>();
    for (const item of inputs) {
      const parsed = item.parsed ?? parseCustomerOnboarded(item.input, this.accounts);
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
        slots.push({
          kind: 'event',
          request,
          jwtSecret: parsed.jwtSecret,
          position: known,
          first: false,
        });
        continue;
      }
      positions.set(request.eventId, batch.length);
      slots.push({
        kind: 'event',
        request,
        jwtSecret: parsed.jwtSecret,
        position: batch.length,
        first: true,
      });
      batch.push(this.prepare(request, parsed.jwtSecret, source));
      batchSecrets.push(parsed.jwtSecret);
    }
    const stored = batch.length > 0 ? await this.store.createFromEvents(batch) : [];
    return slots.map((slot) => {
      if (slot.kind === 'invalid') return slot.result;
      const recorded = stored[slot.position];
      if (recorded.created && slot.first)
        return this.report(slot.request, recorded.onboardingId, 'created', source);
      // A duplicate: of an event recorded before, or of one earlier in this batch.
      const earlier = recorded.created
        ? {
            request: batch[slot.position].request,
            jwtSecret: batchSecrets[slot.position],
          }
        : { request: recorded.request, jwtSecret: this.storedSecret(recorded) };
      // An operation asked for over HTTP is stamped with the request's time: a retry under the
      // same Idempotency-Key is the same request at another time.
      const stamped = source === 'http' && !isOnboardingRequest(slot.request);
      const same =
        sameRequest(
          stamped ? { ...slot.request, occurredAt: '' } : slot.request,
          stamped ? { ...earlier.request, occurredAt: '' } : earlier.request,
        ) &&
        (slot.jwtSecret === null ||
          earlier.jwtSecret === null ||
          slot.jwtSecret === earlier.jwtSecret);
      return this.report(
        slot.request,
        recorded.onboardingId,
        same ? 'duplicate' : 'conflict',
        source,
      );
    });
  }

  /**
   * The JWT secret the partner gave with the earlier event, to compare; null when it cannot be
   * told (none given, generated by us, or already handed out and wiped).
   */
  private storedSecret(recorded: Extract<RecordedEvent, { created: false }>): string | null {
    const request = recorded.request;
    if (!isOnboardingRequest(request)) return null;
    if (!request.apiClient.jwt?.secretProvided || !recorded.jwtSecretCiphertext) return null;
    return this.secrets.decrypt(
      recorded.jwtSecretCiphertext,
      SECRET_CONTEXT.jwtSecret(recorded.onboardingId),
    );
  }

  private prepare(
    request: SagaRequest,
    jwtSecret: string | null,
    source: 'kafka' | 'http',
  ): NewOnboarding {
    const id = randomUUID();
    const onboarding = isOnboardingRequest(request) ? request : null;
    // HMAC without a secret: we generate one; the customer reads it once with the credentials.
    const secret =
      onboarding?.apiClient.jwt?.method === 'hmac' && !jwtSecret
        ? randomBytes(32).toString('hex')
        : jwtSecret;
    return {
      id,
      workatoAccount: request.workatoAccount ?? this.accounts.defaultAccount ?? 'default',
      source,
      request,
      // A customer operation plans its steps on its first run, from what the customer has then.
      steps: onboarding ? this.saga.plan(onboarding) : [],
      jwtSecretCiphertext: secret
        ? this.secrets.encrypt(secret, SECRET_CONTEXT.jwtSecret(id))
        : null,
      deadlineAt: new Date(Date.now() + this.config.values.ONBOARDING_DEADLINE_SECONDS * 1000),
    };
  }

  private report(
    request: SagaRequest,
    onboardingId: string,
    outcome: 'created' | 'duplicate' | 'conflict',
    source: 'kafka' | 'http',
  ): IngestResult {
    this.metrics.countIngested(source, outcome);
    const context = {
      onboardingId,
      eventId: request.eventId,
      managedUserId: request.customer.managedUserId,
      workatoAccount: request.workatoAccount,
    };
    switch (outcome) {
      case 'created':
        this.logger.log({
          msg: isOnboardingRequest(request)
            ? 'onboarding received'
            : `${request.eventType} received`,
          source,
          ...context,
        });
        this.tracing.recordIngestion(context, source);
        this.eventBus.publish(new OnboardingAccepted(onboardingId));
        return { outcome, onboardingId };
      case 'duplicate':
        this.logger.log({ msg: 'duplicate event ignored', source, ...context });
        return { outcome, onboardingId };
      case 'conflict':
        this.logger.warn({ msg: 'event refused: ' + EVENT_ID_REUSED, source, ...context });
        return { outcome, onboardingId, reason: EVENT_ID_REUSED };
    }
  }
}
