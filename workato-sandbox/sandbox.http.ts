/**
 * The error and paging conventions the sandbox shares between the Workato routes and the
 * control API.
 */
export type FieldErrors = Record<string, string[]>;

/** Thrown by handlers to answer with a Workato-shaped error instead of a 500. */
export class SandboxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
    this.name = 'SandboxHttpError';
  }

  static notFound(): SandboxHttpError {
    return new SandboxHttpError(404, { message: 'Not found' });
  }

  static badRequest(message: string): SandboxHttpError {
    return new SandboxHttpError(400, { message });
  }

  static validation(errors: FieldErrors): SandboxHttpError {
    return new SandboxHttpError(400, { message: 'Validation failed', errors });
  }
}

/** A body already serialised, sent as is. */
export class RawJson {
  constructor(readonly json: string) {}
}

export interface RouteResult {
  status: number;
  body: unknown;
}

export const MAX_PER_PAGE = 100;

export interface Page<T> {
  items: T[];
  page: number;
  perPage: number;
  count: number;
}

/**
 * Workato documents page (default 1) and per_page (default 100, max 100). Out-of-range values
 * are clamped rather than rejected, the way Rails' pagination helpers behave (beyond the
 * documents: they do not say what happens out of range).
 *
 * Takes the collection rather than an array so page 1 of a large workspace costs 100 items,
 * not a copy of the whole map.
 */
export function paginate<T>(
  all: { values(): Iterable<T>; readonly size: number } | readonly T[],
  query: URLSearchParams,
): Page<T> {
  const page = clampInt(query.get('page'), 1, 1, Number.MAX_SAFE_INTEGER);
  const perPage = clampInt(query.get('per_page'), MAX_PER_PAGE, 1, MAX_PER_PAGE);
  const start = (page - 1) * perPage;
  const count = Array.isArray(all) ? all.length : (all as { size: number }).size;
  const items: T[] = [];
  if (start < count) {
    let index = 0;
    for (const item of all.values()) {
      if (index++ < start) continue;
      items.push(item);
      if (items.length === perPage) break;
    }
  }
  return { items, page, perPage, count };
}

function clampInt(raw: string | null, fallback: number, min: number, max: number): number {
  if (raw === null || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.trunc(value)));
}
