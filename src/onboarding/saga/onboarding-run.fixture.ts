/**
 * Builders for the saga's unit specs: an onboarding run over a store whose `commit` records what
 * it was given, and a WorkatoWorkspace whose every method is a jest mock. Integration tests in
 * test/ run the same code on real Postgres and the Workato sandbox.
 */
import { AppConfig } from '../../platform/config/app-config';
import { parseConfig } from '../../platform/config/config.schema';
import type { OnboardingRequest } from '../domain/onboarding-request';
import type { LifecyclePolicy } from '../domain/lifecycle';
import { pendingStep, StepState } from '../domain/steps';
import type {
  OnboardingSnapshot,
  OnboardingStore,
  OnboardingWrite,
} from '../ports/onboarding.store';
import type { WorkatoAccounts, WorkatoWorkspace } from '../ports/workato-workspace.port';
import { OnboardingRun } from './onboarding-run';

export const REQUEST: OnboardingRequest = {
  eventId: 'evt-1',
  eventType: 'CustomerOnboarded',
  schemaVersion: 1,
  occurredAt: '2026-11-22T10:00:00Z',
  customer: { managedUserId: 'E123', name: 'Umbrella' },
  projectId: '523144',
  collection: { name: 'Umbrella API' },
  apiClient: { name: 'Umbrella', authType: 'token' },
  apiKeys: [{ name: 'Production', active: true, ipAllowList: [], ipDenyList: [] }],
};

export function stepState(
  overrides: Partial<StepState> & Pick<StepState, 'name' | 'kind'>,
): StepState {
  return {
    ...pendingStep({ position: 0, naturalKey: overrides.name, ...overrides }),
    ...overrides,
  };
}

export const POLICY: LifecyclePolicy = {
  deadlineMs: 3_600_000,
  compensationRuns: 3,
  retryDelayMs: () => 1000,
};

export interface RunFixture {
  run: OnboardingRun;
  /** Every write committed, in order. */
  commits: OnboardingWrite[];
}

export function runOf(
  steps: StepState[],
  overrides: Partial<OnboardingSnapshot> = {},
  events: string[] = [],
): RunFixture {
  const commits: OnboardingWrite[] = [];
  const store = {
    commit: jest.fn(async (_owner: string, _id: string, write: OnboardingWrite) => {
      events.push('commit');
      commits.push(structuredClone(write));
    }),
  } as unknown as OnboardingStore;
  const now = new Date();
  const snapshot: OnboardingSnapshot = {
    id: '00000000-0000-4000-8000-000000000001',
    operationType: 'ONBOARDING',
    eventId: REQUEST.eventId,
    managedUserId: REQUEST.customer.managedUserId,
    customerName: REQUEST.customer.name,
    source: 'kafka',
    status: 'IN_PROGRESS',
    attempt: 1,
    request: REQUEST,
    jwtSecretCiphertext: null,
    error: null,
    nextRunAt: now,
    deadlineAt: new Date(now.getTime() + 3_600_000),
    credentialsRetrievedAt: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    workatoAccount: 'default',
    steps,
    ...overrides,
  };
  return { run: new OnboardingRun(store, 'me', snapshot, POLICY), commits };
}

/** A WorkatoWorkspace whose methods are jest mocks, all rejecting until told otherwise. */
export function workspaceMock(): jest.Mocked<WorkatoWorkspace> {
  const names = [
    'findApiCollection',
    'createApiCollection',
    'findApiClient',
    'createApiClient',
    'deleteApiClient',
    'findPortalByName',
    'findApiKey',
    'createApiKey',
    'refreshApiKeySecret',
    'deleteApiKey',
  ] as const;
  const mock: Record<string, jest.Mock> = {};
  for (const name of names)
    mock[name] = jest.fn(() => Promise.reject(new Error(`unexpected call: ${name}`)));
  return mock as unknown as jest.Mocked<WorkatoWorkspace>;
}

/** The service's configuration from environment variables (defaults for the rest). */
export function configOf(env: Record<string, string> = {}): AppConfig {
  return new AppConfig(parseConfig(env), {
    databaseUrl: 'postgres://unused/unused',
    kafkaBrokers: null,
    workatoBaseUrl: 'http://127.0.0.1:9',
    workatoApiToken: 'unused',
    secretsEncryptionKey: 'unused',
    sandboxUrl: null,
    apiTokens: [],
  });
}

/** One account, `default`, over a workspace mock. */
export function accountsOf(workspace: WorkatoWorkspace): WorkatoAccounts {
  return {
    names: ['default'],
    defaultAccount: 'default',
    workspace: () => workspace,
    admission: () => 'run',
    probing: jest.fn(),
    refused: jest.fn(),
    statuses: () => [],
  } as unknown as WorkatoAccounts;
}
