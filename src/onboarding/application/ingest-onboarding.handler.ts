import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '../../config/app-config';
import { OnboardingMetrics } from '../../observability/onboarding.metrics';
import { SecretBox } from '../../secrets/secret-box';
import { FieldIssue, parseCustomerOnboarded } from '../domain/customer-onboarded.schema';
import { IngestOnboardingCommand } from './onboarding.commands';
import { OnboardingAccepted } from './onboarding.events';
import { OnboardingStore } from './ports/onboarding.store';

export type IngestResult =
  | { outcome: 'created' | 'duplicate'; onboardingId: string }
  | { outcome: 'invalid'; reason: string; issues: FieldIssue[] };

@CommandHandler(IngestOnboardingCommand)
export class IngestOnboardingHandler implements ICommandHandler<
  IngestOnboardingCommand,
  IngestResult
> {
  private readonly logger = new Logger('Ingestion');

  constructor(
    private readonly store: OnboardingStore,
    private readonly secrets: SecretBox,
    private readonly config: AppConfig,
    private readonly eventBus: EventBus,
    private readonly metrics: OnboardingMetrics,
  ) {}

  async execute({ input, source, parsed }: IngestOnboardingCommand): Promise<IngestResult> {
    const result = parsed ?? parseCustomerOnboarded(input);
    if (!result.ok) {
      if (source === 'http') this.metrics.countIngested(source, 'invalid');
      return { outcome: 'invalid', reason: result.reason, issues: result.issues };
    }
    const { request } = result;
    const id = randomUUID();
    let jwtSecret = result.jwtSecret;
    // HMAC without a secret: we generate one; the customer reads it once with the credentials.
    if (request.apiClient.jwt?.method === 'hmac' && !jwtSecret)
      jwtSecret = randomBytes(32).toString('hex');
    const { onboardingId, created } = await this.store.createFromEvent({
      id,
      source,
      request,
      jwtSecretCiphertext: jwtSecret ? this.secrets.encrypt(jwtSecret, id) : null,
      deadlineAt: new Date(Date.now() + this.config.values.ONBOARDING_DEADLINE_SECONDS * 1000),
    });
    this.metrics.countIngested(source, created ? 'created' : 'duplicate');
    const context = {
      onboardingId,
      eventId: request.eventId,
      managedUserId: request.customer.managedUserId,
    };
    if (created) {
      this.logger.log({ msg: 'onboarding received', source, ...context });
      this.eventBus.publish(new OnboardingAccepted(onboardingId));
    } else {
      this.logger.log({ msg: 'duplicate event ignored', source, ...context });
    }
    return { outcome: created ? 'created' : 'duplicate', onboardingId };
  }
}
