import { randomUUID } from 'node:crypto';
import { SandboxControl } from '../../workato-sandbox/sandbox.server';

let nextManagedUser = 700000 + Math.floor(Math.random() * 100000);

export interface TestWorkspace {
  id: number;
  externalId: string;
  /** The path form: E + external id. */
  ref: string;
  projectId: string;
  magicLinkPortal: { id: number; name: string };
  identityPortal: { id: number; name: string };
}

/** A managed user of this test's own in the sandbox, with a project and both kinds of portal. */
export async function seedWorkspace(control: SandboxControl): Promise<TestWorkspace> {
  const id = nextManagedUser++;
  const ws: TestWorkspace = {
    id,
    externalId: `cust-${id}`,
    ref: `Ecust-${id}`,
    projectId: String(id * 10),
    magicLinkPortal: { id: id * 10 + 1, name: `Portal ${id}` },
    identityPortal: { id: id * 10 + 2, name: `Identity portal ${id}` },
  };
  await control.seed({
    managedUsers: [
      {
        id,
        externalId: ws.externalId,
        name: `Customer ${id}`,
        projects: [{ id: Number(ws.projectId), name: `Project ${id}` }],
        portals: [
          { id: ws.magicLinkPortal.id, name: ws.magicLinkPortal.name, kind: 'magic_link' },
          { id: ws.identityPortal.id, name: ws.identityPortal.name, kind: 'identity' },
        ],
      },
    ],
  });
  return ws;
}

export type EventOverrides = {
  apiClient?: Record<string, unknown>;
  apiKeys?: Record<string, unknown>[];
  collection?: { name: string };
  eventId?: string;
};

/** A valid CustomerOnboarded event for a workspace; apiClient fields are merged over a token client. */
export function customerOnboarded(
  ws: TestWorkspace,
  overrides: EventOverrides = {},
): Record<string, unknown> {
  return {
    eventId: overrides.eventId ?? randomUUID(),
    eventType: 'CustomerOnboarded',
    schemaVersion: 1,
    occurredAt: '2026-11-22T10:00:00Z',
    customer: { managedUserId: ws.ref, name: `Customer ${ws.id}` },
    projectId: ws.projectId,
    collection: overrides.collection ?? { name: `Customer ${ws.id} API` },
    apiClient: { name: `Customer ${ws.id}`, authType: 'token', ...(overrides.apiClient ?? {}) },
    apiKeys: overrides.apiKeys ?? [
      { name: 'Production', active: true, ipAllowList: ['8.8.8.8/24'], ipDenyList: [] },
    ],
  };
}

export const RSA_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4ngjihh5hXDRe0c1qPNc
rF7RIoAG/iNZXruTspeX8e2auMBXTwVI0sLgwUo26lMXCRAvC004JWKugzh1UHXY
sjmtwZFRznqhb/ojJDi785+zbmVNLWmbIB/ChBUyckBSExsmR0nOpQhiW0przr2J
cQIDAQAB
-----END PUBLIC KEY-----`;
