import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { OutboxRecord } from '../onboarding/ports/onboarding.store';

export interface OutboxRow {
  id: string;
  topic: string;
  messageKey: string;
  payload: unknown;
  /** Claims so far, this one included: above 1, an earlier relay may have sent the row. */
  publishAttempts: number;
}

/**
 * The only owner of the `outbox_message` table: rows are added in the transaction that records
 * an outcome (transactional outbox), then claimed, published and marked by the relay.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * An INSERT of outbox rows for a data-modifying CTE of the statement that records the
   * outcomes, so an outcome and its message commit together. `rowsParam` is a JSON array of
   * `{ owner, topic, key, payload }`; a row is written only when `ownerWritten` (an SQL
   * condition on `r.owner`) holds.
   */
  insertSql(rowsParam: string, ownerWritten: string): string {
    return `INSERT INTO outbox_message (topic, message_key, payload)
      SELECT r.topic, r.key, r.payload FROM jsonb_to_recordset(${rowsParam}::jsonb)
        AS r(owner text, topic text, key text, payload jsonb)
      WHERE ${ownerWritten}`;
  }

  /** The rows parameter of insertSql. */
  rowsJson(records: readonly { owner: string; record: OutboxRecord }[]): string {
    return JSON.stringify(
      records.map(({ owner, record }) => ({
        owner,
        topic: record.topic,
        key: record.key,
        payload: record.payload,
      })),
    );
  }

  /**
   * Claims due rows in a committed write (the claim is the evidence that a send may follow),
   * SKIP LOCKED so several relays share the table. A claim lasts `claimSeconds`.
   */
  async claim(limit: number, claimSeconds: number): Promise<OutboxRow[]> {
    const [rows]: [Record<string, unknown>[], number] = await this.dataSource.query(
      `UPDATE outbox_message SET publish_attempts = publish_attempts + 1,
         claimed_until = clock_timestamp() + make_interval(secs => $2)
       WHERE id IN (
         SELECT id FROM outbox_message
         WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, topic, message_key, payload, publish_attempts`,
      [limit, claimSeconds],
    );
    return rows
      .map((r) => ({
        id: String(r.id),
        topic: String(r.topic),
        messageKey: String(r.message_key),
        payload: r.payload,
        publishAttempts: Number(r.publish_attempts),
      }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE outbox_message SET published_at = now(), claimed_until = NULL WHERE id = ANY($1)`,
      [ids],
    );
  }

  /** Hands claimed rows back at once instead of waiting for the claim to expire. */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE outbox_message SET claimed_until = NULL WHERE id = ANY($1)`,
      [ids],
    );
  }

  /** Messages not yet published. */
  async backlog(): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM outbox_message WHERE published_at IS NULL`,
    );
    return rows[0].n;
  }
}
