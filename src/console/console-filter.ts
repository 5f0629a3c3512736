import { HttpException, HttpStatus } from '@nestjs/common';
import { z } from 'zod';
import { ONBOARDING_STATUSES } from '../onboarding/domain/lifecycle';

const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const instant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z',
});

/**
 * What the console filters onboardings by: the list, the counts and bulk replay take the same
 * filter, so what an operator sees is what a bulk replay acts on.
 */
export const consoleFilterSchema = z.strictObject({
  status: z
    .enum(ONBOARDING_STATUSES, { error: `must be one of ${ONBOARDING_STATUSES.join(', ')}` })
    .optional(),
  /** A managed user id (exact), or a part of the customer's name. */
  customer: text(200).optional(),
  workatoAccount: text(32).optional(),
  /** Created at or after. */
  from: instant.optional(),
  /** Created before. */
  to: instant.optional(),
  /** A part of the customer's name or of the eventId. */
  q: text(200).optional(),
});
export type ConsoleFilter = z.infer<typeof consoleFilterSchema>;

export const consoleListQuerySchema = consoleFilterSchema.extend({
  limit: z.coerce
    .number({ error: 'must be a number between 1 and 200' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 200')
    .max(200, 'must be between 1 and 200')
    .default(50),
  cursor: z.string().max(200).optional(),
});
export type ConsoleListQuery = z.infer<typeof consoleListQuerySchema>;

/** Parses `input` or answers 400 with one issue per field, named by its path. */
export function parseOrBadRequest<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new HttpException(
    {
      statusCode: 400,
      error: 'Bad Request',
      message: `invalid ${what}: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'} ${i.message}`)
        .join('; ')}`,
      issues: parsed.error.issues.map((i) => ({
        path: i.path.join('.') || '(root)',
        message: i.message,
      })),
    },
    HttpStatus.BAD_REQUEST,
  );
}

/** The list's position: the last row of the previous page. */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify({ t: row.createdAt.toISOString(), id: row.id })).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const { t, id } = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as {
      t: unknown;
      id: unknown;
    };
    const createdAt = new Date(String(t));
    if (Number.isNaN(createdAt.getTime()) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id))
      throw new Error('bad cursor');
    return { createdAt, id };
  } catch {
    throw new HttpException(
      {
        statusCode: 400,
        error: 'Bad Request',
        message: 'invalid query: cursor is not one this API returned',
        issues: [{ path: 'cursor', message: 'is not one this API returned' }],
      },
      HttpStatus.BAD_REQUEST,
    );
  }
}
