import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  AuditRecord,
  LeaseLostError,
  NewOnboarding,
  OnboardingListQuery,
  OnboardingSnapshot,
  OnboardingStore,
  OnboardingTransition,
  OutboxRecord,
  StepPatch,
} from '../onboarding/ports/onboarding.store';
import { planSteps, StepState } from '../onboarding/domain/onboarding-step';
import { REPLAYABLE_STATUSES, RUNNABLE_STATUSES } from '../onboarding/domain/onboarding-status';

type Row = Record<string, unknown>;

const ONBOARDING_COLUMNS = `o.id, o.event_id, o.managed_user_id, o.customer_name, o.source, o.status,
  o.attempt, o.request, o.jwt_secret_ciphertext, o.error, o.next_run_at, o.deadline_at,
  o.credentials_retrieved_at, o.created_at, o.updated_at, o.finished_at`;

const STEP_COLUMNS = `onboarding_id, name, position, kind, natural_key, status, attempts,
  compensation_attempts, intent_recorded_at, workato_id, adopted,
  (secret_ciphertext IS NOT NULL) AS has_secret, last_error, started_at, finished_at`;

/** OnboardingStore on Postgres. Plain SQL where the lease and SKIP LOCKED need to be exact. */
@Injectable()
export class OnboardingRepository extends OnboardingStore {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async createFromEvents(
    inputs: NewOnboarding[],
  ): Promise<{ onboardingId: string; created: boolean }[]> {
    return this.dataSource.transaction(async (tx) => {
      const rows: unknown[] = [];
      const tuples = inputs.map((input, i) => {
        rows.push(
          input.id,
          input.request.eventId,
          input.request.customer.managedUserId,
          input.request.customer.name,
          input.source,
          JSON.stringify(input.request),
          input.jwtSecretCiphertext,
          input.deadlineAt,
        );
        const b = i * 8;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, 'RECEIVED', 1, $${b + 6}, $${b + 7}, $${b + 8})`;
      });
      const inserted: Row[] = await tx.query(
        `INSERT INTO onboarding (id, event_id, managed_user_id, customer_name, source, status, attempt,
           request, jwt_secret_ciphertext, deadline_at)
         VALUES ${tuples.join(', ')}
         ON CONFLICT (event_id) DO NOTHING
         RETURNING id`,
        rows,
      );
      const created = new Set(inserted.map((r) => String(r.id)));
      const existing = new Map<string, string>();
      const duplicates = inputs.filter((input) => !created.has(input.id));
      if (duplicates.length > 0) {
        const found: Row[] = await tx.query(
          `SELECT id, event_id FROM onboarding WHERE event_id = ANY($1)`,
          [duplicates.map((d) => d.request.eventId)],
        );
        for (const row of found) existing.set(String(row.event_id), String(row.id));
      }
      const steps: unknown[] = [];
      const stepTuples: string[] = [];
      for (const input of inputs.filter((i) => created.has(i.id))) {
        for (const step of planSteps(input.request)) {
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
      return inputs.map((input) =>
        created.has(input.id)
          ? { onboardingId: input.id, created: true }
          : { onboardingId: existing.get(input.request.eventId)!, created: false },
      );
    });
  }

  async load(id: string): Promise<OnboardingSnapshot | null> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${ONBOARDING_COLUMNS} FROM onboarding o WHERE o.id = $1`,
      [id],
    );
    if (rows.length === 0) return null;
    const steps: Row[] = await this.dataSource.query(
      `SELECT ${STEP_COLUMNS} FROM onboarding_step WHERE onboarding_id = $1 ORDER BY position`,
      [id],
    );
    return toSnapshot(rows[0], steps.map(toStep));
  }

  async list(query: OnboardingListQuery): Promise<OnboardingSnapshot[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.status) where.push(`o.status = ${param(query.status)}`);
    if (query.managedUserId) where.push(`o.managed_user_id = ${param(query.managedUserId)}`);
    if (query.eventId) where.push(`o.event_id = ${param(query.eventId)}`);
    if (query.cursor)
      where.push(
        `(o.created_at, o.id) < (${param(query.cursor.createdAt)}, ${param(query.cursor.id)})`,
      );
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${ONBOARDING_COLUMNS} FROM onboarding o
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY o.created_at DESC, o.id DESC LIMIT ${param(query.limit)}`,
      params,
    );
    if (rows.length === 0) return [];
    const steps: Row[] = await this.dataSource.query(
      `SELECT ${STEP_COLUMNS} FROM onboarding_step WHERE onboarding_id = ANY($1) ORDER BY position`,
      [rows.map((r) => r.id)],
    );
    const byOnboarding = new Map<string, StepState[]>();
    for (const step of steps) {
      const list = byOnboarding.get(String(step.onboarding_id)) ?? [];
      list.push(toStep(step));
      byOnboarding.set(String(step.onboarding_id), list);
    }
    return rows.map((row) => toSnapshot(row, byOnboarding.get(String(row.id)) ?? []));
  }

  async claimRunnable(
    owner: string,
    limit: number,
    leaseMs: number,
    deadlineMs: number,
  ): Promise<string[]> {
    if (limit <= 0) return [];
    const [rows]: [Row[], number] = await this.dataSource.query(
      `UPDATE onboarding SET lease_owner = $1,
         lease_expires_at = clock_timestamp() + make_interval(secs => $2::double precision / 1000),
         -- The deadline counts from the first run, not from ingestion: a long backlog must not
         -- eat an onboarding's time before it has started.
         deadline_at = CASE WHEN status = 'RECEIVED'
           THEN clock_timestamp() + make_interval(secs => $5::double precision / 1000)
           ELSE deadline_at END
       WHERE id IN (
         SELECT id FROM onboarding
         WHERE status = ANY($3) AND next_run_at <= clock_timestamp()
           AND (lease_expires_at IS NULL OR lease_expires_at < clock_timestamp())
         ORDER BY next_run_at
         LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [owner, leaseMs, RUNNABLE_STATUSES, limit, deadlineMs],
    );
    return rows.map((r) => String(r.id));
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

  async updateStep(
    owner: string,
    onboardingId: string,
    step: string,
    patch: StepPatch,
  ): Promise<void> {
    const sets: string[] = ['updated_at = now()'];
    const params: unknown[] = [onboardingId, step, owner];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (patch.status !== undefined) sets.push(`status = ${param(patch.status)}`);
    if (patch.attemptsIncrement) sets.push('attempts = attempts + 1');
    if (patch.compensationAttemptsIncrement)
      sets.push('compensation_attempts = compensation_attempts + 1');
    if (patch.intentRecorded) sets.push('intent_recorded_at = coalesce(intent_recorded_at, now())');
    if (patch.clearIntent) sets.push('intent_recorded_at = NULL');
    if (patch.workatoId !== undefined) sets.push(`workato_id = ${param(patch.workatoId)}`);
    if (patch.adopted !== undefined) sets.push(`adopted = ${param(patch.adopted)}`);
    if (patch.secretCiphertext !== undefined)
      sets.push(`secret_ciphertext = ${param(patch.secretCiphertext)}`);
    if (patch.lastError !== undefined)
      sets.push(
        `last_error = ${param(patch.lastError === null ? null : JSON.stringify(patch.lastError))}`,
      );
    if (patch.started) sets.push('started_at = coalesce(started_at, now())');
    if (patch.finished) sets.push('finished_at = now()');
    const result: [Row[], number] = await this.dataSource.query(
      `UPDATE onboarding_step s SET ${sets.join(', ')}
       FROM onboarding o
       WHERE s.onboarding_id = $1 AND s.name = $2 AND o.id = s.onboarding_id AND o.lease_owner = $3`,
      params,
    );
    if (result[1] === 0) throw new LeaseLostError(onboardingId);
  }

  async transition(
    owner: string,
    onboardingId: string,
    change: OnboardingTransition,
  ): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const params: unknown[] = [onboardingId, owner, change.status];
      const sets = ['status = $3', 'updated_at = now()'];
      if (change.error !== undefined) {
        params.push(change.error === null ? null : JSON.stringify(change.error));
        sets.push(`error = $${params.length}`);
      }
      if (change.nextRunAt) {
        params.push(change.nextRunAt);
        sets.push(`next_run_at = $${params.length}`);
      }
      if (change.finished)
        sets.push('finished_at = now()', 'lease_owner = NULL', 'lease_expires_at = NULL');
      const result: [Row[], number] = await tx.query(
        `UPDATE onboarding SET ${sets.join(', ')} WHERE id = $1 AND lease_owner = $2`,
        params,
      );
      if (result[1] === 0) throw new LeaseLostError(onboardingId);
      if (change.outbox) await insertOutbox(tx, change.outbox);
    });
  }

  async replay(
    id: string,
    deadlineAt: Date,
    audit: AuditRecord,
  ): Promise<OnboardingSnapshot | null> {
    const replayed = await this.dataSource.transaction(async (tx) => {
      const result: [Row[], number] = await tx.query(
        `UPDATE onboarding SET status = 'RECEIVED', attempt = attempt + 1, error = NULL,
           next_run_at = now(), deadline_at = $2, finished_at = NULL, updated_at = now(),
           lease_owner = NULL, lease_expires_at = NULL
         WHERE id = $1 AND status = ANY($3)
         RETURNING id`,
        [id, deadlineAt, REPLAYABLE_STATUSES],
      );
      if (result[1] === 0) return false;
      // A resource we deleted is gone: forget it. Anything else may still exist in Workato, so
      // keep its intent and id for the lookups to reconcile (a retained collection is adopted).
      await tx.query(
        `UPDATE onboarding_step SET
           intent_recorded_at = CASE WHEN status = 'COMPENSATED' THEN NULL ELSE intent_recorded_at END,
           workato_id = CASE WHEN status = 'COMPENSATED' THEN NULL ELSE workato_id END,
           secret_ciphertext = CASE WHEN status = 'COMPENSATED' THEN NULL ELSE secret_ciphertext END,
           status = 'PENDING', last_error = NULL, finished_at = NULL, updated_at = now()
         WHERE onboarding_id = $1`,
        [id],
      );
      await insertAudit(tx, audit);
      return true;
    });
    return replayed ? this.load(id) : null;
  }

  async takeCredentials(id: string, audit: AuditRecord) {
    return this.dataSource.transaction(async (tx) => {
      const result: [Row[], number] = await tx.query(
        `UPDATE onboarding SET credentials_retrieved_at = now(), updated_at = now()
         WHERE id = $1 AND credentials_retrieved_at IS NULL
         RETURNING jwt_secret_ciphertext`,
        [id],
      );
      if (result[1] === 0) return null;
      const steps: Row[] = await tx.query(
        `SELECT name, workato_id, secret_ciphertext FROM onboarding_step
         WHERE onboarding_id = $1 AND kind = 'API_KEY' ORDER BY position`,
        [id],
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

async function insertOutbox(tx: EntityManager, record: OutboxRecord): Promise<void> {
  await tx.query(`INSERT INTO outbox_message (topic, message_key, payload) VALUES ($1, $2, $3)`, [
    record.topic,
    record.key,
    JSON.stringify(record.payload),
  ]);
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

function toStep(row: Row): StepState {
  return {
    name: String(row.name),
    position: Number(row.position),
    kind: row.kind as StepState['kind'],
    naturalKey: String(row.natural_key),
    status: row.status as StepState['status'],
    attempts: Number(row.attempts),
    compensationAttempts: Number(row.compensation_attempts),
    intentRecordedAt: (row.intent_recorded_at as Date | null) ?? null,
    workatoId: (row.workato_id as string | null) ?? null,
    adopted: Boolean(row.adopted),
    hasSecret: Boolean(row.has_secret),
    lastError: (row.last_error as StepState['lastError']) ?? null,
    startedAt: (row.started_at as Date | null) ?? null,
    finishedAt: (row.finished_at as Date | null) ?? null,
  };
}

function toSnapshot(row: Row, steps: StepState[]): OnboardingSnapshot {
  return {
    id: String(row.id),
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
    steps,
  };
}
