import { z } from 'zod';
import type { OnboardingRequest } from '../domain/onboarding-request';

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

export const documentSchema = z
  .strictObject({
    eventId: z
      .string()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .regex(/^[A-Za-z0-9._:@-]+$/, 'must contain only letters, digits and . _ : @ -'),
    eventType: z.literal('CustomerOnboarded', { error: 'must be "CustomerOnboarded"' }),
    schemaVersion: z.literal(1, { error: 'unsupported schemaVersion: only 1 is understood' }),
    occurredAt: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time' }),
    customer: z.strictObject({
      managedUserId: z
        .string()
        .max(200)
        .regex(
          /^(\d+|E[^\s/?#]+)$/,
          'must be a numeric managed user id or an external id prefixed with E',
        ),
      name: name(),
    }),
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
    workatoAccount: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be the name of a configured Workato account')
      .optional(),
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
  | { ok: true; request: OnboardingRequest; jwtSecret: string | null }
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
    if (
      envelope.data.type !== 'CustomerOnboarded' &&
      !envelope.data.type.endsWith('.CustomerOnboarded')
    )
      return fail(`unsupported CloudEvents type "${truncate(envelope.data.type)}"`);
    const data = envelope.data.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data))
      return fail('CloudEvents data must be a JSON object');
    body = { eventId: envelope.data.id, ...(data as Record<string, unknown>) };
  }

  const parsed = documentSchema.safeParse(body, { error: describeIssue });
  if (!parsed.success) {
    const issues = toIssues(parsed.error);
    return fail(
      `invalid CustomerOnboarded event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const doc = parsed.data;
  let workatoAccount = doc.workatoAccount;
  if (accounts) {
    const listed = accounts.names.join(', ');
    if (workatoAccount !== undefined && !accounts.names.includes(workatoAccount)) {
      const issue = {
        path: 'workatoAccount',
        message: `unknown Workato account "${workatoAccount}": this deployment has ${listed}`,
      };
      return fail(`invalid CustomerOnboarded event: ${issue.path}: ${issue.message}`, [issue]);
    }
    if (workatoAccount === undefined) {
      if (accounts.defaultAccount === null) {
        const issue = {
          path: 'workatoAccount',
          message: `is required: this deployment has several Workato accounts (${listed}) and none is named default`,
        };
        return fail(`invalid CustomerOnboarded event: ${issue.path}: ${issue.message}`, [issue]);
      }
      workatoAccount = accounts.defaultAccount;
    }
  }
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
