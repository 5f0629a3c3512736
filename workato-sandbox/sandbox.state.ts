import { createHash, randomBytes } from 'node:crypto';
import { ParsedSandboxSeed } from './sandbox.seed';

export type AuthType = 'token' | 'jwt' | 'oauth2' | 'oidc';
export type JwtMethod = 'hmac' | 'rsa';
export type PortalKind = 'identity' | 'magic_link';

export interface ProjectRecord {
  /** Workato returns project ids as strings in every response, so they are stored that way. */
  id: string;
  name: string;
}

export interface PortalRecord {
  id: number;
  name: string;
  subdomain: string;
  kind: PortalKind;
  apiCollectionIds: number[];
  createdAt: string;
  updatedAt: string;
}

export interface CollectionRecord {
  id: number;
  name: string;
  version: string;
  url: string;
  apiSpecUrl: string;
  projectId: string;
  createdAt: string;
  updatedAt: string;
  /** Lets `api_endpoints?api_collection_id=` answer without scanning every endpoint. */
  endpointIds: number[];
}

export interface EndpointRecord {
  id: number;
  apiCollectionId: number;
  flowId: number;
  name: string;
  method: string;
  url: string;
  basePath: string;
  path: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What a client is made of, as validated from a create or update payload. */
export interface ClientFields {
  name: string;
  description: string;
  projectId: string | null;
  apiPortalId: number | null;
  email: string | null;
  idpUserId: string | null;
  apiCollectionIds: number[];
  apiPolicyId: number | null;
  authType: AuthType;
  jwtMethod: JwtMethod | null;
  jwtSecret: string | null;
  oidcIssuer: string | null;
  oidcJwksUri: string | null;
  accessProfileClaim: string | null;
  requiredClaims: string[];
  allowedIssuers: string[];
  mtlsEnabled: boolean;
  validationFormula: string | null;
  certBundleIds: number[];
}

export interface ClientRecord extends ClientFields {
  id: number;
  createdAt: string;
  updatedAt: string;
  keys: Map<number, KeyRecord>;
  /** Bumped by every change to the client or its keys; the presenter caches by it. */
  revision: number;
}

export interface KeyRecord {
  id: number;
  apiClientId: number;
  name: string;
  authType: AuthType;
  ipAllowList: string[];
  ipDenyList: string[];
  active: boolean;
  activeSince: string | null;
  /** Null for JWT and OIDC clients: their callers authenticate with the IdP's tokens instead. */
  authToken: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface KeyFields {
  name: string;
  active: boolean;
  ipAllowList: string[];
  ipDenyList: string[];
}

export interface ManagedUserRecord {
  id: number;
  externalId: string | null;
  name: string;
  slug: string;
  projects: Map<string, ProjectRecord>;
  portals: Map<number, PortalRecord>;
  collections: Map<number, CollectionRecord>;
  endpoints: Map<number, EndpointRecord>;
  clients: Map<number, ClientRecord>;
  /** Collection URL slugs in use, so duplicate names get distinct URLs without a scan. */
  collectionSlugs: Set<string>;
}

export type Clock = () => Date;

export const STATE_FORMAT = 'workato-sandbox-state';
export const STATE_VERSION = 1;

type PersistedClient = Omit<ClientRecord, 'keys' | 'revision'> & { keys: KeyRecord[] };

/** The state file's content: the records as they are, maps as arrays. */
export interface PersistedState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  /** The next id the sandbox will hand out. */
  nextId: number;
  managedUsers: {
    id: number;
    externalId: string | null;
    name: string;
    slug: string;
    projects: ProjectRecord[];
    portals: PortalRecord[];
    collections: CollectionRecord[];
    endpoints: EndpointRecord[];
    clients: PersistedClient[];
    collectionSlugs: string[];
  }[];
}

/** Ids start well above the seeded ones so a created id never looks like a seeded id. */
export const FIRST_ID = 100_001;

/**
 * The in-memory Workato account: every customer workspace and what the orchestrator created in
 * it. All operations are synchronous, so a request's read-modify-write can never interleave with
 * another's; the server only awaits around them.
 *
 * Ids are never handed out twice in a sandbox's life, not even across a reset or (with a state
 * file) a restart: the orchestrator keeps the ids it was given, and a reused one could make it
 * change or delete the wrong resource. Beyond the documents: they do not say how Workato's ids
 * grow, only that they identify a resource.
 */
export class SandboxState {
  private readonly managedUsers = new Map<number, ManagedUserRecord>();
  private readonly byExternalId = new Map<string, ManagedUserRecord>();
  private nextIdValue = FIRST_ID;
  /** Called after every change, so the state file can be rewritten. */
  onChange: (() => void) | null = null;

  constructor(private readonly clock: Clock = () => new Date()) {}

  /** Forgets every workspace; ids keep counting from where they were. */
  clear(): void {
    this.managedUsers.clear();
    this.byExternalId.clear();
    this.changed();
  }

  /** The next id to hand out. */
  get nextIdPeek(): number {
    return this.nextIdValue;
  }

  /** Moves the id counter forward (never back), e.g. to where a state file left it. */
  advanceIds(next: number): void {
    if (next > this.nextIdValue) this.nextIdValue = next;
  }

  /** The whole state as plain JSON, for the state file. */
  exportState(): PersistedState {
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      nextId: this.nextIdValue,
      managedUsers: [...this.managedUsers.values()].map((mu) => ({
        id: mu.id,
        externalId: mu.externalId,
        name: mu.name,
        slug: mu.slug,
        projects: [...mu.projects.values()].map((p) => ({ ...p })),
        portals: [...mu.portals.values()].map((p) => ({
          ...p,
          apiCollectionIds: [...p.apiCollectionIds],
        })),
        collections: [...mu.collections.values()].map((c) => ({
          ...c,
          endpointIds: [...c.endpointIds],
        })),
        endpoints: [...mu.endpoints.values()].map((e) => ({ ...e })),
        clients: [...mu.clients.values()].map((c) => {
          const { keys, revision: _revision, ...fields } = c;
          return {
            ...fields,
            apiCollectionIds: [...c.apiCollectionIds],
            requiredClaims: [...c.requiredClaims],
            allowedIssuers: [...c.allowedIssuers],
            certBundleIds: [...c.certBundleIds],
            keys: [...keys.values()].map((k) => ({
              ...k,
              ipAllowList: [...k.ipAllowList],
              ipDenyList: [...k.ipDenyList],
            })),
          };
        }),
        collectionSlugs: [...mu.collectionSlugs],
      })),
    };
  }

  /** Replaces every workspace by those of a state file; ids continue after the file's. */
  importState(data: PersistedState): void {
    this.managedUsers.clear();
    this.byExternalId.clear();
    let maxId = 0;
    const seen = (id: number): void => {
      if (id > maxId) maxId = id;
    };
    for (const mu of data.managedUsers) {
      const record: ManagedUserRecord = {
        id: mu.id,
        externalId: mu.externalId,
        name: mu.name,
        slug: mu.slug,
        projects: new Map(mu.projects.map((p) => [p.id, { ...p }])),
        portals: new Map(mu.portals.map((p) => [p.id, { ...p }])),
        collections: new Map(mu.collections.map((c) => [c.id, { ...c }])),
        endpoints: new Map(mu.endpoints.map((e) => [e.id, { ...e }])),
        clients: new Map(
          mu.clients.map((c) => [
            c.id,
            {
              ...c,
              revision: 0,
              keys: new Map(c.keys.map((k) => [k.id, { ...k }])),
            },
          ]),
        ),
        collectionSlugs: new Set(mu.collectionSlugs),
      };
      for (const c of mu.collections) seen(c.id);
      for (const e of mu.endpoints) {
        seen(e.id);
        seen(e.flowId);
      }
      for (const c of mu.clients) {
        seen(c.id);
        for (const k of c.keys) seen(k.id);
      }
      this.managedUsers.set(record.id, record);
      if (record.externalId !== null) this.byExternalId.set(record.externalId, record);
    }
    this.advanceIds(Math.max(data.nextId, maxId + 1));
    this.changed();
  }

  /** Adds or updates workspaces, projects and portals by id; never removes anything. */
  applySeed(seed: ParsedSandboxSeed): void {
    const now = this.timestamp();
    for (const mu of seed.managedUsers) {
      let record = this.managedUsers.get(mu.id);
      if (!record) {
        record = {
          id: mu.id,
          externalId: null,
          name: mu.name,
          slug: accountSlug(mu.name),
          projects: new Map(),
          portals: new Map(),
          collections: new Map(),
          endpoints: new Map(),
          clients: new Map(),
          collectionSlugs: new Set(),
        };
        this.managedUsers.set(mu.id, record);
      }
      record.name = mu.name;
      if (record.externalId !== null) this.byExternalId.delete(record.externalId);
      record.externalId = mu.externalId ?? null;
      if (record.externalId !== null) this.byExternalId.set(record.externalId, record);
      for (const project of mu.projects) {
        const id = String(project.id);
        record.projects.set(id, { id, name: project.name });
      }
      for (const portal of mu.portals) {
        const existing = record.portals.get(portal.id);
        record.portals.set(portal.id, {
          id: portal.id,
          name: portal.name,
          subdomain: portal.subdomain ?? slugify(portal.name),
          kind: portal.kind,
          apiCollectionIds: portal.api_collection_ids ?? existing?.apiCollectionIds ?? [],
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
        });
      }
    }
    this.changed();
  }

  /** Resolves the `:id` path segment: a numeric id, or `E` + external id (already URL-decoded). */
  findManagedUser(idParam: string): ManagedUserRecord | undefined {
    if (idParam.startsWith('E')) return this.byExternalId.get(idParam.slice(1));
    if (!/^\d+$/.test(idParam)) return undefined;
    return this.managedUsers.get(Number(idParam));
  }

  allManagedUsers(): ManagedUserRecord[] {
    return [...this.managedUsers.values()];
  }

  createCollection(mu: ManagedUserRecord, name: string, projectId: string): CollectionRecord {
    const now = this.timestamp();
    const id = this.nextId();
    const slug = uniqueSlug(slugify(name) || 'collection', mu.collectionSlugs);
    mu.collectionSlugs.add(slug);
    const collection: CollectionRecord = {
      id,
      name,
      version: '1.0',
      url: collectionUrl(mu, slug),
      apiSpecUrl: `https://www.workato.com/doc/service/${slug}-v1/swagger?token=${digest(`spec:${mu.id}:${id}`)}`,
      projectId,
      createdAt: now,
      updatedAt: now,
      endpointIds: [],
    };
    mu.collections.set(id, collection);
    // Beyond the documents: Workato creates endpoints from recipes, which the Embedded API
    // cannot do; two inactive sample endpoints per collection let enable/disable be exercised.
    for (const [method, path, label] of [
      ['GET', 'records/search', 'search'],
      ['POST', 'records', 'create'],
    ] as const) {
      const endpointId = this.nextId();
      collection.endpointIds.push(endpointId);
      mu.endpoints.set(endpointId, {
        id: endpointId,
        apiCollectionId: id,
        flowId: this.nextId(),
        name: `${name} ${label}`,
        method,
        url: `${collection.url}/${path}`,
        basePath: `${new URL(collection.url).pathname}/${path}`,
        path,
        active: false,
        createdAt: now,
        updatedAt: now,
      });
    }
    this.changed();
    return collection;
  }

  setEndpointActive(endpoint: EndpointRecord, active: boolean): void {
    endpoint.active = active;
    endpoint.updatedAt = this.timestamp();
    this.changed();
  }

  createClient(mu: ManagedUserRecord, fields: ClientFields): ClientRecord {
    const now = this.timestamp();
    const client: ClientRecord = {
      ...fields,
      id: this.nextId(),
      createdAt: now,
      updatedAt: now,
      keys: new Map(),
      revision: 0,
    };
    mu.clients.set(client.id, client);
    this.changed();
    return client;
  }

  updateClient(client: ClientRecord, fields: ClientFields): void {
    Object.assign(client, fields);
    client.updatedAt = this.timestamp();
    client.revision++;
    // A key's auth type follows its client's; a token-less key gains a token when the client
    // moves to token or OAuth 2.0 auth, and loses it when the client moves to JWT or OIDC.
    for (const key of client.keys.values()) {
      if (key.authType === client.authType) continue;
      key.authType = client.authType;
      key.authToken = issuesSecrets(client.authType) ? newToken() : null;
      key.updatedAt = client.updatedAt;
    }
    this.changed();
  }

  deleteClient(mu: ManagedUserRecord, client: ClientRecord): void {
    client.keys.clear();
    client.revision++;
    mu.clients.delete(client.id);
    this.changed();
  }

  createKey(client: ClientRecord, fields: KeyFields): KeyRecord {
    const now = this.timestamp();
    const key: KeyRecord = {
      id: this.nextId(),
      apiClientId: client.id,
      name: fields.name,
      authType: client.authType,
      ipAllowList: fields.ipAllowList,
      ipDenyList: fields.ipDenyList,
      active: fields.active,
      activeSince: fields.active ? this.secondsTimestamp() : null,
      authToken: issuesSecrets(client.authType) ? newToken() : null,
      createdAt: now,
      updatedAt: now,
    };
    client.keys.set(key.id, key);
    client.updatedAt = now;
    client.revision++;
    this.changed();
    return key;
  }

  updateKey(key: KeyRecord, patch: Partial<Omit<KeyFields, 'active'>>): void {
    if (patch.name !== undefined) key.name = patch.name;
    if (patch.ipAllowList !== undefined) key.ipAllowList = patch.ipAllowList;
    if (patch.ipDenyList !== undefined) key.ipDenyList = patch.ipDenyList;
    key.updatedAt = this.timestamp();
    this.changed();
  }

  setKeyActive(client: ClientRecord, key: KeyRecord, active: boolean): void {
    if (active && !key.active) key.activeSince = this.secondsTimestamp();
    key.active = active;
    key.updatedAt = this.timestamp();
    // The client's active_api_keys_count changes with it.
    client.revision++;
    this.changed();
  }

  /** The old token stops working the moment the new one exists (002: tokens are view-once). */
  refreshKeySecret(key: KeyRecord): void {
    key.authToken = newToken();
    key.updatedAt = this.timestamp();
    this.changed();
  }

  deleteKey(client: ClientRecord, key: KeyRecord): void {
    client.keys.delete(key.id);
    client.updatedAt = this.timestamp();
    client.revision++;
    this.changed();
  }

  /** Workato's own format: milliseconds and a numeric offset, e.g. 2020-07-31T08:24:31.439-07:00. */
  timestamp(): string {
    return this.clock().toISOString().replace('Z', '+00:00');
  }

  /** `active_since` is documented without milliseconds. */
  private secondsTimestamp(): string {
    return `${this.clock().toISOString().slice(0, 19)}+00:00`;
  }

  private nextId(): number {
    return this.nextIdValue++;
  }

  private changed(): void {
    this.onChange?.();
  }
}

export function issuesSecrets(authType: AuthType): boolean {
  return authType === 'token' || authType === 'oauth2';
}

function newToken(): string {
  return randomBytes(32).toString('hex');
}

function digest(input: string): string {
  return createHash('sha256').update(input).digest('hex').slice(0, 32);
}

function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Workato's collection URLs start with a short account handle such as `abstergoi`. */
function accountSlug(name: string): string {
  return slugify(name).replace(/-/g, '').slice(0, 9) || 'workspace';
}

function collectionUrl(mu: ManagedUserRecord, slug: string): string {
  return `https://api.na.workato.com/${mu.slug}/${slug}-v1`;
}

function uniqueSlug(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
