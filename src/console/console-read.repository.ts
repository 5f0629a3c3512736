import type { OperationType } from '../onboarding/domain/customer-operation';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  ONBOARDING_STATUSES,
  OnboardingStatus,
  REPLAYABLE_STATUSES,
  RUNNABLE_STATUSES,
} from '../onboarding/domain/lifecycle';
import type { ConsoleFilter } from './console-filter';

type Row = Record<string, unknown>;

/**
 * One row of the console's list. `kind` says what the row is: onboardings today; lifecycle
 * operations (key rotation, offboarding) become a second kind with the same columns, so the
 * list, its live updates and the detail link need no other shape.
 */
export interface ConsoleRow {
  kind: 'onboarding';
  /** An onboarding, or a customer operation after it (same saga table, same detail). */
  type: OperationType;
  id: string;
  eventId: string;
  status: OnboardingStatus;
  attempt: number;
  customer: { managedUserId: string; name: string };
  workatoAccount: string;
  error: { code: string; message: string } | null;
  steps: { done: number; total: number };
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

const ROW_COLUMNS = `o.id, o.operation_type, o.event_id, o.status, o.attempt, o.managed_user_id, o.customer_name,
  o.workato_account, o.error->>'code' AS error_code, o.error->>'message' AS error_message,
  o.created_at, o.updated_at, o.finished_at,
  (SELECT count(*) FILTER (WHERE s.status IN ('SUCCEEDED', 'RETAINED'))::int
     FROM onboarding_step s WHERE s.onboarding_id = o.id) AS steps_done,
  (SELECT count(*)::int FROM onboarding_step s WHERE s.onboarding_id = o.id) AS steps_total`;

function toRow(r: Row): ConsoleRow {
  return {
    kind: 'onboarding',
    type: (r.operation_type as OperationType | undefined) ?? 'ONBOARDING',
    id: String(r.id),
    eventId: String(r.event_id),
    status: r.status as OnboardingStatus,
    attempt: Number(r.attempt),
    customer: { managedUserId: String(r.managed_user_id), name: String(r.customer_name) },
    workatoAccount: String(r.workato_account),
    error:
      r.error_code === null || r.error_code === undefined
        ? null
        : { code: String(r.error_code), message: String(r.error_message ?? '') },
    steps: { done: Number(r.steps_done), total: Number(r.steps_total) },
    createdAt: (r.created_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
    finishedAt: r.finished_at ? (r.finished_at as Date).toISOString() : null,
  };
}

/** `%part%` for ILIKE, with the pattern characters of `part` taken literally. */
function containing(part: string): string {
  return `%${part.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** WHERE clauses and their parameters for a console filter. */
function whereOf(filter: ConsoleFilter, params: unknown[]): string[] {
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (filter.status) where.push(`o.status = ${param(filter.status)}`);
  if (filter.workatoAccount) where.push(`o.workato_account = ${param(filter.workatoAccount)}`);
  if (filter.customer) {
    const exact = param(filter.customer);
    where.push(
      `(o.managed_user_id = ${exact} OR o.customer_name ILIKE ${param(containing(filter.customer))})`,
    );
  }
  if (filter.q) {
    const like = param(containing(filter.q));
    where.push(`(o.customer_name ILIKE ${like} OR o.event_id ILIKE ${like})`);
  }
  if (filter.from) where.push(`o.created_at >= ${param(new Date(filter.from))}`);
  if (filter.to) where.push(`o.created_at < ${param(new Date(filter.to))}`);
  return where;
}

export interface AccountBacklog {
  account: string;
  onboardings: number;
  /** Steps not yet done: each needs at least one Workato call. */
  pendingSteps: number;
}

/**
 * The console's reads that the REST API has not: search and time range, counts by status, the
 * changes since a moment, and the backlog per account. Read-only; the tables' owner is
 * OnboardingRepository.
 */
@Injectable()
export class ConsoleReadRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Newest first, by the (created_at, id) list index. The search (ILIKE over name and eventId)
   * has no index of its own: it reads that index newest first until the page is full, which is
   * quick while matches are recent and bounded by the page size.
   */
  async list(
    filter: ConsoleFilter,
    limit: number,
    cursor?: { createdAt: Date; id: string },
  ): Promise<ConsoleRow[]> {
    const params: unknown[] = [];
    const where = whereOf(filter, params);
    if (cursor) {
      params.push(cursor.createdAt, cursor.id);
      where.push(`(o.created_at, o.id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(limit);
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${ROW_COLUMNS} FROM onboarding o
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY o.created_at DESC, o.id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRow);
  }

  /**
   * The replayable onboardings a filter matches, oldest first (they have waited longest): the
   * ids of up to `limit`, and how many there are in all.
   */
  async replayable(
    filter: ConsoleFilter,
    limit: number,
  ): Promise<{ ids: string[]; total: number }> {
    const params: unknown[] = [];
    const where = whereOf(filter, params);
    params.push(REPLAYABLE_STATUSES);
    where.push(`o.status = ANY($${params.length})`);
    params.push(limit);
    const rows: Row[] = await this.dataSource.query(
      `SELECT o.id, count(*) OVER ()::int AS total FROM onboarding o
       WHERE ${where.join(' AND ')}
       ORDER BY o.created_at, o.id LIMIT $${params.length}`,
      params,
    );
    return { ids: rows.map((r) => String(r.id)), total: rows.length ? Number(rows[0].total) : 0 };
  }

  async rows(ids: string[]): Promise<ConsoleRow[]> {
    if (ids.length === 0) return [];
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${ROW_COLUMNS} FROM onboarding o WHERE o.id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map(toRow);
  }

  /**
   * Rows updated after `since` (by the updated_at index), oldest change first, at most `limit`:
   * the one query per interval that finds what other instances changed.
   */
  async changedSince(since: Date, limit: number): Promise<ConsoleRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${ROW_COLUMNS} FROM onboarding o
       WHERE o.id IN (SELECT id FROM onboarding WHERE updated_at > $1
                      ORDER BY updated_at LIMIT $2)
       ORDER BY o.updated_at`,
      [since, limit],
    );
    return rows.map(toRow);
  }

  /** Onboardings by status, every status present (0 when none). */
  async countsByStatus(): Promise<Record<OnboardingStatus, number>> {
    const rows: { status: OnboardingStatus; n: number }[] = await this.dataSource.query(
      `SELECT status, count(*)::int AS n FROM onboarding GROUP BY status`,
    );
    const counts = Object.fromEntries(ONBOARDING_STATUSES.map((s) => [s, 0])) as Record<
      OnboardingStatus,
      number
    >;
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  /**
   * Runnable onboardings per account and their pending steps. The statuses are written out
   * (constants, not a parameter) so the planner can use the runner's partial index.
   */
  async backlog(): Promise<AccountBacklog[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT o.workato_account AS account, count(DISTINCT o.id)::int AS onboardings,
         count(s.name) FILTER (WHERE s.status NOT IN ('SUCCEEDED', 'RETAINED', 'COMPENSATED'))::int
           AS pending_steps
       FROM onboarding o JOIN onboarding_step s ON s.onboarding_id = o.id
       WHERE o.status IN (${RUNNABLE_STATUSES.map((s) => `'${s}'`).join(', ')})
       GROUP BY o.workato_account`,
    );
    return rows.map((r) => ({
      account: String(r.account),
      onboardings: Number(r.onboardings),
      pendingSteps: Number(r.pending_steps),
    }));
  }
}
