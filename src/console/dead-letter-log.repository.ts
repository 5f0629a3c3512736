import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MessageDeadLettered } from '../onboarding/intake/dead-letter.producer';
import { redactMessageBytes } from './redact';

/** The table keeps the latest this many rejections; older ones are deleted as new ones come. */
export const DEAD_LETTERS_KEPT = 500;

export interface DeadLetterRecord {
  id: string;
  reason: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The message as JSON with every secret-looking value redacted; null when it was not JSON. */
  redactedValue: string | null;
  valueBytes: number;
  rejectedAt: string;
}

/** The recent dead-letter rejections, kept for the console (table `dead_letter`, its owner). */
@Injectable()
export class DeadLetterLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  async record(event: MessageDeadLettered): Promise<void> {
    const { message, reason, at } = event;
    // Insert and trim in one statement: the table stays bounded without a sweeper.
    await this.dataSource.query(
      `WITH added AS (
         INSERT INTO dead_letter (reason, topic, partition, message_offset, message_key,
           redacted_value, value_bytes, rejected_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id)
       DELETE FROM dead_letter WHERE id <= (SELECT id FROM added) - $9`,
      [
        reason.slice(0, 4000),
        message.topic,
        message.partition,
        message.offset,
        message.key ? message.key.toString('utf8').slice(0, 200) : null,
        redactMessageBytes(message.value),
        message.value?.length ?? 0,
        at,
        DEAD_LETTERS_KEPT,
      ],
    );
  }

  async recent(limit: number): Promise<DeadLetterRecord[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT id, reason, topic, partition, message_offset, message_key, redacted_value,
         value_bytes, rejected_at
       FROM dead_letter ORDER BY id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      reason: String(r.reason),
      topic: String(r.topic),
      partition: Number(r.partition),
      offset: String(r.message_offset),
      key: (r.message_key as string | null) ?? null,
      redactedValue: (r.redacted_value as string | null) ?? null,
      valueBytes: Number(r.value_bytes),
      rejectedAt: (r.rejected_at as Date).toISOString(),
    }));
  }
}
