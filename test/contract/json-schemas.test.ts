import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parseCustomerOnboarded } from '../../src/onboarding/intake/customer-onboarded.schema';
import { contractFiles, staleFiles, SCHEMAS_DIR } from '../../src/contract/contract.files';
import {
  CLOUD_EVENT_EXAMPLES,
  CUSTOMER_ONBOARDED_EXAMPLES,
  DEAD_LETTER_EXAMPLES,
  ONBOARDING_COMPLETED_EXAMPLES,
  ONBOARDING_FAILED_EXAMPLES,
} from '../../src/contract/contract.examples';
import { onboardingResultSchema } from '../../src/contract/onboarding-result.schema';
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
});

/** The fenced ```json blocks of README.md, with the line each starts on. */
function readmeJsonBlocks(): { line: number; text: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks: { line: number; text: string }[] = [];
  for (const match of readme.matchAll(/^```json[^\n]*\n([\s\S]*?)^```/gm))
    blocks.push({ line: readme.slice(0, match.index).split('\n').length, text: match[1] });
  return blocks;
}

/** The schema a README example is an example of, by its content; null: not an event or result. */
function schemaOf(example: unknown): string | null {
  if (example === null || typeof example !== 'object' || Array.isArray(example)) return null;
  const fields = example as Record<string, unknown>;
  if ('specversion' in fields) return 'CustomerOnboardedCloudEvent';
  if ('eventType' in fields || 'eventId' in fields) return 'CustomerOnboarded';
  if (fields.type === 'OnboardingCompleted' || fields.type === 'OnboardingFailed')
    return String(fields.type);
  return null;
}

function accepted(event: unknown): string {
  const parsed = parseCustomerOnboarded(event);
  return parsed.ok ? 'accepted' : parsed.reason;
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

  const examples = blocks.filter((b) => b.schema !== null);
  it.each(examples)('README.md line $line: valid $schema', ({ schema, example }) => {
    expect(validator.problems(schema!, example)).toEqual([]);
    if (schema === 'OnboardingCompleted' || schema === 'OnboardingFailed')
      expect(onboardingResultSchema.safeParse(example).success).toBe(true);
    else expect(accepted(example)).toBe('accepted');
  });
});
