import { randomBytes } from 'node:crypto';
import { parseEncryptionKeys, SecretBox } from '../../../platform/secrets/secret-box';
import { SECRET_CONTEXT } from '../../../platform/secrets/secret-context';
import { OnboardingError } from '../../domain/errors';
import {
  configOf,
  REQUEST,
  runOf,
  stepState,
  workspaceMock,
  accountsOf,
} from '../onboarding-run.fixture';
import { ApiClientStep } from './api-client.step';

const box = new SecretBox(parseEncryptionKeys(randomBytes(32).toString('base64')));

function steps(collectionId: string | null = '9') {
  return [
    stepState({ name: 'api_collection', kind: 'API_COLLECTION', workatoId: collectionId }),
    stepState({ name: 'api_client', kind: 'API_CLIENT', position: 1 }),
  ];
}

describe('API client step', () => {
  it('plans one client, keyed by name', () => {
    expect(new ApiClientStep(accountsOf(workspaceMock()), box, configOf()).plan(REQUEST)).toEqual([
      { name: 'api_client', naturalKey: 'client:Umbrella' },
    ]);
  });

  it('creates the client in the collection the previous step provisioned', async () => {
    const workspace = workspaceMock();
    workspace.createApiClient.mockResolvedValue({ id: '77', name: 'Umbrella' });
    const { run } = runOf(steps());
    expect(await new ApiClientStep(accountsOf(workspace), box, configOf()).create(run)).toEqual({
      id: '77',
      name: 'Umbrella',
    });
    expect(workspace.createApiClient).toHaveBeenCalledWith('E123', {
      name: 'Umbrella',
      projectId: '523144',
      apiCollectionIds: [9],
      authType: 'token',
    } satisfies Partial<Parameters<typeof workspace.createApiClient>[1]>);
  });

  it('refuses to run before the collection has an id', async () => {
    const { run } = runOf(steps(null));
    await expect(
      new ApiClientStep(accountsOf(workspaceMock()), box, configOf()).create(run),
    ).rejects.toMatchObject({
      code: 'STEP_ORDER',
    });
  });

  it('sends the JWT secret it keeps sealed for this onboarding', async () => {
    const workspace = workspaceMock();
    workspace.createApiClient.mockResolvedValue({ id: '77', name: 'Umbrella' });
    const id = '00000000-0000-4000-8000-000000000001';
    const { run } = runOf(steps(), {
      request: {
        ...REQUEST,
        apiClient: {
          name: 'Umbrella',
          authType: 'jwt',
          jwt: { method: 'hmac', secretProvided: false },
        },
      },
      jwtSecretCiphertext: box.encrypt('s3cret', SECRET_CONTEXT.jwtSecret(id)),
    });
    await new ApiClientStep(accountsOf(workspace), box, configOf()).create(run);
    expect(workspace.createApiClient.mock.calls[0][1]).toMatchObject({
      authType: 'jwt',
      jwtMethod: 'hmac',
      jwtSecret: 's3cret',
    });
  });

  it('fails for good when the JWT secret is no longer stored', async () => {
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
    await expect(
      new ApiClientStep(accountsOf(workspaceMock()), box, configOf()).create(run),
    ).rejects.toMatchObject({
      code: 'JWT_SECRET_MISSING',
      retryable: false,
    });
  });

  describe('portal by name', () => {
    const withPortal = () =>
      runOf(steps(), {
        request: {
          ...REQUEST,
          apiClient: {
            name: 'Umbrella',
            authType: 'token',
            portal: { portalName: 'Dev', email: 'a@b.c' },
          },
        },
      }).run;

    it('resolves the portal id', async () => {
      const workspace = workspaceMock();
      workspace.findPortalByName.mockResolvedValue({ id: 37, name: 'Dev' });
      workspace.createApiClient.mockResolvedValue({ id: '77', name: 'Umbrella' });
      await new ApiClientStep(accountsOf(workspace), box, configOf()).create(withPortal());
      expect(workspace.createApiClient.mock.calls[0][1]).toMatchObject({
        apiPortalId: 37,
        email: 'a@b.c',
      });
    });

    it('fails for good with PORTAL_NOT_FOUND when there is none of that name', async () => {
      const workspace = workspaceMock();
      workspace.findPortalByName.mockResolvedValue(null);
      const failure = new ApiClientStep(accountsOf(workspace), box, configOf()).create(
        withPortal(),
      );
      await expect(failure).rejects.toBeInstanceOf(OnboardingError);
      await expect(failure).rejects.toMatchObject({ code: 'PORTAL_NOT_FOUND', retryable: false });
      expect(workspace.createApiClient).not.toHaveBeenCalled();
    });
  });

  describe('undo', () => {
    it('deletes the client by its id', async () => {
      const workspace = workspaceMock();
      workspace.deleteApiClient.mockResolvedValue(true);
      const { run } = runOf(steps());
      await new ApiClientStep(accountsOf(workspace), box, configOf()).undo(run, {
        ...run.step('api_client'),
        workatoId: '77',
      });
      expect(workspace.deleteApiClient).toHaveBeenCalledWith('E123', '77');
    });

    it('looks the client up when its create went unanswered', async () => {
      const workspace = workspaceMock();
      workspace.findApiClient.mockResolvedValue({ id: '78', name: 'Umbrella' });
      workspace.deleteApiClient.mockResolvedValue(true);
      const { run } = runOf(steps());
      await new ApiClientStep(accountsOf(workspace), box, configOf()).undo(
        run,
        run.step('api_client'),
      );
      expect(workspace.deleteApiClient).toHaveBeenCalledWith('E123', '78');
    });

    it('is done when there is nothing to delete', async () => {
      const workspace = workspaceMock();
      workspace.findApiClient.mockResolvedValue(null);
      const { run } = runOf(steps());
      await new ApiClientStep(accountsOf(workspace), box, configOf()).undo(
        run,
        run.step('api_client'),
      );
      expect(workspace.deleteApiClient).not.toHaveBeenCalled();
    });
  });
});
