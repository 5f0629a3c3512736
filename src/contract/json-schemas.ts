import { z } from 'zod';
import { MAX_EVENT_BYTES } from '../onboarding/intake/customer-onboarded.schema';
import {
  API_KEYS_ROTATED_EXAMPLES,
  API_KEYS_ROTATION_READY_EXAMPLES,
  API_KEYS_ROTATION_FAILED_EXAMPLES,
  API_KEYS_ROTATION_REQUESTED_EXAMPLES,
  CLOUD_EVENT_EXAMPLES,
  CUSTOMER_OFFBOARDED_EXAMPLES,
  CUSTOMER_OFFBOARDING_COMPLETED_EXAMPLES,
  CUSTOMER_OFFBOARDING_FAILED_EXAMPLES,
  CUSTOMER_ONBOARDED_EXAMPLES,
  CUSTOMER_REACTIVATED_EXAMPLES,
  CUSTOMER_REACTIVATED_RESULT_EXAMPLES,
  CUSTOMER_REACTIVATION_FAILED_EXAMPLES,
  CUSTOMER_RECONCILED_EXAMPLES,
  CUSTOMER_RECONCILIATION_FAILED_EXAMPLES,
  CUSTOMER_RECONCILIATION_REQUESTED_EXAMPLES,
  DEAD_LETTER_EXAMPLES,
  OPERATION_CLOUD_EVENT_EXAMPLES,
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
import {
  apiKeysRotationRequestedCloudEventSchema,
  apiKeysRotationRequestedSchema,
  customerOffboardedCloudEventSchema,
  customerOffboardedSchema,
  customerReactivatedCloudEventSchema,
  customerReactivatedSchema,
  customerReconciliationRequestedCloudEventSchema,
  customerReconciliationRequestedSchema,
} from './customer-operation-event.schema';
import { deadLetterHeadersSchema } from './dead-letter.schema';
import {
  onboardingCompletedSchema,
  onboardingFailedSchema,
  onboardingResultHeadersSchema,
  recordedErrorSchema,
} from './onboarding-result.schema';
import {
  apiKeysRotatedSchema,
  apiKeysRotationReadySchema,
  apiKeysRotationFailedSchema,
  customerOffboardingCompletedSchema,
  customerOffboardingFailedSchema,
  customerReactivatedResultSchema,
  customerReactivationFailedSchema,
  customerReconciledSchema,
  customerReconciliationFailedSchema,
  resultMessageSchema,
} from './operation-result.schema';

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

/** The same, for the customer operations' events (their refinements are fewer). */
const OPERATION_RULES =
  'Also checked by the service, beyond this schema: names are trimmed and have no control ' +
  'characters; `workatoAccount` names an account the deployment has; the message is at most ' +
  `${MAX_EVENT_BYTES} bytes.`;

/** What every customer operation's event shares: how it is consumed and when it fails later. */
const OPERATION_EVENT =
  'Consumed from KAFKA_TOPIC_ONBOARDED beside CustomerOnboarded (key: the managed user id; ' +
  "the customer's events run one at a time, in the order they were ingested); unknown fields " +
  'are refused; eventId is the idempotency key. The event is accepted before the service looks ' +
  'at what the customer has: one for a customer it never onboarded is recorded and fails with ' +
  'CUSTOMER_NOT_ONBOARDED in its result.';

/** What every customer operation's result shares. */
const OPERATION_RESULT =
  'Published on KAFKA_TOPIC_RESULTS (key: the managed user id) once per attempt, with the ' +
  "operation's steps; never carries a token.";

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
    id: 'ApiKeysRotationRequested',
    schema: apiKeysRotationRequestedSchema,
    title: 'ApiKeysRotationRequested',
    description:
      "Rotate API keys of one of the customer's API clients (named by `apiClient.name`): `apiKeys` " +
      'names the keys (absent: every key the service created on that client). `overlap` (the ' +
      'default) creates a new key beside each old one and disables, then deletes, the old ones ' +
      'after `graceSeconds`; `immediate` gives each key a new secret at once. The new tokens are ' +
      'handed out once by GET /v1/operations/:id/credentials. Also accepted by POST ' +
      '/v1/customers/:managedUserId/key-rotations. ' +
      OPERATION_EVENT +
      ' ' +
      OPERATION_RULES +
      ' The key names are unique.',
    examples: API_KEYS_ROTATION_REQUESTED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'ApiKeysRotationRequestedCloudEvent',
    schema: apiKeysRotationRequestedCloudEventSchema,
    title: 'ApiKeysRotationRequested as a CloudEvent',
    description:
      'The ApiKeysRotationRequested event as a CloudEvents 1.0 structured-mode message: the ' +
      'document in `data`, the CloudEvents `id` as its eventId. ' +
      OPERATION_RULES +
      ' The key names are unique.',
    examples: OPERATION_CLOUD_EVENT_EXAMPLES.ApiKeysRotationRequested.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerOffboarded',
    schema: customerOffboardedSchema,
    title: 'CustomerOffboarded',
    description:
      'The customer leaves: `disable` (the default) disables every API key the service created, ' +
      'reversibly (CustomerReactivated enables them again); `delete` deletes those keys and the ' +
      'API clients the service created. API collections are kept (Workato cannot delete one); ' +
      'adopted clients are never touched; repeating an offboarding does nothing. Also accepted ' +
      'by POST /v1/customers/:managedUserId/offboarding. ' +
      OPERATION_EVENT +
      ' ' +
      OPERATION_RULES,
    examples: CUSTOMER_OFFBOARDED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerOffboardedCloudEvent',
    schema: customerOffboardedCloudEventSchema,
    title: 'CustomerOffboarded as a CloudEvent',
    description:
      'The CustomerOffboarded event as a CloudEvents 1.0 structured-mode message: the document ' +
      'in `data`, the CloudEvents `id` as its eventId. ' +
      OPERATION_RULES,
    examples: OPERATION_CLOUD_EVENT_EXAMPLES.CustomerOffboarded.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerReactivated',
    schema: customerReactivatedSchema,
    title: 'CustomerReactivated',
    description:
      'The customer is back: enables again the API keys an offboarding in `disable` mode ' +
      'disabled (nothing else). Also accepted by POST /v1/customers/:managedUserId/reactivation. ' +
      OPERATION_EVENT +
      ' ' +
      OPERATION_RULES,
    examples: CUSTOMER_REACTIVATED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerReactivatedCloudEvent',
    schema: customerReactivatedCloudEventSchema,
    title: 'CustomerReactivated as a CloudEvent',
    description:
      'The CustomerReactivated event as a CloudEvents 1.0 structured-mode message: the document ' +
      'in `data`, the CloudEvents `id` as its eventId. ' +
      OPERATION_RULES,
    examples: OPERATION_CLOUD_EVENT_EXAMPLES.CustomerReactivated.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerReconciliationRequested',
    schema: customerReconciliationRequestedSchema,
    title: 'CustomerReconciliationRequested',
    description:
      'Repair the drift of what the service owns for the customer, planned from a fresh look at ' +
      'Workato when the operation first runs: a key deleted outside the service is created ' +
      'again under its name and recorded settings (its new token handed out once by GET ' +
      '/v1/operations/:id/credentials), a key disabled or enabled behind its back gets its ' +
      "recorded state back, an API client's changed API collections are restored. Left alone, " +
      'and recorded with why in the DRIFT_REPORT step (GET /v1/operations/:id): keys added by ' +
      'hand, adopted clients, a missing client, a changed auth type or portal. No drift: no ' +
      'step. Also accepted by POST /v1/customers/:managedUserId/reconcile. ' +
      OPERATION_EVENT +
      ' ' +
      OPERATION_RULES,
    examples: CUSTOMER_RECONCILIATION_REQUESTED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerReconciliationRequestedCloudEvent',
    schema: customerReconciliationRequestedCloudEventSchema,
    title: 'CustomerReconciliationRequested as a CloudEvent',
    description:
      'The CustomerReconciliationRequested event as a CloudEvents 1.0 structured-mode message: ' +
      'the document in `data`, the CloudEvents `id` as its eventId. ' +
      OPERATION_RULES,
    examples: OPERATION_CLOUD_EVENT_EXAMPLES.CustomerReconciliationRequested.map((e) => e.payload),
    file: true,
  },
  {
    id: 'ApiKeysRotationReady',
    schema: apiKeysRotationReadySchema,
    title: 'ApiKeysRotationReady',
    description:
      "An overlap rotation's new keys exist: GET /v1/operations/:id/credentials hands their " +
      'tokens out once, while the old keys keep working until `graceEndsAt`. Sent as the grace ' +
      'period starts (again if the service restarts at that moment: keep the first per ' +
      'operationId); ApiKeysRotated or ApiKeysRotationFailed follows. ' +
      OPERATION_RESULT,
    examples: API_KEYS_ROTATION_READY_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'ApiKeysRotated',
    schema: apiKeysRotatedSchema,
    title: 'ApiKeysRotated',
    description:
      'A key rotation finished: every step succeeded (an overlap rotation: after its grace ' +
      'period, with the old keys deleted). ' +
      OPERATION_RESULT,
    examples: API_KEYS_ROTATED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'ApiKeysRotationFailed',
    schema: apiKeysRotationFailedSchema,
    title: 'ApiKeysRotationFailed',
    description:
      'A key rotation failed for good: `error` says why (API_CLIENT_NOT_FOUND, API_KEY_NOT_FOUND, ' +
      'API_KEYS_HAVE_NO_TOKEN for a JWT or OIDC client, a Workato error, …). New keys it created ' +
      'before its grace period ended are deleted. ' +
      OPERATION_RESULT,
    examples: API_KEYS_ROTATION_FAILED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerOffboardingCompleted',
    schema: customerOffboardingCompletedSchema,
    title: 'CustomerOffboardingCompleted',
    description:
      "An offboarding finished: the customer's keys are disabled, or keys and clients deleted. " +
      OPERATION_RESULT,
    examples: CUSTOMER_OFFBOARDING_COMPLETED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerOffboardingFailed',
    schema: customerOffboardingFailedSchema,
    title: 'CustomerOffboardingFailed',
    description:
      'An offboarding failed for good: the steps say what was done; running it again (replay) ' +
      'does the rest. ' +
      OPERATION_RESULT,
    examples: CUSTOMER_OFFBOARDING_FAILED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    // The result's `type` is the event's name: the schema id cannot be both.
    id: 'CustomerReactivatedResult',
    schema: customerReactivatedResultSchema,
    title: 'CustomerReactivated (result)',
    description:
      'A reactivation finished: the keys an offboarding disabled work again. Its `type` is ' +
      '"CustomerReactivated", the name of the event that asked for it: a results message is ' +
      'told from the event by the topic and by `type` (the event has `eventType`). ' +
      OPERATION_RESULT,
    examples: CUSTOMER_REACTIVATED_RESULT_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerReactivationFailed',
    schema: customerReactivationFailedSchema,
    title: 'CustomerReactivationFailed',
    description:
      'A reactivation failed for good, such as API_KEY_MISSING for a key deleted outside the ' +
      'service. ' +
      OPERATION_RESULT,
    examples: CUSTOMER_REACTIVATION_FAILED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerReconciled',
    schema: customerReconciledSchema,
    title: 'CustomerReconciled',
    description:
      'A reconciliation finished: every repair it planned succeeded (none when Workato showed ' +
      'what the service recorded). What it left alone, and why, is in its DRIFT_REPORT step ' +
      '(GET /v1/operations/:id); the tokens of recreated keys are handed out once by GET ' +
      '/v1/operations/:id/credentials. ' +
      OPERATION_RESULT,
    examples: CUSTOMER_RECONCILED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'CustomerReconciliationFailed',
    schema: customerReconciliationFailedSchema,
    title: 'CustomerReconciliationFailed',
    description:
      'A reconciliation failed for good: `error` says why (API_KEY_CONFLICT for a key of the ' +
      'same name added by hand after the drift was observed, API_CLIENT_MISSING for a client ' +
      'deleted meanwhile, a Workato error, …). Its repairs are not undone: a recreated key is ' +
      "the customer's again. " +
      OPERATION_RESULT,
    examples: CUSTOMER_RECONCILIATION_FAILED_EXAMPLES.map((e) => e.payload),
    file: true,
  },
  {
    id: 'OnboardingResult',
    schema: resultMessageSchema,
    title: 'Results message',
    description:
      "Any message on KAFKA_TOPIC_RESULTS, by `type`: an onboarding's (OnboardingCompleted, " +
      "OnboardingFailed) or a customer operation's (ApiKeysRotationReady, ApiKeysRotated, ApiKeysRotationFailed, " +
      'CustomerOffboardingCompleted, CustomerOffboardingFailed, CustomerReactivated, ' +
      'CustomerReactivationFailed, CustomerReconciled, CustomerReconciliationFailed). A consumer should skip a `type` it does not know.',
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

/**
 * The schema of each results message, by its `type`: the type itself, but for the
 * reactivation's result, whose type is also the name of an event.
 */
export const RESULT_SCHEMA_IDS: Record<string, string> = Object.fromEntries(
  resultMessageSchema.options.map((schema) => {
    const entry = CONTRACT_SCHEMAS.find((s) => s.schema === schema);
    if (!entry) throw new Error(`results message ${schema.shape.type.value} has no schema id`);
    return [schema.shape.type.value, entry.id];
  }),
);

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
