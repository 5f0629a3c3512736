import type { StepState } from '../domain/steps';
import { isTerminalFailure } from './failures';
import type { OnboardingRun } from './onboarding-run';
import type { ExactlyOnceStep } from './saga-step';

/**
 * Exactly-once creation in Workato without transactions across systems: look the resource up
 * by its natural key when something may exist, record the intent durably before creating, and
 * on a later run treat what the look-up finds as ours only when our intent was recorded.
 *
 * `seal` turns a secret Workato shows once (an API key's token) into what is stored.
 */
export async function provisionOnce(
  run: OnboardingRun,
  step: StepState,
  impl: ExactlyOnceStep,
  seal: (secret: string) => string,
  now: () => Date = () => new Date(),
): Promise<void> {
  // Counted in memory now, stored with the step's next write (its intent or its result).
  run.updateStep(step.name, { attempts: step.attempts + 1, startedAt: step.startedAt ?? now() });
  const ours = step.intentRecordedAt !== null;
  const found = ours || impl.mayPreexist(run, step) ? await impl.find(run, step) : null;

  if (found) {
    if (!ours) {
      const verdict = impl.foundWithoutIntent(run, step, found);
      if (verdict !== 'adopt') throw verdict;
      run.updateStep(step.name, {
        status: 'SUCCEEDED',
        workatoId: found.id,
        adopted: true,
        lastError: null,
        finishedAt: now(),
      });
      return;
    }
    // Ours: a crash (or a lost answer) came between the create and its result.
    let secret: string | null = null;
    if (impl.recoverSecret && !(step.hasSecret && step.workatoId === found.id))
      secret = await impl.recoverSecret(run, step, found);
    run.updateStep(step.name, {
      status: 'SUCCEEDED',
      workatoId: found.id,
      adopted: false,
      lastError: null,
      finishedAt: now(),
      ...(secret ? { secretCiphertext: seal(secret) } : {}),
    });
    return;
  }

  run.updateStep(step.name, { intentRecordedAt: step.intentRecordedAt ?? now() });
  // The intent must be durable before Workato is asked to create anything. It goes out with
  // whatever else is pending (the previous step's result, the start of the run).
  await run.commit();
  let created;
  try {
    created = await impl.create(run, step);
  } catch (error) {
    // The look-up found nothing (or we knew nothing could exist) and Workato refused the create
    // for good: nothing exists to undo. A retryable failure keeps the intent: the create may
    // have gone through.
    if (isTerminalFailure(error)) run.updateStep(step.name, { intentRecordedAt: null });
    throw error;
  }
  run.updateStep(step.name, {
    status: 'SUCCEEDED',
    workatoId: created.id,
    adopted: false,
    lastError: null,
    finishedAt: now(),
    ...(created.secret ? { secretCiphertext: seal(created.secret) } : {}),
  });
}
