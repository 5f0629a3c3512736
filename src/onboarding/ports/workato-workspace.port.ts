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
/** An API client's settings as Workato shows them (what drift compares). */
export interface WorkspaceApiClientDetails {
  id: string;
  name: string;
  authType: string | null;
  apiCollectionIds: string[];
  apiPortalId: number | null;
}
/** An API key as listed: its state, never its token (lists show the last four characters). */
export interface WorkspaceApiKeyState {
  id: string;
  name: string;
  active: boolean;
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
  /** Resolves to null when the client is gone (404). */
  abstract getApiClient(
    managedUserId: string,
    clientId: string,
  ): Promise<WorkspaceApiClientDetails | null>;
  /** Every key of the client; null when the client is gone (404). */
  abstract listApiKeys(
    managedUserId: string,
    clientId: string,
  ): Promise<WorkspaceApiKeyState[] | null>;
  /**
   * Sets the client's API collections (Workato's update requires the name with them); resolves
   * to false when the client is gone (404).
   */
  abstract setApiClientCollections(
    managedUserId: string,
    clientId: string,
    input: { name: string; apiCollectionIds: number[] },
  ): Promise<boolean>;
  /** Resolves to false when the key is gone (404). Enabling an enabled key changes nothing. */
  abstract setApiKeyActive(
    managedUserId: string,
    clientId: string,
    keyId: string,
    active: boolean,
  ): Promise<boolean>;
}

/** How a Workato account is doing, as operators see it. */
export interface WorkatoAccountStatus {
  name: string;
  state: 'ok' | 'unauthorized' | 'failing';
  /** Why it is not ok, for an operator (never a token). */
  reason?: string;
  since?: string;
}

/**
 * The Workato accounts (Embed admin workspaces, one per data center or purpose) this
 * deployment talks to, each with its own token, quota and health.
 */
export abstract class WorkatoAccounts {
  abstract readonly names: readonly string[];
  /** The account an event that names none goes to; null when it must name one. */
  abstract readonly defaultAccount: string | null;
  abstract workspace(account: string): WorkatoWorkspace;
  /**
   * Whether runs of this account may start now: `run`; `wait` while its token is refused or
   * its circuit is open; `probe` (one run, to find out) once every
   * WORKATO_ACCOUNT_RECHECK_SECONDS while its token is refused.
   */
  abstract admission(account: string): 'run' | 'probe' | 'wait';
  /** A run was started as the account's probe: the next one waits a recheck interval. */
  abstract probing(account: string): void;
  /** Workato refused the account's token (401/403): it waits, it does not fail. */
  abstract refused(account: string, reason: string): void;
  abstract statuses(): WorkatoAccountStatus[];
  /** The account's Workato limit of requests per second (WORKATO_RATE_LIMIT_RPS or its own). */
  abstract perSecondLimit(account: string): number;
}
