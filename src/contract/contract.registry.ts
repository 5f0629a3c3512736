import { z } from 'zod';

/**
 * What the contract says about its schemas beyond their shape: ids (the names the JSON Schema
 * files and the AsyncAPI components carry), titles, descriptions and examples. A registry of
 * its own, not zod's global one, so the contract's names cannot clash with anyone else's.
 */
export const contractRegistry = z.registry<z.core.JSONSchemaMeta>();

/** A copy of `schema` that the contract documents with `description`; the original is untouched. */
export function described<T extends z.ZodType>(schema: T, description: string): T {
  const copy = schema.clone() as T;
  contractRegistry.add(copy, { description });
  return copy;
}
