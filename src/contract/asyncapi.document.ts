import { z } from 'zod';
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
  Example,
  ONBOARDING_COMPLETED_EXAMPLES,
  ONBOARDING_FAILED_EXAMPLES,
  ONBOARDING_RESULT_HEADERS_EXAMPLE,
  OPERATION_CLOUD_EVENT_EXAMPLES,
} from './contract.examples';
import { deadLetterKeySchema, deadLetterPayloadSchema } from './dead-letter.schema';
import { contractRegistry } from './contract.registry';
import { componentSchemas, JsonSchema } from './json-schemas';

/**
 * The AsyncAPI 3.0 document of the service's Kafka topics, built from the same zod schemas the
 * service validates with: served at GET /asyncapi.json and committed as docs/asyncapi.json.
 * Topic names are the defaults; each is configurable (KAFKA_TOPIC_ONBOARDED, …).
 */

const KAFKA_BINDING = '0.5.0';

/** The topics, with the variable that renames each and its default (config.schema.ts). */
const TOPICS = {
  onboarded: { variable: 'KAFKA_TOPIC_ONBOARDED', address: 'partner.customer-onboarded' },
  results: { variable: 'KAFKA_TOPIC_RESULTS', address: 'onboarding.results' },
  deadLetters: { variable: 'KAFKA_TOPIC_DLQ', address: 'partner.customer-onboarded.dlq' },
} as const;

const ref = ($ref: string) => ({ $ref });
const schemaRef = (id: string) => ref(`#/components/schemas/${id}`);

/** A schema of its own (not a component): JSON Schema of a zod schema, with the contract's notes. */
function inline(schema: z.ZodType): JsonSchema {
  const { $schema: _schema, ...json } = z.toJSONSchema(schema, {
    target: 'draft-07',
    metadata: contractRegistry,
  }) as JsonSchema;
  return json;
}

const configurable = (topic: { variable: string; address: string }) =>
  `Default name \`${topic.address}\`; set by ${topic.variable}.`;

function kafkaMessage(key: JsonSchema) {
  return { kafka: { key, bindingVersion: KAFKA_BINDING } };
}

/**
 * The events of the consumed topic: each is a message as a plain JSON document and one as a
 * CloudEvent, whose schemas are `<id>` and `<id>CloudEvent`.
 */
const EVENTS: {
  key: string;
  id: string;
  summary: string;
  examples: Example<unknown>[];
  cloudEvents: Example<unknown>[];
}[] = [
  {
    key: 'customerOnboarded',
    id: 'CustomerOnboarded',
    summary: 'A new customer to onboard, as a plain JSON document.',
    examples: CUSTOMER_ONBOARDED_EXAMPLES,
    cloudEvents: CLOUD_EVENT_EXAMPLES,
  },
  {
    key: 'apiKeysRotationRequested',
    id: 'ApiKeysRotationRequested',
    summary: "Rotate API keys of one of an onboarded customer's API clients.",
    examples: API_KEYS_ROTATION_REQUESTED_EXAMPLES,
    cloudEvents: OPERATION_CLOUD_EVENT_EXAMPLES.ApiKeysRotationRequested,
  },
  {
    key: 'customerOffboarded',
    id: 'CustomerOffboarded',
    summary: 'The customer leaves: disable, or delete, the keys and clients the service created.',
    examples: CUSTOMER_OFFBOARDED_EXAMPLES,
    cloudEvents: OPERATION_CLOUD_EVENT_EXAMPLES.CustomerOffboarded,
  },
  {
    key: 'customerReactivated',
    id: 'CustomerReactivated',
    summary: 'The customer is back: enable again the keys an offboarding disabled.',
    examples: CUSTOMER_REACTIVATED_EXAMPLES,
    cloudEvents: OPERATION_CLOUD_EVENT_EXAMPLES.CustomerReactivated,
  },
  {
    key: 'customerReconciliationRequested',
    id: 'CustomerReconciliationRequested',
    summary:
      'Repair the drift of what the service owns in Workato for the customer; report what it leaves alone.',
    examples: CUSTOMER_RECONCILIATION_REQUESTED_EXAMPLES,
    cloudEvents: OPERATION_CLOUD_EVENT_EXAMPLES.CustomerReconciliationRequested,
  },
];

/** The messages of the results topic; `id` names the schema, `title` the message. */
const RESULTS: {
  key: string;
  id: string;
  title: string;
  summary: string;
  examples: Example<unknown>[];
}[] = [
  {
    key: 'onboardingCompleted',
    id: 'OnboardingCompleted',
    title: 'OnboardingCompleted',
    summary: 'Every resource of the onboarding is provisioned.',
    examples: ONBOARDING_COMPLETED_EXAMPLES,
  },
  {
    key: 'onboardingFailed',
    id: 'OnboardingFailed',
    title: 'OnboardingFailed',
    summary:
      'The onboarding failed for good; what it created was undone, or what is left is listed.',
    examples: ONBOARDING_FAILED_EXAMPLES,
  },
  {
    key: 'apiKeysRotationReady',
    id: 'ApiKeysRotationReady',
    title: 'ApiKeysRotationReady',
    summary:
      "An overlap rotation's new keys exist: fetch their tokens (once) over REST while the old keys still work.",
    examples: API_KEYS_ROTATION_READY_EXAMPLES,
  },
  {
    key: 'apiKeysRotated',
    id: 'ApiKeysRotated',
    title: 'ApiKeysRotated',
    summary: 'A key rotation finished; the new tokens are handed out over REST, never here.',
    examples: API_KEYS_ROTATED_EXAMPLES,
  },
  {
    key: 'apiKeysRotationFailed',
    id: 'ApiKeysRotationFailed',
    title: 'ApiKeysRotationFailed',
    summary:
      'A key rotation failed for good; new keys made before the grace period ended are deleted.',
    examples: API_KEYS_ROTATION_FAILED_EXAMPLES,
  },
  {
    key: 'customerOffboardingCompleted',
    id: 'CustomerOffboardingCompleted',
    title: 'CustomerOffboardingCompleted',
    summary: 'An offboarding finished.',
    examples: CUSTOMER_OFFBOARDING_COMPLETED_EXAMPLES,
  },
  {
    key: 'customerOffboardingFailed',
    id: 'CustomerOffboardingFailed',
    title: 'CustomerOffboardingFailed',
    summary: 'An offboarding failed for good; its steps say what was done.',
    examples: CUSTOMER_OFFBOARDING_FAILED_EXAMPLES,
  },
  {
    key: 'customerReactivatedResult',
    id: 'CustomerReactivatedResult',
    title: 'CustomerReactivated (result)',
    summary:
      'A reactivation finished (`type` "CustomerReactivated", like the event that asked for it).',
    examples: CUSTOMER_REACTIVATED_RESULT_EXAMPLES,
  },
  {
    key: 'customerReactivationFailed',
    id: 'CustomerReactivationFailed',
    title: 'CustomerReactivationFailed',
    summary: 'A reactivation failed for good.',
    examples: CUSTOMER_REACTIVATION_FAILED_EXAMPLES,
  },
  {
    key: 'customerReconciled',
    id: 'CustomerReconciled',
    title: 'CustomerReconciled',
    summary:
      'A reconciliation finished; tokens of recreated keys are handed out over REST, never here.',
    examples: CUSTOMER_RECONCILED_EXAMPLES,
  },
  {
    key: 'customerReconciliationFailed',
    id: 'CustomerReconciliationFailed',
    title: 'CustomerReconciliationFailed',
    summary: 'A reconciliation failed for good; the repairs it made are kept.',
    examples: CUSTOMER_RECONCILIATION_FAILED_EXAMPLES,
  },
];

const EVENT_KEYS = EVENTS.flatMap((e) => [e.key, `${e.key}CloudEvent`]);

let built: Record<string, unknown> | null = null;

/** The document (built once: it depends on nothing but the code). */
export function asyncApiDocument(): Record<string, unknown> {
  built ??= build();
  return built;
}

function build(): Record<string, unknown> {
  const keyedByCustomer = kafkaMessage(schemaRef('ManagedUserId'));
  const keyedByPartner = kafkaMessage({
    description:
      "Expected: the event's customer.managedUserId, so that one customer's events keep their " +
      'order. Not checked: the event itself says whom it is about.',
    allOf: [schemaRef('ManagedUserId')],
  });
  const eventMessages = Object.fromEntries(
    EVENTS.flatMap(({ key, id, summary, examples, cloudEvents }) => [
      [
        key,
        {
          name: id,
          title: id,
          summary,
          contentType: 'application/json',
          payload: schemaRef(id),
          bindings: keyedByPartner,
          examples,
        },
      ],
      [
        `${key}CloudEvent`,
        {
          name: `${id}CloudEvent`,
          title: `${id} (CloudEvents)`,
          summary:
            'The same event as a CloudEvents structured-mode message (binary mode is not supported).',
          contentType: 'application/cloudevents+json',
          payload: schemaRef(`${id}CloudEvent`),
          bindings: keyedByPartner,
          examples: cloudEvents,
        },
      ],
    ]),
  );
  const resultMessages = Object.fromEntries(
    RESULTS.map(({ key, id, title, summary, examples }) => [
      key,
      {
        name: id,
        title,
        summary,
        contentType: 'application/json',
        headers: schemaRef('OnboardingResultHeaders'),
        payload: schemaRef(id),
        bindings: keyedByCustomer,
        examples: examples.map((e) => ({ ...e, headers: ONBOARDING_RESULT_HEADERS_EXAMPLE })),
      },
    ]),
  );
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'workato-onboarding',
      version: '1.0.0',
      description:
        "Provisions a SaaS partner's new customers in Workato Embedded, and acts on their later " +
        'life. The partner publishes CustomerOnboarded events, and on the same topic the ' +
        "customer's lifecycle events: ApiKeysRotationRequested, CustomerOffboarded, " +
        'CustomerReactivated and CustomerReconciliationRequested. The service answers each onboarding and each of these operations ' +
        'with one result per attempt, and sets aside the messages it cannot accept in a ' +
        'dead-letter topic. Messages are keyed by the managed user id, so one customer’s ' +
        'messages keep their order. The same events are also accepted over HTTP (POST ' +
        '/v1/onboardings, POST /v1/customers/:managedUserId/{key-rotations,offboarding,' +
        'reactivation,reconcile}; OpenAPI at /docs). ' +
        'Topic names are the defaults: each is configurable.',
    },
    servers: {
      partner: {
        host: '{brokers}',
        protocol: 'kafka',
        description:
          "The partner's Kafka cluster: the service connects to KAFKA_BROKERS and consumes in the " +
          'consumer group KAFKA_GROUP_ID.',
        variables: {
          brokers: {
            default: 'localhost:9092',
            description: 'KAFKA_BROKERS: the bootstrap brokers, comma-separated host:port.',
          },
        },
      },
    },
    defaultContentType: 'application/json',
    channels: {
      customerOnboarded: {
        address: TOPICS.onboarded.address,
        title: 'Customer events',
        description:
          'CustomerOnboarded events from the partner, and the customer’s later ' +
          'ApiKeysRotationRequested, CustomerOffboarded, CustomerReactivated and ' +
          'CustomerReconciliationRequested events, each as a plain JSON document or a CloudEvents structured-mode message; `eventType` (or the ' +
          `CloudEvents \`type\`) tells them apart. ${configurable(TOPICS.onboarded)} Invalid ` +
          'messages go to the dead-letter topic; a valid one is recorded before its offset is ' +
          'committed.',
        messages: Object.fromEntries(
          EVENT_KEYS.map((key) => [key, ref(`#/components/messages/${key}`)]),
        ),
        bindings: { kafka: { topic: TOPICS.onboarded.address, bindingVersion: KAFKA_BINDING } },
      },
      onboardingResults: {
        address: TOPICS.results.address,
        title: 'Results',
        description:
          'One message per finished attempt of an onboarding (OnboardingCompleted or ' +
          'OnboardingFailed) or of a customer operation (ApiKeysRotated or ' +
          'ApiKeysRotationFailed, CustomerOffboardingCompleted or CustomerOffboardingFailed, ' +
          'CustomerReactivated or CustomerReactivationFailed, CustomerReconciled or ' +
          'CustomerReconciliationFailed), told apart by `type`; an overlap rotation also ' +
          'announces its new keys as its grace period starts (ApiKeysRotationReady). ' +
          `${configurable(TOPICS.results)} Published from a transactional outbox; the ` +
          '`outbox-id` header names the row, so a consumer can drop a repeat.',
        messages: Object.fromEntries(
          RESULTS.map(({ key }) => [key, ref(`#/components/messages/${key}`)]),
        ),
        bindings: { kafka: { topic: TOPICS.results.address, bindingVersion: KAFKA_BINDING } },
      },
      deadLetters: {
        address: TOPICS.deadLetters.address,
        title: 'Dead letters',
        description:
          'Messages of the onboarded topic the service could not accept, with their original ' +
          `bytes, key and headers, and headers saying why. ${configurable(TOPICS.deadLetters)}`,
        messages: { deadLetter: ref('#/components/messages/deadLetter') },
        bindings: { kafka: { topic: TOPICS.deadLetters.address, bindingVersion: KAFKA_BINDING } },
      },
    },
    operations: {
      receiveCustomerOnboarded: {
        action: 'receive',
        title: 'Receive the customer events',
        summary:
          'The service consumes the events and runs each once per eventId: an onboarding, or a ' +
          'key rotation, offboarding, reactivation or reconciliation of an onboarded customer.',
        channel: ref('#/channels/customerOnboarded'),
        messages: EVENT_KEYS.map((key) => ref(`#/channels/customerOnboarded/messages/${key}`)),
        bindings: {
          kafka: {
            groupId: {
              type: 'string',
              default: 'workato-onboarding',
              description: 'KAFKA_GROUP_ID: shared by every instance of the service.',
            },
            bindingVersion: KAFKA_BINDING,
          },
        },
      },
      sendOnboardingResult: {
        action: 'send',
        title: 'Send the result of an onboarding or a customer operation',
        summary: 'The service publishes the outcome of each finished attempt.',
        channel: ref('#/channels/onboardingResults'),
        messages: RESULTS.map(({ key }) => ref(`#/channels/onboardingResults/messages/${key}`)),
      },
      sendDeadLetter: {
        action: 'send',
        title: 'Send a refused message to the dead-letter topic',
        summary: 'The service sets aside what it cannot accept, and consumption goes on.',
        channel: ref('#/channels/deadLetters'),
        messages: [ref('#/channels/deadLetters/messages/deadLetter')],
      },
    },
    components: {
      schemas: componentSchemas(),
      messages: {
        ...eventMessages,
        ...resultMessages,
        deadLetter: {
          name: 'DeadLetter',
          title: 'Dead letter',
          summary: 'A message of the onboarded topic the service refused, and why.',
          contentType: 'application/octet-stream',
          headers: schemaRef('DeadLetterHeaders'),
          payload: inline(deadLetterPayloadSchema),
          bindings: kafkaMessage(inline(deadLetterKeySchema)),
          examples: DEAD_LETTER_EXAMPLES,
        },
      },
    },
  };
}
