import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { CustomerEventType } from '../../src/onboarding/domain/customer-operation';
import {
  EVENT_TYPES,
  parseCustomerOnboarded,
} from '../../src/onboarding/intake/customer-onboarded.schema';
import { contractFiles, staleFiles, SCHEMAS_DIR } from '../../src/contract/contract.files';
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
  ONBOARDING_COMPLETED_EXAMPLES,
  ONBOARDING_FAILED_EXAMPLES,
  OPERATION_CLOUD_EVENT_EXAMPLES,
} from '../../src/contract/contract.examples';
import { RESULT_SCHEMA_IDS } from '../../src/contract/json-schemas';
import { onboardingResultSchema } from '../../src/contract/onboarding-result.schema';
import { resultMessageSchema } from '../../src/contract/operation-result.schema';
import { readJson, ROOT, SchemaValidator } from './schema-validator';

/**
 * The JSON Schema files under docs/schemas: generated from the zod schemas and committed up to
 * date, valid JSON Schema, and every example — the contract's own and every JSON event or
 * result in README.md — valid against them and accepted by the service's parser.
 */

const validator = new SchemaValidator();

describe('the committed contract', () => {
  it('is what the code generates (else: npm run contract)', () => {
    expect(staleFiles(ROOT, contractFiles())).toEqual([]);
  });

  it.each(contractFiles().filter((f) => f.path.startsWith(SCHEMAS_DIR)))(
    '$path is a valid draft-07 JSON Schema',
    ({ path }) => {
      const ajv = new Ajv({ strict: true, allowUnionTypes: true });
      addFormats(ajv);
      const schema = readJson(path);
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(ajv.validateSchema(schema)).toBe(true);
      expect(() => ajv.compile(schema)).not.toThrow();
    },
  );
});

describe("the contract's examples", () => {
  it.each(CUSTOMER_ONBOARDED_EXAMPLES)('CustomerOnboarded $name', ({ payload }) => {
    expect(validator.problems('CustomerOnboarded', payload)).toEqual([]);
    expect(accepted(payload)).toBe('accepted');
  });

  it.each(CLOUD_EVENT_EXAMPLES)('CustomerOnboardedCloudEvent $name', ({ payload }) => {
    expect(validator.problems('CustomerOnboardedCloudEvent', payload)).toEqual([]);
    expect(accepted(payload)).toBe('accepted');
  });

  it.each([...ONBOARDING_COMPLETED_EXAMPLES, ...ONBOARDING_FAILED_EXAMPLES])(
    'result $name',
    ({ payload }) => {
      expect(validator.problems(payload.type, payload)).toEqual([]);
      expect(validator.problems('OnboardingResult', payload)).toEqual([]);
      expect(onboardingResultSchema.safeParse(payload).success).toBe(true);
    },
  );

  const operationEvents = (
    [
      ['ApiKeysRotationRequested', API_KEYS_ROTATION_REQUESTED_EXAMPLES],
      ['CustomerOffboarded', CUSTOMER_OFFBOARDED_EXAMPLES],
      ['CustomerReactivated', CUSTOMER_REACTIVATED_EXAMPLES],
      ['CustomerReconciliationRequested', CUSTOMER_RECONCILIATION_REQUESTED_EXAMPLES],
    ] as const
  ).flatMap(([id, examples]) => examples.map((example) => ({ id, ...example })));

  it.each(operationEvents)('$id $name', ({ id, payload }) => {
    expect(validator.problems(id, payload)).toEqual([]);
    // Accepted, and read as the event it says it is.
    expect(acceptedAs(payload)).toBe(id);
  });

  const operationCloudEvents = Object.entries(OPERATION_CLOUD_EVENT_EXAMPLES).flatMap(
    ([id, examples]) => examples.map((example) => ({ id, ...example })),
  );

  it.each(operationCloudEvents)('$id as a CloudEvent: $name', ({ id, payload }) => {
    expect(validator.problems(`${id}CloudEvent`, payload)).toEqual([]);
    expect(acceptedAs(payload)).toBe(id);
  });

  it('a CloudEvent may leave eventType out of data: `type` says it', () => {
    for (const [event] of [
      CLOUD_EVENT_EXAMPLES,
      ...Object.values(OPERATION_CLOUD_EVENT_EXAMPLES),
    ]) {
      const { eventType, ...data } = event.payload.data as Record<string, unknown>;
      const withoutEventType = { ...event.payload, data };
      expect(validator.problems(`${String(eventType)}CloudEvent`, withoutEventType)).toEqual([]);
      expect(acceptedAs(withoutEventType)).toBe(eventType);
    }
  });

  it.each([
    ...API_KEYS_ROTATION_READY_EXAMPLES,
    ...API_KEYS_ROTATED_EXAMPLES,
    ...API_KEYS_ROTATION_FAILED_EXAMPLES,
    ...CUSTOMER_OFFBOARDING_COMPLETED_EXAMPLES,
    ...CUSTOMER_OFFBOARDING_FAILED_EXAMPLES,
    ...CUSTOMER_REACTIVATED_RESULT_EXAMPLES,
    ...CUSTOMER_REACTIVATION_FAILED_EXAMPLES,
    ...CUSTOMER_RECONCILED_EXAMPLES,
    ...CUSTOMER_RECONCILIATION_FAILED_EXAMPLES,
  ])('operation result $payload.type $name', ({ payload }) => {
    expect(validator.problems(RESULT_SCHEMA_IDS[payload.type], payload)).toEqual([]);
    expect(validator.problems('OnboardingResult', payload)).toEqual([]);
    expect(resultMessageSchema.safeParse(payload).success).toBe(true);
  });

  it.each(DEAD_LETTER_EXAMPLES)('dead letter $name', ({ headers, payload }) => {
    expect(validator.problems('DeadLetterHeaders', headers)).toEqual([]);
    // The example shows a message the service refuses, with the reason it gives.
    const parsed = parseCustomerOnboarded(JSON.stringify(payload));
    expect(parsed.ok ? 'accepted' : parsed.reason).toBe(headers['dlq-reason']);
  });

  it('the schemas refuse what the service refuses', () => {
    const [{ payload }] = CUSTOMER_ONBOARDED_EXAMPLES;
    const apiClient = payload.apiClient as Record<string, unknown>;
    for (const invalid of [
      { ...payload, extra: true },
      { ...payload, schemaVersion: 2 },
      { ...payload, occurredAt: 'yesterday' },
      { ...payload, customer: { managedUserId: 'X12', name: 'Umbrella' } },
      { ...payload, apiClient: { ...apiClient, authType: 'saml' } },
    ]) {
      expect(validator.problems('CustomerOnboarded', invalid)).not.toEqual([]);
      expect(accepted(invalid)).not.toBe('accepted');
    }
  });

  it("the operations' schemas refuse what the service refuses", () => {
    const [{ payload: rotation }] = API_KEYS_ROTATION_REQUESTED_EXAMPLES;
    const [{ payload: offboarding }] = CUSTOMER_OFFBOARDED_EXAMPLES;
    const [{ payload: reactivation }] = CUSTOMER_REACTIVATED_EXAMPLES;
    const [{ payload: reconciliation }] = CUSTOMER_RECONCILIATION_REQUESTED_EXAMPLES;
    const cases: [string, Record<string, unknown>][] = [
      ['ApiKeysRotationRequested', { ...rotation, mode: 'sometimes' }],
      ['ApiKeysRotationRequested', { ...rotation, graceSeconds: -1 }],
      ['ApiKeysRotationRequested', { ...rotation, graceSeconds: 30 * 24 * 3600 + 1 }],
      ['ApiKeysRotationRequested', { ...rotation, graceSeconds: 1.5 }],
      ['ApiKeysRotationRequested', { ...rotation, apiKeys: [] }],
      ['ApiKeysRotationRequested', { ...rotation, apiClient: undefined }],
      ['CustomerOffboarded', { ...offboarding, mode: 'archive' }],
      ['CustomerOffboarded', { ...offboarding, customer: { managedUserId: 'X12' } }],
      ['CustomerReactivated', { ...reactivation, mode: 'disable' }],
      ['CustomerReactivated', { ...reactivation, schemaVersion: 2 }],
      ['CustomerReconciliationRequested', { ...reconciliation, mode: 'delete' }],
      ['CustomerReconciliationRequested', { ...reconciliation, customer: {} }],
    ];
    for (const [id, invalid] of cases) {
      const event = JSON.parse(JSON.stringify(invalid)) as unknown;
      expect(validator.problems(id, event)).not.toEqual([]);
      expect(accepted(event)).toMatch(new RegExp(`^invalid ${id} event: `));
    }
  });
});

/** The fenced ```json blocks of README.md, with the line each starts on. */
function readmeJsonBlocks(): { line: number; text: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks: { line: number; text: string }[] = [];
  for (const match of readme.matchAll(/^```json[^\n]*\n([\s\S]*?)^```/gm))
    blocks.push({ line: readme.slice(0, match.index).split('\n').length, text: match[1] });
  return blocks;
}

/** The event type a name stands for: itself, or the CloudEvents `type` ending in it. */
function eventTypeOf(name: unknown): CustomerEventType | undefined {
  return typeof name === 'string'
    ? EVENT_TYPES.find((t) => name === t || name.endsWith(`.${t}`))
    : undefined;
}

/** The schema a README example is an example of, by its content; null: not an event or result. */
function schemaOf(example: unknown): string | null {
  if (example === null || typeof example !== 'object' || Array.isArray(example)) return null;
  const fields = example as Record<string, unknown>;
  if ('specversion' in fields)
    return `${eventTypeOf(fields.type) ?? 'CustomerOnboarded'}CloudEvent`;
  // Before the events: a result carries an eventId too, and the reactivation's result has the
  // event's name as its `type`.
  if (typeof fields.type === 'string' && fields.type in RESULT_SCHEMA_IDS)
    return RESULT_SCHEMA_IDS[fields.type];
  if ('eventType' in fields || 'eventId' in fields)
    return eventTypeOf(fields.eventType) ?? 'CustomerOnboarded';
  return null;
}

function accepted(event: unknown): string {
  const parsed = parseCustomerOnboarded(event);
  return parsed.ok ? 'accepted' : parsed.reason;
}

/** The event type the service read `event` as, or why it refused it. */
function acceptedAs(event: unknown): string {
  const parsed = parseCustomerOnboarded(event);
  return parsed.ok ? parsed.request.eventType : parsed.reason;
}

describe('the README examples', () => {
  const blocks = readmeJsonBlocks().map((block) => {
    let example: unknown;
    let error: string | null = null;
    try {
      example = JSON.parse(block.text);
    } catch (e) {
      error = (e as Error).message;
    }
    return { ...block, example, error, schema: error ? null : schemaOf(example) };
  });

  it('include the CustomerOnboarded event', () => {
    expect(blocks.filter((b) => b.schema === 'CustomerOnboarded').length).toBeGreaterThan(0);
  });

  it.each(blocks)('README.md line $line: a JSON block is JSON', ({ error }) => {
    expect(error).toBeNull();
  });

  it('include the key rotation event', () => {
    expect(blocks.filter((b) => b.schema === 'ApiKeysRotationRequested').length).toBeGreaterThan(0);
  });

  const results = Object.values(RESULT_SCHEMA_IDS);
  const examples = blocks.filter((b) => b.schema !== null);
  it.each(examples)('README.md line $line: valid $schema', ({ schema, example }) => {
    expect(validator.problems(schema!, example)).toEqual([]);
    if (results.includes(schema!))
      expect(resultMessageSchema.safeParse(example).success).toBe(true);
    else expect(acceptedAs(example)).toBe(schema!.replace(/CloudEvent$/, ''));
  });
});
