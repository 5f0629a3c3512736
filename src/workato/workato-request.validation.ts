import { WorkatoValidationError, WorkatoValidationIssue } from './workato.errors';
import {
  API_CLIENT_AUTH_TYPES,
  CreateApiClientRequest,
  CreateApiCollectionRequest,
  CreateApiKeyRequest,
  JWT_METHODS,
  UpdateApiClientRequest,
} from './workato.types';

/**
 * Client-side checks of the v2 API client payload, so that a bad onboarding request fails at
 * once with the field named instead of after a rate-limited round trip. The same rules as the
 * reference (001's "Create an API client (v2)" table, 003's identity-portal and mTLS fields):
 *
 * - name and a non-empty api_collection_ids are required on create; auth_type is required and in
 *   the enum;
 * - auth_type jwt requires jwt_method (hmac|rsa) and jwt_secret; both are only allowed with jwt;
 * - oidc_issuer and oidc_jwks_uri: only with jwt/oidc, never both; oidc needs exactly one;
 * - access_profile_claim, required_claims, allowed_issuers: only with jwt/oidc;
 * - email or idp_user_id requires api_portal_id, and api_portal_id requires one of them.
 *
 * On update (partial payloads, merged with the stored client by Workato) the "required" rules
 * are skipped and the "not allowed together" rules still apply.
 *
 * Exported so the onboarding layer can validate its input with the same rules and messages.
 */
export function apiClientRequestIssues(
  req: Record<string, unknown>,
  mode: 'create' | 'update',
): WorkatoValidationIssue[] {
  const issues: WorkatoValidationIssue[] = [];
  const add = (field: string, message: string): void => {
    issues.push({ field, message });
  };
  const has = (field: string): boolean => req[field] !== undefined && req[field] !== null;

  // Shapes.
  if (mode === 'create' || has('name')) {
    if (!isNonEmptyString(req.name)) add('name', 'is required and must be a non-empty string');
  }
  if (mode === 'create' && !has('api_collection_ids')) {
    add('api_collection_ids', 'is required');
  } else if (has('api_collection_ids') && !isIdArray(req.api_collection_ids)) {
    add('api_collection_ids', 'must be an array of positive integer ids');
  } else if (mode === 'create' && (req.api_collection_ids as number[]).length === 0) {
    // Rails' presence validation treats an empty array as blank.
    add('api_collection_ids', 'must contain at least one API collection id');
  }
  if (mode === 'create' && !has('auth_type')) {
    add('auth_type', `is required (one of ${API_CLIENT_AUTH_TYPES.join(', ')})`);
  } else if (has('auth_type') && !isOneOf(req.auth_type, API_CLIENT_AUTH_TYPES)) {
    add('auth_type', `must be one of ${API_CLIENT_AUTH_TYPES.join(', ')}`);
  }
  for (const field of ['description', 'email', 'idp_user_id', 'validation_formula']) {
    if (has(field) && typeof req[field] !== 'string') add(field, 'must be a string');
  }
  if (typeof req.email === 'string' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(req.email)) {
    add('email', 'must be an email address');
  }
  for (const field of ['project_id', 'api_portal_id', 'api_policy_id']) {
    if (has(field) && !isPositiveInt(req[field])) add(field, 'must be a positive integer id');
  }
  if (has('cert_bundle_ids') && !isIdArray(req.cert_bundle_ids)) {
    add('cert_bundle_ids', 'must be an array of positive integer ids');
  }
  if (has('mtls_enabled') && typeof req.mtls_enabled !== 'boolean') {
    add('mtls_enabled', 'must be a boolean');
  }
  for (const field of ['required_claims', 'allowed_issuers']) {
    if (has(field) && !isStringArray(req[field])) add(field, 'must be an array of strings');
  }
  for (const field of ['jwt_secret', 'access_profile_claim']) {
    if (has(field) && !isNonEmptyString(req[field])) add(field, 'must be a non-empty string');
  }
  for (const field of ['oidc_issuer', 'oidc_jwks_uri']) {
    if (has(field) && !isHttpUrl(req[field])) add(field, 'must be an http(s) URL');
  }
  if (has('jwt_method') && !isOneOf(req.jwt_method, JWT_METHODS)) {
    add('jwt_method', `must be one of ${JWT_METHODS.join(', ')}`);
  }

  // Conditional rules on auth_type. An update is merged by Workato with the stored client,
  // which we do not know here: a rule that something is required is checked on create only,
  // a rule that something is not allowed whenever the payload itself shows the conflict.
  const creating = mode === 'create';
  const authType = isOneOf(req.auth_type, API_CLIENT_AUTH_TYPES) ? req.auth_type : undefined;
  if (authType !== undefined) {
    const jwt = authType === 'jwt';
    const jwtOrOidc = authType === 'jwt' || authType === 'oidc';
    for (const field of ['jwt_method', 'jwt_secret']) {
      if (creating && jwt && !has(field)) add(field, 'is required when auth_type is jwt');
      if (!jwt && has(field)) add(field, `is only allowed when auth_type is jwt, not ${authType}`);
    }
    for (const field of [
      'oidc_issuer',
      'oidc_jwks_uri',
      'access_profile_claim',
      'required_claims',
      'allowed_issuers',
    ]) {
      if (!jwtOrOidc && has(field)) {
        add(field, `is only allowed when auth_type is jwt or oidc, not ${authType}`);
      }
    }
    if (creating && authType === 'oidc' && !has('oidc_issuer') && !has('oidc_jwks_uri')) {
      add('oidc_issuer', 'or oidc_jwks_uri is required when auth_type is oidc');
    }
  }

  // "Specify only one" (003), whatever the auth type.
  if (has('oidc_issuer') && has('oidc_jwks_uri')) {
    add('oidc_jwks_uri', 'cannot be given together with oidc_issuer; specify only one');
  }

  // Portal assignment: email (magic-link portals) or idp_user_id (identity portals) go with
  // api_portal_id. 001 states both directions; 003 adds idp_user_id as the alternative to email.
  // Which of the two a portal takes is not visible through the API, so either is accepted.
  // On update the stored client may already have the other half.
  if (creating) {
    const portalUser = has('email') || has('idp_user_id');
    if (has('email') && !has('api_portal_id')) add('email', 'requires api_portal_id');
    if (has('idp_user_id') && !has('api_portal_id')) add('idp_user_id', 'requires api_portal_id');
    if (has('api_portal_id') && !portalUser) {
      add('api_portal_id', 'requires email or idp_user_id');
    }
  }
  return issues;
}

/** A collection needs a name and the project it goes in (001). */
export function validateCreateApiCollectionRequest(
  req: CreateApiCollectionRequest,
  projectId: unknown,
  request?: { method: string; path: string },
): void {
  const issues: WorkatoValidationIssue[] = [];
  if (!isNonEmptyString(asRecord(req).name))
    issues.push({ field: 'name', message: 'is required and must be a non-empty string' });
  if (String(projectId ?? '').trim() === '')
    issues.push({ field: 'project_id', message: 'is required' });
  throwIfIssues(issues, request);
}

/** Throws WorkatoValidationError (code WORKATO_INVALID_REQUEST) naming the first bad field. */
export function validateCreateApiClientRequest(
  req: CreateApiClientRequest,
  request?: { method: string; path: string },
): void {
  throwIfIssues(apiClientRequestIssues(asRecord(req), 'create'), request);
}

export function validateUpdateApiClientRequest(
  req: UpdateApiClientRequest,
  request?: { method: string; path: string },
): void {
  throwIfIssues(apiClientRequestIssues(asRecord(req), 'update'), request);
}

export function validateCreateApiKeyRequest(
  req: CreateApiKeyRequest,
  request?: { method: string; path: string },
): void {
  const r = asRecord(req);
  const issues: WorkatoValidationIssue[] = [];
  if (!isNonEmptyString(r.name)) {
    issues.push({ field: 'name', message: 'is required and must be a non-empty string' });
  }
  if (typeof r.active !== 'boolean') {
    issues.push({ field: 'active', message: 'is required and must be a boolean' });
  }
  issues.push(...ipListIssues(r));
  throwIfIssues(issues, request);
}

function ipListIssues(r: Record<string, unknown>): WorkatoValidationIssue[] {
  const issues: WorkatoValidationIssue[] = [];
  for (const field of ['ip_allow_list', 'ip_deny_list']) {
    if (r[field] !== undefined && !isStringArray(r[field])) {
      issues.push({ field, message: 'must be an array of IP addresses or CIDR ranges' });
    }
  }
  return issues;
}

function throwIfIssues(
  issues: WorkatoValidationIssue[],
  request?: { method: string; path: string },
): void {
  if (issues.length > 0) throw new WorkatoValidationError(issues, request);
}

function asRecord(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new WorkatoValidationError([{ field: '(body)', message: 'must be an object' }]);
  }
  return value as Record<string, unknown>;
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const url = new URL(v);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function isIdArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isPositiveInt);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function isOneOf<T extends string>(v: unknown, values: readonly T[]): v is T {
  return typeof v === 'string' && (values as readonly string[]).includes(v);
}
