import type { SagaRequest } from '../domain/customer-operation';

/**
 * Whether two validated events ask for the same thing: equal once both are validated (defaults
 * filled in), whatever the order of their fields. An eventId is an idempotency key: the same
 * event again is a duplicate, another event under a seen eventId is a conflict.
 */
export function sameRequest(a: SagaRequest, b: SagaRequest): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
