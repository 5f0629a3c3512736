/** A new onboarding was recorded: wakes the runner of this instance. */
export class OnboardingAccepted {
  constructor(readonly onboardingId: string) {}
}

/** The runner leased a fresh onboarding: the saga starts it. */
export class OnboardingRequested {
  constructor(readonly onboardingId: string) {}
}

export class ApiCollectionCreated {
  constructor(
    readonly onboardingId: string,
    readonly apiCollectionId: string,
  ) {}
}

export class ApiClientCreated {
  constructor(
    readonly onboardingId: string,
    readonly apiClientId: string,
  ) {}
}

export class ApiKeysCreated {
  constructor(readonly onboardingId: string) {}
}

/** A step failed for good (terminal error, or retries past the deadline): compensate. */
export class OnboardingStepFailed {
  constructor(
    readonly onboardingId: string,
    readonly step: string,
  ) {}
}

// The events below end this instance's run of an onboarding: the runner releases its lease.

export class OnboardingCompleted {
  constructor(readonly onboardingId: string) {}
}

/** Compensation finished: the onboarding is FAILED. */
export class OnboardingFailed {
  constructor(readonly onboardingId: string) {}
}

export class OnboardingCompensationFailed {
  constructor(readonly onboardingId: string) {}
}

/** Nothing more to do now: a retry is scheduled, the lease was lost, or the state was stale. */
export class OnboardingParked {
  constructor(
    readonly onboardingId: string,
    readonly reason: string,
  ) {}
}
