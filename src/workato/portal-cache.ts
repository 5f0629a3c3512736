export interface CachedPortal {
  id: number;
  name: string;
}

interface Entry {
  portals: Promise<CachedPortal[]>;
  fetchedAt: number;
}

/**
 * A managed user's API portals, kept for a while: portals are few, change rarely, and their
 * endpoints have the tightest limit Workato publishes (60 requests a minute). A name not in the
 * list refreshes it once (the portal may be new) before it is reported missing. Concurrent
 * look-ups for one managed user share one request.
 */
export class PortalCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async find(
    managedUserId: string,
    name: string,
    fetch: () => Promise<CachedPortal[]>,
  ): Promise<CachedPortal | null> {
    let entry = this.entries.get(managedUserId);
    const stale = !entry || this.now() - entry.fetchedAt > this.ttlMs;
    if (!entry || stale) entry = this.load(managedUserId, fetch);
    const hit = (await entry.portals).find((p) => p.name === name);
    if (hit || stale) return hit ?? null;
    // A miss in a list fetched before this look-up: refresh once, unless another look-up
    // already did since.
    const current = this.entries.get(managedUserId);
    const fresher = current && current !== entry ? current : this.load(managedUserId, fetch);
    return (await fresher.portals).find((p) => p.name === name) ?? null;
  }

  private load(managedUserId: string, fetch: () => Promise<CachedPortal[]>): Entry {
    const entry: Entry = { portals: fetch(), fetchedAt: this.now() };
    this.entries.set(managedUserId, entry);
    // A failed list is not kept: the next look-up asks again.
    entry.portals.catch(() => {
      if (this.entries.get(managedUserId) === entry) this.entries.delete(managedUserId);
    });
    return entry;
  }
}
