import { z } from 'zod';
import type { Page } from './workato.types';

/**
 * How Workato wraps what it returns. The reference documents disagree between endpoints (see
 * INDEX.md): v1 lists use `result`, v2 lists `data` with `count`, `page` and `per_page`, and
 * create-collection answers with a bare object.
 */

export const MAX_PER_PAGE = 100;

export const INVALID_JSON = Symbol('invalid json');

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** For endpoints whose answer carries nothing we use (deletes). */
export function ignore(): void {}

/** v1 lists: `{"result": [...]}` (001); 003's own-workspace variant is a bare array. */
export function resultList<S extends z.ZodType>(item: S): (json: unknown) => Page<z.infer<S>> {
  const schema = z.union([z.object({ result: z.array(item) }), z.array(item)]);
  return (json) => {
    const parsed = schema.parse(json);
    const data = Array.isArray(parsed) ? parsed : parsed.result;
    return { data, count: null, page: null, perPage: null };
  };
}

/** v2 lists: `{"data": [...], "count", "page", "per_page"}`. */
export function dataPage<S extends z.ZodType>(item: S): (json: unknown) => Page<z.infer<S>> {
  const schema = z.object({
    data: z.array(item),
    count: z.number().nullish(),
    page: z.number().nullish(),
    per_page: z.number().nullish(),
  });
  return (json) => {
    const parsed = schema.parse(json);
    return {
      data: parsed.data,
      count: parsed.count ?? null,
      page: parsed.page ?? null,
      perPage: parsed.per_page ?? null,
    };
  };
}

/** v2 single objects: `{"data": {...}}`. */
export function dataObject<S extends z.ZodType>(item: S): (json: unknown) => z.infer<S> {
  const schema = z.object({ data: item });
  return (json) => (schema.parse(json) as { data: z.infer<S> }).data;
}

/** A bare object (create collection, 001), accepted inside `data` or `result` too. */
export function bareOrWrapped<S extends z.ZodType>(item: S): (json: unknown) => z.infer<S> {
  return (json) => {
    if (isObject(json) && json.id === undefined) {
      if (isObject(json.data)) return item.parse(json.data);
      if (isObject(json.result)) return item.parse(json.result);
    }
    return item.parse(json);
  };
}

/** Where a response left its documented shape, without any of its content (it may hold a token). */
export function describeParseError(error: unknown): string {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const at = issue?.path.length ? issue.path.join('.') : '(root)';
    return `unexpected response shape at ${at}: ${issue?.message ?? 'invalid'}`;
  }
  return 'unexpected response shape';
}
