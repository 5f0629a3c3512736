import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Pool } from 'undici';
import { OutboxRepository } from '../src/persistence/outbox.repository';
import { OnboardingRepository } from '../src/persistence/onboarding.repository';
import { startSandbox } from '../workato-sandbox/sandbox.server';
import { BenchDatabase, BenchEnvironment, statusCounts } from './bench-environment';
import { describeLogged, Log, now } from './measure';
import { Figure, figure, formatNumber } from './report';
import { BenchScale } from './scale';
import { API_TOKEN, startService } from './service';

/** Managed users the onboardings belong to. */
const MANAGED_USERS = 200;
const WARMUP_REQUESTS = 20;

/** p50 and p99 in milliseconds. */
export interface Percentiles {
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

interface SizeResult {
  rows: number;
  fillSeconds: number;
  statuses: Record<string, number>;
  stepRows: number;
  tableMiB: number;
  select1: Percentiles;
  byId: Percentiles;
  filtered: Percentiles;
  firstPage: Percentiles;
  filteredRowsMean: number;
  filteredEmptyShare: number;
  plans: Record<'byId' | 'filtered' | 'firstPage', Explained>;
  logged: Record<string, number>;
}

const KINDS = [
  { key: 'byId', name: 'GET /v1/onboardings/:id' },
  {
    key: 'filtered',
    name: 'GET /v1/onboardings?status=FAILED&managedUserId=…&limit=50',
  },
  { key: 'firstPage', name: 'GET /v1/onboardings?limit=50 (first page)' },
] as const;

/**
 * 5: status queries as the table grows. For each size a fresh database is filled with that many
 * onboardings (and their steps and audit rows) by one INSERT ... SELECT over generate_series,
 * vacuumed and analysed; then the service runs in this process with neither runner nor consumer
 * and answers, one request at a time over HTTP with an API token, GET by random id, the list
 * filtered by status and a random managed user, and the unfiltered first page, interleaved with
 * `SELECT 1` through a DataSource like the service's, the baseline.
 */
export async function benchStatusQueries(
  env: BenchEnvironment,
  scale: BenchScale,
  log: Log,
): Promise<Figure[]> {
  const topics = await env.createTopics('status', 1);
  const sandbox = await startSandbox({ port: 0, limits: 'off' });
  const results: SizeResult[] = [];
  try {
    for (const size of scale.statusQuerySizes)
      results.push(await measureSize(env, size, scale.statusQueryRequests, topics, sandbox, log));
  } finally {
    await sandbox.close().catch(() => undefined);
    await env.deleteTopics(topics);
  }

  const first = results[0];
  const growth = (r: SizeResult, kind: keyof SizeResult, p: 'p50' | 'p99') =>
    (r[kind] as Percentiles)[p] / (first[kind] as Percentiles)[p];
  log(`5: growth from ${first.rows.toLocaleString('en-US')} rows (p50 / p99):`);
  for (const kind of [...KINDS.map((k) => k.key), 'select1'] as const)
    log(
      `   ${kind.padEnd(9)} ${results
        .map(
          (r) =>
            `${r.rows.toLocaleString('en-US')}: ${ms(r[kind].p50)} / ${ms(r[kind].p99)} ms` +
            (r === first
              ? ''
              : ` (${growth(r, kind, 'p50').toFixed(1)}x / ${growth(r, kind, 'p99').toFixed(1)}x)`) +
            (kind === 'select1' ? '' : `, ${ms(r.plans[kind].executionMs)} ms in Postgres`) +
            (kind === 'filtered' ? `, ${formatNumber(r.filteredRowsMean)} rows` : ''),
        )
        .join(', ')}`,
    );

  const figures: Figure[] = [];
  for (const kind of KINDS)
    for (const r of results)
      for (const p of ['p50', 'p99'] as const)
        figures.push(
          figure({
            id: '5',
            name: `${kind.name} ${p}, ${r.rows.toLocaleString('en-US')} onboardings`,
            value: r[kind.key][p],
            unit: 'ms',
            baseline: { name: `SELECT 1 ${p}`, value: r.select1[p], unit: 'ms' },
            details: {
              rows: r.rows,
              requests: scale.statusQueryRequests,
              latencyMs: r[kind.key],
              select1Ms: r.select1,
              growthFromFirstSize: {
                rows: first.rows,
                p50: growth(r, kind.key, 'p50'),
                p99: growth(r, kind.key, 'p99'),
              },
              ...(kind.key === 'filtered'
                ? {
                    managedUsers: MANAGED_USERS,
                    rowsReturnedMean: r.filteredRowsMean,
                    emptyShare: r.filteredEmptyShare,
                  }
                : {}),
              ...(p === 'p50'
                ? {
                    postgresExecutionMs: r.plans[kind.key].executionMs,
                    explainAnalyze: r.plans[kind.key].plans,
                    fillSeconds: r.fillSeconds,
                    statuses: r.statuses,
                    stepRows: r.stepRows,
                    onboardingTableMiB: r.tableMiB,
                    serviceLogged: r.logged,
                  }
                : {}),
            },
          }),
        );
  return figures;
}

async function measureSize(
  env: BenchEnvironment,
  size: number,
  requests: number,
  topics: Awaited<ReturnType<BenchEnvironment['createTopics']>>,
  sandbox: { url: string; token: string },
  log: Log,
): Promise<SizeResult> {
  const db = await env.createDatabase(`status_${size}`, 1);
  try {
    const t = now();
    await fill(db.url, size);
    const fillSeconds = (now() - t) / 1000;
    const statuses = await statusCounts(db.dataSource);
    const [{ steps, mib }] = (await db.dataSource.query(
      `SELECT (SELECT count(*)::int FROM onboarding_step) AS steps,
              pg_total_relation_size('onboarding')::float8 / 1048576 AS mib`,
    )) as { steps: number; mib: number }[];
    log(
      `5: ${size.toLocaleString('en-US')} onboardings (${steps.toLocaleString('en-US')} steps, ` +
        `${formatNumber(Number(mib))} MiB) filled and analysed in ${fillSeconds.toFixed(1)} s`,
    );

    const ids = (
      (await db.dataSource.query('SELECT id FROM onboarding ORDER BY random() LIMIT $1', [
        requests + WARMUP_REQUESTS,
      ])) as { id: string }[]
    ).map((r) => r.id);
    const users = Array.from({ length: MANAGED_USERS }, (_, i) => managedUser(i));
    const randomUser = () => users[Math.floor(Math.random() * users.length)];
    const plans = await explain(db, users[42], ids[0]);

    const service = await startService(
      env.serviceSettings(db, topics, sandbox, {
        ONBOARDING_RUNNER_ENABLED: 'false',
        KAFKA_CONSUMER_ENABLED: 'false',
        // The bench sends thousands of requests a minute with one token.
        API_RATE_LIMIT_PER_MINUTE: '100000000',
      }),
    );
    const http = new Pool(await service.app.getUrl(), { connections: 1 });
    const headers = { authorization: `Bearer ${API_TOKEN}`, accept: 'application/json' };
    const get = async (path: string): Promise<unknown> => {
      const res = await http.request({ method: 'GET', path, headers });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${res.statusCode}: ${text}`);
      return JSON.parse(text) as unknown;
    };
    const timed = async <T>(samples: number[] | null, run: () => Promise<T>): Promise<T> => {
      const started = now();
      const result = await run();
      samples?.push(now() - started);
      return result;
    };
    const samples = { select1: [], byId: [], filtered: [], firstPage: [] } as Record<
      'select1' | 'byId' | 'filtered' | 'firstPage',
      number[]
    >;
    let filteredRows = 0;
    let filteredEmpty = 0;
    try {
      // Interleaved, so a slow moment of the (shared) machine hits every kind alike.
      for (let i = 0; i < WARMUP_REQUESTS + requests; i++) {
        const measuring = i >= WARMUP_REQUESTS;
        const keep = (list: number[]) => (measuring ? list : null);
        await timed(keep(samples.select1), () => db.dataSource.query('SELECT 1'));
        await timed(keep(samples.byId), () => get(`/v1/onboardings/${ids[i]}`));
        const page = (await timed(keep(samples.filtered), () =>
          get(
            `/v1/onboardings?status=FAILED&managedUserId=${encodeURIComponent(randomUser())}&limit=50`,
          ),
        )) as { data: unknown[] };
        if (measuring) {
          filteredRows += page.data.length;
          if (page.data.length === 0) filteredEmpty++;
        }
        const firstPage = (await timed(keep(samples.firstPage), () =>
          get('/v1/onboardings?limit=50'),
        )) as { data: unknown[] };
        if (firstPage.data.length !== Math.min(50, size))
          throw new Error(`the first page held ${firstPage.data.length} onboardings`);
      }
    } finally {
      await http.close().catch(() => undefined);
      await service.close();
    }
    const result: SizeResult = {
      rows: size,
      fillSeconds,
      statuses,
      stepRows: Number(steps),
      tableMiB: Number(mib),
      select1: percentiles(samples.select1),
      byId: percentiles(samples.byId),
      filtered: percentiles(samples.filtered),
      firstPage: percentiles(samples.firstPage),
      filteredRowsMean: filteredRows / requests,
      filteredEmptyShare: filteredEmpty / requests,
      plans,
      logged: service.logged,
    };
    log(
      `   p50 / p99 ms: SELECT 1 ${ms(result.select1.p50)} / ${ms(result.select1.p99)}, ` +
        `by id ${ms(result.byId.p50)} / ${ms(result.byId.p99)}, ` +
        `filtered ${ms(result.filtered.p50)} / ${ms(result.filtered.p99)} ` +
        `(${formatNumber(result.filteredRowsMean)} rows on average), ` +
        `first page ${ms(result.firstPage.p50)} / ${ms(result.firstPage.p99)}`,
    );
    log(
      `   inside Postgres (EXPLAIN ANALYZE, every statement of one request): ` +
        `by id ${ms(plans.byId.executionMs)} ms, filtered ${ms(plans.filtered.executionMs)} ms, ` +
        `first page ${ms(plans.firstPage.executionMs)} ms`,
    );
    log(`   filtered list: ${plans.filtered.plans.map(planSummary).join('; then ')}`);
    log(`   service warnings/errors: ${describeLogged(service.logged)}`);
    return result;
  } finally {
    await db.drop().catch(() => undefined);
  }
}

function managedUser(i: number): string {
  return `Ecust-${String(i).padStart(4, '0')}`;
}

/** EXPLAIN (ANALYZE, BUFFERS) of every statement one request runs, and their execution times. */
interface Explained {
  plans: string[];
  /** Sum of the statements' `Execution Time`: the time spent inside Postgres. */
  executionMs: number;
}

/**
 * The statements the service runs for each kind of request, taken from OnboardingRepository
 * itself: a DataSource stand-in explains each statement, then runs it and answers its rows.
 */
export async function explain(
  db: BenchDatabase,
  user: string,
  id: string,
): Promise<Record<'byId' | 'filtered' | 'firstPage', Explained>> {
  let plans: string[] = [];
  const explaining = {
    query: async (sql: string, params?: unknown[]) => {
      const rows = (await db.dataSource.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)) as {
        'QUERY PLAN': string;
      }[];
      plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
      return db.dataSource.query(sql, params);
    },
  } as unknown as DataSource;
  const repository = new OnboardingRepository(explaining, new OutboxRepository(explaining));
  const take = (): Explained => {
    const taken = plans;
    plans = [];
    return {
      plans: taken,
      executionMs: taken.reduce(
        (sum, p) => sum + Number(/Execution Time: ([\d.]+) ms/.exec(p)?.[1] ?? 0),
        0,
      ),
    };
  };
  await repository.load(id);
  await repository.audit(id);
  const byId = take();
  await repository.list({ status: 'FAILED', managedUserId: user, limit: 51 });
  const filtered = take();
  await repository.list({ limit: 51 });
  return { byId, filtered, firstPage: take() };
}

/** The plan's node lines, without their costs, and the execution time. */
function planSummary(plan: string): string {
  const nodes = plan
    .split('\n')
    .filter((l) =>
      /^\s*(->\s*)?[A-Z][A-Za-z ]+(Scan|Limit|Sort|Join|Loop|Heap|Append|And)\b/.test(l),
    )
    .map((l) =>
      l
        .replace(/\s*\(cost=.*$/, '')
        .replace(/^\s*->\s*/, '')
        .trim(),
    );
  const time = /Execution Time: ([\d.]+) ms/.exec(plan)?.[1];
  return `${nodes.join(' > ')} (${time ?? '?'} ms)`;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  return {
    p50: at(0.5),
    p99: at(0.99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    max: sorted[sorted.length - 1],
  };
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/**
 * `n` onboardings over 180 days and MANAGED_USERS managed users, with their steps, in one
 * statement; then the audit rows of the credentials retrieved and the replays. The newest 2 %
 * are still running (RECEIVED, IN_PROGRESS, COMPENSATING); the rest are 94 % COMPLETED, 5 %
 * FAILED, 1 % COMPENSATION_FAILED. `request` is what the service stores: a validated
 * CustomerOnboarded event (75 % token auth, 20 % JWT HMAC, 5 % OIDC; 20 % with a second API key),
 * and the steps, errors and Workato ids are consistent with each onboarding's status. Then
 * VACUUM (ANALYZE), so that autovacuum does not start on the new rows while they are queried.
 */
export async function fill(databaseUrl: string, n: number): Promise<void> {
  // A connection of its own: the service's DataSource stops a statement after 60 s.
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await fillWith(client, n);
  } finally {
    await client.end();
  }
}

async function fillWith(client: Client, n: number): Promise<void> {
  await client.query(
    `WITH src AS (
       SELECT g, id, event_id, managed_user_id, customer_name, project_id, auth_type, two_keys,
              status, created_at, attempt, retrieved,
              CASE WHEN status IN ('FAILED', 'COMPENSATING', 'COMPENSATION_FAILED')
                   THEN CASE WHEN status = 'COMPENSATION_FAILED' OR r_fail < 0.5
                             THEN 'api_key:Production' ELSE 'api_client' END
              END AS fail_at
       FROM (
         SELECT g, gen_random_uuid() AS id, gen_random_uuid()::text AS event_id,
                'Ecust-' || lpad(floor(random() * $2)::int::text, 4, '0') AS managed_user_id,
                'Customer ' || g AS customer_name,
                (500000 + floor(random() * 1000)::int)::text AS project_id,
                CASE WHEN r_auth < 0.75 THEN 'token' WHEN r_auth < 0.95 THEN 'jwt' ELSE 'oidc' END AS auth_type,
                random() < 0.2 AS two_keys,
                CASE WHEN g > $1 * 0.98
                     THEN CASE WHEN r_status < 0.5 THEN 'RECEIVED'
                               WHEN r_status < 0.9 THEN 'IN_PROGRESS' ELSE 'COMPENSATING' END
                     ELSE CASE WHEN r_status < 0.94 THEN 'COMPLETED'
                               WHEN r_status < 0.99 THEN 'FAILED' ELSE 'COMPENSATION_FAILED' END
                END AS status,
                now() - ($1 - g) * (interval '180 days' / $1) AS created_at,
                CASE WHEN random() < 0.03 THEN 2 ELSE 1 END AS attempt,
                random() < 0.6 AS retrieved,
                random() AS r_fail
         FROM (SELECT g, random() AS r_status, random() AS r_auth FROM generate_series(1, $1) g) s
       ) r
     ),
     ins AS (
       INSERT INTO onboarding (id, event_id, managed_user_id, customer_name, source, status, attempt,
         request, jwt_secret_ciphertext, error, next_run_at, deadline_at, lease_owner, lease_expires_at,
         credentials_retrieved_at, created_at, updated_at, finished_at)
       SELECT id, event_id, managed_user_id, customer_name,
         CASE WHEN g % 10 = 0 THEN 'http' ELSE 'kafka' END,
         status, attempt,
         jsonb_build_object(
           'eventId', event_id,
           'eventType', 'CustomerOnboarded',
           'schemaVersion', 1,
           'occurredAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'customer', jsonb_build_object('managedUserId', managed_user_id, 'name', customer_name),
           'projectId', project_id,
           'collection', jsonb_build_object('name', customer_name || ' API'),
           'apiClient', CASE auth_type
             WHEN 'token' THEN jsonb_build_object('name', customer_name, 'authType', 'token')
             WHEN 'jwt' THEN jsonb_build_object('name', customer_name, 'authType', 'jwt',
               'jwt', jsonb_build_object('method', 'hmac', 'secretProvided', false),
               'accessProfileClaim', 'tenant_role', 'requiredClaims', jsonb_build_array('sub', 'tenant'))
             ELSE jsonb_build_object('name', customer_name, 'authType', 'oidc',
               'description', 'SSO for ' || customer_name,
               'oidc', jsonb_build_object('issuer', 'https://login.example.com/' || managed_user_id),
               'allowedIssuers', jsonb_build_array('https://login.example.com/' || managed_user_id))
           END,
           'apiKeys', CASE WHEN two_keys
             THEN jsonb_build_array(
               jsonb_build_object('name', 'Production', 'active', true,
                 'ipAllowList', jsonb_build_array('203.0.113.0/24'), 'ipDenyList', jsonb_build_array()),
               jsonb_build_object('name', 'Staging', 'active', true,
                 'ipAllowList', jsonb_build_array(), 'ipDenyList', jsonb_build_array('198.51.100.7/32')))
             ELSE jsonb_build_array(
               jsonb_build_object('name', 'Production', 'active', true,
                 'ipAllowList', jsonb_build_array('203.0.113.0/24'), 'ipDenyList', jsonb_build_array()))
           END),
         CASE WHEN auth_type = 'jwt' AND NOT (status = 'COMPLETED' AND retrieved)
           THEN 'bench:' || md5(id::text) || md5(event_id) END,
         CASE WHEN fail_at IS NOT NULL THEN
           jsonb_build_object(
             'code', 'WORKATO_UNPROCESSABLE',
             'message', 'Workato answered 422 to POST ' || CASE fail_at WHEN 'api_client'
               THEN '/api/managed_users/:id/api_clients' ELSE '/api/managed_users/:id/api_keys' END,
             'retryable', false, 'step', fail_at, 'httpStatus', 422,
             'workatoMessage', 'Name has already been taken', 'method', 'POST',
             'path', '/api/managed_users/' || managed_user_id || CASE fail_at WHEN 'api_client'
               THEN '/api_clients' ELSE '/api_clients/1/api_keys' END,
             'at', to_char((created_at + interval '3 seconds') AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
           || CASE WHEN status = 'COMPENSATION_FAILED' THEN jsonb_build_object('compensation',
                jsonb_build_array(jsonb_build_object('step', 'api_client', 'workatoId', '71' || g,
                  'error', jsonb_build_object('code', 'WORKATO_SERVER_ERROR',
                    'message', 'Workato answered 503', 'retryable', true, 'httpStatus', 503))))
              ELSE '{}'::jsonb END
         END,
         created_at + CASE WHEN status IN ('RECEIVED', 'IN_PROGRESS', 'COMPENSATING')
           THEN interval '0' ELSE interval '8 seconds' END,
         created_at + interval '1 hour',
         CASE WHEN status = 'IN_PROGRESS' THEN 'bench-instance' END,
         CASE WHEN status = 'IN_PROGRESS' THEN now() + interval '30 seconds' END,
         CASE WHEN status = 'COMPLETED' AND retrieved THEN created_at + interval '5 minutes' END,
         created_at,
         created_at + interval '8 seconds',
         CASE WHEN status IN ('COMPLETED', 'FAILED', 'COMPENSATION_FAILED')
           THEN created_at + interval '8 seconds' END
       FROM src
       RETURNING id, status, request, error, created_at, credentials_retrieved_at
     )
     INSERT INTO onboarding_step (onboarding_id, name, position, kind, natural_key, status, attempts,
       compensation_attempts, intent_recorded_at, workato_id, adopted, secret_ciphertext, last_error,
       started_at, finished_at, updated_at)
     SELECT o.id, p.name, p.position, p.kind, p.natural_key, s.status,
       CASE WHEN s.status = 'FAILED' THEN 3 WHEN s.started THEN 1 ELSE 0 END,
       CASE s.status WHEN 'COMPENSATION_FAILED' THEN 5 WHEN 'COMPENSATED' THEN 1 WHEN 'RETAINED' THEN 1
         ELSE 0 END,
       CASE WHEN s.started THEN o.created_at + p.position * interval '1 second' END,
       CASE WHEN s.status IN ('SUCCEEDED', 'RETAINED', 'COMPENSATED', 'COMPENSATION_FAILED')
         THEN (1000000 + abs(hashtext(o.id::text || p.name)) % 9000000)::text END,
       false,
       CASE WHEN p.kind = 'API_KEY' AND s.status = 'SUCCEEDED' AND o.credentials_retrieved_at IS NULL
         THEN 'bench:' || md5(o.id::text) || md5(p.name || o.id::text) || md5(p.name) END,
       CASE WHEN s.status IN ('FAILED', 'COMPENSATION_FAILED') THEN o.error - 'compensation' END,
       CASE WHEN s.started THEN o.created_at + p.position * interval '1 second' END,
       CASE WHEN s.started AND s.status <> 'PENDING'
         THEN o.created_at + (p.position + 1) * interval '1 second' END,
       o.created_at + interval '8 seconds'
     FROM ins o
     CROSS JOIN LATERAL (
       SELECT 'api_collection' AS name, 0 AS position, 'API_COLLECTION' AS kind,
              'project:' || (o.request->>'projectId') || '/collection:'
                || (o.request#>>'{collection,name}') AS natural_key
       UNION ALL
       SELECT 'api_client', 1, 'API_CLIENT', 'client:' || (o.request#>>'{apiClient,name}')
       UNION ALL
       SELECT 'api_key:' || (k.key->>'name'), 1 + k.ord::int, 'API_KEY',
              'client:' || (o.request#>>'{apiClient,name}') || '/key:' || (k.key->>'name')
       FROM jsonb_array_elements(o.request->'apiKeys') WITH ORDINALITY AS k(key, ord)
     ) p
     CROSS JOIN LATERAL (
       SELECT x.status, x.status <> 'PENDING' OR (o.status = 'IN_PROGRESS' AND p.position = 1) AS started
       FROM (SELECT CASE
         WHEN o.status = 'COMPLETED' THEN 'SUCCEEDED'
         WHEN o.status = 'RECEIVED' THEN 'PENDING'
         WHEN o.status = 'IN_PROGRESS' THEN CASE WHEN p.position = 0 THEN 'SUCCEEDED' ELSE 'PENDING' END
         WHEN p.name = o.error->>'step' THEN 'FAILED'
         WHEN p.position = 0 THEN CASE WHEN o.status = 'COMPENSATING' THEN 'SUCCEEDED' ELSE 'RETAINED' END
         WHEN p.position = 1 THEN CASE o.status WHEN 'COMPENSATING' THEN 'SUCCEEDED'
           WHEN 'FAILED' THEN 'COMPENSATED' ELSE 'COMPENSATION_FAILED' END
         ELSE 'PENDING'
       END AS status) x
     ) s`,
    [n, MANAGED_USERS],
  );
  await client.query(
    `INSERT INTO onboarding_audit (onboarding_id, action, actor_role, actor_fingerprint, at)
     SELECT id, 'CREDENTIALS_RETRIEVED', 'operator', '3f9a1c0b7d2e', credentials_retrieved_at
     FROM onboarding WHERE credentials_retrieved_at IS NOT NULL
     UNION ALL
     SELECT id, 'REPLAY', 'operator', '3f9a1c0b7d2e', created_at + interval '10 minutes'
     FROM onboarding WHERE attempt > 1`,
  );
  await client.query('VACUUM (ANALYZE) onboarding, onboarding_step, onboarding_audit');
}
