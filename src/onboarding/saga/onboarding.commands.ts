import { Command } from '@nestjs/cqrs';
import type { ParseResult } from '../intake/customer-onboarded.schema';
import type { IngestResult } from '../intake/ingest-onboarding.handler';

export interface IngestInput {
  input: Buffer | string | unknown;
  /** Already validated by the caller (the Kafka consumer validates before deciding DLQ). */
  parsed?: ParseResult;
}

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

export class CreateApiCollectionCommand {
  constructor(readonly onboardingId: string) {}
}

export class CreateApiClientCommand {
  constructor(readonly onboardingId: string) {}
}

export class CreateApiKeysCommand {
  constructor(readonly onboardingId: string) {}
}

export class CompleteOnboardingCommand {
  constructor(readonly onboardingId: string) {}
}

export class CompensateOnboardingCommand {
  constructor(readonly onboardingId: string) {}
}

export class ReplayOnboardingCommand {
  constructor(
    readonly onboardingId: string,
    readonly actor: { role: string; fingerprint: string },
  ) {}
}
