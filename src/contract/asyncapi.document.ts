import { z } from 'zod';
import {
  CLOUD_EVENT_EXAMPLES,
  CUSTOMER_ONBOARDED_EXAMPLES,
  DEAD_LETTER_EXAMPLES,
  ONBOARDING_COMPLETED_EXAMPLES,
  ONBOARDING_FAILED_EXAMPLES,
  ONBOARDING_RESULT_HEADERS_EXAMPLE,
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
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'workato-onboarding',
      version: '1.0.0',
      description:
        "Provisions a SaaS partner's new customers in Workato Embedded. The partner publishes " +
        'CustomerOnboarded events; the service answers each onboarding with one result per ' +
        'attempt, and sets aside the messages it cannot accept in a dead-letter topic. Messages ' +
        'are keyed by the managed user id, so one customer’s messages keep their order. ' +
        'The same event is also accepted over HTTP (POST /v1/onboardings, OpenAPI at /docs). ' +
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
        title: 'Customer onboarded',
        description:
          'CustomerOnboarded events from the partner, as a plain JSON document or a CloudEvents ' +
          `structured-mode message. ${configurable(TOPICS.onboarded)} Invalid messages go to the ` +
          'dead-letter topic; a valid one is recorded before its offset is committed.',
        messages: {
          customerOnboarded: ref('#/components/messages/customerOnboarded'),
          customerOnboardedCloudEvent: ref('#/components/messages/customerOnboardedCloudEvent'),
        },
        bindings: { kafka: { topic: TOPICS.onboarded.address, bindingVersion: KAFKA_BINDING } },
      },
      onboardingResults: {
        address: TOPICS.results.address,
        title: 'Onboarding results',
        description:
          'One message per finished attempt of an onboarding: OnboardingCompleted or ' +
          `OnboardingFailed. ${configurable(TOPICS.results)} Published from a transactional ` +
          'outbox; the `outbox-id` header names the row, so a consumer can drop a repeat.',
        messages: {
          onboardingCompleted: ref('#/components/messages/onboardingCompleted'),
          onboardingFailed: ref('#/components/messages/onboardingFailed'),
        },
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
        title: 'Receive CustomerOnboarded',
        summary: 'The service consumes the events and onboards each customer once per eventId.',
        channel: ref('#/channels/customerOnboarded'),
        messages: [
          ref('#/channels/customerOnboarded/messages/customerOnboarded'),
          ref('#/channels/customerOnboarded/messages/customerOnboardedCloudEvent'),
        ],
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
        title: 'Send the result of an onboarding',
        summary: 'The service publishes the outcome of each finished attempt.',
        channel: ref('#/channels/onboardingResults'),
        messages: [
          ref('#/channels/onboardingResults/messages/onboardingCompleted'),
          ref('#/channels/onboardingResults/messages/onboardingFailed'),
        ],
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
        customerOnboarded: {
          name: 'CustomerOnboarded',
          title: 'CustomerOnboarded',
          summary: 'A new customer to onboard, as a plain JSON document.',
          contentType: 'application/json',
          payload: schemaRef('CustomerOnboarded'),
          bindings: keyedByPartner,
          examples: CUSTOMER_ONBOARDED_EXAMPLES,
        },
        customerOnboardedCloudEvent: {
          name: 'CustomerOnboardedCloudEvent',
          title: 'CustomerOnboarded (CloudEvents)',
          summary:
            'The same event as a CloudEvents structured-mode message (binary mode is not supported).',
          contentType: 'application/cloudevents+json',
          payload: schemaRef('CustomerOnboardedCloudEvent'),
          bindings: keyedByPartner,
          examples: CLOUD_EVENT_EXAMPLES,
        },
        onboardingCompleted: {
          name: 'OnboardingCompleted',
          title: 'OnboardingCompleted',
          summary: 'Every resource of the onboarding is provisioned.',
          contentType: 'application/json',
          headers: schemaRef('OnboardingResultHeaders'),
          payload: schemaRef('OnboardingCompleted'),
          bindings: keyedByCustomer,
          examples: ONBOARDING_COMPLETED_EXAMPLES.map((e) => ({
            ...e,
            headers: ONBOARDING_RESULT_HEADERS_EXAMPLE,
          })),
        },
        onboardingFailed: {
          name: 'OnboardingFailed',
          title: 'OnboardingFailed',
          summary:
            'The onboarding failed for good; what it created was undone, or what is left is listed.',
          contentType: 'application/json',
          headers: schemaRef('OnboardingResultHeaders'),
          payload: schemaRef('OnboardingFailed'),
          bindings: keyedByCustomer,
          examples: ONBOARDING_FAILED_EXAMPLES.map((e) => ({
            ...e,
            headers: ONBOARDING_RESULT_HEADERS_EXAMPLE,
          })),
        },
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
