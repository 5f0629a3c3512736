import { z } from 'zod';
import type { RecordedError } from '../onboarding/domain/errors';
import type { resourcesOf, StepStatus } from '../onboarding/domain/steps';
import { described } from './contract.registry';
import { customerSchema, eventIdSchema } from './customer-onboarded-event.schema';

/**
 * The results messages on KAFKA_TOPIC_RESULTS, exactly as resultMessage() writes them to the
 * outbox (src/onboarding/saga/onboarding-results.ts): OnboardingCompleted and OnboardingFailed.
 * The type checks at the end of this file keep these schemas and the domain's types in step.
 */

const STEP_STATUSES = [
  'PENDING',
  'SUCCEEDED',
  'FAILED',
  'COMPENSATED',
  'RETAINED',
  'COMPENSATION_FAILED',
] as const satisfies readonly StepStatus[];

export const stepStatusSchema = z.enum(STEP_STATUSES);

const workatoIdSchema = described(
  z.string().nullable(),
  'The Workato id of the resource (kept after compensation deleted it); null while none is known.',
);

const resourceSchema = z.strictObject({
  id: workatoIdSchema,
  adopted: described(
    z.boolean(),
    'True when the resource existed already and was adopted rather than created: compensation never deletes it.',
  ),
  status: stepStatusSchema,
});

export const resourcesSchema = described(
  z.strictObject({
    apiCollection: resourceSchema.nullable(),
    apiClient: resourceSchema.nullable(),
    apiKeys: z.array(
      z.strictObject({ name: z.string(), id: workatoIdSchema, status: stepStatusSchema }),
    ),
  }),
  'The Workato resources of the onboarding, one per step, with the step status.',
);

/** An error as the onboarding records it (RecordedError). Never carries a secret. */
export const recordedErrorSchema = z.strictObject({
  code: described(
    z.string(),
    'A stable code, such as API_KEY_CONFLICT, WORKATO_FORBIDDEN or ONBOARDING_DEADLINE_EXCEEDED.',
  ),
  message: z.string(),
  retryable: z.boolean(),
  step: described(
    z.string().optional(),
    "The step that failed: api_collection, api_client, api_key:<name>, or a customer operation's (rotate:<API client>/<API key>, delete_client:<API client>, …).",
  ),
  httpStatus: z.number().int().nullable().optional(),
  workatoMessage: z.string().nullable().optional(),
  fieldErrors: z.record(z.string(), z.array(z.string())).optional(),
  method: z.string().optional(),
  path: z.string().optional(),
  at: z.iso.datetime().optional(),
  get compensation() {
    return compensationSchema;
  },
});

const compensationSchema = described(
  z
    .array(
      z.strictObject({
        step: z.string(),
        workatoId: z.string().nullable(),
        error: recordedErrorSchema,
      }),
    )
    .optional(),
  'For COMPENSATION_FAILED: what compensation could not undo (step, Workato id, error).',
);

export const attemptSchema = described(
  z.number().int().positive(),
  'The attempt: 1, then one more per replay.',
);

const resultFields = {
  onboardingId: z.uuid(),
  eventId: eventIdSchema,
  attempt: attemptSchema,
  customer: customerSchema,
  projectId: z.string().regex(/^\d{1,18}$/),
};

export const occurredAtSchema = described(z.iso.datetime(), 'When the outcome was recorded (UTC).');

export const onboardingCompletedSchema = z.strictObject({
  type: z.literal('OnboardingCompleted'),
  ...resultFields,
  status: z.literal('COMPLETED'),
  resources: resourcesSchema,
  error: z.null(),
  occurredAt: occurredAtSchema,
});

export const onboardingFailedSchema = z.strictObject({
  type: z.literal('OnboardingFailed'),
  ...resultFields,
  status: described(
    z.enum(['FAILED', 'COMPENSATION_FAILED']),
    'FAILED: compensated, nothing left behind; COMPENSATION_FAILED: error.compensation lists what is left.',
  ),
  resources: resourcesSchema,
  error: recordedErrorSchema,
  occurredAt: occurredAtSchema,
});

export const onboardingResultSchema = z.discriminatedUnion('type', [
  onboardingCompletedSchema,
  onboardingFailedSchema,
]);

/** The headers of a results message: the outbox row it was relayed from. */
export const onboardingResultHeadersSchema = z.strictObject({
  'outbox-id': described(
    z.string().regex(/^\d+$/),
    'The outbox row the message was published from: a consumer that sees it twice may drop the second.',
  ),
});

/** True when A and B are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type _ContractMatchesDomain = [
  Holds<Same<z.output<typeof stepStatusSchema>, StepStatus>>,
  Holds<Same<z.output<typeof recordedErrorSchema>, RecordedError>>,
  Holds<Same<z.output<typeof resourcesSchema>, ReturnType<typeof resourcesOf>>>,
];
