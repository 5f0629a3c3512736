export type AuthType = 'token' | 'jwt' | 'oauth2' | 'oidc';
export type JwtMethod = 'hmac' | 'rsa';

export interface PortalAssignment {
  portalId?: number;
  portalName?: string;
  email?: string;
  idpUserId?: string;
}

export interface ApiKeyRequest {
  name: string;
  active: boolean;
  ipAllowList: string[];
  ipDenyList: string[];
}

export interface ApiClientRequest {
  name: string;
  description?: string;
  authType: AuthType;
  /** The secret itself never lives here: it is stored encrypted beside the onboarding. */
  jwt?: { method: JwtMethod; secretProvided: boolean };
  oidc?: { issuer?: string; jwksUri?: string };
  accessProfileClaim?: string;
  requiredClaims?: string[];
  allowedIssuers?: string[];
  apiPolicyId?: number;
  portal?: PortalAssignment;
}

/** What an onboarding provisions, as validated from a CustomerOnboarded event. */
export interface OnboardingRequest {
  eventId: string;
  eventType: 'CustomerOnboarded';
  schemaVersion: 1;
  occurredAt: string;
  customer: { managedUserId: string; name: string };
  projectId: string;
  collection: { name: string };
  apiClient: ApiClientRequest;
  apiKeys: ApiKeyRequest[];
  /**
   * Look the API collection and client up by name and adopt what exists (true), or create them
   * directly (false). Absent: ONBOARDING_ADOPT_EXISTING.
   */
  adoptExisting?: boolean;
  /** The Workato account it is provisioned in (resolved at intake). */
  workatoAccount?: string;
}

/** Whether this onboarding looks up and adopts an existing API collection and client. */
export function adoptsExisting(request: OnboardingRequest, byDefault: boolean): boolean {
  return request.adoptExisting ?? byDefault;
}
