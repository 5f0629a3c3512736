import { z } from 'zod';
import type { OperationType } from '../onboarding/domain/customer-operation';
import type { RecordedError } from '../onboarding/domain/errors';
import type { StepKind, StepState, StepTarget } from '../onboarding/domain/steps';
import { described } from './contract.registry';
import { eventIdSchema, managedUserIdSchema } from './customer-onboarded-event.schema';
import {
  attemptSchema,
  occurredAtSchema,
  onboardingCompletedSchema,
  onboardingFailedSchema,
  recordedErrorSchema,
  stepStatusSchema,
} from './onboarding-result.schema';

/**
 * The results of the customer operations on KAFKA_TOPIC_RESULTS, exactly as resultMessage()
 * writes them for a saga that is not an onboarding (src/onboarding/saga/onboarding-results.ts):
 * ApiKeysRotated / ApiKeysRotationFailed, CustomerOffboardingCompleted / CustomerOffboardingFailed,
 * CustomerReactivated / CustomerReactivationFailed, CustomerReconciled / CustomerReconciliationFailed.
 * resultMessage() returns an untyped record, so
 * its keys are held to these (strict) schemas by test/contract/onboarding-results.test.ts; the
 * type checks at the end of this file hold the values to the domain's types.
 */

type CustomerOperationType = Exclude<OperationType, 'ONBOARDING'>;

/**
 * The step kinds each operation plans (domain/customer-operation.plan.ts; a reconciliation's in
 * the order domain/drift.ts plans them), so that a consumer
 * knows what a rotation's steps can be without reading the service's code.
 */
const STEP_KINDS = {
  KEY_ROTATION: [
    'ROTATED_API_KEY',
    'GRACE_PERIOD',
    'API_KEY_DISABLE',
    'API_KEY_DELETE',
    'API_KEY_REFRESH',
  ],
  OFFBOARDING: ['API_KEY_DISABLE', 'API_KEY_DELETE', 'API_CLIENT_DELETE'],
  REACTIVATION: ['API_KEY_ENABLE'],
  RECONCILIATION: [
    'API_KEY_RECREATE',
    'API_KEY_ENABLE',
    'API_KEY_DISABLE',
    'API_CLIENT_RESTORE',
    'DRIFT_REPORT',
  ],
} as const satisfies Record<CustomerOperationType, readonly StepKind[]>;

/** What each step kind does, for the consumer reading a result. */
const KIND_NOTES: Record<(typeof STEP_KINDS)[CustomerOperationType][number], string> = {
  ROTATED_API_KEY: 'ROTATED_API_KEY: a new key beside an old one (overlap rotation)',
  GRACE_PERIOD: 'GRACE_PERIOD: the wait before the old keys are disabled',
  API_KEY_REFRESH: 'API_KEY_REFRESH: a new secret for a key (immediate rotation)',
  API_KEY_DISABLE: 'API_KEY_DISABLE: a key disabled',
  API_KEY_ENABLE: 'API_KEY_ENABLE: a key enabled again',
  API_KEY_DELETE: 'API_KEY_DELETE: a key deleted',
  API_CLIENT_DELETE: 'API_CLIENT_DELETE: an API client deleted',
  API_KEY_RECREATE:
    'API_KEY_RECREATE: a key deleted outside the service, created again under its name and recorded settings',
  API_CLIENT_RESTORE:
    'API_CLIENT_RESTORE: an API client given back the API collections its onboarding gave it',
  DRIFT_REPORT:
    'DRIFT_REPORT: the record of the drift found, repaired or left alone and why (no Workato call)',
};

function stepSchema<
  const K extends readonly [keyof typeof KIND_NOTES, ...(keyof typeof KIND_NOTES)[]],
>(kinds: K) {
  return z.strictObject({
    name: described(
      z.string(),
      'The step: <verb>:<API client>/<API key> (rotate, refresh, disable, enable, delete, ' +
        'recreate), <verb>:<API client> (delete_client, restore_client), grace_period, or ' +
        'drift_report.',
    ),
    kind: described(z.enum(kinds), `${kinds.map((k) => KIND_NOTES[k]).join('; ')}.`),
    status: stepStatusSchema,
    workatoId: described(
      z.string().nullable(),
      'The Workato id of what the step created: the new key of a ROTATED_API_KEY or ' +
        'API_KEY_RECREATE step. Null for the steps that act on an existing key or client, for ' +
        'DRIFT_REPORT, and while none is known.',
    ),
    apiKey: described(
      z.string().optional(),
      'The API key the step acts on (for ROTATED_API_KEY: the key it replaces; for ' +
        'API_KEY_RECREATE: the deleted key, whose name the new one takes); absent for ' +
        'GRACE_PERIOD, API_CLIENT_DELETE, API_CLIENT_RESTORE and DRIFT_REPORT.',
    ),
    newApiKey: described(
      z.string().optional(),
      'ROTATED_API_KEY only: the new key\'s name, such as "Production (rotated 1a2b3c4d)". Its ' +
        'token is never in a results message: GET /v1/operations/:id/credentials hands it out once.',
    ),
  });
}

const stepsOf = {
  KEY_ROTATION: stepSchema(STEP_KINDS.KEY_ROTATION),
  OFFBOARDING: stepSchema(STEP_KINDS.OFFBOARDING),
  REACTIVATION: stepSchema(STEP_KINDS.REACTIVATION),
  RECONCILIATION: stepSchema(STEP_KINDS.RECONCILIATION),
};

const operationCustomerSchema = described(
  z.strictObject({ managedUserId: managedUserIdSchema }),
  'The customer, by managed user id (an operation result carries no name).',
);

/** The fields of one operation's results, in the order resultMessage() writes them. */
function operationResult<T extends CustomerOperationType>(operationType: T) {
  return {
    operationId: described(
      z.uuid(),
      'The operation: GET /v1/operations/:id shows it, POST /v1/operations/:id/replay runs a ' +
        'failed one again.',
    ),
    operationType: z.literal(operationType),
    eventId: eventIdSchema,
    attempt: attemptSchema,
    customer: operationCustomerSchema,
  };
}

function stepsField<S extends z.ZodType>(step: S) {
  return described(
    z.array(step),
    'The steps the operation planned on its first run, in order, each with its status. Empty ' +
      'when there was nothing to do (a repeated offboarding, a reconciliation that found no ' +
      'drift) or the operation failed before planning (CUSTOMER_NOT_ONBOARDED, ' +
      "API_CLIENT_NOT_FOUND, a Workato error during a reconciliation's observation, …).",
  );
}

const failedStatusSchema = described(
  z.enum(['FAILED', 'COMPENSATION_FAILED']),
  'FAILED: the operation stopped, with what it undid (a rotation deletes the new keys it made ' +
    'before its grace period ended); COMPENSATION_FAILED: error.compensation lists what could ' +
    'not be undone.',
);

/** A completed result: status, steps, no error. */
function completed<S extends z.ZodType>(step: S) {
  return {
    status: z.literal('COMPLETED'),
    steps: stepsField(step),
    error: z.null(),
    occurredAt: occurredAtSchema,
  };
}

/** A failed result: status, steps, the error. */
function failed<S extends z.ZodType>(step: S) {
  return {
    status: failedStatusSchema,
    steps: stepsField(step),
    error: recordedErrorSchema,
    occurredAt: occurredAtSchema,
  };
}

export const apiKeysRotatedSchema = z.strictObject({
  type: z.literal('ApiKeysRotated'),
  ...operationResult('KEY_ROTATION'),
  ...completed(stepsOf.KEY_ROTATION),
});

/**
 * An overlap rotation's new keys exist: their tokens can be fetched, once, from GET
 * /v1/operations/:id/credentials and handed to the customer while the old keys still work.
 * Sent when the grace period starts (once more if the service restarts during that moment:
 * keep the first per operationId); ApiKeysRotated or ApiKeysRotationFailed follows.
 */
export const apiKeysRotationReadySchema = z.strictObject({
  type: z.literal('ApiKeysRotationReady'),
  ...operationResult('KEY_ROTATION'),
  status: described(
    z.literal('IN_PROGRESS'),
    'The rotation goes on: the old keys are disabled and deleted once the grace period ends.',
  ),
  steps: stepsField(stepsOf.KEY_ROTATION),
  graceEndsAt: described(
    z.iso.datetime(),
    'When the grace period ends and the old keys stop working (UTC).',
  ),
  error: z.null(),
  occurredAt: occurredAtSchema,
});

export const apiKeysRotationFailedSchema = z.strictObject({
  type: z.literal('ApiKeysRotationFailed'),
  ...operationResult('KEY_ROTATION'),
  ...failed(stepsOf.KEY_ROTATION),
});

export const customerOffboardingCompletedSchema = z.strictObject({
  type: z.literal('CustomerOffboardingCompleted'),
  ...operationResult('OFFBOARDING'),
  ...completed(stepsOf.OFFBOARDING),
});

export const customerOffboardingFailedSchema = z.strictObject({
  type: z.literal('CustomerOffboardingFailed'),
  ...operationResult('OFFBOARDING'),
  ...failed(stepsOf.OFFBOARDING),
});

/** Its `type` is the name of the event that asked for it (RESULT_TYPES.REACTIVATION). */
export const customerReactivatedResultSchema = z.strictObject({
  type: z.literal('CustomerReactivated'),
  ...operationResult('REACTIVATION'),
  ...completed(stepsOf.REACTIVATION),
});

export const customerReactivationFailedSchema = z.strictObject({
  type: z.literal('CustomerReactivationFailed'),
  ...operationResult('REACTIVATION'),
  ...failed(stepsOf.REACTIVATION),
});

export const customerReconciledSchema = z.strictObject({
  type: z.literal('CustomerReconciled'),
  ...operationResult('RECONCILIATION'),
  ...completed(stepsOf.RECONCILIATION),
});

export const customerReconciliationFailedSchema = z.strictObject({
  type: z.literal('CustomerReconciliationFailed'),
  ...operationResult('RECONCILIATION'),
  ...failed(stepsOf.RECONCILIATION),
});

export const operationResultSchema = z.discriminatedUnion('type', [
  apiKeysRotationReadySchema,
  apiKeysRotatedSchema,
  apiKeysRotationFailedSchema,
  customerOffboardingCompletedSchema,
  customerOffboardingFailedSchema,
  customerReactivatedResultSchema,
  customerReactivationFailedSchema,
  customerReconciledSchema,
  customerReconciliationFailedSchema,
]);

/** Any message on KAFKA_TOPIC_RESULTS: an onboarding's result or a customer operation's. */
export const resultMessageSchema = z.discriminatedUnion('type', [
  onboardingCompletedSchema,
  onboardingFailedSchema,
  ...operationResultSchema.options,
]);

/** True when A and B are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type OperationResult = z.output<typeof operationResultSchema>;
type OperationStep = OperationResult['steps'][number];
/** The kinds only an onboarding plans (its saga table's rows). */
type OnboardingStepKind = 'API_COLLECTION' | 'API_CLIENT' | 'API_KEY';
export type _OperationResultsMatchDomain = [
  // Every kind an operation can plan is in some operation's list, and nothing else is.
  Holds<Same<OperationStep['kind'], Exclude<StepKind, OnboardingStepKind>>>,
  Holds<Same<OperationResult['operationType'], CustomerOperationType>>,
  Holds<
    Same<
      Pick<OperationStep, 'name' | 'status' | 'workatoId'>,
      Pick<StepState, 'name' | 'status' | 'workatoId'>
    >
  >,
  Holds<Same<OperationStep['apiKey'], StepTarget['keyName']>>,
  Holds<Same<OperationStep['newApiKey'], StepTarget['newKeyName']>>,
  Holds<Same<Exclude<OperationResult['error'], null>, RecordedError>>,
];
