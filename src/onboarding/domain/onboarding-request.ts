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
}
