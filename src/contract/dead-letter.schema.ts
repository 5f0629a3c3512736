import { z } from 'zod';
import { MAX_EVENT_BYTES } from '../onboarding/intake/customer-onboarded.schema';
import { EVENT_ID_REUSED } from '../onboarding/intake/ingest-onboarding.handler';
import { described } from './contract.registry';

/**
 * A message on KAFKA_TOPIC_DLQ, as DeadLetterProducer sends it: the original message's bytes
 * (a JWT secret in it replaced by "[REDACTED]"), its key and its headers, plus the headers
 * below saying why it was refused and where it came from.
 */

export const DEAD_LETTER_REASONS = [
  'invalid <eventType> event: <field>: <problem>; … (CustomerOnboarded, ApiKeysRotationRequested, CustomerOffboarded, CustomerReactivated or CustomerReconciliationRequested: the same text POST /v1/onboardings answers 400 with)',
  'invalid event: eventType: must be one of <the event types>',
  `${EVENT_ID_REUSED} (an eventId already recorded with other content)`,
  'not valid JSON: …',
  `message is <n> bytes; the limit is ${MAX_EVENT_BYTES}`,
  'the event must be a JSON object',
  'invalid CloudEvents envelope',
  'unsupported CloudEvents type "…"',
  'CloudEvents data must be a JSON object',
  'empty message (no value)',
  'could not be read: <error name>',
];

const decimal = z.string().regex(/^\d+$/);

export const deadLetterHeadersSchema = z.looseObject({
  'dlq-reason': described(
    z.string().max(4000),
    `Why the message was refused. One of: ${DEAD_LETTER_REASONS.join(' | ')}.`,
  ),
  'dlq-redacted': described(
    z
      .string()
      .regex(/^(data\.)?apiClient\.jwt\.secret(,data\.apiClient\.jwt\.secret)?$/)
      .optional(),
    'Present when a secret was replaced by "[REDACTED]" in the bytes: the paths, comma-separated.',
  ),
  'dlq-original-topic': described(z.string().min(1), 'The topic the message was consumed from.'),
  'dlq-original-partition': described(decimal, 'Its partition, in decimal.'),
  'dlq-original-offset': described(decimal, 'Its offset, in decimal.'),
  'dlq-original-timestamp': described(decimal, 'Its Kafka timestamp, in milliseconds since 1970.'),
  'dlq-failed-at': described(z.iso.datetime(), 'When it was refused (UTC).'),
});

/** The DLQ message keeps the original key as it was: the managed user id, when one was given. */
export const deadLetterKeySchema = described(
  z.string().nullable(),
  "The original message's key, unchanged: the managed user id when the partner keyed it so; null when it had none.",
);

/** The DLQ message keeps the original bytes, whatever they were. */
export const deadLetterPayloadSchema = described(
  z.unknown(),
  'The original bytes, unchanged but for a JWT secret (apiClient.jwt.secret, or data.apiClient.jwt.secret in a CloudEvent) replaced by "[REDACTED]". Usually JSON, but anything the partner sent.',
);
