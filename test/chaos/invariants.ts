import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ManagedUserSnapshot, SandboxControl } from '../../workato-sandbox/sandbox-control.client';
import { eventually } from '../support/app';
import { readTopic } from '../support/kafka';
import { rest } from '../support/rest';
import { describeCounts, progress, TERMINAL_STATUSES, topicSize } from './harness';

/**
 * The one check every chaos scenario ends with, from the sandbox's own state and Postgres:
 *
 * (a) every valid event reached a terminal status (COMPLETED, FAILED, COMPENSATION_FAILED),
 *     once: one onboarding per event, none for anything else;
 * (b) no Workato resource exists twice (collections per project+name, clients per name, keys
 *     per client+name), and none exists that no onboarding asked for;
 * (c) every COMPLETED onboarding has its resources in Workato and all its key tokens
 *     retrievable: GET /v1/onboardings/:id/credentials returns each key's token equal to the
 *     sandbox's auth_token (token and OAuth 2.0 clients; a generated HMAC secret is checked too);
 * (d) every FAILED onboarding was compensated exactly: the keys and client it created are gone,
 *     what it adopted and the collections it retained are still there;
 * (e) the results topic holds exactly one outcome per onboarding per terminal attempt (keyed by
 *     onboardingId + attempt), matching the stored status.
 *
 * Violations are collected, not thrown one by one, so a failing run shows all of them.
 */
export interface InvariantContext {
  scenario: string;
  /** The database the service ran on. */
  db: DataSource;
  control: SandboxControl;
  /** A running service, for the credentials endpoint. */
  serviceUrl: string;
  resultsTopic: string;
  /** Every valid event the scenario produced (duplicates allowed). */
  eventIds: string[];
}

export interface InvariantReport {
  onboardings: number;
  byStatus: Record<string, number>;
  resultMessages: number;
  credentialsChecked: number;
  tokensCompared: number;
  compensationsChecked: number;
  violations: string[];
}

interface OnboardingRow {
  id: string;
  event_id: string;
  status: string;
  attempt: number;
  managed_user_id: string;
  request: {
    projectId: string;
    collection: { name: string };
    apiClient: {
      name: string;
      authType: string;
      jwt?: { method: string; secretProvided: boolean };
    };
    apiKeys: { name: string }[];
  };
  error: { code?: string; message?: string } | null;
}

interface StepRow {
  onboarding_id: string;
  name: string;
  kind: 'API_COLLECTION' | 'API_CLIENT' | 'API_KEY';
  status: string;
  workato_id: string | null;
  adopted: boolean;
  intent: boolean;
}

type Resource = Record<string, unknown>;

export async function assertInvariants(ctx: InvariantContext): Promise<InvariantReport> {
  const report = await checkInvariants(ctx);
  progress(
    ctx.scenario,
    `invariants: ${report.onboardings} onboardings (${describeCounts(report.byStatus)}), ` +
      `${report.resultMessages} result messages, ${report.credentialsChecked} credentials ` +
      `(${report.tokensCompared} tokens compared), ${report.compensationsChecked} compensations checked, ` +
      `${report.violations.length} violations`,
  );
  for (const v of report.violations.slice(0, 50)) progress(ctx.scenario, `VIOLATION ${v}`);
  expect(report.violations).toEqual([]);
  return report;
}

export async function checkInvariants(ctx: InvariantContext): Promise<InvariantReport> {
  const violations: string[] = [];
  const expectedEvents = new Set(ctx.eventIds);

  const onboardings: OnboardingRow[] = await ctx.db.query(
    `SELECT id, event_id, status, attempt, managed_user_id, request, error FROM onboarding`,
  );
  const steps: StepRow[] = await ctx.db.query(
    `SELECT onboarding_id, name, kind, status, workato_id, adopted,
       (intent_recorded_at IS NOT NULL) AS intent
     FROM onboarding_step ORDER BY onboarding_id, position`,
  );
  const stepsOf = new Map<string, StepRow[]>();
  for (const s of steps) stepsOf.set(s.onboarding_id, [...(stepsOf.get(s.onboarding_id) ?? []), s]);
  const byStatus: Record<string, number> = {};
  for (const o of onboardings) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;

  // (a) one terminal onboarding per valid event, nothing else.
  const byEvent = new Map<string, OnboardingRow[]>();
  for (const o of onboardings) byEvent.set(o.event_id, [...(byEvent.get(o.event_id) ?? []), o]);
  for (const eventId of expectedEvents) {
    const found = byEvent.get(eventId) ?? [];
    if (found.length !== 1)
      violations.push(`(a) event ${eventId} has ${found.length} onboardings, expected 1`);
    for (const o of found)
      if (!TERMINAL_STATUSES.includes(o.status))
        violations.push(`(a) onboarding ${o.id} (event ${eventId}) is ${o.status}, not terminal`);
  }
  for (const o of onboardings)
    if (!expectedEvents.has(o.event_id))
      violations.push(`(a) onboarding ${o.id} for unexpected event ${JSON.stringify(o.event_id)}`);

  // The sandbox's workspaces that the onboardings target.
  const state = await ctx.control.state();
  const workspaceOf = (ref: string): ManagedUserSnapshot | undefined =>
    state.managedUsers.find(
      (mu) => String(mu.id) === ref || (mu.externalId !== null && `E${mu.externalId}` === ref),
    );
  const targeted = new Map<number, ManagedUserSnapshot>();
  for (const o of onboardings) {
    const mu = workspaceOf(o.managed_user_id);
    if (mu) targeted.set(mu.id, mu);
    else violations.push(`(a) onboarding ${o.id} targets unknown workspace ${o.managed_user_id}`);
  }

  // (b) nothing twice, nothing nobody asked for.
  for (const mu of targeted.values()) {
    const owners = onboardings.filter((o) => workspaceOf(o.managed_user_id)?.id === mu.id);
    const collectionNames = new Set(
      owners.map((o) => `${o.request.projectId}/${o.request.collection.name}`),
    );
    const clientNames = new Set(owners.map((o) => o.request.apiClient.name));
    duplicates(
      mu.collections,
      (c) => `${String(c.project_id)}/${String(c.name)}`,
      `(b) workspace ${mu.id}: API collection`,
      violations,
    );
    duplicates(mu.clients, (c) => String(c.name), `(b) workspace ${mu.id}: API client`, violations);
    duplicates(
      mu.keys,
      (k) => `${String(k.api_client_id)}/${String(k.name)}`,
      `(b) workspace ${mu.id}: API key (client/name)`,
      violations,
    );
    for (const c of mu.collections)
      if (!collectionNames.has(`${String(c.project_id)}/${String(c.name)}`))
        violations.push(`(b) workspace ${mu.id}: orphan API collection ${describe(c)}`);
    for (const c of mu.clients)
      if (!clientNames.has(String(c.name)))
        violations.push(`(b) workspace ${mu.id}: orphan API client ${describe(c)}`);
    for (const k of mu.keys) {
      const client = mu.clients.find((c) => c.id === k.api_client_id);
      const owner = owners.find((o) => o.request.apiClient.name === client?.name);
      if (!owner || !owner.request.apiKeys.some((key) => key.name === k.name))
        violations.push(`(b) workspace ${mu.id}: orphan API key ${describe(k)}`);
    }
  }

  // (c) COMPLETED: resources present, credentials equal to what Workato issued.
  let credentialsChecked = 0;
  let tokensCompared = 0;
  for (const o of onboardings.filter((x) => x.status === 'COMPLETED')) {
    const mu = workspaceOf(o.managed_user_id);
    if (!mu) continue;
    const own = stepsOf.get(o.id) ?? [];
    const where = `(c) onboarding ${o.id}`;
    for (const s of own)
      if (s.status !== 'SUCCEEDED' || !s.workato_id)
        violations.push(`${where}: step ${s.name} is ${s.status} (id ${s.workato_id})`);
    const collectionStep = own.find((s) => s.kind === 'API_COLLECTION');
    const collection = mu.collections.find((c) => String(c.id) === collectionStep?.workato_id);
    if (!collection || collection.name !== o.request.collection.name)
      violations.push(`${where}: API collection ${collectionStep?.workato_id} missing in Workato`);
    const clientStep = own.find((s) => s.kind === 'API_CLIENT');
    const client = mu.clients.find((c) => String(c.id) === clientStep?.workato_id);
    if (!client || client.name !== o.request.apiClient.name) {
      violations.push(`${where}: API client ${clientStep?.workato_id} missing in Workato`);
      continue;
    }
    const credentials = await rest<{
      apiKeys?: { name: string; id: string | null; authToken: string | null }[];
      jwtSecret?: string;
    }>(ctx.serviceUrl, 'GET', `/v1/onboardings/${o.id}/credentials`);
    credentialsChecked++;
    if (credentials.status !== 200) {
      violations.push(`${where}: credentials answered HTTP ${credentials.status}`);
      continue;
    }
    const handed = credentials.body.apiKeys ?? [];
    const withTokens = ['token', 'oauth2'].includes(o.request.apiClient.authType);
    for (const wanted of o.request.apiKeys) {
      const key = handed.find((k) => k.name === wanted.name);
      const issued = mu.keys.find(
        (k) => k.api_client_id === client.id && k.name === wanted.name && String(k.id) === key?.id,
      );
      if (!key || !issued) {
        violations.push(`${where}: API key "${wanted.name}" not in Workato or not handed out`);
        continue;
      }
      if (withTokens) {
        tokensCompared++;
        if (!key.authToken || key.authToken !== issued.auth_token)
          violations.push(
            `${where}: API key "${wanted.name}" token handed out (${mask(key.authToken)}) ` +
              `is not Workato's (${mask(issued.auth_token)})`,
          );
      } else if (key.authToken !== null) {
        violations.push(
          `${where}: API key "${wanted.name}" of a ${o.request.apiClient.authType} client has a token`,
        );
      }
    }
    const jwt = o.request.apiClient.jwt;
    if (jwt?.method === 'hmac' && !jwt.secretProvided) {
      const sha = credentials.body.jwtSecret
        ? createHash('sha256').update(credentials.body.jwtSecret).digest('hex')
        : null;
      if (!sha || sha !== client.jwt_secret_sha256)
        violations.push(`${where}: generated HMAC secret handed out is not the client's`);
    }
  }

  // (d) FAILED: compensated exactly.
  let compensationsChecked = 0;
  for (const o of onboardings.filter((x) => x.status === 'FAILED')) {
    const mu = workspaceOf(o.managed_user_id);
    if (!mu) continue;
    compensationsChecked++;
    const own = stepsOf.get(o.id) ?? [];
    const where = `(d) onboarding ${o.id} (${o.error?.code ?? 'no error code'})`;
    const clientStep = own.find((s) => s.kind === 'API_CLIENT');
    const clientId = clientStep?.workato_id ?? null;
    for (const s of own) {
      if (s.status === 'COMPENSATION_FAILED' || (s.status === 'SUCCEEDED' && !s.adopted))
        violations.push(`${where}: step ${s.name} left ${s.status}`);
    }
    const collectionStep = own.find((s) => s.kind === 'API_COLLECTION');
    if (collectionStep?.workato_id) {
      if (!mu.collections.some((c) => String(c.id) === collectionStep.workato_id))
        violations.push(
          `${where}: ${collectionStep.adopted ? 'adopted' : 'retained'} API collection ${collectionStep.workato_id} is gone`,
        );
      if (!collectionStep.adopted && collectionStep.status !== 'RETAINED')
        violations.push(
          `${where}: created API collection is ${collectionStep.status}, not RETAINED`,
        );
    }
    if (clientStep?.adopted) {
      if (!mu.clients.some((c) => String(c.id) === clientId))
        violations.push(`${where}: adopted API client ${clientId} was deleted`);
      // Keys it created on someone else's client are gone; the one it conflicted with stays.
      for (const s of own.filter((x) => x.kind === 'API_KEY' && x.status === 'COMPENSATED')) {
        const name = s.name.replace(/^api_key:/, '');
        if (mu.keys.some((k) => String(k.api_client_id) === clientId && k.name === name))
          violations.push(`${where}: API key "${name}" it created on adopted client still exists`);
      }
    } else {
      const leftClients = mu.clients.filter(
        (c) => c.name === o.request.apiClient.name || (clientId && String(c.id) === clientId),
      );
      for (const c of leftClients)
        violations.push(`${where}: API client it created still exists: ${describe(c)}`);
      const leftKeys = mu.keys.filter(
        (k) =>
          (clientId && String(k.api_client_id) === clientId) ||
          own.some((s) => s.kind === 'API_KEY' && s.workato_id === String(k.id)),
      );
      for (const k of leftKeys)
        violations.push(`${where}: API key it created still exists: ${describe(k)}`);
    }
  }

  // (e) exactly one outcome message per onboarding per terminal attempt.
  const resultMessages = await checkResults(ctx, onboardings, violations);

  return {
    onboardings: onboardings.length,
    byStatus,
    resultMessages,
    credentialsChecked,
    tokensCompared,
    compensationsChecked,
    violations,
  };
}

async function checkResults(
  ctx: InvariantContext,
  onboardings: OnboardingRow[],
  violations: string[],
): Promise<number> {
  // The outbox must drain first; then the topic's end offsets say how many messages to read.
  await eventually(
    async () => {
      const rows: { n: number }[] = await ctx.db.query(
        `SELECT count(*)::int AS n FROM outbox_message WHERE published_at IS NULL`,
      );
      return rows[0].n === 0 ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250, message: `${ctx.scenario}: the outbox did not drain` },
  );
  const outbox: { onboarding_id: string; attempt: number; n: number }[] = await ctx.db.query(
    `SELECT payload->>'onboardingId' AS onboarding_id, (payload->>'attempt')::int AS attempt,
       count(*)::int AS n
     FROM outbox_message WHERE topic = $1 GROUP BY 1, 2`,
    [ctx.resultsTopic],
  );
  for (const row of outbox.filter((r) => r.n !== 1))
    violations.push(
      `(e) outbox holds ${row.n} outcomes for onboarding ${row.onboarding_id} attempt ${row.attempt}`,
    );

  const total = await topicSize(ctx.resultsTopic);
  const messages =
    total === 0 ? [] : await readTopic(ctx.resultsTopic, { count: total, timeoutMs: 60_000 });
  if (messages.length !== total)
    violations.push(`(e) read ${messages.length} of the ${total} messages on ${ctx.resultsTopic}`);

  const seen = new Map<string, { status: string; type: string; occurredAt: string }[]>();
  for (const m of messages) {
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(m.value) as Record<string, unknown>;
    } catch {
      violations.push(`(e) result message is not JSON: ${m.value.slice(0, 200)}`);
      continue;
    }
    const key = `${String(payload.onboardingId)}#${String(payload.attempt)}`;
    seen.set(key, [
      ...(seen.get(key) ?? []),
      {
        status: String(payload.status),
        type: String(payload.type),
        occurredAt: String(payload.occurredAt),
      },
    ]);
  }
  const expected = new Set<string>();
  for (const o of onboardings) {
    const terminalAttempts = TERMINAL_STATUSES.includes(o.status) ? o.attempt : o.attempt - 1;
    for (let attempt = 1; attempt <= terminalAttempts; attempt++) {
      const key = `${o.id}#${attempt}`;
      expected.add(key);
      const found = seen.get(key) ?? [];
      if (found.length === 0)
        violations.push(`(e) no outcome for onboarding ${o.id} attempt ${attempt}`);
      else if (found.length > 1)
        violations.push(
          `(e) ${found.length} outcomes for onboarding ${o.id} attempt ${attempt}: ${JSON.stringify(found)}`,
        );
      if (attempt === o.attempt && found.length > 0) {
        const type = o.status === 'COMPLETED' ? 'OnboardingCompleted' : 'OnboardingFailed';
        if (found.some((f) => f.status !== o.status || f.type !== type))
          violations.push(
            `(e) outcome of onboarding ${o.id} says ${JSON.stringify(found)}, stored status is ${o.status}`,
          );
      }
    }
  }
  for (const key of seen.keys())
    if (!expected.has(key)) violations.push(`(e) outcome for unknown onboarding attempt ${key}`);
  return messages.length;
}

function duplicates(
  items: Resource[],
  key: (item: Resource) => string,
  what: string,
  violations: string[],
): void {
  const groups = new Map<string, Resource[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  for (const [k, group] of groups)
    if (group.length > 1)
      violations.push(
        `${what} ${JSON.stringify(k)} exists ${group.length} times: ${group.map(describe).join(', ')}`,
      );
}

function describe(resource: Resource): string {
  const parts = [`id ${String(resource.id)}`, `name ${JSON.stringify(resource.name)}`];
  if (resource.api_client_id !== undefined) parts.push(`client ${String(resource.api_client_id)}`);
  if (resource.project_id !== undefined) parts.push(`project ${String(resource.project_id)}`);
  return `{${parts.join(', ')}}`;
}

function mask(token: unknown): string {
  return typeof token === 'string' && token.length > 4 ? `…${token.slice(-4)}` : String(token);
}
