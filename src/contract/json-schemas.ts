import { z } from 'zod';
import { MAX_EVENT_BYTES } from '../onboarding/intake/customer-onboarded.schema';
import {
  CLOUD_EVENT_EXAMPLES,
  CUSTOMER_ONBOARDED_EXAMPLES,
  DEAD_LETTER_EXAMPLES,
  ONBOARDING_COMPLETED_EXAMPLES,
  ONBOARDING_FAILED_EXAMPLES,
  ONBOARDING_RESULT_HEADERS_EXAMPLE,
} from './contract.examples';
import { contractRegistry } from './contract.registry';
import {
  customerOnboardedCloudEventSchema,
  customerOnboardedSchema,
  managedUserIdSchema,
} from './customer-onboarded-event.schema';
import { deadLetterHeadersSchema } from './dead-letter.schema';
import {
  onboardingCompletedSchema,
  onboardingFailedSchema,
  onboardingResultHeadersSchema,
  onboardingResultSchema,
  recordedErrorSchema,
} from './onboarding-result.schema';

/** A JSON Schema (draft-07), as plain JSON. */
export type JsonSchema = Record<string, unknown>;

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/**
 * The rules parseCustomerOnboarded checks beyond what JSON Schema can say (zod refinements):
 * told in the description, so a partner knows them before the service refuses an event.
 */
const EVENT_RULES =
  'Also checked by the service, beyond this schema: `apiClient.jwt` is required when authType is ' +
  'jwt and allowed only then, and `jwt.secret` (the RSA public key PEM) is required for method rsa ' +
  '(for hmac it is optional: the service generates one); `apiClient.oidc` only with authType jwt or ' +
  'oidc, with exactly one of `issuer` (discovery URL) or `jwksUri` (required for oidc); ' +
  '`accessProfileClaim`, `requiredClaims` and `allowedIssuers` only with jwt or oidc; ' +
  '`apiClient.portal` names exactly one of `portalId` or `portalName` and exactly one of `email` ' +
  '(magic-link portal) or `idpUserId` (identity portal); API key names are unique; `projectId` is ' +
  'numeric; `issuer` and `jwksUri` are http(s) URLs; names have no control characters; ' +
  `\`workatoAccount\` names an account the deployment has; the message is at most ${MAX_EVENT_BYTES} bytes.`;

/** The contract's schemas: `file` ones are also written to docs/schemas/<id>.json. */
export const CONTRACT_SCHEMAS: {
  id: string;
  schema: z.ZodType;
  title: string;
  description: string;
  examples?: unknown[];
  file: boolean;
}[] = [
  {
    id: 'CustomerOnboarded',
    schema: customerOnboardedSchema,
    title: 'CustomerOnboarded',
    description:
      'A partner announces a new customer: the service provisions its managed Workato Embedded ' +
      'workspace. Consumed from KAFKA_TOPIC_ONBOARDED (key: the managed user id) and accepted by ' +
      'POST /v1/onboardings; unknown fields are refused. eventId is the idempotency key: the same ' +
      'event again is a duplicate, the same eventId with other content is refused. ' +
      EVENT_RULES,
    examples: CUSTOMER_ONBOARDED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerOnboardedCloudEvent',
    schema: customerOnboardedCloudEventSchema,
    title: 'CustomerOnboarded as a CloudEvent',
    description:
      'The CustomerOnboarded event as a CloudEvents 1.0 structured-mode message: the document in ' +
      '`data`, the CloudEvents `id` as its eventId. Accepted wherever the plain form is. ' +
      EVENT_RULES,
    examples: CLOUD_EVENT_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'OnboardingCompleted',
    schema: onboardingCompletedSchema,
    title: 'OnboardingCompleted',
    description:
      'An onboarding provisioned everything it was asked for. Published on KAFKA_TOPIC_RESULTS ' +
      '(key: the managed user id) once per attempt; never carries a secret (the API keys are ' +
      'handed out by GET /v1/onboardings/:id/credentials).',
    examples: ONBOARDING_COMPLETED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'OnboardingFailed',
    schema: onboardingFailedSchema,
    title: 'OnboardingFailed',
    description:
      'An onboarding failed for good and was compensated (FAILED), or compensation could not undo ' +
      'everything (COMPENSATION_FAILED, with error.compensation). Published on KAFKA_TOPIC_RESULTS ' +
      '(key: the managed user id); an operator may replay it, which publishes a new result with ' +
      'the next attempt number.',
    examples: ONBOARDING_FAILED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'OnboardingResult',
    schema: onboardingResultSchema,
    title: 'Onboarding result',
    description:
      'Any message on KAFKA_TOPIC_RESULTS: OnboardingCompleted or OnboardingFailed, by `type`.',
    file: true,
  },
  {
    id: 'RecordedError',
    schema: recordedErrorSchema,
    title: 'RecordedError',
    description:
      'An error as the onboarding records it: what failed and whether retrying could help. Never ' +
      'carries a secret.',
    file: false,
  },
  {
    id: 'ManagedUserId',
    schema: managedUserIdSchema,
    title: 'Managed user id',
    description:
      'The customer workspace in Workato Embedded: a numeric id, or an external id prefixed with E. ' +
      'The Kafka key of every message, so that one customer’s messages keep their order.',
    file: false,
  },
  {
    id: 'OnboardingResultHeaders',
    schema: onboardingResultHeadersSchema,
    title: 'Headers of a results message',
    description: 'Kafka headers of a message on KAFKA_TOPIC_RESULTS.',
    examples: [ONBOARDING_RESULT_HEADERS_EXAMPLE],
    file: false,
  },
  {
    id: 'DeadLetterHeaders',
    schema: deadLetterHeadersSchema,
    title: 'Headers of a dead letter',
    description:
      'Kafka headers of a message on KAFKA_TOPIC_DLQ: the original message’s headers, unchanged, ' +
      'plus these.',
    examples: DEAD_LETTER_EXAMPLES.map((e) => e.headers),
    file: true,
  },
];

for (const { schema, id, title, description } of CONTRACT_SCHEMAS)
  contractRegistry.add(schema, { id, title, description });

/** Every contract schema as JSON Schema, each referring to the others by `uri(id)`. */
function generate(uri: (id: string) => string): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(contractRegistry, {
    target: 'draft-07',
    // What a producer sends: fields with a default (apiKeys, active, …) may be left out.
    io: 'input',
    metadata: contractRegistry,
    uri,
  });
  return Object.fromEntries(
    CONTRACT_SCHEMAS.map(({ id, examples }) => {
      const { $schema: _schema, $id: _id, ...schema } = schemas[id] as JsonSchema;
      // Added here: zod leaves the examples of a schema with transforms out of its input form.
      return [id, { ...schema, ...(examples ? { examples } : {}) }];
    }),
  );
}

/** The schemas as the AsyncAPI document's components, referring to each other there. */
export function componentSchemas(): Record<string, JsonSchema> {
  return generate((id) => `#/components/schemas/${id}`);
}

/**
 * The schemas written to docs/schemas/: each file self-contained, with what it refers to under
 * `definitions`.
 */
export function schemaFiles(): Record<string, JsonSchema> {
  const all = generate((id) => `#/definitions/${id}`);
  const files: Record<string, JsonSchema> = {};
  for (const { id, file } of CONTRACT_SCHEMAS) {
    if (!file) continue;
    const { title, description, ...schema } = all[id];
    const definitions: Record<string, JsonSchema> = {};
    const pending = referencedIds(schema);
    while (pending.length > 0) {
      const ref = pending.shift()!;
      if (ref in definitions) continue;
      definitions[ref] = all[ref];
      pending.push(...referencedIds(all[ref]));
    }
    files[id] = {
      $schema: DRAFT_07,
      title,
      description,
      ...schema,
      ...(Object.keys(definitions).length > 0 ? { definitions } : {}),
    };
  }
  return files;
}

function referencedIds(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(referencedIds);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/')
      ? [value.slice('#/definitions/'.length)]
      : referencedIds(value),
  );
}
