import type { Request } from 'express';
import type { AuthenticatedRequest } from '../../platform/auth/api-token.guard';

/** Who is calling, for the audit trail: the role and token fingerprint the guard established. */
export function actorOf(req: Request): { role: string; fingerprint: string } {
  return (req as AuthenticatedRequest).principal ?? { role: 'anonymous', fingerprint: '-' };
}
