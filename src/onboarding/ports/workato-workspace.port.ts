import type { RecordedError } from '../domain/errors';

export interface WorkspaceApiCollection {
  id: string;
  name: string;
  projectId: string | null;
}
export interface WorkspaceApiClient {
  id: string;
  name: string;
}
export interface WorkspaceApiKey {
  id: string;
  name: string;
  /**
   * Present only right after create or refresh (Workato shows a token once), and only for token
   * and OAuth 2.0 clients: keys of JWT and OIDC clients carry no token.
   */
  authToken?: string | null;
}
export interface WorkspacePortal {
  id: number;
  name: string;
}

export interface CreateApiClientInput {
  name: string;
  description?: string;
  projectId: string;
  apiCollectionIds: number[];
  authType: 'token' | 'jwt' | 'oauth2' | 'oidc';
  jwtMethod?: 'hmac' | 'rsa';
  jwtSecret?: string;
  oidcIssuer?: string;
  oidcJwksUri?: string;
  accessProfileClaim?: string;
  requiredClaims?: string[];
  allowedIssuers?: string[];
  apiPolicyId?: number;
  apiPortalId?: number;
  email?: string;
  idpUserId?: string;
}

/** A failed Workato call, already classified and safe to record. */
export class WorkspaceCallError extends Error {
  constructor(readonly recorded: RecordedError) {
    super(recorded.message);
    this.name = 'WorkspaceCallError';
  }
}

/**
 * The Workato operations an onboarding needs, in the onboarding's words. Implemented over the
 * Workato client in src/workato; every method throws WorkspaceCallError on failure.
 */
export abstract class WorkatoWorkspace {
  abstract findApiCollection(
    managedUserId: string,
    projectId: string,
    name: string,
  ): Promise<WorkspaceApiCollection | null>;
  abstract createApiCollection(
    managedUserId: string,
    projectId: string,
    name: string,
  ): Promise<WorkspaceApiCollection>;
  abstract findApiClient(managedUserId: string, name: string): Promise<WorkspaceApiClient | null>;
  abstract createApiClient(
    managedUserId: string,
    input: CreateApiClientInput,
  ): Promise<WorkspaceApiClient>;
  /** Resolves to false when the client was already gone (404). */
  abstract deleteApiClient(managedUserId: string, clientId: string): Promise<boolean>;
  abstract findPortalByName(managedUserId: string, name: string): Promise<WorkspacePortal | null>;
  abstract findApiKey(
    managedUserId: string,
    clientId: string,
    name: string,
  ): Promise<WorkspaceApiKey | null>;
  abstract createApiKey(
    managedUserId: string,
    clientId: string,
    input: { name: string; active: boolean; ipAllowList: string[]; ipDenyList: string[] },
  ): Promise<WorkspaceApiKey>;
  abstract refreshApiKeySecret(
    managedUserId: string,
    clientId: string,
    keyId: string,
  ): Promise<WorkspaceApiKey>;
  abstract deleteApiKey(managedUserId: string, clientId: string, keyId: string): Promise<boolean>;
}
