import { Injectable } from '@nestjs/common';
import {
  CreateApiClientInput,
  WorkatoWorkspace,
  WorkspaceApiClient,
  WorkspaceApiClientDetails,
  WorkspaceApiCollection,
  WorkspaceApiKey,
  WorkspaceApiKeyState,
  WorkspaceCallError,
  WorkspacePortal,
} from '../onboarding/ports/workato-workspace.port';
import { isWorkatoError, WorkatoError } from './workato.errors';
import { PortalCache } from './portal-cache';
import { CallOptions, WorkatoClient } from './workato.client';
import type { CreateApiClientRequest } from './workato.types';

/** The onboarding's view of a Workato workspace, over the Workato client. */
@Injectable()
export class WorkatoWorkspaceAdapter extends WorkatoWorkspace {
  constructor(
    private readonly client: WorkatoClient,
    private readonly portals: PortalCache,
  ) {
    super();
  }

  findApiCollection(
    mu: string,
    projectId: string,
    name: string,
  ): Promise<WorkspaceApiCollection | null> {
    return call(async () => {
      const found = await this.client.findFirst(
        'listApiCollections',
        { mu },
        (c) => c.name === name && String(c.project_id ?? '') === projectId,
      );
      return found
        ? { id: String(found.id), name: found.name, projectId: String(found.project_id ?? '') }
        : null;
    });
  }

  createApiCollection(
    mu: string,
    projectId: string,
    name: string,
  ): Promise<WorkspaceApiCollection> {
    return call(async () => {
      const created = await createOnce(() =>
        this.client.call('createApiCollection', { mu, projectId, body: { name } }, CREATE_OPTIONS),
      );
      return { id: String(created.id), name: created.name, projectId };
    });
  }

  findApiClient(mu: string, name: string): Promise<WorkspaceApiClient | null> {
    return call(async () => {
      const found = await this.client.findFirst('listApiClients', { mu }, (c) => c.name === name);
      return found ? { id: String(found.id), name: found.name } : null;
    });
  }

  createApiClient(mu: string, input: CreateApiClientInput): Promise<WorkspaceApiClient> {
    return call(async () => {
      const body: CreateApiClientRequest = {
        name: input.name,
        description: input.description,
        project_id: Number(input.projectId),
        api_collection_ids: input.apiCollectionIds,
        auth_type: input.authType,
        jwt_method: input.jwtMethod,
        jwt_secret: input.jwtSecret,
        oidc_issuer: input.oidcIssuer,
        oidc_jwks_uri: input.oidcJwksUri,
        access_profile_claim: input.accessProfileClaim,
        required_claims: input.requiredClaims,
        allowed_issuers: input.allowedIssuers,
        api_policy_id: input.apiPolicyId,
        api_portal_id: input.apiPortalId,
        email: input.email,
        idp_user_id: input.idpUserId,
      };
      for (const key of Object.keys(body) as (keyof CreateApiClientRequest)[])
        if (body[key] === undefined) delete body[key];
      const created = await createOnce(() =>
        this.client.call('createApiClient', { mu, body }, CREATE_OPTIONS),
      );
      return { id: String(created.id), name: created.name };
    });
  }

  deleteApiClient(mu: string, clientId: string): Promise<boolean> {
    return call(() => this.client.call('deleteApiClient', { mu, clientId }).then(() => true), {
      notFound: false,
    });
  }

  findPortalByName(mu: string, name: string): Promise<WorkspacePortal | null> {
    return call(async () => {
      const found = await this.portals.find(mu, name, async () =>
        (await this.client.listAll('listApiPortals', { mu })).map((p) => ({
          id: Number(p.id),
          name: p.name,
        })),
      );
      return found ? { id: found.id, name: found.name } : null;
    });
  }

  findApiKey(mu: string, clientId: string, name: string): Promise<WorkspaceApiKey | null> {
    return call(
      async () => {
        const found = await this.client.findFirst(
          'listApiKeys',
          { mu, clientId },
          (k) => k.name === name,
        );
        return found ? { id: String(found.id), name: found.name } : null;
      },
      { notFound: null },
    );
  }

  createApiKey(
    mu: string,
    clientId: string,
    input: { name: string; active: boolean; ipAllowList: string[]; ipDenyList: string[] },
  ): Promise<WorkspaceApiKey> {
    return call(async () => {
      const key = await createOnce(() =>
        this.client.call(
          'createApiKey',
          {
            mu,
            clientId,
            body: {
              name: input.name,
              active: input.active,
              ip_allow_list: input.ipAllowList,
              ip_deny_list: input.ipDenyList,
            },
          },
          CREATE_OPTIONS,
        ),
      );
      return withToken(key);
    });
  }

  refreshApiKeySecret(mu: string, clientId: string, keyId: string): Promise<WorkspaceApiKey> {
    return call(async () =>
      withToken(await this.client.call('refreshApiKeySecret', { mu, clientId, keyId })),
    );
  }

  getApiClient(mu: string, clientId: string): Promise<WorkspaceApiClientDetails | null> {
    return call(
      async () => {
        const c = await this.client.call('getApiClient', { mu, clientId });
        return {
          id: String(c.id),
          name: c.name,
          authType: c.auth_type ?? null,
          apiCollectionIds: (c.api_collections ?? []).map((x) => String(x.id)),
          apiPortalId: c.api_portal_id ?? null,
        };
      },
      { notFound: null },
    );
  }

  listApiKeys(mu: string, clientId: string): Promise<WorkspaceApiKeyState[] | null> {
    return call(
      async () =>
        (await this.client.listAll('listApiKeys', { mu, clientId })).map((k) => ({
          id: String(k.id),
          name: k.name,
          // 001 lists `active` on every key; a key without it is taken as working.
          active: k.active ?? true,
        })),
      { notFound: null },
    );
  }

  setApiClientCollections(
    mu: string,
    clientId: string,
    input: { name: string; apiCollectionIds: number[] },
  ): Promise<boolean> {
    return call(
      () =>
        this.client
          .call('updateApiClient', {
            mu,
            clientId,
            body: { name: input.name, api_collection_ids: input.apiCollectionIds },
          })
          .then(() => true),
      { notFound: false },
    );
  }

  setApiKeyActive(mu: string, clientId: string, keyId: string, active: boolean): Promise<boolean> {
    return call(
      () =>
        this.client
          .call(active ? 'enableApiKey' : 'disableApiKey', { mu, clientId, keyId })
          .then(() => true),
      { notFound: false },
    );
  }

  deleteApiKey(mu: string, clientId: string, keyId: string): Promise<boolean> {
    return call(() => this.client.call('deleteApiKey', { mu, clientId, keyId }).then(() => true), {
      notFound: false,
    });
  }
}

function withToken(key: { id: number; name: string; auth_token?: string | null }): WorkspaceApiKey {
  // A masked token (its last four characters) is what reads return; only a full one is a secret.
  const token = key.auth_token && key.auth_token.length > 4 ? key.auth_token : null;
  return { id: String(key.id), name: key.name, authToken: token };
}

/**
 * Creates are not idempotent in Workato: retrying one whose answer was lost (timeout, dropped
 * connection, 5xx) could create a second resource. So the client does not retry them; the
 * onboarding re-runs the step instead, which looks the resource up by its natural key first.
 * Only a 429 is retried here, since Workato applied nothing.
 */
const CREATE_OPTIONS: CallOptions = { retry: false };
const MAX_RATE_LIMITED_CREATES = 8;

async function createOnce<T>(create: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      if (!isWorkatoError(error) || error.status !== 429 || attempt >= MAX_RATE_LIMITED_CREATES)
        throw error;
      await new Promise((r) => setTimeout(r, error.retryAfterMs ?? 1000));
    }
  }
}

/** Runs a client call, mapping Workato's errors to recorded ones; 404 may mean "already gone". */
async function call<T>(fn: () => Promise<T>, options: { notFound?: T } = {}): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isWorkatoError(error)) {
      if (error.status === 404 && 'notFound' in options) return options.notFound as T;
      throw new WorkspaceCallError(recorded(error));
    }
    throw error;
  }
}

function recorded(error: WorkatoError) {
  return {
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    httpStatus: error.status,
    workatoMessage: error.workatoMessage,
    ...(error.fieldErrors ? { fieldErrors: error.fieldErrors } : {}),
    method: error.method ?? undefined,
    path: error.path ?? undefined,
  };
}
