import { SetMetadata } from '@nestjs/common';
import type { ApiRole } from './api-token';

export const IS_PUBLIC_KEY = 'auth:public';
export const REQUIRED_ROLE_KEY = 'auth:required-role';

/**
 * The route (or every route of the controller) needs no API token and is not rate limited:
 * for probes such as /health/*. /metrics is public too and checks METRICS_TOKEN itself.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/**
 * The role a route needs, instead of the default by method (GET: viewer, anything else:
 * operator). `@RequireRole('operator')` on a GET that hands out secrets.
 */
export const RequireRole = (role: ApiRole): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLE_KEY, role);
