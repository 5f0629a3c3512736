import { isIP } from 'node:net';
import { FieldErrors, SandboxHttpError } from './sandbox.http';
import {
  AuthType,
  ClientFields,
  ClientRecord,
  JwtMethod,
  KeyFields,
  ManagedUserRecord,
} from './sandbox.state';

/**
 * Payload rules of the Embedded API platform, as written in 001 (primary) and 003 (newer
 * fields). Messages follow Rails' wording because that is what Workato answers with.
 */
const AUTH_TYPES: readonly AuthType[] = ['token', 'jwt', 'oauth2', 'oidc'];
const JWT_METHODS: readonly JwtMethod[] = ['hmac', 'rsa'];
const BLANK = "can't be blank";
const NOT_IN_LIST = 'is not included in the list';
const ONLY_JWT = 'is only applicable when auth_type is jwt';
const ONLY_JWT_OIDC = 'is only applicable when auth_type is jwt or oidc';

class ErrorBag {
  readonly errors: FieldErrors = {};

  add(field: string, message: string): void {
    (this.errors[field] ??= []).push(message);
  }

  has(field: string): boolean {
    return field in this.errors;
  }

  throwIfAny(): void {
    if (Object.keys(this.errors).length > 0) throw SandboxHttpError.validation(this.errors);
  }
}

/**
 * A field read from the payload: `undefined` when absent, `null` when explicitly cleared.
 * Creating treats the two alike; updating keeps an absent field and clears a null one.
 */
type Read<T> = T | null | undefined;

export function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw SandboxHttpError.badRequest('Request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export function validateCollectionCreate(
  mu: ManagedUserRecord,
  body: unknown,
  projectIdParam: string | null,
): { name: string; projectId: string } {
  const payload = asObject(body);
  const bag = new ErrorBag();
  const name = readString(payload, 'name', bag);
  if (!name || name.trim() === '') {
    if (!bag.has('name')) bag.add('name', BLANK);
  }
  const projectId = projectIdParam?.trim() ?? '';
  if (projectId === '') bag.add('project_id', BLANK);
  else if (!mu.projects.has(projectId)) bag.add('project_id', 'is invalid');
  bag.throwIfAny();
  return { name: name as string, projectId };
}

const CLIENT_DEFAULTS: ClientFields = {
  name: '',
  description: '',
  projectId: null,
  apiPortalId: null,
  email: null,
  idpUserId: null,
  apiCollectionIds: [],
  apiPolicyId: null,
  authType: 'token',
  jwtMethod: null,
  jwtSecret: null,
  oidcIssuer: null,
  oidcJwksUri: null,
  accessProfileClaim: null,
  requiredClaims: [],
  allowedIssuers: [],
  mtlsEnabled: false,
  validationFormula: null,
  certBundleIds: [],
};

/** Fields that only mean something for one auth type; they are dropped when it changes. */
const AUTH_SPECIFIC: readonly (keyof ClientFields)[] = [
  'jwtMethod',
  'jwtSecret',
  'oidcIssuer',
  'oidcJwksUri',
  'accessProfileClaim',
  'requiredClaims',
  'allowedIssuers',
];
const PORTAL_SPECIFIC: readonly (keyof ClientFields)[] = ['email', 'idpUserId'];

/**
 * Validates a create (no `existing`) or update payload for a v2 API client and returns the
 * client's complete fields.
 *
 * Updates are partial even though 001's table marks `name` and `api_collection_ids` required
 * for PUT: its own sample request sends only name and description. The merged result must still
 * satisfy every create rule.
 */
export function validateClientPayload(
  mu: ManagedUserRecord,
  body: unknown,
  existing?: ClientRecord,
): ClientFields {
  const payload = asObject(body);
  const bag = new ErrorBag();

  const patch: { [K in keyof ClientFields]: Read<ClientFields[K]> } = {
    name: readString(payload, 'name', bag),
    description: readString(payload, 'description', bag),
    projectId: readIntegerLike(payload, 'project_id', bag),
    apiPortalId: toNumber(readIntegerLike(payload, 'api_portal_id', bag)),
    email: readOptionalString(payload, 'email', bag),
    idpUserId: readOptionalString(payload, 'idp_user_id', bag),
    apiCollectionIds: readIntegerArray(payload, 'api_collection_ids', bag),
    apiPolicyId: toNumber(readIntegerLike(payload, 'api_policy_id', bag)),
    authType: readEnum(payload, 'auth_type', AUTH_TYPES, bag),
    jwtMethod: readEnum(payload, 'jwt_method', JWT_METHODS, bag),
    jwtSecret: readOptionalString(payload, 'jwt_secret', bag),
    oidcIssuer: readOptionalString(payload, 'oidc_issuer', bag),
    oidcJwksUri: readOptionalString(payload, 'oidc_jwks_uri', bag),
    accessProfileClaim: readOptionalString(payload, 'access_profile_claim', bag),
    requiredClaims: readStringArray(payload, 'required_claims', bag),
    allowedIssuers: readStringArray(payload, 'allowed_issuers', bag),
    mtlsEnabled: readBoolean(payload, 'mtls_enabled', bag),
    validationFormula: readOptionalString(payload, 'validation_formula', bag),
    certBundleIds: readIntegerArray(payload, 'cert_bundle_ids', bag),
  };

  const base: ClientFields = existing ? pickFields(existing) : { ...CLIENT_DEFAULTS };
  if (existing) {
    if (patch.authType !== undefined && patch.authType !== existing.authType) {
      resetUnlessGiven(base, patch, AUTH_SPECIFIC);
    }
    if (patch.apiPortalId !== undefined && patch.apiPortalId !== existing.apiPortalId) {
      resetUnlessGiven(base, patch, PORTAL_SPECIFIC);
    }
  }
  const merged = mergeFields(base, patch);

  if (!existing || patch.name !== undefined) {
    if (merged.name.trim() === '' && !bag.has('name')) bag.add('name', BLANK);
  }
  const authTypeMissing = existing ? patch.authType === null : patch.authType == null;
  if (authTypeMissing && !bag.has('auth_type')) bag.add('auth_type', BLANK);

  // 001 marks api_collection_ids required; 003's identity-portal sample creates a client without
  // it (and answers `api_collections: []`). We follow the primary contract, 001, so a client
  // that relies on 003's sample fails here rather than against a real account.
  if (!bag.has('api_collection_ids')) {
    if (merged.apiCollectionIds.length === 0) bag.add('api_collection_ids', BLANK);
    else {
      const unknown = merged.apiCollectionIds.filter((id) => !mu.collections.has(id));
      if (unknown.length > 0)
        bag.add('api_collection_ids', `contains unknown API collection ids: ${unknown.join(', ')}`);
    }
  }

  if (merged.projectId !== null && !bag.has('project_id') && !mu.projects.has(merged.projectId)) {
    bag.add('project_id', 'is invalid');
  }

  if (!bag.has('auth_type')) checkAuthRules(merged, bag);
  checkPortalRules(mu, merged, bag);
  bag.throwIfAny();
  return merged;
}

function checkAuthRules(c: ClientFields, bag: ErrorBag): void {
  if (c.authType === 'jwt') {
    if (c.jwtMethod === null && !bag.has('jwt_method')) bag.add('jwt_method', BLANK);
    if (c.jwtSecret === null && !bag.has('jwt_secret')) bag.add('jwt_secret', BLANK);
  } else {
    if (c.jwtMethod !== null) bag.add('jwt_method', ONLY_JWT);
    if (c.jwtSecret !== null) bag.add('jwt_secret', ONLY_JWT);
  }

  if (c.authType === 'jwt' || c.authType === 'oidc') {
    if (c.oidcIssuer !== null && c.oidcJwksUri !== null) {
      bag.add('oidc_issuer', 'cannot be combined with oidc_jwks_uri; specify only one');
      bag.add('oidc_jwks_uri', 'cannot be combined with oidc_issuer; specify only one');
    } else if (c.authType === 'oidc' && c.oidcIssuer === null && c.oidcJwksUri === null) {
      if (!bag.has('oidc_issuer') && !bag.has('oidc_jwks_uri')) {
        bag.add(
          'oidc_issuer',
          "can't be blank when auth_type is oidc; specify oidc_issuer or oidc_jwks_uri",
        );
      }
    }
    for (const [field, value] of [
      ['oidc_issuer', c.oidcIssuer],
      ['oidc_jwks_uri', c.oidcJwksUri],
    ] as const) {
      if (value !== null && !isHttpUrl(value) && !bag.has(field))
        bag.add(field, 'is not a valid URL');
    }
    return;
  }

  const jwtOidcOnly: [string, boolean][] = [
    ['oidc_issuer', c.oidcIssuer !== null],
    ['oidc_jwks_uri', c.oidcJwksUri !== null],
    ['access_profile_claim', c.accessProfileClaim !== null],
    ['required_claims', c.requiredClaims.length > 0],
    ['allowed_issuers', c.allowedIssuers.length > 0],
  ];
  for (const [field, given] of jwtOidcOnly) if (given) bag.add(field, ONLY_JWT_OIDC);
}

/**
 * 001: api_portal_id is required with email, and email with api_portal_id. 003 refines this:
 * magic-link portals take `email`, identity portals take `idp_user_id` instead.
 */
function checkPortalRules(mu: ManagedUserRecord, c: ClientFields, bag: ErrorBag): void {
  if (c.email !== null && !bag.has('email') && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(c.email)) {
    bag.add('email', 'is invalid');
  }
  if (c.apiPortalId === null) {
    if (bag.has('api_portal_id')) return;
    if (c.email !== null) bag.add('api_portal_id', "can't be blank when email is given");
    else if (c.idpUserId !== null)
      bag.add('api_portal_id', "can't be blank when idp_user_id is given");
    return;
  }
  const portal = mu.portals.get(c.apiPortalId);
  if (!portal) {
    bag.add('api_portal_id', 'is invalid');
    return;
  }
  if (portal.kind === 'magic_link') {
    if (c.email === null && !bag.has('email')) bag.add('email', `${BLANK} for a magic-link portal`);
    if (c.idpUserId !== null) bag.add('idp_user_id', 'is only applicable to identity portals');
  } else {
    if (c.idpUserId === null && !bag.has('idp_user_id')) {
      bag.add('idp_user_id', `${BLANK} for an identity portal`);
    }
    if (c.email !== null) bag.add('email', 'is only applicable to magic-link portals');
  }
}

export function validateKeyCreate(body: unknown): KeyFields {
  const payload = asObject(body);
  const bag = new ErrorBag();
  const name = readString(payload, 'name', bag);
  const active = readBoolean(payload, 'active', bag);
  const ipAllowList = readIpList(payload, 'ip_allow_list', bag);
  const ipDenyList = readIpList(payload, 'ip_deny_list', bag);
  if ((name == null || name.trim() === '') && !bag.has('name')) bag.add('name', BLANK);
  if (active == null && !bag.has('active')) bag.add('active', BLANK);
  bag.throwIfAny();
  return {
    name: name as string,
    active: active as boolean,
    ipAllowList: ipAllowList ?? [],
    ipDenyList: ipDenyList ?? [],
  };
}

/** PUT api_keys/:id takes name and the IP lists only; `active` has its own endpoints. */
export function validateKeyUpdate(body: unknown): Partial<Omit<KeyFields, 'active'>> {
  const payload = asObject(body);
  const bag = new ErrorBag();
  const name = readString(payload, 'name', bag);
  const ipAllowList = readIpList(payload, 'ip_allow_list', bag);
  const ipDenyList = readIpList(payload, 'ip_deny_list', bag);
  if (name !== undefined && (name === null || name.trim() === '') && !bag.has('name'))
    bag.add('name', BLANK);
  bag.throwIfAny();
  return {
    ...(name != null ? { name } : {}),
    ...(ipAllowList !== undefined ? { ipAllowList: ipAllowList ?? [] } : {}),
    ...(ipDenyList !== undefined ? { ipDenyList: ipDenyList ?? [] } : {}),
  };
}

function pickFields(client: ClientRecord): ClientFields {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(CLIENT_DEFAULTS) as (keyof ClientFields)[])
    fields[key] = client[key];
  return fields as unknown as ClientFields;
}

function resetUnlessGiven(
  base: ClientFields,
  patch: { [K in keyof ClientFields]: unknown },
  keys: readonly (keyof ClientFields)[],
): void {
  const target = base as unknown as Record<string, unknown>;
  for (const key of keys) if (patch[key] === undefined) target[key] = CLIENT_DEFAULTS[key];
}

function mergeFields(
  base: ClientFields,
  patch: { [K in keyof ClientFields]: unknown },
): ClientFields {
  const merged: Record<string, unknown> = { ...base };
  for (const key of Object.keys(patch) as (keyof ClientFields)[]) {
    const value = patch[key];
    if (value === undefined) continue;
    merged[key] = value === null ? CLIENT_DEFAULTS[key] : value;
  }
  return merged as unknown as ClientFields;
}

function readString(payload: Record<string, unknown>, field: string, bag: ErrorBag): Read<string> {
  const value = payload[field];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string') {
    bag.add(field, 'must be a string');
    return undefined;
  }
  return value;
}

/** An empty string means "not set" for optional settings, as in Workato's own forms. */
function readOptionalString(
  payload: Record<string, unknown>,
  field: string,
  bag: ErrorBag,
): Read<string> {
  const value = readString(payload, field, bag);
  return value === '' ? null : value;
}

function readBoolean(
  payload: Record<string, unknown>,
  field: string,
  bag: ErrorBag,
): Read<boolean> {
  const value = payload[field];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'boolean') {
    bag.add(field, 'must be true or false');
    return undefined;
  }
  return value;
}

function readEnum<T extends string>(
  payload: Record<string, unknown>,
  field: string,
  allowed: readonly T[],
  bag: ErrorBag,
): Read<T> {
  const value = readString(payload, field, bag);
  if (value == null) return value;
  if (!(allowed as readonly string[]).includes(value)) {
    bag.add(field, NOT_IN_LIST);
    return undefined;
  }
  return value as T;
}

/** Rails coerces "523144" and 523144 alike, so both are accepted for integer ids. */
function readIntegerLike(
  payload: Record<string, unknown>,
  field: string,
  bag: ErrorBag,
): Read<string> {
  const value = payload[field];
  if (value === undefined || value === null) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return String(Number(value));
  bag.add(field, 'must be an integer');
  return undefined;
}

function toNumber(value: Read<string>): Read<number> {
  return value == null ? value : Number(value);
}

function readIntegerArray(
  payload: Record<string, unknown>,
  field: string,
  bag: ErrorBag,
): Read<number[]> {
  const value = payload[field];
  if (value === undefined || value === null) return value;
  const ok =
    Array.isArray(value) &&
    value.every(
      (v) =>
        (typeof v === 'number' && Number.isSafeInteger(v)) ||
        (typeof v === 'string' && /^\d+$/.test(v)),
    );
  if (!ok) {
    bag.add(field, 'must be an array of integers');
    return undefined;
  }
  return [...new Set((value as (number | string)[]).map(Number))];
}

function readStringArray(
  payload: Record<string, unknown>,
  field: string,
  bag: ErrorBag,
): Read<string[]> {
  const value = payload[field];
  if (value === undefined || value === null) return value;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    bag.add(field, 'must be an array of strings');
    return undefined;
  }
  return value as string[];
}

function readIpList(
  payload: Record<string, unknown>,
  field: string,
  bag: ErrorBag,
): Read<string[]> {
  const list = readStringArray(payload, field, bag);
  if (list == null) return list;
  const invalid = list.filter((entry) => !isIpOrCidr(entry));
  if (invalid.length > 0) {
    bag.add(field, `contains invalid IP addresses or CIDR ranges: ${invalid.join(', ')}`);
    return undefined;
  }
  return list;
}

function isIpOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.trim().split('/');
  if (rest.length > 0) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
