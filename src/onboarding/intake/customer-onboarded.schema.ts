import { z } from 'zod';
import {
  CustomerEventType,
  DEFAULT_GRACE_SECONDS,
  MAX_GRACE_SECONDS,
  SagaRequest,
} from '../domain/customer-operation';

/**
 * The one schema for a CustomerOnboarded event, whether it arrives on Kafka or over HTTP: both
 * paths call parseCustomerOnboarded and get the same error text. Unknown fields are rejected so a
 * partner's typo is reported, not silently ignored.
 */
export const MAX_EVENT_BYTES = 256 * 1024;
export const MAX_API_KEYS = 20;

const name = (max = 200) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters');

const httpsUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const url = new URL(v);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

const ipEntry = z
  .string()
  .max(64)
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'must be an IP address or CIDR range');

const positiveId = z.number().int('must be an integer').positive('must be positive');

const apiKeySchema = z.strictObject({
  name: name(),
  active: z.boolean().default(true),
  ipAllowList: z.array(ipEntry).max(100).default([]),
  ipDenyList: z.array(ipEntry).max(100).default([]),
});

const portalSchema = z.strictObject({
  portalId: positiveId.optional(),
  portalName: name().optional(),
  email: z.email('must be an email address').max(320).optional(),
  idpUserId: name().optional(),
});

const apiClientSchema = z.strictObject({
  name: name(),
  description: z.string().max(2000).optional(),
  authType: z.enum(['token', 'jwt', 'oauth2', 'oidc'], {
    error: 'must be one of token, jwt, oauth2, oidc',
  }),
  jwt: z
    .strictObject({
      method: z.enum(['hmac', 'rsa'], { error: 'must be hmac or rsa' }),
      secret: z.string().min(1, 'must not be empty').max(16384).optional(),
    })
    .optional(),
  oidc: z.strictObject({ issuer: httpsUrl.optional(), jwksUri: httpsUrl.optional() }).optional(),
  accessProfileClaim: name().optional(),
  requiredClaims: z.array(name()).max(50).optional(),
  allowedIssuers: z.array(name(2048)).max(50).optional(),
  apiPolicyId: positiveId.optional(),
  portal: portalSchema.optional(),
});

const eventIdField = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z0-9._:@-]+$/, 'must contain only letters, digits and . _ : @ -');
const schemaVersionField = z.literal(1, {
  error: 'unsupported schemaVersion: only 1 is understood',
});
const occurredAtField = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time' });
const managedUserIdField = z
  .string()
  .max(200)
  .regex(
    /^(\d+|E[^\s/?#]+)$/,
    'must be a numeric managed user id or an external id prefixed with E',
  );
/** The Workato account to act in; absent: the only account, or `default`. */
const workatoAccountField = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be the name of a configured Workato account')
  .optional();

export const documentSchema = z
  .strictObject({
    eventId: eventIdField,
    eventType: z.literal('CustomerOnboarded', { error: 'must be "CustomerOnboarded"' }),
    schemaVersion: schemaVersionField,
    occurredAt: occurredAtField,
    customer: z.strictObject({ managedUserId: managedUserIdField, name: name() }),
    projectId: z
      .union([z.string(), z.number().int().positive()], {
        error: (issue) =>
          issue.input === undefined
            ? 'is required: the numeric id of the Workato project the API collection goes in'
            : 'must be a numeric project id',
      })
      .transform(String)
      .refine((v) => /^\d{1,18}$/.test(v), 'must be a numeric project id'),
    collection: z.strictObject({ name: name() }),
    apiClient: apiClientSchema,
    apiKeys: z.array(apiKeySchema).max(MAX_API_KEYS).default([]),
    /** Overrides ONBOARDING_ADOPT_EXISTING for this onboarding. */
    adoptExisting: z.boolean({ error: 'must be true or false' }).optional(),
    /** The Workato account to provision in; absent: the only account, or `default`. */
    workatoAccount: workatoAccountField,
  })
  .superRefine((doc, ctx) => {
    const client = doc.apiClient;
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path: ['apiClient', ...path], message });
    const jwtOrOidc = client.authType === 'jwt' || client.authType === 'oidc';

    if (client.authType === 'jwt') {
      if (!client.jwt) issue(['jwt'], 'is required when authType is jwt');
      else if (client.jwt.method === 'rsa' && !client.jwt.secret)
        issue(['jwt', 'secret'], 'is required for jwt method rsa (the RSA public key PEM)');
    } else if (client.jwt) {
      issue(['jwt'], 'is only allowed when authType is jwt');
    }
    if (client.oidc) {
      if (!jwtOrOidc) issue(['oidc'], 'is only allowed when authType is jwt or oidc');
      if (client.oidc.issuer && client.oidc.jwksUri)
        issue(['oidc'], 'give either issuer or jwksUri, not both');
    }
    if (client.authType === 'oidc' && !client.oidc?.issuer && !client.oidc?.jwksUri)
      issue(['oidc'], 'issuer or jwksUri is required when authType is oidc');
    if (!jwtOrOidc) {
      for (const field of ['accessProfileClaim', 'requiredClaims', 'allowedIssuers'] as const)
        if (client[field] !== undefined)
          issue([field], 'is only allowed when authType is jwt or oidc');
    }
    if (client.portal) {
      const p = client.portal;
      if ((p.portalId === undefined) === (p.portalName === undefined))
        issue(['portal'], 'give exactly one of portalId or portalName');
      if ((p.email === undefined) === (p.idpUserId === undefined))
        issue(
          ['portal'],
          'give exactly one of email (magic-link portal) or idpUserId (identity portal)',
        );
    }
    const seen = new Set<string>();
    doc.apiKeys.forEach((key, index) => {
      if (seen.has(key.name))
        ctx.addIssue({
          code: 'custom',
          path: ['apiKeys', index, 'name'],
          message: 'is a duplicate key name',
        });
      seen.add(key.name);
    });
  });

/** The envelope every customer operation event shares: the customer by managed user id. */
const operationFields = {
  eventId: eventIdField,
  schemaVersion: schemaVersionField,
  occurredAt: occurredAtField,
  customer: z.strictObject({ managedUserId: managedUserIdField, name: name().optional() }),
  workatoAccount: workatoAccountField,
};

/** ApiKeysRotationRequested: rotate API keys of one client (domain/customer-operation.ts). */
export const keyRotationSchema = z
  .strictObject({
    ...operationFields,
    eventType: z.literal('ApiKeysRotationRequested'),
    apiClient: z.strictObject({ name: name() }),
    apiKeys: z
      .array(name())
      .min(1, 'must name at least one key, or be left out')
      .max(MAX_API_KEYS)
      .optional(),
    mode: z
      .enum(['overlap', 'immediate'], { error: 'must be overlap or immediate' })
      .default('overlap'),
    graceSeconds: z
      .number({ error: 'must be a number of seconds' })
      .int('must be a whole number of seconds')
      .min(0, 'must not be negative')
      .max(MAX_GRACE_SECONDS, `must be at most ${MAX_GRACE_SECONDS} (30 days)`)
      .default(DEFAULT_GRACE_SECONDS),
  })
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.apiKeys?.forEach((key, index) => {
      if (seen.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['apiKeys', index],
          message: 'is a duplicate key name',
        });
      seen.add(key);
    });
  });

/** CustomerOffboarded: `disable` the customer's keys (reversible), or `delete` keys and clients. */
export const offboardingSchema = z.strictObject({
  ...operationFields,
  eventType: z.literal('CustomerOffboarded'),
  mode: z.enum(['disable', 'delete'], { error: 'must be disable or delete' }).default('disable'),
});

/** CustomerReactivated: enable again what an offboarding in `disable` mode disabled. */
export const reactivationSchema = z.strictObject({
  ...operationFields,
  eventType: z.literal('CustomerReactivated'),
});

/** CustomerReconciliationRequested: repair the drift of what the service owns (domain/drift.ts). */
export const reconciliationSchema = z.strictObject({
  ...operationFields,
  eventType: z.literal('CustomerReconciliationRequested'),
});

/** The schema of each event type the topic carries. */
const SCHEMAS: Record<CustomerEventType, z.ZodType> = {
  CustomerOnboarded: documentSchema,
  ApiKeysRotationRequested: keyRotationSchema,
  CustomerOffboarded: offboardingSchema,
  CustomerReactivated: reactivationSchema,
  CustomerReconciliationRequested: reconciliationSchema,
};
export const EVENT_TYPES = Object.keys(SCHEMAS) as CustomerEventType[];

const cloudEventSchema = z.object({
  specversion: z.string(),
  type: z.string(),
  id: z.string(),
  data: z.unknown(),
});

export type CustomerOnboardedDocument = z.output<typeof documentSchema>;

export interface FieldIssue {
  path: string;
  message: string;
}

export type ParseResult =
  | { ok: true; request: SagaRequest; jwtSecret: string | null }
  | { ok: false; reason: string; issues: FieldIssue[] };

function fail(reason: string, issues: FieldIssue[] = []): ParseResult {
  return { ok: false, reason, issues };
}

/** The Workato accounts an event may name, and the one it gets when it names none. */
export interface AccountChoice {
  names: readonly string[];
  defaultAccount: string | null;
}

/**
 * Accepts bytes (Kafka), a string, or an already-parsed body (HTTP). With `accounts`, the
 * event's workatoAccount is resolved (and refused when unknown, or missing where several
 * accounts leave no default).
 */
export function parseCustomerOnboarded(
  input: Buffer | string | unknown,
  accounts?: AccountChoice,
): ParseResult {
  let body: unknown = input;
  if (Buffer.isBuffer(input) || typeof input === 'string') {
    const size = Buffer.isBuffer(input) ? input.length : Buffer.byteLength(input);
    if (size > MAX_EVENT_BYTES)
      return fail(`message is ${size} bytes; the limit is ${MAX_EVENT_BYTES}`);
    try {
      body = JSON.parse(input.toString());
    } catch (error) {
      // V8's message quotes the input; keep only its first clause so no payload text (which may
      // hold a secret) reaches the DLQ or the logs.
      return fail(`not valid JSON: ${(error as Error).message.split(/, "|\n/)[0].slice(0, 120)}`);
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return fail('the event must be a JSON object');

  // CloudEvents structured mode: the document is in `data`; its `id` stands in for eventId.
  const envelope = cloudEventSchema.safeParse(body, { error: describeIssue });
  if ('specversion' in body) {
    if (!envelope.success) return fail('invalid CloudEvents envelope', toIssues(envelope.error));
    const cloudType = envelope.data.type;
    const eventType = EVENT_TYPES.find((t) => cloudType === t || cloudType.endsWith(`.${t}`));
    if (!eventType) return fail(`unsupported CloudEvents type "${truncate(cloudType)}"`);
    const data = envelope.data.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data))
      return fail('CloudEvents data must be a JSON object');
    body = { eventId: envelope.data.id, eventType, ...(data as Record<string, unknown>) };
  }

  // Without an eventType the event is read as a CustomerOnboarded one, whose schema then says
  // the field is required.
  const declared = (body as Record<string, unknown>).eventType;
  const eventType: CustomerEventType =
    typeof declared === 'string' && EVENT_TYPES.includes(declared as CustomerEventType)
      ? (declared as CustomerEventType)
      : 'CustomerOnboarded';
  if (declared !== undefined && typeof declared === 'string' && eventType !== declared)
    return fail(`invalid event: eventType: must be one of ${EVENT_TYPES.join(', ')}`, [
      { path: 'eventType', message: `must be one of ${EVENT_TYPES.join(', ')}` },
    ]);
  if (eventType !== 'CustomerOnboarded') return parseOperation(eventType, body, accounts);

  const parsed = documentSchema.safeParse(body, { error: describeIssue });
  if (!parsed.success) {
    const issues = toIssues(parsed.error);
    return fail(
      `invalid CustomerOnboarded event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const doc = parsed.data;
  const account = resolveAccount('CustomerOnboarded', doc.workatoAccount, accounts);
  if (typeof account === 'object') return account;
  const workatoAccount = account;
  const { jwt, ...client } = doc.apiClient;
  return {
    ok: true,
    jwtSecret: jwt?.secret ?? null,
    request: {
      eventId: doc.eventId,
      eventType: doc.eventType,
      schemaVersion: doc.schemaVersion,
      occurredAt: doc.occurredAt,
      customer: doc.customer,
      projectId: doc.projectId,
      collection: doc.collection,
      apiClient: {
        ...client,
        ...(jwt ? { jwt: { method: jwt.method, secretProvided: jwt.secret !== undefined } } : {}),
      },
      apiKeys: doc.apiKeys,
      ...(doc.adoptExisting !== undefined ? { adoptExisting: doc.adoptExisting } : {}),
      ...(workatoAccount !== undefined ? { workatoAccount } : {}),
    },
  };
}

function parseOperation(
  eventType: Exclude<CustomerEventType, 'CustomerOnboarded'>,
  body: unknown,
  accounts: AccountChoice | undefined,
): ParseResult {
  const parsed = SCHEMAS[eventType].safeParse(body, { error: describeIssue });
  if (!parsed.success) {
    const issues = toIssues(parsed.error);
    return fail(
      `invalid ${eventType} event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const doc = parsed.data as Extract<SagaRequest, { eventType: typeof eventType }>;
  const account = resolveAccount(eventType, doc.workatoAccount, accounts);
  if (typeof account === 'object') return account;
  const { workatoAccount: _named, ...rest } = doc;
  void _named;
  return {
    ok: true,
    jwtSecret: null,
    request: { ...rest, ...(account !== undefined ? { workatoAccount: account } : {}) },
  };
}

/**
 * The Workato account an event goes to: the one it names (refused when unknown), else the
 * default one (refused when several accounts leave none). Without `accounts`: as named.
 */
function resolveAccount(
  eventType: CustomerEventType,
  named: string | undefined,
  accounts: AccountChoice | undefined,
): string | undefined | Extract<ParseResult, { ok: false }> {
  if (!accounts) return named;
  const listed = accounts.names.join(', ');
  const refuse = (message: string) =>
    fail(`invalid ${eventType} event: workatoAccount: ${message}`, [
      { path: 'workatoAccount', message },
    ]) as Extract<ParseResult, { ok: false }>;
  if (named !== undefined && !accounts.names.includes(named))
    return refuse(`unknown Workato account "${named}": this deployment has ${listed}`);
  if (named !== undefined) return named;
  if (accounts.defaultAccount === null)
    return refuse(
      `is required: this deployment has several Workato accounts (${listed}) and none is named default`,
    );
  return accounts.defaultAccount;
}

/**
 * Messages for the issues the schema does not word itself: what is expected, in the partner's
 * terms, never the value that was sent (it may be a secret).
 */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    return `must be ${article(issue.expected)}, not ${kindOf(issue.input)}`;
  }
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${truncate(k)}"`).join(', ')}: the event accepts only the documented fields`;
  return undefined;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return article(typeof value);
}

function toIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.slice(0, 50).map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}
