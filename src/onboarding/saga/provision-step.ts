import { OnboardingError } from '../domain/errors';
import type { StepState } from '../domain/onboarding-step';
import type { OnboardingStore } from '../ports/onboarding.store';
import { WorkspaceCallError } from '../ports/workato-workspace.port';

function isTerminal(error: unknown): boolean {
  if (error instanceof WorkspaceCallError) return !error.recorded.retryable;
  return error instanceof OnboardingError && !error.retryable;
}

export interface ProvisionOperations {
  /** Looks the resource up by its natural key. */
  find(): Promise<{ id: string } | null>;
  create(): Promise<{ id: string; secret?: string }>;
  /** A resource found under our natural key that we never meant to create. */
  foundWithoutIntent: 'adopt' | ((found: { id: string }) => OnboardingError);
  /** Ours, created before a crash lost Workato's answer: recover its one-time secret. */
  recoverSecret?(found: { id: string }): Promise<string>;
  sealSecret?(secret: string): string;
  /** Step duration and outcome, for the metrics. */
  observe?(outcome: 'succeeded' | 'retrying' | 'failed', seconds: number): void;
}

/**
 * Exactly-once creation in Workato without transactions across systems: look up by natural key,
 * record the intent before creating, and on a later run treat what the lookup finds as ours only
 * when our intent was recorded. Returns the Workato id.
 */
export async function provisionStep(
  store: OnboardingStore,
  owner: string,
  onboardingId: string,
  step: StepState,
  ops: ProvisionOperations,
): Promise<string> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const id = await provision(store, owner, onboardingId, step, ops);
    ops.observe?.('succeeded', seconds());
    return id;
  } catch (error) {
    ops.observe?.(isTerminal(error) ? 'failed' : 'retrying', seconds());
    throw error;
  }
}

async function provision(
  store: OnboardingStore,
  owner: string,
  onboardingId: string,
  step: StepState,
  ops: ProvisionOperations,
): Promise<string> {
  const update = (patch: Parameters<OnboardingStore['updateStep']>[3]) =>
    store.updateStep(owner, onboardingId, step.name, patch);
  await update({ attemptsIncrement: true, started: true });

  const found = await ops.find();
  if (found) {
    const ours = step.intentRecordedAt !== null;
    if (!ours) {
      if (ops.foundWithoutIntent !== 'adopt') throw ops.foundWithoutIntent(found);
      await update({
        status: 'SUCCEEDED',
        workatoId: found.id,
        adopted: true,
        lastError: null,
        finished: true,
      });
      return found.id;
    }
    let secretCiphertext: string | undefined;
    if (ops.recoverSecret && ops.sealSecret && !(step.hasSecret && step.workatoId === found.id)) {
      secretCiphertext = ops.sealSecret(await ops.recoverSecret(found));
    }
    await update({
      status: 'SUCCEEDED',
      workatoId: found.id,
      adopted: false,
      lastError: null,
      finished: true,
      ...(secretCiphertext ? { secretCiphertext } : {}),
    });
    return found.id;
  }

  await update({ intentRecorded: true });
  let created: { id: string; secret?: string };
  try {
    created = await ops.create();
  } catch (error) {
    // The lookup just found nothing and Workato refused the create for good: nothing exists
    // to undo. (A retryable failure keeps the intent: the create may have gone through.)
    if (isTerminal(error)) await update({ clearIntent: true });
    throw error;
  }
  await update({
    status: 'SUCCEEDED',
    workatoId: created.id,
    adopted: false,
    lastError: null,
    finished: true,
    ...(created.secret && ops.sealSecret
      ? { secretCiphertext: ops.sealSecret(created.secret) }
      : {}),
  });
  return created.id;
}
