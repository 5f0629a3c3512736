import { OnboardingError } from '../../domain/errors';
import { REQUEST, runOf, stepState, workspaceMock, accountsOf } from '../onboarding-run.fixture';
import { ApiKeyStep } from './api-key.step';

function steps(client: { workatoId?: string | null; adopted?: boolean } = {}) {
  return [
    stepState({
      name: 'api_client',
      kind: 'API_CLIENT',
      workatoId: client.workatoId === undefined ? '77' : client.workatoId,
      adopted: client.adopted ?? false,
    }),
    stepState({ name: 'api_key:Production', kind: 'API_KEY', position: 1 }),
  ];
}

describe('API key step', () => {
  it('plans one step per key of the event, keyed by client and key name', () => {
    expect(
      new ApiKeyStep(accountsOf(workspaceMock())).plan({
        ...REQUEST,
        apiKeys: [
          { name: 'Production', active: true, ipAllowList: [], ipDenyList: [] },
          { name: 'Staging', active: false, ipAllowList: [], ipDenyList: [] },
        ],
      }),
    ).toEqual([
      { name: 'api_key:Production', naturalKey: 'client:Umbrella/key:Production' },
      { name: 'api_key:Staging', naturalKey: 'client:Umbrella/key:Staging' },
    ]);
  });

  it('looks for existing keys only under a client this onboarding adopted', () => {
    const step = new ApiKeyStep(accountsOf(workspaceMock()));
    expect(step.mayPreexist(runOf(steps({ adopted: false })).run)).toBe(false);
    expect(step.mayPreexist(runOf(steps({ adopted: true })).run)).toBe(true);
  });

  it('creates the key with the event’s settings and hands back its one-time token', async () => {
    const workspace = workspaceMock();
    workspace.createApiKey.mockResolvedValue({ id: '5', name: 'Production', authToken: 'tok' });
    const { run } = runOf(steps());
    const created = await new ApiKeyStep(accountsOf(workspace)).create(
      run,
      run.step('api_key:Production'),
    );
    expect(created).toEqual({ id: '5', secret: 'tok' });
    expect(workspace.createApiKey).toHaveBeenCalledWith('E123', '77', REQUEST.apiKeys[0]);
  });

  it('never takes over a key of that name it did not create', () => {
    const { run } = runOf(steps({ adopted: true }));
    const verdict = new ApiKeyStep(accountsOf(workspaceMock())).foundWithoutIntent(
      run,
      run.step('api_key:Production'),
      { id: '5' },
    );
    expect(verdict).toBeInstanceOf(OnboardingError);
    expect(verdict).toMatchObject({ code: 'API_KEY_CONFLICT', retryable: false });
    expect(verdict.message).toMatch(/"Production" \(id 5\) already exists on API client 77/);
  });

  describe('a token lost in a crash', () => {
    it('is recovered by refreshing the secret of a token client’s key', async () => {
      const workspace = workspaceMock();
      workspace.refreshApiKeySecret.mockResolvedValue({
        id: '5',
        name: 'Production',
        authToken: 'new',
      });
      const { run } = runOf(steps());
      expect(
        await new ApiKeyStep(accountsOf(workspace)).recoverSecret(
          run,
          run.step('api_key:Production'),
          {
            id: '5',
          },
        ),
      ).toBe('new');
      expect(workspace.refreshApiKeySecret).toHaveBeenCalledWith('E123', '77', '5');
    });

    it('does not exist for a JWT client’s key: nothing is refreshed', async () => {
      const workspace = workspaceMock();
      const { run } = runOf(steps(), {
        request: {
          ...REQUEST,
          apiClient: {
            name: 'Umbrella',
            authType: 'jwt',
            jwt: { method: 'rsa', secretProvided: true },
          },
        },
      });
      expect(
        await new ApiKeyStep(accountsOf(workspace)).recoverSecret(
          run,
          run.step('api_key:Production'),
          {
            id: '5',
          },
        ),
      ).toBeNull();
      expect(workspace.refreshApiKeySecret).not.toHaveBeenCalled();
    });
  });

  describe('undo', () => {
    it('deletes the key under the client', async () => {
      const workspace = workspaceMock();
      workspace.deleteApiKey.mockResolvedValue(true);
      const { run } = runOf(steps());
      await new ApiKeyStep(accountsOf(workspace)).undo(run, {
        ...run.step('api_key:Production'),
        workatoId: '5',
      });
      expect(workspace.deleteApiKey).toHaveBeenCalledWith('E123', '77', '5');
    });

    it('finds the client and the key by name when their ids were never learnt', async () => {
      const workspace = workspaceMock();
      workspace.findApiClient.mockResolvedValue({ id: '78', name: 'Umbrella' });
      workspace.findApiKey.mockResolvedValue({ id: '6', name: 'Production' });
      workspace.deleteApiKey.mockResolvedValue(true);
      const { run } = runOf(steps({ workatoId: null }));
      await new ApiKeyStep(accountsOf(workspace)).undo(run, run.step('api_key:Production'));
      expect(workspace.findApiKey).toHaveBeenCalledWith('E123', '78', 'Production');
      expect(workspace.deleteApiKey).toHaveBeenCalledWith('E123', '78', '6');
    });

    it('is done when there is no client: no key of ours can exist', async () => {
      const workspace = workspaceMock();
      workspace.findApiClient.mockResolvedValue(null);
      const { run } = runOf(steps({ workatoId: null }));
      await new ApiKeyStep(accountsOf(workspace)).undo(run, run.step('api_key:Production'));
      expect(workspace.deleteApiKey).not.toHaveBeenCalled();
    });
  });
});
