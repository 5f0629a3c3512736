import { OnboardingError } from '../domain/errors';
import type { StepState } from '../domain/steps';
import { WorkspaceCallError } from '../ports/workato-workspace.port';
import { provisionOnce } from './exactly-once';
import { runOf, stepState } from './onboarding-run.fixture';
import type { OnboardingRun } from './onboarding-run';
import type { ProvisionStep } from './saga-step';

const seal = (secret: string) => `sealed(${secret})`;

function impl(events: string[], overrides: Partial<ProvisionStep> = {}): ProvisionStep {
  return {
    kind: 'API_KEY',
    plan: () => [],
    mayPreexist: () => false,
    find: jest.fn(async () => {
      events.push('find');
      return null;
    }),
    create: jest.fn(async () => {
      events.push('create');
      return { id: '11', secret: 'tok-1' };
    }),
    foundWithoutIntent: () => 'adopt',
    ...overrides,
  };
}

function keyStep(overrides: Partial<StepState> = {}): StepState {
  return stepState({ name: 'api_key:P', kind: 'API_KEY', ...overrides });
}

describe('provisionOnce', () => {
  it('records the intent durably before the create, and keeps the result for the next commit', async () => {
    const events: string[] = [];
    const { run, commits } = runOf([keyStep()], {}, events);
    await provisionOnce(run, run.step('api_key:P'), impl(events), seal);

    expect(events).toEqual(['commit', 'create']);
    expect(commits[0].steps[0]).toMatchObject({
      name: 'api_key:P',
      status: 'PENDING',
      attempts: 1,
    });
    expect(commits[0].steps[0].intentRecordedAt).not.toBeNull();
    expect(run.step('api_key:P')).toMatchObject({
      status: 'SUCCEEDED',
      workatoId: '11',
      adopted: false,
      hasSecret: true,
    });
    await run.commit();
    expect(commits[1].steps[0]).toMatchObject({
      status: 'SUCCEEDED',
      secretCiphertext: 'sealed(tok-1)',
    });
  });

  it('spends no look-up when nothing can exist yet', async () => {
    const events: string[] = [];
    const { run } = runOf([keyStep()], {}, events);
    const step = impl(events);
    await provisionOnce(run, run.step('api_key:P'), step, seal);
    expect(step.find).not.toHaveBeenCalled();
  });

  it('adopts what it finds on a first attempt, without a commit or a create', async () => {
    const events: string[] = [];
    const { run } = runOf([keyStep()], {}, events);
    const step = impl(events, { mayPreexist: () => true, find: async () => ({ id: '5' }) });
    await provisionOnce(run, run.step('api_key:P'), step, seal);
    expect(events).toEqual([]);
    expect(run.step('api_key:P')).toMatchObject({
      status: 'SUCCEEDED',
      workatoId: '5',
      adopted: true,
    });
  });

  it('refuses what it finds when the step says so, leaving it untouched', async () => {
    const events: string[] = [];
    const { run } = runOf([keyStep()], {}, events);
    const conflict = new OnboardingError('API_KEY_CONFLICT', 'taken');
    const step = impl(events, {
      mayPreexist: () => true,
      find: async () => ({ id: '5' }),
      foundWithoutIntent: () => conflict,
    });
    await expect(provisionOnce(run, run.step('api_key:P'), step, seal)).rejects.toBe(conflict);
    expect(step.create).not.toHaveBeenCalled();
    expect(run.step('api_key:P').intentRecordedAt).toBeNull();
  });

  describe('after a crash between the intent and the result', () => {
    it('looks up whatever the setting, takes what it finds as its own and recovers the secret', async () => {
      const events: string[] = [];
      const { run } = runOf([keyStep({ intentRecordedAt: new Date(), attempts: 1 })], {}, events);
      const recoverSecret = jest.fn(async () => 'tok-2');
      const step = impl(events, { find: async () => ({ id: '12' }), recoverSecret });
      await provisionOnce(run, run.step('api_key:P'), step, seal);
      expect(recoverSecret).toHaveBeenCalledWith(run, run.step('api_key:P'), { id: '12' });
      expect(step.create).not.toHaveBeenCalled();
      expect(run.step('api_key:P')).toMatchObject({
        status: 'SUCCEEDED',
        workatoId: '12',
        adopted: false,
        attempts: 2,
        hasSecret: true,
      });
    });

    it('does not refresh a secret it already holds for that resource', async () => {
      const events: string[] = [];
      const { run } = runOf(
        [keyStep({ intentRecordedAt: new Date(), workatoId: '12', hasSecret: true })],
        {},
        events,
      );
      const recoverSecret = jest.fn(async () => 'tok-2');
      await provisionOnce(
        run,
        run.step('api_key:P'),
        impl(events, { find: async () => ({ id: '12' }), recoverSecret }),
        seal,
      );
      expect(recoverSecret).not.toHaveBeenCalled();
    });

    it('creates again when the look-up finds nothing (the create never went through)', async () => {
      const events: string[] = [];
      const { run } = runOf([keyStep({ intentRecordedAt: new Date() })], {}, events);
      await provisionOnce(run, run.step('api_key:P'), impl(events), seal);
      expect(events).toEqual(['find', 'commit', 'create']);
    });
  });

  it('forgets the intent when Workato refuses the create for good: nothing exists', async () => {
    const events: string[] = [];
    const { run } = runOf([keyStep()], {}, events);
    const refused = new WorkspaceCallError({
      code: 'WORKATO_VALIDATION_ERROR',
      message: '422',
      retryable: false,
    });
    await expect(
      provisionOnce(
        run,
        run.step('api_key:P'),
        impl(events, { create: async () => Promise.reject(refused) }),
        seal,
      ),
    ).rejects.toBe(refused);
    expect(run.step('api_key:P').intentRecordedAt).toBeNull();
  });

  it('keeps the intent when the create may have gone through (a timeout)', async () => {
    const events: string[] = [];
    const { run } = runOf([keyStep()], {}, events);
    const timeout = new WorkspaceCallError({
      code: 'WORKATO_TIMEOUT',
      message: 'timeout',
      retryable: true,
    });
    await expect(
      provisionOnce(
        run,
        run.step('api_key:P'),
        impl(events, { create: async () => Promise.reject(timeout) }),
        seal,
      ),
    ).rejects.toBe(timeout);
    expect(run.step('api_key:P').intentRecordedAt).toBeInstanceOf(Date);
  });

  it('sends the previous step’s result with the next intent: one commit per create', async () => {
    const events: string[] = [];
    const { run, commits } = runOf(
      [
        stepState({ name: 'api_client', kind: 'API_CLIENT', position: 0 }),
        keyStep({ position: 1 }),
      ],
      {},
      events,
    );
    const both = (r: OnboardingRun) => [r.step('api_client'), r.step('api_key:P')];
    const [client, key] = both(run);
    await provisionOnce(run, client, impl(events, { create: async () => ({ id: '1' }) }), seal);
    await provisionOnce(run, key, impl(events), seal);
    expect(commits).toHaveLength(2);
    expect(commits[1].steps.map((s) => [s.name, s.status])).toEqual([
      ['api_client', 'SUCCEEDED'],
      ['api_key:P', 'PENDING'],
    ]);
  });
});
