/**
 * An error as the onboarding records it: enough for an operator to understand what failed and
 * whether retrying could help. Never carries a secret.
 */
export interface RecordedError {
  code: string;
  message: string;
  retryable: boolean;
  step?: string;
  httpStatus?: number | null;
  workatoMessage?: string | null;
  fieldErrors?: Record<string, string[]>;
  method?: string;
  path?: string;
  at?: string;
  /** For COMPENSATION_FAILED: what compensation could not undo. */
  compensation?: { step: string; workatoId: string | null; error: RecordedError }[];
}

/** A failure the onboarding domain raises itself (conflict, portal not found, deadline). */
export class OnboardingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'OnboardingError';
  }
}
