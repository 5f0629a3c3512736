import { OnboardingError, RecordedError } from '../domain/errors';
import { WorkspaceCallError } from '../ports/workato-workspace.port';

/** True for a failure that retrying cannot fix. */
export function isTerminalFailure(error: unknown): boolean {
  if (error instanceof WorkspaceCallError) return !error.recorded.retryable;
  return error instanceof OnboardingError && !error.retryable;
}

/** A failure as the onboarding records it, against `step`. */
export function toRecordedError(error: unknown, step?: string): RecordedError {
  const at = new Date().toISOString();
  if (error instanceof WorkspaceCallError) return { ...error.recorded, step, at };
  if (error instanceof OnboardingError)
    return { code: error.code, message: error.message, retryable: error.retryable, step, at };
  // Anything else (Postgres restarting, a bug) is retried until the deadline rather than
  // compensated: it says nothing about the customer's workspace.
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL_ERROR', message: message.slice(0, 500), retryable: true, step, at };
}
