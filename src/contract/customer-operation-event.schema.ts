import type { z } from 'zod';
import {
  keyRotationSchema,
  offboardingSchema,
  reactivationSchema,
  reconciliationSchema,
} from '../onboarding/intake/customer-onboarded.schema';
import { cloudEventSchema } from './customer-onboarded-event.schema';

/**
 * The customer's events after day one, as the contract describes them: the intake's own zod
 * schemas (parseCustomerOnboarded dispatches on eventType to these), never copies, and each one
 * as a CloudEvents structured-mode message.
 */
export const apiKeysRotationRequestedSchema: z.ZodObject = keyRotationSchema;
export const customerOffboardedSchema: z.ZodObject = offboardingSchema;
export const customerReactivatedSchema: z.ZodObject = reactivationSchema;
export const customerReconciliationRequestedSchema: z.ZodObject = reconciliationSchema;

export const apiKeysRotationRequestedCloudEventSchema = cloudEventSchema(
  'ApiKeysRotationRequested',
  apiKeysRotationRequestedSchema,
);
export const customerOffboardedCloudEventSchema = cloudEventSchema(
  'CustomerOffboarded',
  customerOffboardedSchema,
);
export const customerReactivatedCloudEventSchema = cloudEventSchema(
  'CustomerReactivated',
  customerReactivatedSchema,
);
export const customerReconciliationRequestedCloudEventSchema = cloudEventSchema(
  'CustomerReconciliationRequested',
  customerReconciliationRequestedSchema,
);
