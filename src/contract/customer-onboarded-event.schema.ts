import { z } from 'zod';
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
 * The same document as a CloudEvents structured-mode message, as parseCustomerOnboarded accepts
 * it when the message has `specversion`: `type` is CustomerOnboarded (or ends in
 * `.CustomerOnboarded`), `id` stands in for eventId, `data` is the document. Other CloudEvents
 * attributes (source, time, datacontenttype, …) are allowed and ignored.
 */
export const customerOnboardedCloudEventSchema = z.looseObject({
  specversion: described(z.string(), 'The CloudEvents version, such as "1.0".'),
  type: described(
    z.string().regex(/(^|\.)CustomerOnboarded$/),
    '"CustomerOnboarded", or a name ending in ".CustomerOnboarded".',
  ),
  id: described(eventIdSchema, "Stands in for the document's eventId: the idempotency key."),
  data: described(
    z.strictObject({ ...shape, eventId: eventIdSchema.optional() }),
    'The CustomerOnboarded document; its eventId may be left out (the CloudEvents id is used).',
  ),
});
