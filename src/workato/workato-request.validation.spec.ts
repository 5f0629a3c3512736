import {
  apiClientRequestIssues,
  validateCreateApiClientRequest,
  validateCreateApiKeyRequest,
  validateCreateApiCollectionRequest,
  validateUpdateApiClientRequest,
} from './workato-request.validation';
import { WorkatoValidationError } from './workato.errors';
import { CreateApiClientRequest } from './workato.types';

/** Built at run time so no tool mangles an address-looking literal. */
const EMAIL = ['ops', 'acme.example'].join('@');

const base: CreateApiClientRequest = {
  name: 'Acme',
  api_collection_ids: [1],
  auth_type: 'token',
};

function errorOf(run: () => void): WorkatoValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof WorkatoValidationError) return error;
    throw error;
  }
  throw new Error('expected a WorkatoValidationError');
}

function fieldsOf(req: Record<string, unknown>, mode: 'create' | 'update' = 'create'): string[] {
  return apiClientRequestIssues(req, mode).map((i) => i.field);
}

describe('validateCreateApiClientRequest', () => {
  it('accepts a minimal token client', () => {
    expect(() => validateCreateApiClientRequest(base)).not.toThrow();
  });

  it('accepts every field of a valid jwt client', () => {
    expect(() =>
      validateCreateApiClientRequest({
        ...base,
        description: 'd',
        project_id: 523144,
        api_portal_id: 37,
        email: EMAIL,
        api_policy_id: 1,
        auth_type: 'jwt',
        jwt_method: 'hmac',
        jwt_secret: 's3cret',
        oidc_jwks_uri: 'https://idp.example.com/jwks',
        access_profile_claim: 'profile',
        required_claims: ['iss'],
        allowed_issuers: ['https://idp.example.com'],
        mtls_enabled: true,
        validation_formula: 'OU=Workato',
        cert_bundle_ids: [3],
      }),
    ).not.toThrow();
  });

  it('throws WORKATO_INVALID_REQUEST naming the field, with request context', () => {
    const error = errorOf(() =>
      validateCreateApiClientRequest(
        { ...base, auth_type: 'jwt' },
        { method: 'POST', path: '/api/v2/managed_users/1/api_clients' },
      ),
    );
    expect(error.code).toBe('WORKATO_INVALID_REQUEST');
    expect(error.field).toBe('jwt_method');
    expect(error.retryable).toBe(false);
    expect(error.status).toBeNull();
    expect(error.method).toBe('POST');
    expect(error.fieldErrors).toEqual({
      jwt_method: ['is required when auth_type is jwt'],
      jwt_secret: ['is required when auth_type is jwt'],
    });
    expect(error.message).toContain('jwt_method');
    expect(error.toJSON()).toMatchObject({ code: 'WORKATO_INVALID_REQUEST', field: 'jwt_method' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['name is required', { name: undefined }, 'name'],
    ['name must not be blank', { name: '  ' }, 'name'],
    ['api_collection_ids is required', { api_collection_ids: undefined }, 'api_collection_ids'],
    ['api_collection_ids must not be empty', { api_collection_ids: [] }, 'api_collection_ids'],
    ['api_collection_ids must be ids', { api_collection_ids: ['x'] }, 'api_collection_ids'],
    ['auth_type is required', { auth_type: undefined }, 'auth_type'],
    ['auth_type in the enum', { auth_type: 'basic' }, 'auth_type'],
    ['jwt needs jwt_secret', { auth_type: 'jwt', jwt_method: 'rsa' }, 'jwt_secret'],
    ['jwt needs jwt_method', { auth_type: 'jwt', jwt_secret: 'x' }, 'jwt_method'],
    [
      'jwt_method in the enum',
      { auth_type: 'jwt', jwt_method: 'ecdsa', jwt_secret: 'x' },
      'jwt_method',
    ],
    ['jwt_method only with jwt', { jwt_method: 'hmac' }, 'jwt_method'],
    ['jwt_secret only with jwt', { auth_type: 'oidc', jwt_secret: 'x' }, 'jwt_secret'],
    ['oidc needs an issuer or jwks uri', { auth_type: 'oidc' }, 'oidc_issuer'],
    [
      'oidc_issuer and oidc_jwks_uri not both',
      { auth_type: 'oidc', oidc_issuer: 'https://a.example', oidc_jwks_uri: 'https://b.example' },
      'oidc_jwks_uri',
    ],
    [
      'not both with jwt either',
      {
        auth_type: 'jwt',
        jwt_method: 'hmac',
        jwt_secret: 'x',
        oidc_issuer: 'https://a.example',
        oidc_jwks_uri: 'https://b.example',
      },
      'oidc_jwks_uri',
    ],
    ['oidc_issuer only with jwt/oidc', { oidc_issuer: 'https://a.example' }, 'oidc_issuer'],
    [
      'oidc_jwks_uri only with jwt/oidc',
      { auth_type: 'oauth2', oidc_jwks_uri: 'https://a.example' },
      'oidc_jwks_uri',
    ],
    ['oidc_issuer must be a URL', { auth_type: 'oidc', oidc_issuer: 'nope' }, 'oidc_issuer'],
    [
      'access_profile_claim only with jwt/oidc',
      { access_profile_claim: 'x' },
      'access_profile_claim',
    ],
    ['required_claims only with jwt/oidc', { required_claims: ['iss'] }, 'required_claims'],
    ['allowed_issuers only with jwt/oidc', { allowed_issuers: ['x'] }, 'allowed_issuers'],
    ['email requires api_portal_id', { email: EMAIL }, 'email'],
    ['idp_user_id requires api_portal_id', { idp_user_id: 'u1' }, 'idp_user_id'],
    ['api_portal_id requires email or idp_user_id', { api_portal_id: 37 }, 'api_portal_id'],
    ['email must look like one', { api_portal_id: 37, email: 'nope' }, 'email'],
    ['project_id is an integer', { project_id: 'abc' }, 'project_id'],
    ['mtls_enabled is a boolean', { mtls_enabled: 'yes' }, 'mtls_enabled'],
    ['cert_bundle_ids are ids', { cert_bundle_ids: [0] }, 'cert_bundle_ids'],
  ])('%s', (_label, patch, field) => {
    const error = errorOf(() =>
      validateCreateApiClientRequest({ ...base, ...patch } as unknown as CreateApiClientRequest),
    );
    expect(error.field).toBe(field);
    expect(error.fieldErrors?.[field]?.length).toBeGreaterThan(0);
  });

  it.each<[string, Record<string, unknown>]>([
    ['oidc with an issuer', { auth_type: 'oidc', oidc_issuer: 'https://idp.example.com' }],
    ['oidc with a jwks uri', { auth_type: 'oidc', oidc_jwks_uri: 'https://idp.example.com/j' }],
    ['jwt without oidc settings', { auth_type: 'jwt', jwt_method: 'rsa', jwt_secret: 'pem' }],
    ['identity portal', { api_portal_id: 38, idp_user_id: 'eshSUgjCGb4ZnF51FjEL3b' }],
    ['magic-link portal', { api_portal_id: 37, email: EMAIL }],
    ['oauth2', { auth_type: 'oauth2' }],
  ])('accepts %s', (_label, patch) => {
    expect(fieldsOf({ ...base, ...patch })).toEqual([]);
  });

  it('lists every problem, not only the first', () => {
    expect(fieldsOf({ auth_type: 'jwt' })).toEqual(
      expect.arrayContaining(['name', 'api_collection_ids', 'jwt_method', 'jwt_secret']),
    );
  });

  it('rejects a non-object body', () => {
    expect(errorOf(() => validateCreateApiClientRequest(null as never)).field).toBe('(body)');
  });
});

describe('validateUpdateApiClientRequest', () => {
  it('accepts a partial update', () => {
    expect(() => validateUpdateApiClientRequest({ name: 'New', description: 'x' })).not.toThrow();
    expect(() => validateUpdateApiClientRequest({})).not.toThrow();
  });

  it('does not require what the stored client may already have', () => {
    expect(fieldsOf({ auth_type: 'jwt' }, 'update')).toEqual([]);
    expect(fieldsOf({ auth_type: 'oidc' }, 'update')).toEqual([]);
    expect(fieldsOf({ email: EMAIL }, 'update')).toEqual([]);
  });

  it('still rejects conflicts visible in the payload', () => {
    expect(fieldsOf({ auth_type: 'token', jwt_secret: 'x' }, 'update')).toEqual(['jwt_secret']);
    expect(
      fieldsOf({ oidc_issuer: 'https://a.example', oidc_jwks_uri: 'https://b.example' }, 'update'),
    ).toEqual(['oidc_jwks_uri']);
    expect(fieldsOf({ auth_type: 'saml' }, 'update')).toEqual(['auth_type']);
    expect(fieldsOf({ name: '' }, 'update')).toEqual(['name']);
  });
});

describe('API key requests', () => {
  it('requires name and active on create', () => {
    const error = errorOf(() => validateCreateApiKeyRequest({} as never));
    expect(error.field).toBe('name');
    expect(Object.keys(error.fieldErrors ?? {})).toEqual(['name', 'active']);
  });

  it('checks the IP lists are string arrays', () => {
    const error = errorOf(() =>
      validateCreateApiKeyRequest({ name: 'k', active: true, ip_allow_list: [1] as never }),
    );
    expect(error.field).toBe('ip_allow_list');
  });
});

describe('API collection requests', () => {
  it('requires a name and the project', () => {
    const error = errorOf(() => validateCreateApiCollectionRequest({ name: ' ' }, ''));
    expect(Object.keys(error.fieldErrors ?? {})).toEqual(['name', 'project_id']);
    expect(() => validateCreateApiCollectionRequest({ name: 'C' }, 523144)).not.toThrow();
  });
});
