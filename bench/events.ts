import { randomBytes } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { SandboxControl, SandboxSeed } from '../workato-sandbox/sandbox.server';

/** A customer workspace (managed user) in the sandbox, with a project. */
export interface BenchWorkspace {
  id: number;
  /** The path form: E + external id. */
  ref: string;
  projectId: string;
  /** A magic-link API portal of the workspace, when seeded with one. */
  portalName?: string;
}

let nextManagedUser = 800000 + Math.floor(Math.random() * 100000);

/**
 * Seeds `count` managed users with one project each (and a magic-link portal with `portal`), in
 * one control call per 500.
 */
export async function seedWorkspaces(
  control: SandboxControl,
  count: number,
  options: { portal?: boolean } = {},
): Promise<BenchWorkspace[]> {
  const all: BenchWorkspace[] = [];
  for (let start = 0; start < count; start += 500) {
    const batch: BenchWorkspace[] = [];
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const id = nextManagedUser++;
      batch.push({
        id,
        ref: `Ebench-${id}`,
        projectId: String(id * 10),
        ...(options.portal ? { portalName: `Portal ${id}` } : {}),
      });
    }
    const seed: SandboxSeed = {
      managedUsers: batch.map((ws) => ({
        id: ws.id,
        externalId: ws.ref.slice(1),
        name: `Bench customer ${ws.id}`,
        projects: [{ id: Number(ws.projectId), name: `Project ${ws.id}` }],
        portals: ws.portalName
          ? [{ id: ws.id * 10 + 1, name: ws.portalName, kind: 'magic_link' as const }]
          : [],
      })),
    };
    await control.seed(seed);
    all.push(...batch);
  }
  return all;
}

/** Workspaces that exist nowhere: enough for ingestion, which never calls Workato. */
export function unseededWorkspaces(count: number): BenchWorkspace[] {
  return Array.from({ length: count }, () => {
    const id = nextManagedUser++;
    return { id, ref: `Ebench-${id}`, projectId: String(id * 10) };
  });
}

/**
 * A valid CustomerOnboarded event (token auth, one API key), with names that are distinct per
 * `index` so no two onboardings share a collection or client. With `portal`, the client is
 * assigned to the workspace's portal by its name (magic link, an email per onboarding).
 */
export function customerOnboarded(
  runTag: string,
  index: number,
  ws: BenchWorkspace,
  options: { portal?: boolean } = {},
): Record<string, unknown> {
  const portal =
    options.portal && ws.portalName
      ? { portal: { portalName: ws.portalName, email: `dev-${runTag}-${index}@example.com` } }
      : {};
  return {
    eventId: `bench-${runTag}-${index}`,
    eventType: 'CustomerOnboarded',
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    customer: { managedUserId: ws.ref, name: `Bench customer ${index}` },
    projectId: ws.projectId,
    collection: { name: `Bench ${runTag} customer ${index} API` },
    apiClient: { name: `Bench ${runTag} customer ${index}`, authType: 'token', ...portal },
    apiKeys: [{ name: 'Production', active: true, ipAllowList: ['8.8.8.8/24'], ipDenyList: [] }],
  };
}

export function runTag(): string {
  return randomBytes(3).toString('hex');
}

/** Produces the events to `topic` keyed by managed user id (as partners do), 500 per batch. */
export async function produceEvents(
  kafka: Kafka,
  topic: string,
  events: Record<string, unknown>[],
): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let start = 0; start < events.length; start += 500) {
      await producer.send({
        topic,
        messages: events.slice(start, start + 500).map((event) => ({
          key: String((event.customer as { managedUserId: string }).managedUserId),
          value: JSON.stringify(event),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}
