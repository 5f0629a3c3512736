import {
  ClientRecord,
  CollectionRecord,
  EndpointRecord,
  KeyRecord,
  ManagedUserRecord,
  PortalRecord,
} from './sandbox.state';

/**
 * Records rendered in the exact JSON shapes of the reference responses. A client's
 * `jwt_secret` has no presenter on purpose: Workato never returns it.
 */

/** As listed: 001 includes project_id in lists but not in the create response. */
export function presentCollection(c: CollectionRecord): Record<string, unknown> {
  return { ...presentCreatedCollection(c), project_id: c.projectId };
}

export function presentCreatedCollection(c: CollectionRecord): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    version: c.version,
    url: c.url,
    api_spec_url: c.apiSpecUrl,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function presentEndpoint(e: EndpointRecord): Record<string, unknown> {
  return {
    id: e.id,
    api_collection_id: e.apiCollectionId,
    flow_id: e.flowId,
    name: e.name,
    method: e.method,
    url: e.url,
    legacy_url: null,
    base_path: e.basePath,
    path: e.path,
    active: e.active,
    legacy: false,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
  };
}

export function presentClient(
  mu: ManagedUserRecord,
  c: ClientRecord,
  options: { withKeys: boolean },
): Record<string, unknown> {
  let active = 0;
  for (const key of c.keys.values()) if (key.active) active++;
  const body: Record<string, unknown> = {
    id: c.id,
    name: c.name,
    description: c.description,
    active_api_keys_count: active,
    total_api_keys_count: c.keys.size,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    logo: null,
    logo_2x: null,
    is_legacy: false,
    email: c.email,
    idp_user_id: c.idpUserId,
    auth_type: c.authType,
    project_id: c.projectId,
    api_portal_id: c.apiPortalId,
    jwt_method: c.jwtMethod,
    oidc_issuer: c.oidcIssuer,
    oidc_jwks_uri: c.oidcJwksUri,
    access_profile_claim: c.accessProfileClaim,
    required_claims: c.requiredClaims,
    allowed_issuers: c.allowedIssuers,
    mtls_enabled: c.mtlsEnabled,
    validation_formula: c.validationFormula,
    cert_bundle_ids: c.certBundleIds,
    api_policies:
      c.apiPolicyId === null ? [] : [{ id: c.apiPolicyId, name: `API policy ${c.apiPolicyId}` }],
    api_collections: c.apiCollectionIds.map((id) => ({
      id,
      name: mu.collections.get(id)?.name ?? null,
    })),
  };
  if (options.withKeys)
    body.api_keys = [...c.keys.values()].map((k) => presentKey(k, { reveal: false }));
  return body;
}

const clientJsonCache = new WeakMap<ClientRecord, { revision: number; json: string }>();

/** A client as listed, serialised once per revision. */
export function clientJson(mu: ManagedUserRecord, c: ClientRecord): string {
  const cached = clientJsonCache.get(c);
  if (cached && cached.revision === c.revision) return cached.json;
  const json = JSON.stringify(presentClient(mu, c, { withKeys: false }));
  clientJsonCache.set(c, { revision: c.revision, json });
  return json;
}

/**
 * 002: tokens are view-once. The full token appears only in the create and refresh responses;
 * everywhere else Workato shows its last four characters.
 */
export function presentKey(k: KeyRecord, options: { reveal: boolean }): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    auth_type: k.authType,
    ip_allow_list: k.ipAllowList,
    ip_deny_list: k.ipDenyList,
    active: k.active,
    active_since: k.activeSince,
    auth_token: k.authToken === null ? null : options.reveal ? k.authToken : k.authToken.slice(-4),
  };
}

/**
 * Beyond the documents: `kind` is a sandbox-only fact (see the seed); the documented portal
 * shape does not carry it, so it is not presented.
 */
export function presentPortal(mu: ManagedUserRecord, p: PortalRecord): Record<string, unknown> {
  return {
    id: p.id,
    user_id: mu.id,
    name: p.name,
    subdomain: p.subdomain,
    brand_color: '#371093',
    api_collection_ids: p.apiCollectionIds,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    logo: null,
    logo_2x: null,
  };
}
