import { randomUUID } from 'node:crypto';

/**
 * The demo's onboardings: one per auth type, and one that fails for good and is compensated.
 * All are for the sandbox's demo workspace (external id 12345, project 523144, portal
 * "IDEA Lifestyle"), which `npm start` and the compose stack seed. Where the service has a
 * Workato account named `eu` (`npm start` runs its sandbox as `default` and `eu`), one more is
 * routed there by `workatoAccount`.
 */
export const DEMO_MANAGED_USER_ID = 'E12345';

export interface DemoSample {
  /** At most 21 characters: the summary's first column. */
  label: string;
  expected: 'COMPLETED' | 'FAILED';
  body: { eventId: string } & Record<string, unknown>;
}

const key = (name: string) => ({ name, active: true, ipAllowList: [], ipDenyList: [] });

export function demoSamples(
  run: string = randomUUID().slice(0, 6),
  accounts: readonly string[] = [],
): DemoSample[] {
  const sample = (
    label: string,
    apiClient: Record<string, unknown>,
    apiKeys = [key('Production')],
    expected: DemoSample['expected'] = 'COMPLETED',
    workatoAccount?: string,
  ): DemoSample => ({
    label,
    expected,
    body: {
      eventId: randomUUID(),
      eventType: 'CustomerOnboarded',
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      customer: { managedUserId: DEMO_MANAGED_USER_ID, name: 'Abstergo Industries' },
      projectId: '523144',
      collection: { name: `Demo ${run} ${label}` },
      apiClient: { name: `Demo ${run} ${label}`, ...apiClient },
      apiKeys,
      ...(workatoAccount ? { workatoAccount } : {}),
    },
  });

  return [
    sample(
      'token + portal',
      {
        authType: 'token',
        portal: { portalName: 'IDEA Lifestyle', email: 'dev@abstergo.example' },
      },
      [key('Production'), key('Staging')],
    ),
    sample('jwt hmac', { authType: 'jwt', jwt: { method: 'hmac' } }, []),
    sample('oauth2', { authType: 'oauth2' }),
    sample('oidc issuer', {
      authType: 'oidc',
      oidc: { issuer: 'https://login.abstergo.example/.well-known/openid-configuration' },
    }),
    sample('oidc jwks', {
      authType: 'oidc',
      oidc: { jwksUri: 'https://login.abstergo.example/jwks.json' },
    }),
    // Fails for good (no such portal) after the collection was created: it is compensated.
    sample(
      'fails: unknown portal',
      {
        authType: 'token',
        portal: { portalName: 'No such portal', email: 'dev@abstergo.example' },
      },
      [key('Production')],
      'FAILED',
    ),
    ...(accounts.includes('eu')
      ? [sample('token, account eu', { authType: 'token' }, [key('Production')], 'COMPLETED', 'eu')]
      : []),
  ];
}
