import type { ParseResult } from '../domain/customer-onboarded.schema';

/** Records a CustomerOnboarded event (Kafka or HTTP) and its onboarding. */
export class IngestOnboardingCommand {
  constructor(
    readonly input: Buffer | string | unknown,
    readonly source: 'kafka' | 'http',
    /** Already validated by the caller (the Kafka consumer validates before deciding DLQ). */
    readonly parsed?: ParseResult,
  ) {}
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
