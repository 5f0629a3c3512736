import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { SandboxControl } from '../../workato-sandbox/sandbox.server';
import { customerOnboarded, RSA_PUBLIC_KEY, seedWorkspace, TestWorkspace } from '../support/events';
import { RawMessage, testKafka } from '../support/kafka';
import { ROOT } from '../support/test-infrastructure';

/**
 * What the chaos scenarios share: the suite size, progress lines, a batch of varied events,
 * producing them, and waiting on Postgres until every onboarding is terminal.
 */

export type ChaosSize = 'reduced' | 'full';

function chaosSize(): ChaosSize {
  const value = process.env.CHAOS_SIZE ?? 'full';
  if (value !== 'reduced' && value !== 'full')
    throw new Error(`CHAOS_SIZE must be "reduced" or "full", not "${value}"`);
  return value;
}

export const CHAOS_SIZE: ChaosSize = chaosSize();

/** The value for the current CHAOS_SIZE. */
export function sized<T>(values: Record<ChaosSize, T>): T {
  return values[CHAOS_SIZE];
}

const RUN_STARTED = Date.now();

/**
 * A progress line, written straight to stderr so a long run shows where it is (Jest buffers
 * console.log of a test file until the file ends).
 */
export function progress(scenario: string, message: string): void {
  const clock = new Date().toISOString().slice(11, 19);
  const elapsed = ((Date.now() - RUN_STARTED) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[chaos ${clock} +${elapsed}s] ${scenario}: ${message}\n`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function randomBetween(min: number, max: number): number {
  return Math.round(min + Math.random() * (max - min));
}

/** Workspaces of the scenario's own in its sandbox. */
export async function seedWorkspaces(control: SandboxControl, count: number) {
  const workspaces: TestWorkspace[] = [];
  for (let i = 0; i < count; i++) workspaces.push(await seedWorkspace(control));
  return workspaces;
}

export interface ChaosEvent {
  /** The Kafka key: the managed user, as the partner's system would use. */
  key: string;
  eventId: string;
  body: Record<string, unknown>;
}

const keys = (...names: string[]) =>
  names.map((name, i) => ({ name, active: i === 0, ipAllowList: [], ipDenyList: [] }));

/**
 * `count` valid events spread round-robin over the workspaces, with names unique in the batch
 * and a mix of auth types, portals and key counts, so every kind of step is in flight.
 */
export function chaosEvents(
  scenario: string,
  workspaces: TestWorkspace[],
  count: number,
): ChaosEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const ws = workspaces[i % workspaces.length];
    const variant = i % 6;
    const apiClient: Record<string, unknown> = { name: `${scenario} client ${i}` };
    let apiKeys = keys('Production');
    switch (variant) {
      case 0:
        apiClient.authType = 'token';
        apiKeys = keys('Production', 'Sandbox');
        break;
      case 1:
        apiClient.authType = 'oauth2';
        apiClient.portal = { portalId: ws.magicLinkPortal.id, email: `dev${i}@chaos.example` };
        break;
      case 2:
        apiClient.authType = 'jwt';
        apiClient.jwt = { method: 'hmac' };
        apiClient.accessProfileClaim = 'tenant';
        break;
      case 3:
        apiClient.authType = 'token';
        break;
      case 4:
        apiClient.authType = 'oidc';
        apiClient.oidc = { issuer: 'https://login.chaos.example/.well-known/openid-configuration' };
        break;
      case 5:
        apiClient.authType = 'jwt';
        apiClient.jwt = { method: 'rsa', secret: RSA_PUBLIC_KEY };
        apiClient.portal = { portalName: ws.identityPortal.name, idpUserId: `idp-${i}` };
        apiKeys = [];
        break;
    }
    const body = customerOnboarded(ws, {
      collection: { name: `${scenario} collection ${i}` },
      apiClient,
      apiKeys,
    });
    return { key: ws.ref, eventId: String(body.eventId), body };
  });
}

/** Splits a list into `parts` consecutive chunks of near-equal size. */
export function split<T>(items: T[], parts: number): T[][] {
  const out: T[][] = [];
  for (let p = 0; p < parts; p++)
    out.push(
      items.slice(
        Math.floor((p * items.length) / parts),
        Math.floor(((p + 1) * items.length) / parts),
      ),
    );
  return out;
}

// The test broker's producer, shared with the other test files.
export { produce } from '../support/kafka';
export type { RawMessage } from '../support/kafka';

/** Messages in a topic: the sum over partitions of high minus low watermark. */
export async function topicSize(topic: string): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

export function asMessages(events: ChaosEvent[]): RawMessage[] {
  return events.map((e) => ({ key: e.key, value: JSON.stringify(e.body) }));
}

export const TERMINAL_STATUSES = ['COMPLETED', 'FAILED', 'COMPENSATION_FAILED'];

export type StatusCounts = Record<string, number>;

/** Onboardings of these events by status (events not yet ingested are `MISSING`). */
export async function statusCounts(db: DataSource, eventIds: string[]): Promise<StatusCounts> {
  const rows: { status: string; n: number }[] = await db.query(
    `SELECT status, count(*)::int AS n FROM onboarding WHERE event_id = ANY($1) GROUP BY status`,
    [eventIds],
  );
  const counts: StatusCounts = {};
  let found = 0;
  for (const row of rows) {
    counts[row.status] = row.n;
    found += row.n;
  }
  if (found < eventIds.length) counts.MISSING = eventIds.length - found;
  return counts;
}

export function terminalCount(counts: StatusCounts): number {
  return TERMINAL_STATUSES.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
}

export function describeCounts(counts: StatusCounts): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
}

/**
 * Polls Postgres until `done(counts)` holds, logging progress every few seconds. Errors (a
 * Postgres being restarted) are retried. Throws with the stragglers when the time is up.
 */
export async function waitForCounts(
  scenario: string,
  db: DataSource,
  eventIds: string[],
  done: (counts: StatusCounts) => boolean,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<StatusCounts> {
  const deadline = Date.now() + options.timeoutMs;
  let lastLog = 0;
  let last: StatusCounts | null = null;
  let lastError: unknown;
  for (;;) {
    try {
      last = await statusCounts(db, eventIds);
      lastError = null;
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      progress(
        scenario,
        `waiting for ${options.what}: ${last ? describeCounts(last) : 'no answer yet'}` +
          (lastError ? ` (last poll failed: ${String(lastError)})` : ''),
      );
    }
    if (Date.now() > deadline) {
      const stragglers = await db
        .query(
          `SELECT id, event_id, status, attempt, error->>'code' AS code, next_run_at, lease_owner
           FROM onboarding WHERE event_id = ANY($1) AND status <> ALL($2) LIMIT 20`,
          [eventIds, TERMINAL_STATUSES],
        )
        .catch((error: unknown) => `could not list: ${String(error)}`);
      throw new Error(
        `${scenario}: timed out after ${options.timeoutMs} ms waiting for ${options.what}; ` +
          `counts: ${last ? describeCounts(last) : 'none'}; not terminal: ${JSON.stringify(stragglers)}`,
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}

export function waitForAllTerminal(
  scenario: string,
  db: DataSource,
  eventIds: string[],
  timeoutMs: number,
): Promise<StatusCounts> {
  return waitForCounts(
    scenario,
    db,
    eventIds,
    (counts) => terminalCount(counts) === eventIds.length,
    { timeoutMs, what: `all ${eventIds.length} onboardings terminal`, intervalMs: 500 },
  );
}

/** Onboardings received but not terminal yet (received, in progress, compensating). */
export function running(counts: StatusCounts): number {
  return ['RECEIVED', 'IN_PROGRESS', 'COMPENSATING'].reduce((s, k) => s + (counts[k] ?? 0), 0);
}

/** Pids of this process's children that run the built service (Linux /proc). */
export function servicePids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('dist/src/main.js')) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids.sort((a, b) => a - b);
}

export interface LivenessReport {
  checks: number;
  failures: string[];
  /** The slowest answer, and when it was asked for. */
  slowestMs: number;
  slowestAt: string | null;
  /** The longest this (test) process's own event loop was late, so a slow answer can be told apart from a busy test process. */
  ownLagMs: number;
}

export interface LivenessMonitor {
  stop(): Promise<LivenessReport>;
}

/**
 * Polls GET /health/live until stopped; a non-200 answer, a failed request or no answer within
 * `timeoutMs` is a failure.
 */
export function monitorLiveness(url: string, intervalMs = 200, timeoutMs = 5000): LivenessMonitor {
  let running = true;
  const report: LivenessReport = {
    checks: 0,
    failures: [],
    slowestMs: 0,
    slowestAt: null,
    ownLagMs: 0,
  };
  let tick = Date.now();
  const lag = setInterval(() => {
    report.ownLagMs = Math.max(report.ownLagMs, Date.now() - tick - 50);
    tick = Date.now();
  }, 50);
  const loop = (async () => {
    while (running) {
      const at = new Date().toISOString();
      const started = Date.now();
      try {
        const res = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(timeoutMs) });
        await res.text();
        if (res.status !== 200) report.failures.push(`${at}: HTTP ${res.status}`);
      } catch (error) {
        report.failures.push(`${at}: ${String(error)}`);
      }
      const took = Date.now() - started;
      if (took > report.slowestMs) {
        report.slowestMs = took;
        report.slowestAt = at;
      }
      report.checks++;
      await sleep(intervalMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      clearInterval(lag);
      return report;
    },
  };
}

/**
 * One line per scenario run in .data/chaos-results/<run>.jsonl, the figures behind
 * docs/reliability.md.
 */
export function recordOutcome(scenario: string, outcome: Record<string, unknown>): void {
  const dir = resolve(ROOT, '.data/chaos-results');
  mkdirSync(dir, { recursive: true });
  const line = { scenario, size: CHAOS_SIZE, at: new Date().toISOString(), ...outcome };
  appendFileSync(resolve(dir, `run-${process.pid}.jsonl`), `${JSON.stringify(line)}\n`);
  progress(scenario, `outcome: ${JSON.stringify(outcome)}`);
}

/** Where ServiceProcess writes a service's output (see test/support/service-process.ts). */
export function serviceLog(name: string): string {
  return resolve(ROOT, `.data/test-logs/${name}-${process.pid}.log`);
}

export function describeLiveness(report: LivenessReport): string {
  return (
    `${report.checks} checks, ${report.failures.length} failures, slowest ${report.slowestMs} ms ` +
    `at ${report.slowestAt ?? '-'} (test process loop lag up to ${report.ownLagMs} ms)`
  );
}
