import type { ApiRole } from './api-token';

/** Methods that only read: a viewer may call them. */
const READ_METHODS = new Set(['GET', 'HEAD']);

/** The role a request needs: the route's `@RequireRole`, else viewer to read, operator to write. */
export function requiredRole(method: string, declared: ApiRole | undefined): ApiRole {
  if (declared) return declared;
  return READ_METHODS.has(method.toUpperCase()) ? 'viewer' : 'operator';
}

/** An operator may do whatever a viewer may. */
export function roleSatisfies(role: ApiRole, required: ApiRole): boolean {
  return required === 'viewer' || role === 'operator';
}

/** The token of an `Authorization: Bearer <token>` header; null when absent or another scheme. */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ \t]+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}
