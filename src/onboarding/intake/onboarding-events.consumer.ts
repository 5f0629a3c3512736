import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AppConfig } from '../../platform/config/app-config';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';
import { IncomingEventStream, IncomingMessage } from '../ports/event-stream.port';
import { AccountChoice, parseCustomerOnboarded, ParseResult } from './customer-onboarded.schema';
import { WorkatoAccounts } from '../ports/workato-workspace.port';
import { DeadLetterProducer } from './dead-letter.producer';
import { IngestInput, IngestOnboardingCommand } from './ingest-onboarding.handler';

/**
 * Consumes CustomerOnboarded events. A valid event is recorded in Postgres before its chunk is
 * acknowledged; an invalid one goes to the dead-letter queue and consumption goes on. If
 * Postgres is down the handler throws and the chunk is delivered again: nothing valid is lost.
 */
@Injectable()
export class OnboardingEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly stream: IncomingEventStream,
    private readonly commandBus: CommandBus,
    private readonly deadLetters: DeadLetterProducer,
    private readonly config: AppConfig,
    private readonly metrics: OnboardingMetrics,
    private readonly accounts: WorkatoAccounts,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.stream.enabled || !this.config.values.KAFKA_CONSUMER_ENABLED) return;
    this.stream.start((chunk) => this.handle(chunk));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    await this.stream.stop();
  }

  /** One Postgres transaction per chunk instead of one per message: ingestion is bound by commits. */
  private async handle(chunk: IncomingMessage[]): Promise<void> {
    const valid: IngestInput[] = [];
    const validMessages: IncomingMessage[] = [];
    const refused: { message: IncomingMessage; reason: string }[] = [];
    for (const message of chunk) {
      const parsed = parseSafely(message.value, this.accounts);
      if (parsed.ok) {
        valid.push({ input: message.value, parsed });
        validMessages.push(message);
      } else {
        this.metrics.countIngested('kafka', 'invalid');
        refused.push({ message, reason: parsed.reason });
      }
    }
    // Valid events first: if Postgres is down this throws before anything reaches the DLQ, so
    // a redelivered chunk does not dead-letter its bad messages again.
    if (valid.length > 0) {
      const results = await this.commandBus.execute(new IngestOnboardingCommand(valid, 'kafka'));
      results.forEach((result, i) => {
        if (result.outcome === 'conflict')
          refused.push({ message: validMessages[i], reason: result.reason });
      });
    }
    for (const { message, reason } of refused) await this.deadLetters.send(message, reason);
  }
}

/** Whatever the bytes, an answer: a message must never be able to crash the consumer. */
function parseSafely(value: Buffer | null, accounts: AccountChoice): ParseResult {
  if (!value) return { ok: false, reason: 'empty message (no value)', issues: [] };
  try {
    return parseCustomerOnboarded(value, accounts);
  } catch (error) {
    return {
      ok: false,
      reason: `could not be read: ${(error as Error).name ?? 'error'}`,
      issues: [],
    };
  }
}
