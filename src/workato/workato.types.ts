import { z } from 'zod';

/**
 * Request and response types of the Workato Embedded API platform endpoints we call.
 *
 * Responses are checked with loose zod schemas: the fields we rely on must have the documented
 * type, undocumented extra fields are kept (Workato adds fields without notice), and a response
 * that does not match is reported as WORKATO_INVALID_RESPONSE instead of surfacing later as an
 * `undefined` deep inside the onboarding.
 *
 * Sources: 001 = Embedded API platform reference (English, /api/managed_users/:id/...),
 * 003 = the same reference for a partner's own workspace (Japanese), which documents the newer
 * fields (idp_user_id, mTLS, pagination).
 */

/** Embedded customer (managed user) id: numeric id, or 'E' + external id. */
export type ManagedUserId = string | number;

/** A numeric Workato id; accepted as a string too because path parameters are strings. */
export type WorkatoId = number | string;

const id = z.number().int();
const timestamp = z.string();
/** project_id is a string in 001's responses ("523144") and an integer in 003's payloads. */
const projectId = z.union([z.string(), z.number()]);
const idName = z.looseObject({ id, name: z.string().nullish() });

export const apiCollectionSchema = z.looseObject({
  id,
  name: z.string(),
  version: z.string().nullish(),
  url: z.string().nullish(),
  api_spec_url: z.string().nullish(),
  created_at: timestamp.nullish(),
  updated_at: timestamp.nullish(),
  project_id: projectId.nullish(),
});
export type ApiCollection = z.infer<typeof apiCollectionSchema>;

export const API_CLIENT_AUTH_TYPES = ['token', 'jwt', 'oauth2', 'oidc'] as const;
export type ApiClientAuthType = (typeof API_CLIENT_AUTH_TYPES)[number];
export const JWT_METHODS = ['hmac', 'rsa'] as const;
export type JwtMethod = (typeof JWT_METHODS)[number];

export const apiKeySchema = z.looseObject({
  id,
  name: z.string(),
  auth_type: z.string().nullish(),
  ip_allow_list: z.array(z.string()).nullish(),
  ip_deny_list: z.array(z.string()).nullish(),
  active: z.boolean().nullish(),
  active_since: timestamp.nullish(),
  /**
   * The full token only in the create and refresh-secret responses; lists and updates return
   * its last four characters. Tokens are view-once (002): store it when you get it.
   */
  auth_token: z.string().nullish(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const apiClientSchema = z.looseObject({
  id,
  name: z.string(),
  description: z.string().nullish(),
  active_api_keys_count: z.number().nullish(),
  total_api_keys_count: z.number().nullish(),
  created_at: timestamp.nullish(),
  updated_at: timestamp.nullish(),
  logo: z.string().nullish(),
  logo_2x: z.string().nullish(),
  is_legacy: z.boolean().nullish(),
  email: z.string().nullish(),
  idp_user_id: z.string().nullish(),
  auth_type: z.string().nullish(),
  project_id: projectId.nullish(),
  api_portal_id: id.nullish(),
  /** Workato never returns jwt_secret. */
  jwt_method: z.string().nullish(),
  oidc_issuer: z.string().nullish(),
  oidc_jwks_uri: z.string().nullish(),
  access_profile_claim: z.string().nullish(),
  required_claims: z.array(z.string()).nullish(),
  allowed_issuers: z.array(z.string()).nullish(),
  mtls_enabled: z.boolean().nullish(),
  validation_formula: z.string().nullish(),
  cert_bundle_ids: z.array(id).nullish(),
  api_policies: z.array(idName).nullish(),
  api_collections: z.array(idName).nullish(),
  api_keys: z.array(apiKeySchema).nullish(),
});
export type ApiClient = z.infer<typeof apiClientSchema>;

export const apiPortalSchema = z.looseObject({
  id,
  user_id: id.nullish(),
  name: z.string(),
  subdomain: z.string().nullish(),
  brand_color: z.string().nullish(),
  api_collection_ids: z.array(id).nullish(),
  created_at: timestamp.nullish(),
  updated_at: timestamp.nullish(),
  logo: z.string().nullish(),
  logo_2x: z.string().nullish(),
});
export type ApiPortal = z.infer<typeof apiPortalSchema>;

/** One page of a list (v2: `{data, count, page, per_page}` on the wire; v1: the items only). */
export interface Page<T> {
  data: T[];
  /** As reported by Workato (the reference does not say whether the page's or the total). */
  count: number | null;
  page: number | null;
  perPage: number | null;
}

export interface PageRequest {
  /** 1-based; default 1. */
  page?: number;
  /** Default and maximum 100 (003). */
  perPage?: number;
}

/**
 * Payload of "Create an API client (v2)" (001, plus idp_user_id and mTLS fields from 003).
 * Field names are Workato's, so the object is sent as is.
 */
export interface CreateApiClientRequest {
  name: string;
  description?: string;
  project_id?: number;
  /** Required with email or idp_user_id, and requires one of them. */
  api_portal_id?: number;
  /** Magic-link portals. */
  email?: string;
  /** Identity portals (003): the client's Workato Identity user id. */
  idp_user_id?: string;
  /**
   * Required by 001. 003's identity-portal sample omits it; we follow 001, the stricter one,
   * because a request that passes 001's rule is accepted under both readings.
   */
  api_collection_ids: number[];
  api_policy_id?: number;
  auth_type: ApiClientAuthType;
  /** Required with auth_type jwt, and only allowed with it. */
  jwt_method?: JwtMethod;
  /** Required with auth_type jwt, and only allowed with it. HMAC secret or RSA public key. */
  jwt_secret?: string;
  /** jwt/oidc only; at most one of oidc_issuer and oidc_jwks_uri; exactly one with oidc. */
  oidc_issuer?: string;
  oidc_jwks_uri?: string;
  /** jwt/oidc only. */
  access_profile_claim?: string;
  /** jwt/oidc only. */
  required_claims?: string[];
  /** jwt/oidc only. */
  allowed_issuers?: string[];
  mtls_enabled?: boolean;
  validation_formula?: string;
  cert_bundle_ids?: number[];
}

/**
 * Payload of "Update API client". 001 marks name and api_collection_ids as required but its
 * own sample sends only name and description, so everything is optional here; the conditional
 * rules apply to whatever is sent.
 */
export type UpdateApiClientRequest = Partial<CreateApiClientRequest>;

export interface CreateApiKeyRequest {
  name: string;
  active: boolean;
  ip_allow_list?: string[];
  ip_deny_list?: string[];
}

export interface CreateApiCollectionRequest {
  name: string;
}
