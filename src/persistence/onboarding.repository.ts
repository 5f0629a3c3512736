import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  AuditRecord,
  LeaseLostError,
  NewOnboarding,
  OnboardingListQuery,
  OnboardingSnapshot,
  OnboardingStore,
  OnboardingWrite,
  RecordedEvent,
  StepWrite,
  TakenCredentials,
} from '../onboarding/ports/onboarding.store';
import type { LifecycleChange, OnboardingStatus } from '../onboarding/domain/lifecycle';
import { RUNNABLE_STATUSES } from '../onboarding/domain/lifecycle';
import type { PlannedStep, ReplayedStep, StepState } from '../onboarding/domain/steps';
import { TOKEN_STEP_KINDS } from '../onboarding/domain/steps';
import { operationTypeOf } from '../onboarding/domain/customer-operation';
import { OutboxRepository } from './outbox.repository';

type Row = Record<string, unknown>;

const ONBOARDING_COLUMNS = `o.id, o.event_id, o.managed_user_id, o.customer_name, o.source, o.status,
  o.attempt, o.request, o.jwt_secret_ciphertext, o.error, o.next_run_at, o.deadline_at,
  o.credentials_retrieved_at, o.created_at, o.updated_at, o.finished_at, o.workato_account,
  o.operation_type`;

/** An onboarding's steps as one JSON array, so a snapshot is one round trip. */
const STEPS_JSON = `(SELECT coalesce(json_agg(json_build_object(
    'name', s.name, 'position', s.position, 'kind', s.kind, 'natural_key', s.natural_key,
    'status', s.status, 'attempts', s.attempts, 'compensation_attempts', s.compensation_attempts,
    'intent_recorded_at', s.intent_recorded_at, 'workato_id', s.workato_id, 'adopted', s.adopted,
    'has_secret', s.secret_ciphertext IS NOT NULL, 'last_error', s.last_error,
    'started_at', s.started_at, 'finished_at', s.finished_at, 'target', s.target)
    ORDER BY s.position), '[]'::json)
  FROM onboarding_step s WHERE s.onboarding_id = o.id) AS steps`;

interface PendingCommit {
  owner: string;
  onboardingId: string;
  write: OnboardingWrite;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Writes of different onboardings committed in one statement at most. */
const MAX_COMMIT_GROUP = 64;

/**
 * OnboardingStore on Postgres. Plain SQL where the lease and SKIP LOCKED need to be exact; the
 * writes of one run go in one transaction (`commit`).
 */
@Injectable()
export class OnboardingRepository extends OnboardingStore {
  private pending: PendingCommit[] = [];
  private committing = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRepository,
  ) {
    super();
  }

  async createFromEvents(inputs: NewOnboarding[]): Promise<RecordedEvent[]> {
    return this.dataSource.transaction(async (tx) => {
      const rows: unknown[] = [];
      const tuples = inputs.map((input, i) => {
        rows.push(
          input.id,
          input.request.eventId,
          input.request.customer.managedUserId,
          input.request.customer.name ?? '',
          input.source,
          JSON.stringify(input.request),
          input.jwtSecretCiphertext,
          input.deadlineAt,
          input.workatoAccount,
          operationTypeOf(input.request),
        );
        const b = i * 10;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, 'RECEIVED', 1, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10})`;
      });
      const inserted: Row[] = await tx.query(
        `INSERT INTO onboarding (id, event_id, managed_user_id, customer_name, source, status, attempt,
           request, jwt_secret_ciphertext, deadline_at, workato_account, operation_type)
         VALUES ${tuples.join(', ')}
         ON CONFLICT (event_id) DO NOTHING
         RETURNING id`,
        rows,
      );
      const created = new Set(inserted.map((r) => String(r.id)));
      const existing = new Map<string, Row>();
      const duplicates = inputs.filter((input) => !created.has(input.id));
      if (duplicates.length > 0) {
        const found: Row[] = await tx.query(
          `SELECT id, event_id, request, jwt_secret_ciphertext FROM onboarding
           WHERE event_id = ANY($1)`,
          [duplicates.map((d) => d.request.eventId)],
        );
        for (const row of found) existing.set(String(row.event_id), row);
      }
      const steps: unknown[] = [];
      const stepTuples: string[] = [];
      for (const input of inputs.filter((i) => created.has(i.id))) {
        for (const step of input.steps) {
          const b = steps.length;
          steps.push(input.id, step.name, step.position, step.kind, step.naturalKey);
          stepTuples.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, 'PENDING')`);
        }
      }
      if (stepTuples.length > 0)
        await tx.query(
          `INSERT INTO onboarding_step (onboarding_id, name, position, kind, natural_key, status)
           VALUES ${stepTuples.join(', ')}`,
          steps,
        );
      return inputs.map((input): RecordedEvent => {
        if (created.has(input.id)) return { onboardingId: input.id, created: true };
        const row = existing.get(input.request.eventId)!;
        return {
          created: false,
          onboardingId: String(row.id),
          request: row.request as OnboardingSnapshot['request'],
          jwtSecretCiphertext: (row.jwt_secret_ciphertext as string | null) ?? null,
        };
      });
    });
  }

  async load(id: string): Promise<OnboardingSnapshot | null> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${ONBOARDING_COLUMNS}, ${STEPS_JSON} FROM onboarding o WHERE o.id = $1`,
      [id],
    );
    return rows.length === 0 ? null : toSnapshot(rows[0]);
  }

  async customerSagas(
    workatoAccount: string,
    managedUserId: string,
  ): Promise<OnboardingSnapshot[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${ONBOARDING_COLUMNS}, ${STEPS_JSON} FROM onboarding o
       WHERE o.managed_user_id = $1 AND o.workato_account = $2 ORDER BY o.ingest_seq`,
      [managedUserId, workatoAccount],
    );
    return rows.map(toSnapshot);
  }

  async customersWithResources(): Promise<{ workatoAccount: string; managedUserId: string }[]> {
    const rows: { workato_account: string; managed_user_id: string }[] =
      await this.dataSource.query(
        `SELECT DISTINCT workato_account, managed_user_id FROM onboarding
         WHERE operation_type = 'ONBOARDING' AND status = 'COMPLETED'
         ORDER BY workato_account, managed_user_id`,
      );
    return rows.map((r) => ({
      workatoAccount: r.workato_account,
      managedUserId: r.managed_user_id,
    }));
  }

  async runExclusively(name: string, fn: () => Promise<void>): Promise<boolean> {
    // A session lock lives on one connection: held for the whole of `fn`, and let go by
    // Postgres itself if this instance dies.
    const connection = this.dataSource.createQueryRunner();
    await connection.connect();
    try {
      const [{ locked }]: { locked: boolean }[] = await connection.query(
        `SELECT pg_try_advisory_lock(hashtext($1)) AS locked`,
        [name],
      );
      if (!locked) return false;
      try {
        await fn();
      } finally {
        await connection.query(`SELECT pg_advisory_unlock(hashtext($1))`, [name]);
      }
      return true;
    } finally {
      await connection.release();
    }
  }

  async planSteps(owner: string, id: string, steps: PlannedStep[]): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const [, held]: [unknown, number] = await tx.query(
        `UPDATE onboarding SET updated_at = now() WHERE id = $1 AND lease_owner = $2`,
        [id, owner],
      );
      if (held === 0) throw new LeaseLostError(id);
      if (steps.length === 0) return;
      await tx.query(
        `INSERT INTO onboarding_step (onboarding_id, name, position, kind, natural_key, status, target)
         SELECT $1, p.name, p.position, p.kind, p.natural_key, 'PENDING', p.target
         FROM jsonb_to_recordset($2::jsonb) AS p(name text, position int, kind text,
           natural_key text, target jsonb)`,
        [
          id,
          JSON.stringify(
            steps.map((s) => ({
              name: s.name,
              position: s.position,
              kind: s.kind,
              natural_key: s.naturalKey,
              target: s.target ?? null,
            })),
          ),
        ],
      );
    });
  }

  async list(query: OnboardingListQuery): Promise<OnboardingSnapshot[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.operationTypes) where.push(`o.operation_type = ANY(${param(query.operationTypes)})`);
    if (query.status) where.push(`o.status = ${param(query.status)}`);
    if (query.managedUserId) where.push(`o.managed_user_id = ${param(query.managedUserId)}`);
    if (query.eventId) where.push(`o.event_id = ${param(query.eventId)}`);
    if (query.workatoAccount) where.push(`o.workato_account = ${param(query.workatoAccount)}`);
    if (query.cursor)
      where.push(
        `(o.created_at, o.id) < (${param(query.cursor.createdAt)}, ${param(query.cursor.id)})`,
      );
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${ONBOARDING_COLUMNS}, ${STEPS_JSON} FROM onboarding o
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY o.created_at DESC, o.id DESC LIMIT ${param(query.limit)}`,
      params,
    );
    return rows.map(toSnapshot);
  }

  /**
   * Leases due onboardings, up to each account's room, fairly: within an account the first due
   * onboarding of every customer comes before any customer's second, so one customer's backlog
   * never holds the others back; accounts are claimed side by side, each within its own room.
   */
  async claimRunnable(
    owner: string,
    rooms: { account: string; room: number }[],
    leaseMs: number,
  ): Promise<OnboardingSnapshot[]> {
    const open = rooms.filter((r) => r.room > 0);
    if (open.length === 0) return [];
    const [rows]: [Row[], number] = await this.dataSource.query(
      `WITH room AS (SELECT * FROM unnest($3::text[], $4::int[]) AS r(account, room)),
       due AS (
         SELECT c.id FROM room, LATERAL (
           SELECT d.id FROM (
             SELECT o.id, o.next_run_at,
               row_number() OVER (PARTITION BY o.managed_user_id ORDER BY o.next_run_at) AS turn
             FROM onboarding o
             WHERE o.workato_account = room.account AND o.status = ANY($5)
               AND o.next_run_at <= clock_timestamp()
               AND (o.lease_expires_at IS NULL OR o.lease_expires_at < clock_timestamp())
               -- A customer operation waits for every earlier saga of its customer, and an
               -- onboarding for every earlier operation: one at a time, in ingest order.
               -- (Onboardings of one customer still run side by side, as they always have.)
               -- The first probe is on a partial index of unfinished operations only, empty
               -- in an onboarding backlog, so onboardings pay nothing for it; the second runs
               -- for operations alone.
               AND NOT EXISTS (SELECT 1 FROM onboarding e
                 WHERE e.managed_user_id = o.managed_user_id
                   AND e.workato_account = o.workato_account
                   AND e.ingest_seq < o.ingest_seq
                   AND e.operation_type <> 'ONBOARDING'
                   AND e.status IN ('RECEIVED', 'IN_PROGRESS', 'COMPENSATING'))
               AND (o.operation_type = 'ONBOARDING' OR NOT EXISTS (SELECT 1 FROM onboarding e
                 WHERE e.managed_user_id = o.managed_user_id
                   AND e.workato_account = o.workato_account
                   AND e.ingest_seq < o.ingest_seq
                   AND e.status IN ('RECEIVED', 'IN_PROGRESS', 'COMPENSATING')))
             ORDER BY o.next_run_at
             LIMIT 1000) d
           ORDER BY d.turn, d.next_run_at
           LIMIT room.room) c)
       UPDATE onboarding o SET lease_owner = $1,
         lease_expires_at = clock_timestamp() + make_interval(secs => $2::double precision / 1000)
       WHERE o.id IN (SELECT id FROM onboarding WHERE id IN (SELECT id FROM due)
         AND (lease_expires_at IS NULL OR lease_expires_at < clock_timestamp())
         FOR UPDATE SKIP LOCKED)
       RETURNING ${ONBOARDING_COLUMNS}, ${STEPS_JSON}`,
      [owner, leaseMs, open.map((r) => r.account), open.map((r) => r.room), RUNNABLE_STATUSES],
    );
    return rows.map(toSnapshot);
  }

  async renewLeases(owner: string, ids: string[], leaseMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const [rows]: [Row[], number] = await this.dataSource.query(
      `UPDATE onboarding
       SET lease_expires_at = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
       WHERE id = ANY($2) AND lease_owner = $1
       RETURNING id`,
      [owner, ids, leaseMs],
    );
    return rows.map((r) => String(r.id));
  }

  async releaseLease(owner: string, id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE onboarding SET lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $1 AND lease_owner = $2`,
      [id, owner],
    );
  }

  /**
   * Group commit: the writes of runs that commit while a statement is on its way are sent
   * together, in one statement (one round trip, one transaction, one WAL flush): each
   * onboarding's row (which checks its lease), its changed steps and its outbox rows, as
   * data-modifying CTEs that write nothing for an onboarding whose lease check failed.
   */
  commit(owner: string, onboardingId: string, write: OnboardingWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ owner, onboardingId, write, resolve, reject });
      // The first write of a group lets the rest of this turn of the event loop join it.
      if (!this.committing) {
        this.committing = true;
        setImmediate(() => void this.flushCommits());
      }
    });
  }

  private async flushCommits(): Promise<void> {
    this.committing = true;
    try {
      while (this.pending.length > 0) {
        // One write per onboarding in a statement; a second one waits for the next.
        const group: PendingCommit[] = [];
        const seen = new Set<string>();
        this.pending = this.pending.filter((p) => {
          if (seen.has(p.onboardingId) || group.length >= MAX_COMMIT_GROUP) return true;
          seen.add(p.onboardingId);
          group.push(p);
          return false;
        });
        try {
          const written = await this.commitGroup(group);
          for (const p of group)
            if (written.has(p.onboardingId)) p.resolve();
            else p.reject(new LeaseLostError(p.onboardingId));
        } catch (error) {
          for (const p of group) p.reject(error);
        }
      }
    } finally {
      this.committing = false;
    }
  }

  private async commitGroup(group: PendingCommit[]): Promise<Set<string>> {
    const onboardings = group.map(({ owner, onboardingId, write }) => {
      const l = write.lifecycle;
      return {
        id: onboardingId,
        owner,
        status: l?.status ?? null,
        set_attempt: l?.attempt !== undefined,
        attempt: l?.attempt ?? null,
        set_error: l?.error !== undefined,
        error: l?.error ?? null,
        set_next_run_at: l?.nextRunAt !== undefined,
        next_run_at: l?.nextRunAt ?? null,
        set_deadline_at: l?.deadlineAt !== undefined,
        deadline_at: l?.deadlineAt ?? null,
        set_finished_at: l?.finishedAt !== undefined,
        finished_at: l?.finishedAt ?? null,
        release: write.releaseLease === true,
      };
    });
    const steps = group.flatMap(({ onboardingId, write }) =>
      write.steps.map((step) => ({ onboardingId, step })),
    );
    const outbox = group.flatMap(({ onboardingId, write }) =>
      (write.outbox ?? []).map((record) => ({ owner: onboardingId, record })),
    );
    const keep = (column: string) =>
      `${column} = CASE WHEN w.set_${column} THEN w.${column} ELSE o.${column} END`;
    const rows: Row[] = await this.dataSource.query(
      `WITH w AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(id uuid, owner text,
           status text, set_attempt boolean, attempt int, set_error boolean, error jsonb,
           set_next_run_at boolean, next_run_at timestamptz, set_deadline_at boolean,
           deadline_at timestamptz, set_finished_at boolean, finished_at timestamptz,
           release boolean)),
       o AS (UPDATE onboarding o SET updated_at = now(), status = coalesce(w.status, o.status),
           ${['attempt', 'error', 'next_run_at', 'deadline_at', 'finished_at'].map(keep).join(', ')},
           lease_owner = CASE WHEN w.release THEN NULL ELSE o.lease_owner END,
           lease_expires_at = CASE WHEN w.release THEN NULL ELSE o.lease_expires_at END
         FROM w WHERE o.id = w.id AND o.lease_owner = w.owner RETURNING o.id),
       s AS (${stepsUpdate('(SELECT id FROM o)', '$2')}),
       x AS (${this.outbox.insertSql('$3', 'r.owner::uuid IN (SELECT id FROM o)')})
       SELECT id FROM o`,
      [JSON.stringify(onboardings), stepsJson(steps), this.outbox.rowsJson(outbox)],
    );
    return new Set(rows.map((r) => String(r.id)));
  }

  async replay(
    id: string,
    expectedStatus: OnboardingStatus,
    change: Omit<LifecycleChange, 'next'>,
    steps: (ReplayedStep & { name: string })[],
    audit: AuditRecord,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const params: unknown[] = [id, expectedStatus];
      const sets = ['updated_at = now()', ...lifecycleSets(change, params)];
      // A replayed onboarding is not leased: any runner may take it.
      sets.push('lease_owner = NULL', 'lease_expires_at = NULL');
      const result: [Row[], number] = await tx.query(
        `UPDATE onboarding SET ${sets.join(', ')} WHERE id = $1 AND status = $2`,
        params,
      );
      if (result[1] === 0) return false;
      if (steps.length > 0)
        await tx.query(
          `UPDATE onboarding_step s SET status = p.status, intent_recorded_at = p.intent_recorded_at,
             workato_id = p.workato_id, last_error = p.last_error, finished_at = p.finished_at,
             secret_ciphertext = CASE WHEN p.clear_secret THEN NULL ELSE s.secret_ciphertext END,
             updated_at = now()
           FROM jsonb_to_recordset($2::jsonb) AS p(name text, status text,
             intent_recorded_at timestamptz, workato_id text, last_error jsonb,
             finished_at timestamptz, clear_secret boolean)
           WHERE s.onboarding_id = $1 AND s.name = p.name`,
          [
            id,
            JSON.stringify(
              steps.map((s) => ({
                name: s.name,
                status: s.status,
                intent_recorded_at: s.intentRecordedAt,
                workato_id: s.workatoId,
                last_error: s.lastError,
                finished_at: s.finishedAt,
                clear_secret: s.clearSecret,
              })),
            ),
          ],
        );
      await insertAudit(tx, audit);
      return true;
    });
  }

  async takeCredentials(id: string, audit: AuditRecord): Promise<TakenCredentials | null> {
    return this.dataSource.transaction(async (tx) => {
      const result: [Row[], number] = await tx.query(
        `UPDATE onboarding SET credentials_retrieved_at = now(), updated_at = now()
         WHERE id = $1 AND credentials_retrieved_at IS NULL
         RETURNING jwt_secret_ciphertext`,
        [id],
      );
      if (result[1] === 0) return null;
      const steps: Row[] = await tx.query(
        `SELECT name, kind, target, workato_id, secret_ciphertext FROM onboarding_step
         WHERE onboarding_id = $1 AND kind = ANY($2) ORDER BY position`,
        [id, TOKEN_STEP_KINDS],
      );
      // Shown once: the sealed tokens are wiped as they are handed out.
      await tx.query(
        `UPDATE onboarding_step SET secret_ciphertext = NULL WHERE onboarding_id = $1`,
        [id],
      );
      await tx.query(`UPDATE onboarding SET jwt_secret_ciphertext = NULL WHERE id = $1`, [id]);
      await insertAudit(tx, audit);
      return {
        jwtSecretCiphertext: (result[0][0].jwt_secret_ciphertext as string | null) ?? null,
        steps: steps.map((s) => ({
          name: String(s.name),
          kind: s.kind as StepState['kind'],
          target: (s.target as StepState['target']) ?? null,
          workatoId: (s.workato_id as string | null) ?? null,
          secretCiphertext: (s.secret_ciphertext as string | null) ?? null,
        })),
      };
    });
  }

  async audit(onboardingId: string): Promise<(AuditRecord & { at: Date })[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT onboarding_id, action, actor_role, actor_fingerprint, at, details
       FROM onboarding_audit WHERE onboarding_id = $1 ORDER BY at, id`,
      [onboardingId],
    );
    return rows.map((r) => ({
      onboardingId: String(r.onboarding_id),
      action: r.action as AuditRecord['action'],
      actorRole: String(r.actor_role),
      actorFingerprint: String(r.actor_fingerprint),
      at: r.at as Date,
      details: (r.details as Record<string, unknown> | null) ?? undefined,
    }));
  }
}

/** SET clauses for a lifecycle change; its values are appended to `params`. */
function lifecycleSets(change: Omit<LifecycleChange, 'next'> | undefined, params: unknown[]) {
  if (!change) return [];
  const set = (column: string, value: unknown) => {
    params.push(value);
    return `${column} = $${params.length}`;
  };
  const sets = [set('status', change.status)];
  if (change.attempt !== undefined) sets.push(set('attempt', change.attempt));
  if (change.error !== undefined)
    sets.push(set('error', change.error === null ? null : JSON.stringify(change.error)));
  if (change.nextRunAt !== undefined) sets.push(set('next_run_at', change.nextRunAt));
  if (change.deadlineAt !== undefined) sets.push(set('deadline_at', change.deadlineAt));
  if (change.finishedAt !== undefined) sets.push(set('finished_at', change.finishedAt));
  return sets;
}

/** An UPDATE of steps from a JSON array parameter, for the onboardings in `written` (SQL). */
function stepsUpdate(written: string, stepsParam: string): string {
  return `UPDATE onboarding_step st SET status = p.status, attempts = p.attempts,
       compensation_attempts = p.compensation_attempts, intent_recorded_at = p.intent_recorded_at,
       workato_id = p.workato_id, adopted = p.adopted, last_error = p.last_error,
       started_at = p.started_at, finished_at = p.finished_at,
       secret_ciphertext = CASE WHEN p.set_secret THEN p.secret_ciphertext ELSE st.secret_ciphertext END,
       updated_at = now()
     FROM jsonb_to_recordset(${stepsParam}::jsonb) AS p(onboarding_id uuid, name text,
       status text, attempts int,
       compensation_attempts int, intent_recorded_at timestamptz, workato_id text, adopted boolean,
       last_error jsonb, started_at timestamptz, finished_at timestamptz, set_secret boolean,
       secret_ciphertext text)
     WHERE st.onboarding_id = p.onboarding_id AND st.name = p.name
       AND p.onboarding_id IN ${written}`;
}

function stepsJson(steps: { onboardingId: string; step: StepWrite }[]): string {
  return JSON.stringify(
    steps.map(({ onboardingId, step: s }) => ({
      onboarding_id: onboardingId,
      name: s.name,
      status: s.status,
      attempts: s.attempts,
      compensation_attempts: s.compensationAttempts,
      intent_recorded_at: s.intentRecordedAt,
      workato_id: s.workatoId,
      adopted: s.adopted,
      last_error: s.lastError,
      started_at: s.startedAt,
      finished_at: s.finishedAt,
      set_secret: s.secretCiphertext !== undefined,
      secret_ciphertext: s.secretCiphertext ?? null,
    })),
  );
}

async function insertAudit(tx: EntityManager, audit: AuditRecord): Promise<void> {
  await tx.query(
    `INSERT INTO onboarding_audit (onboarding_id, action, actor_role, actor_fingerprint, details)
     VALUES ($1, $2, $3, $4, $5)`,
    [
      audit.onboardingId,
      audit.action,
      audit.actorRole,
      audit.actorFingerprint,
      audit.details ? JSON.stringify(audit.details) : null,
    ],
  );
}

const date = (value: unknown): Date | null =>
  value === null || value === undefined ? null : new Date(value as string | Date);

function toStep(row: Row): StepState {
  return {
    name: String(row.name),
    position: Number(row.position),
    kind: row.kind as StepState['kind'],
    naturalKey: String(row.natural_key),
    status: row.status as StepState['status'],
    attempts: Number(row.attempts),
    compensationAttempts: Number(row.compensation_attempts),
    intentRecordedAt: date(row.intent_recorded_at),
    workatoId: (row.workato_id as string | null) ?? null,
    adopted: Boolean(row.adopted),
    hasSecret: Boolean(row.has_secret),
    lastError: (row.last_error as StepState['lastError']) ?? null,
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
    target: (row.target as StepState['target']) ?? null,
  };
}

function toSnapshot(row: Row): OnboardingSnapshot {
  return {
    id: String(row.id),
    operationType: (row.operation_type as OnboardingSnapshot['operationType']) ?? 'ONBOARDING',
    eventId: String(row.event_id),
    managedUserId: String(row.managed_user_id),
    customerName: String(row.customer_name),
    source: row.source as 'kafka' | 'http',
    status: row.status as OnboardingSnapshot['status'],
    attempt: Number(row.attempt),
    request: row.request as OnboardingSnapshot['request'],
    jwtSecretCiphertext: (row.jwt_secret_ciphertext as string | null) ?? null,
    error: (row.error as OnboardingSnapshot['error']) ?? null,
    nextRunAt: row.next_run_at as Date,
    deadlineAt: row.deadline_at as Date,
    credentialsRetrievedAt: (row.credentials_retrieved_at as Date | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    finishedAt: (row.finished_at as Date | null) ?? null,
    workatoAccount: String(row.workato_account ?? 'default'),
    steps: ((row.steps as Row[] | null) ?? []).map(toStep),
  };
}
