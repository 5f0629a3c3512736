import { createHash } from 'node:crypto';
import type { Request } from 'express';

/** Who is calling, for the audit trail: a role and a short fingerprint of the token, never the token. */
export function actorOf(req: Request): { role: string; fingerprint: string } {
  const principal = (req as Request & { principal?: { role: string; fingerprint: string } })
    .principal;
  if (principal) return principal;
  const header = req.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  return { role: 'anonymous', fingerprint: token ? fingerprint(token) : '-' };
}

export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}
