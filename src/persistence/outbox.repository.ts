import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
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

  /** Adds messages inside the caller's transaction, so they commit with the outcome. */
  async add(tx: EntityManager, records: readonly OutboxRecord[]): Promise<void> {
    if (records.length === 0) return;
    const params: unknown[] = [];
    const tuples = records.map((r) => {
      params.push(r.topic, r.key, JSON.stringify(r.payload));
      const b = params.length - 3;
      return `($${b + 1}, $${b + 2}, $${b + 3})`;
    });
    await tx.query(
      `INSERT INTO outbox_message (topic, message_key, payload) VALUES ${tuples.join(', ')}`,
      params,
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
