import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

/**
 * `npm run demo`: sends sample onboardings (every auth type, and one that fails and is
 * compensated) to a running service (`npm start`), through Kafka when a broker answers, else
 * over HTTP, and shows their progress until every one is terminal.
 */
const base = process.env.DEMO_URL ?? `http://localhost:${process.env.HTTP_PORT ?? 3000}`;
const dataDir = resolve(process.env.DATA_DIR ?? './.data');
const token =
  process.env.API_TOKEN ??
  (existsSync(resolve(dataDir, 'dev-api-token'))
    ? readFileSync(resolve(dataDir, 'dev-api-token'), 'utf8').trim()
    : '');
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const topic = process.env.KAFKA_TOPIC_ONBOARDED ?? 'partner.customer-onboarded';
interface OnboardingSummary {
  id: string;
  status: string;
  error: { code: string } | null;
  steps: { name: string; status: string }[];
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'COMPENSATION_FAILED']);

const run = randomUUID().slice(0, 6);
const key = (name: string) => ({ name, active: true, ipAllowList: [], ipDenyList: [] });

function event(label: string, apiClient: Record<string, unknown>, apiKeys = [key('Production')]) {
  return {
    label,
    body: {
      eventId: randomUUID(),
      eventType: 'CustomerOnboarded',
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      customer: { managedUserId: 'E12345', name: 'Abstergo Industries' },
      projectId: '523144',
      collection: { name: `Demo ${run} ${label}` },
      apiClient: { name: `Demo ${run} ${label}`, ...apiClient },
      apiKeys,
    },
  };
}

const SAMPLES = [
  event(
    'token + portal',
    { authType: 'token', portal: { portalName: 'IDEA Lifestyle', email: 'dev@abstergo.example' } },
    [key('Production'), key('Staging')],
  ),
  event('jwt hmac', { authType: 'jwt', jwt: { method: 'hmac' } }, []),
  event('oauth2', { authType: 'oauth2' }),
  event('oidc issuer', {
    authType: 'oidc',
    oidc: { issuer: 'https://login.abstergo.example/.well-known/openid-configuration' },
  }),
  event('oidc jwks', {
    authType: 'oidc',
    oidc: { jwksUri: 'https://login.abstergo.example/jwks.json' },
  }),
  // Fails for good (no such portal) after the collection was created: it is compensated.
  event('fails: unknown portal', {
    authType: 'token',
    portal: { portalName: 'No such portal', email: 'dev@abstergo.example' },
  }),
];

async function http(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return {
    status: res.status,
    json: (await res.json().catch(() => ({}))) as Record<string, unknown>,
  };
}

function brokerUp(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((r) => {
    const socket = connect({ host, port: Number(port), timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), r(true)));
    socket.once('error', () => r(false));
    socket.once('timeout', () => (socket.destroy(), r(false)));
  });
}

async function main(): Promise<void> {
  const health = await fetch(`${base}/health/live`).catch(() => null);
  if (!health?.ok) throw new Error(`no service at ${base}: start it with npm start`);
  const viaKafka = await brokerUp(brokers[0]);
  console.log(
    `Sending ${SAMPLES.length} onboardings ${viaKafka ? `to Kafka topic ${topic}` : `over HTTP (${base})`}`,
  );
  if (viaKafka) {
    const producer = new Kafka({
      clientId: 'demo',
      brokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: SAMPLES.map((s) => ({ key: 'E12345', value: JSON.stringify(s.body) })),
    });
    await producer.disconnect();
  } else {
    for (const s of SAMPLES) {
      const res = await http('POST', '/v1/onboardings', s.body);
      if (res.status >= 300)
        throw new Error(`POST /v1/onboardings answered ${res.status}: ${JSON.stringify(res.json)}`);
    }
  }

  const deadline = Date.now() + 120_000;
  let rows: { label: string; status: string; id: string; detail: string }[];
  for (;;) {
    rows = [];
    for (const s of SAMPLES) {
      const list = await http('GET', `/v1/onboardings?eventId=${s.body.eventId}`);
      const o = (list.json.data as OnboardingSummary[] | undefined)?.[0];
      const steps = (o?.steps ?? []) as { name: string; status: string }[];
      rows.push({
        label: s.label,
        status: o?.status ?? 'waiting',
        id: o?.id ?? '',
        detail: o?.error
          ? `${o.error.code}`
          : steps.map((st) => `${st.name}=${st.status}`).join(' '),
      });
    }
    process.stdout.write(
      `\r${rows.map((r) => `${r.label}: ${r.status}`).join(' | ')}`.slice(0, 200).padEnd(200),
    );
    if (rows.every((r) => TERMINAL.has(r.status)) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log('\n');
  console.table(
    rows.map((r) => ({ onboarding: r.label, status: r.status, id: r.id, detail: r.detail })),
  );
  console.log(
    `Inspect one: curl -H "authorization: Bearer $API_TOKEN" ${base}/v1/onboardings/<id>`,
  );
}

main().catch((error) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
