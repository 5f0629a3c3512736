import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { repositoryRoot, SCHEMAS_DIR } from '../../src/contract/contract.files';

export const ROOT = repositoryRoot(__dirname);

/** A committed file, parsed. */
export function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>;
}

/**
 * Validates values against the committed JSON Schema files (docs/schemas/<id>.json), the way a
 * partner would: Ajv in strict mode, with the formats (date-time, email, uuid) checked.
 */
export class SchemaValidator {
  private readonly ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });

  constructor() {
    addFormats(this.ajv);
  }

  /** The problems of `value` against the schema `id` ("/path message" each); [] when valid. */
  problems(id: string, value: unknown): string[] {
    const validate =
      this.ajv.getSchema(id) ??
      (this.ajv.addSchema(readJson(`${SCHEMAS_DIR}/${id}.json`), id), this.ajv.getSchema(id)!);
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '(root)'} ${e.message}${paramsOf(e.params)}`,
    );
  }
}

function paramsOf(params: Record<string, unknown>): string {
  const shown = Object.entries(params).filter(([k]) => k !== 'missingProperty');
  return shown.length > 0
    ? ` (${shown.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')})`
    : '';
}
