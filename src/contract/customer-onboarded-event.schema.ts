import { z } from 'zod';
import type { CustomerEventType } from '../onboarding/domain/customer-operation';
import { documentSchema } from '../onboarding/intake/customer-onboarded.schema';
import { described } from './contract.registry';

/**
 * The CustomerOnboarded event as the contract describes it: the intake's own zod schema (the one
 * parseCustomerOnboarded validates every event with, Kafka and HTTP alike), never a copy.
 */
export const customerOnboardedSchema: z.ZodObject = documentSchema;

const shape = customerOnboardedSchema.shape;

export const eventIdSchema = shape.eventId as z.ZodString;

/** The event's customer: its managed user id (the Kafka key of every message) and name. */
export const customerSchema = shape.customer as z.ZodObject<{
  managedUserId: z.ZodString;
  name: z.ZodString;
}>;

export const managedUserIdSchema = customerSchema.shape.managedUserId;

/**
 * An event's document as a CloudEvents structured-mode message, as parseCustomerOnboarded
 * accepts it when the message has `specversion`: `type` is the event type (or ends in
 * `.<event type>`), `id` stands in for eventId, `data` is the document. The parser takes the
 * event type from `type`, so `data` may leave eventType out. Other CloudEvents attributes
 * (source, time, datacontenttype, …) are allowed and ignored.
 */
export function cloudEventSchema(eventType: CustomerEventType, document: z.ZodObject): z.ZodObject {
  const fields = document.shape;
  return z.looseObject({
    specversion: described(z.string(), 'The CloudEvents version, such as "1.0".'),
    type: described(
      z.string().regex(new RegExp(`(^|\\.)${eventType}$`)),
      `"${eventType}", or a name ending in ".${eventType}".`,
    ),
    id: described(eventIdSchema, "Stands in for the document's eventId: the idempotency key."),
    data: described(
      z.strictObject({
        ...fields,
        eventId: eventIdSchema.optional(),
        eventType: (fields.eventType as z.ZodType).optional(),
      }),
      `The ${eventType} document; its eventId may be left out (the CloudEvents id is used), and ` +
        'its eventType too (`type` says it).',
    ),
  });
}

export const customerOnboardedCloudEventSchema = cloudEventSchema(
  'CustomerOnboarded',
  customerOnboardedSchema,
);
