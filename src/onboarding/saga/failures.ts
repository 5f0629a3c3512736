import { OnboardingError, RecordedError } from '../domain/errors';
import type { NextMove } from '../domain/lifecycle';
import { WorkatoAccounts, WorkspaceCallError } from '../ports/workato-workspace.port';
import type { OnboardingRun, StepUpdate } from './onboarding-run';

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

/**
 * Workato refused the account's token (401): the account waits, the onboarding is not at
 * fault. A 403 is not this: it refuses one request (a project or managed user the token may not
 * touch) while the token works, so pausing the whole account would never end; that request's
 * step fails for good instead.
 */
export function isAccountRefusal(error: unknown): boolean {
  return error instanceof WorkspaceCallError && error.recorded.httpStatus === 401;
}

/** What an onboarding says while its account refuses the token. */
export function accountRefusedError(account: string, step?: string): RecordedError {
  return {
    code: 'WORKATO_ACCOUNT_REFUSED',
    message:
      `Workato account ${account} refused the token (HTTP 401): after a data-center move, ` +
      'set its region; after a token rotation, put the new token in its token file. ' +
      'The onboarding waits and goes on by itself once the token is accepted.',
    retryable: true,
    httpStatus: 401,
    step,
    at: new Date().toISOString(),
  };
}

/**
 * The account refused its token while a step (or its undo) ran: the account is marked refused,
 * the step records why (with `update`: its attempt handed back), and the saga waits a recheck
 * interval without its lease.
 */
export async function waitForRefusedAccount(
  run: OnboardingRun,
  accounts: WorkatoAccounts,
  options: { stepName: string; recheckMs: number; update?: StepUpdate },
): Promise<NextMove> {
  const account = run.onboarding.workatoAccount;
  const error = accountRefusedError(account, options.stepName);
  accounts.refused(account, error.message);
  run.updateStep(options.stepName, { ...options.update, lastError: error });
  const next = run.on({
    type: 'ACCOUNT_REFUSED',
    at: new Date(),
    error,
    retryInMs: options.recheckMs,
  });
  await run.commit({ releaseLease: true });
  return next;
}
