import {
  apiKeyNameOf,
  compensationOrder,
  replayedStep,
  resourcesOf,
  runOrder,
  STEP_NAMES,
  StepState,
  undoPlan,
} from './steps';

function step(overrides: Partial<StepState>): StepState {
  return {
    name: STEP_NAMES.apiClient,
    position: 1,
    kind: 'API_CLIENT',
    target: null,
    naturalKey: 'client:C',
    status: 'SUCCEEDED',
    attempts: 1,
    compensationAttempts: 0,
    intentRecordedAt: new Date(),
    workatoId: '42',
    adopted: false,
    hasSecret: false,
    lastError: null,
    startedAt: new Date(),
    finishedAt: new Date(),
    ...overrides,
  };
}

describe('onboarding steps', () => {
  it('names API key steps one way and reads them back', () => {
    expect(STEP_NAMES.apiKey('Production: EU')).toBe('api_key:Production: EU');
    expect(apiKeyNameOf(STEP_NAMES.apiKey('Production: EU'))).toBe('Production: EU');
    expect(() => apiKeyNameOf(STEP_NAMES.apiClient)).toThrow(/not an API key step/);
  });

  it('runs in position order and unwinds newest first', () => {
    const steps = [step({ position: 2 }), step({ position: 0 }), step({ position: 1 })];
    expect(runOrder(steps).map((s) => s.position)).toEqual([0, 1, 2]);
    expect(compensationOrder(steps).map((s) => s.position)).toEqual([2, 1, 0]);
  });

  describe('undo plan', () => {
    it('undoes what this onboarding created', () => {
      expect(undoPlan(step({}), 'delete')).toBe('UNDO');
    });

    it('retains what cannot be deleted (an API collection)', () => {
      expect(undoPlan(step({ kind: 'API_COLLECTION' }), 'retain')).toBe('RETAIN');
    });

    it('never touches an adopted resource', () => {
      expect(undoPlan(step({ adopted: true }), 'delete')).toBe('NOTHING');
      expect(undoPlan(step({ adopted: true }), 'retain')).toBe('NOTHING');
    });

    it('looks for a resource whose create may have gone through unanswered', () => {
      expect(undoPlan(step({ status: 'PENDING', workatoId: null }), 'delete')).toBe('UNDO');
    });

    it('has nothing to undo for a step that never sent a create', () => {
      expect(
        undoPlan(step({ status: 'PENDING', workatoId: null, intentRecordedAt: null }), 'delete'),
      ).toBe('NOTHING');
    });

    it('does not undo twice', () => {
      expect(undoPlan(step({ status: 'COMPENSATED' }), 'delete')).toBe('NOTHING');
      expect(undoPlan(step({ status: 'RETAINED' }), 'retain')).toBe('NOTHING');
    });
  });

  describe('replay', () => {
    it('forgets a resource compensation deleted, and its secret', () => {
      expect(replayedStep(step({ status: 'COMPENSATED', hasSecret: true }))).toEqual({
        status: 'PENDING',
        intentRecordedAt: null,
        workatoId: null,
        lastError: null,
        finishedAt: null,
        clearSecret: true,
      });
    });

    it('keeps the intent and id of anything that may still exist, for the look-up', () => {
      const retained = step({ kind: 'API_COLLECTION', status: 'RETAINED', workatoId: '7' });
      expect(replayedStep(retained)).toMatchObject({
        status: 'PENDING',
        intentRecordedAt: retained.intentRecordedAt,
        workatoId: '7',
        clearSecret: false,
      });
      const stuck = step({
        status: 'COMPENSATION_FAILED',
        lastError: { code: 'X', message: 'x', retryable: true },
      });
      expect(replayedStep(stuck)).toMatchObject({ workatoId: '42', lastError: null });
    });
  });

  it('shows the resources of an onboarding', () => {
    expect(
      resourcesOf([
        step({
          name: STEP_NAMES.apiCollection,
          kind: 'API_COLLECTION',
          position: 0,
          workatoId: '1',
          adopted: true,
        }),
        step({ workatoId: '2' }),
        step({ name: STEP_NAMES.apiKey('P'), kind: 'API_KEY', position: 2, workatoId: '3' }),
      ]),
    ).toEqual({
      apiCollection: { id: '1', adopted: true, status: 'SUCCEEDED' },
      apiClient: { id: '2', adopted: false, status: 'SUCCEEDED' },
      apiKeys: [{ name: 'P', id: '3', status: 'SUCCEEDED' }],
    });
  });
});
