import { OnboardingSchema1763860000000 } from './1763860000000-onboarding-schema';
import { WorkatoRateLimit1763870000000 } from './1763870000000-workato-rate-limit';

/** Every migration, in order. TypeORM is given this list explicitly rather than a glob. */
export const MIGRATIONS = [OnboardingSchema1763860000000, WorkatoRateLimit1763870000000];
