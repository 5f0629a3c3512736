import { applyDecorators, HttpException, HttpStatus } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import type { z } from 'zod';
import type { OnboardingListQuery, OnboardingStore } from '../ports/onboarding.store';
import { presentOnboarding } from './onboarding.presenter';
import type { ReplayResult } from './replay-onboarding.handler';

/** Every error of this API has the same JSON shape: statusCode, error, message (and issues). */
export function httpError(status: HttpStatus, error: string, message: string): HttpException {
  return new HttpException({ statusCode: status, error, message }, status);
}

export function badRequest(
  message: string,
  issues: { path: string; message: string }[] = [],
): HttpException {
  return new HttpException(
    { statusCode: 400, error: 'Bad Request', message, issues },
    HttpStatus.BAD_REQUEST,
  );
}

export function notFound(what: string, id: string): HttpException {
  return httpError(HttpStatus.NOT_FOUND, 'Not Found', `no ${what} ${id}`);
}

/** A query string checked against `schema`; 400 naming each bad parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const parsed = schema.safeParse(query);
  if (!parsed.success)
    throw badRequest(
      'invalid query',
      parsed.error.issues.map((i) => ({
        path: i.path.join('.') || '(query)',
        message: i.message,
      })),
    );
  return parsed.data;
}

export function encodeCursor(last: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify({ t: last.createdAt.toISOString(), id: last.id })).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const { t, id } = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as {
      t: string;
      id: string;
    };
    const createdAt = new Date(t);
    if (Number.isNaN(createdAt.getTime()) || typeof id !== 'string') throw new Error('bad cursor');
    return { createdAt, id };
  } catch {
    throw badRequest('cursor is not one this API returned');
  }
}

/**
 * One page of sagas, newest first: asks the store for one row more than the page to know
 * whether another page follows.
 */
export async function listPage(
  store: OnboardingStore,
  query: Omit<OnboardingListQuery, 'limit' | 'cursor'> & { limit: number; cursor?: string },
) {
  const { limit, cursor, ...filters } = query;
  const rows = await store.list({
    ...filters,
    limit: limit + 1,
    cursor: cursor ? decodeCursor(cursor) : undefined,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map((s) => presentOnboarding(s)),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}

/** The query parameters every paged list of sagas takes (besides its own status and type). */
export function ApiSagaListQueries(): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'managedUserId', required: false }),
    ApiQuery({ name: 'eventId', required: false }),
    ApiQuery({ name: 'workatoAccount', required: false }),
    ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' }),
    ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' }),
  );
}

/** A replay's answer over HTTP: the saga as it is now, 404, or 409 saying why not. */
export function replayAnswer(result: ReplayResult, what: 'onboarding' | 'operation', id: string) {
  if (result.outcome === 'not_found') throw notFound(what, id);
  if (result.outcome === 'not_replayable')
    throw httpError(HttpStatus.CONFLICT, 'Conflict', result.reason);
  return presentOnboarding(result.onboarding);
}
