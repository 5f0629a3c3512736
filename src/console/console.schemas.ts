import { OPERATION_TYPES } from '../onboarding/domain/customer-operation';
import { ONBOARDING_STATUSES, REPLAYABLE_STATUSES } from '../onboarding/domain/lifecycle';
import { schemaRef } from '../platform/http/openapi-schemas';
import { MAX_BULK_REPLAY } from './bulk-replay.controller';

const str = { type: 'string' };
const nullableStr = { type: 'string', nullable: true };
const int = { type: 'integer' };
const num = { type: 'number' };
const dateTime = { type: 'string', format: 'date-time' };
const object = (properties: Record<string, unknown>) => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
});
const counts = {
  type: 'object',
  description: 'Onboardings by status (every status, 0 when none)',
  required: [...ONBOARDING_STATUSES],
  properties: Object.fromEntries(ONBOARDING_STATUSES.map((s) => [s, int])),
};
const filter = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...REPLAYABLE_STATUSES] },
    customer: { type: 'string', description: 'A managed user id, or a part of the customer name' },
    workatoAccount: str,
    from: { ...dateTime, description: 'Created at or after' },
    to: { ...dateTime, description: 'Created before' },
    q: { type: 'string', description: 'A part of the customer name or of the eventId' },
  },
};

/** The console API's schemas, merged into the OpenAPI document beside the REST API's. */
export const CONSOLE_SCHEMAS: Record<string, Record<string, unknown>> = {
  ConsoleSession: object({
    role: { type: 'string', enum: ['viewer', 'operator'] },
    fingerprint: str,
  }),
  ConsoleRow: {
    ...object({
      kind: {
        type: 'string',
        enum: ['onboarding'],
        description: 'What the row is (more kinds later)',
      },
      type: {
        type: 'string',
        enum: [...OPERATION_TYPES],
        description: 'An onboarding, or a customer operation after it',
      },
      id: { type: 'string', format: 'uuid' },
      eventId: str,
      status: { type: 'string', enum: [...ONBOARDING_STATUSES] },
      attempt: int,
      customer: object({ managedUserId: str, name: str }),
      workatoAccount: str,
      error: { ...object({ code: str, message: str }), nullable: true },
      steps: object({ done: int, total: int }),
      createdAt: dateTime,
      updatedAt: dateTime,
      finishedAt: { ...dateTime, nullable: true },
    }),
  },
  ConsoleRowPage: object({
    data: { type: 'array', items: schemaRef('ConsoleRow') },
    nextCursor: nullableStr,
  }),
  ConsoleDetail: object({
    kind: { type: 'string', enum: ['onboarding'] },
    onboarding: schemaRef('OnboardingDetail'),
    event: {
      type: 'object',
      additionalProperties: true,
      description: 'The event as received, every secret-looking value redacted',
    },
  }),
  DeadLetterRecord: object({
    id: str,
    reason: str,
    topic: str,
    partition: int,
    offset: str,
    key: nullableStr,
    redactedValue: {
      ...nullableStr,
      description: 'The message as JSON, secrets redacted; null when not JSON',
    },
    valueBytes: int,
    rejectedAt: dateTime,
  }),
  ConsoleHealth: object({
    accounts: {
      type: 'array',
      items: object({
        name: str,
        state: str,
        reason: nullableStr,
        limitPerSecond: num,
        callsPerSecond: num,
        backlog: int,
        pendingSteps: int,
        drainSeconds: int,
      }),
    },
    outboxBacklog: int,
    deadLetters: { type: 'array', items: schemaRef('DeadLetterRecord') },
    at: dateTime,
  }),
  ConsoleOverview: object({ counts, health: schemaRef('ConsoleHealth') }),
  BulkReplayRequest: {
    type: 'object',
    required: ['dryRun'],
    additionalProperties: false,
    properties: {
      filter,
      dryRun: { type: 'boolean', description: 'true: only count; false: replay' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_BULK_REPLAY, default: MAX_BULK_REPLAY },
      expectedCount: {
        type: 'integer',
        minimum: 0,
        description: "The preview's `matched`: if more match now, nothing runs (409)",
      },
    },
  },
  BulkReplayResult: object({
    dryRun: { type: 'boolean' },
    matched: { type: 'integer', description: 'Replayable onboardings the filter matches in all' },
    limit: int,
    ids: { type: 'array', items: str, description: 'The ones that run (or would), oldest first' },
    replayed: { type: 'array', items: str },
    notReplayed: { type: 'array', items: object({ id: str, reason: str }) },
  }),
};
