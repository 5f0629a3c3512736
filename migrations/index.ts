import { OnboardingSchema1763860000000 } from './1763860000000-onboarding-schema';
import { WorkatoRateLimit1763870000000 } from './1763870000000-workato-rate-limit';
import { OnboardingListIndex1763880000000 } from './1763880000000-onboarding-list-index';
import { OutboxClaims1763890000000 } from './1763890000000-outbox-claims';
import { WorkatoRateLimitSlots1764600000000 } from './1764600000000-workato-rate-limit-slots';
import { WorkatoAccount1764610000000 } from './1764610000000-workato-account';
import { Console1764620000000 } from './1764620000000-console';
import { CustomerOperations1764630000000 } from './1764630000000-customer-operations';
import { Reconciliation1764640000000 } from './1764640000000-reconciliation';
import { CustomerOrderIndex1764650000000 } from './1764650000000-customer-order-index';

/** Every migration, in order. TypeORM is given this list explicitly rather than a glob. */
export const MIGRATIONS = [
  OnboardingSchema1763860000000,
  WorkatoRateLimit1763870000000,
  OnboardingListIndex1763880000000,
  OutboxClaims1763890000000,
  WorkatoRateLimitSlots1764600000000,
  WorkatoAccount1764610000000,
  Console1764620000000,
  CustomerOperations1764630000000,
  Reconciliation1764640000000,
  CustomerOrderIndex1764650000000,
];
