import { DEV_SECRETS } from '../platform/secrets/dev-secrets';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { DemoApiClient, DemoError, OnboardingView, TokenSource } from './demo-api.client';
import { DEMO_MANAGED_USER_ID, demoSamples, DemoSample } from './demo.samples';
import {
  DemoRow,
  fit,
  progressLine,
  SCREEN_WIDTH,
  summaryLines,
  TERMINAL_STATUSES,
  wrap,
} from './demo.view';

/**
 * `npm run demo`: sends sample onboardings (every auth type, and one that fails and is
 * compensated) to a running service (`npm start` or `docker compose up`), through Kafka when the
 * service reads Kafka and a broker answers at KAFKA_BROKERS, else over HTTP, and shows their
 * progress until every one is terminal. One list call per second watches all of them, well under
 * the service's per-token limit (API_RATE_LIMIT_PER_MINUTE, 600 by default).
 */
const base = (process.env.DEMO_URL ?? `http://localhost:${process.env.HTTP_PORT ?? 3000}`).replace(
  /\/+$/,
  '',
);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const topic = process.env.KAFKA_TOPIC_ONBOARDED ?? 'partner.customer-onboarded';

const POLL_INTERVAL_MS = 1000;
const DEADLINE_MS = 120_000;
/** Through Kafka, none arrived after this: the service reads another broker or topic. */
const KAFKA_SILENCE_MS = 30_000;
/** Onboardings created this long before the demo started cannot be the demo's (clock skew). */
const CLOCK_SLACK_MS = 60_000;
const PAGE_SIZE = 50;
/** Pages read in one round at most, when others flood the demo's managed user. */
const MAX_PAGES = 4;

const tty = process.stdout.isTTY === true;
const width = Math.min(SCREEN_WIDTH, tty && process.stdout.columns ? process.stdout.columns : 80);

/** In a terminal, the progress line is rewritten in place: end it before printing anything else. */
let progressShown = false;
function endProgress(): void {
  if (progressShown) process.stdout.write('\n');
  progressShown = false;
}

function say(text = ''): void {
  endProgress();
  for (const line of wrap(text, width)) process.stdout.write(`${line}\n`);
}

function apiToken(): { token: string; source: TokenSource } {
  if (process.env.API_TOKEN) return { token: process.env.API_TOKEN, source: { kind: 'env' } };
  const file = DEV_SECRETS.apiToken(resolve(process.env.DATA_DIR ?? './.data'));
  if (existsSync(file))
    return { token: readFileSync(file, 'utf8').trim(), source: { kind: 'file', file } };
  return { token: '', source: { kind: 'none', file } };
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

/** Sends the samples through Kafka or over HTTP. */
async function send(api: DemoApiClient, samples: DemoSample[], viaKafka: boolean): Promise<void> {
  if (viaKafka) {
    const producer = new Kafka({
      clientId: 'demo',
      brokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: samples.map((s) => ({ key: DEMO_MANAGED_USER_ID, value: JSON.stringify(s.body) })),
    });
    await producer.disconnect();
  } else {
    for (const s of samples) await api.ingest(s.body);
  }
}

/**
 * One round of watching: the newest onboardings of the demo's managed user, in one list call
 * (more pages only when over PAGE_SIZE onboardings of that user are newer than the demo).
 */
async function observe(
  api: DemoApiClient,
  eventIds: Set<string>,
  since: number,
): Promise<Map<string, OnboardingView>> {
  const seen = new Map<string, OnboardingView>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { data, nextCursor } = await api.list({
      managedUserId: DEMO_MANAGED_USER_ID,
      limit: PAGE_SIZE,
      cursor,
    });
    for (const o of data) if (eventIds.has(o.eventId)) seen.set(o.eventId, o);
    const oldest = data[data.length - 1];
    if (seen.size === eventIds.size || !nextCursor || !oldest) break;
    if (Date.parse(oldest.createdAt) < since - CLOCK_SLACK_MS) break;
    cursor = nextCursor;
  }
  return seen;
}

async function main(): Promise<void> {
  const { token, source } = apiToken();
  const api = new DemoApiClient(base, token, source, say);

  const readiness = await api.readiness();
  if (!readiness.ready)
    throw new DemoError(`The service at ${base} is not ready.`, [
      ...readiness.down.map((d) => `down: ${d}`),
      'Wait for GET /health/ready to answer 200, then run the demo again.',
    ]);
  // Checks the token before sending anything, so a wrong one stops the demo at once.
  await api.list({ managedUserId: DEMO_MANAGED_USER_ID, limit: 1 });

  const samples = demoSamples(undefined, readiness.accounts);
  const viaKafka = readiness.kafka && (await brokerUp(brokers[0]));
  say(
    `Sending ${samples.length} onboardings ${viaKafka ? `to Kafka topic ${topic} (${brokers.join(',')})` : `over HTTP to ${base}`}`,
  );
  if (readiness.kafka && !viaKafka)
    say(`(the service reads Kafka, but no broker answers at ${brokers[0]}: set KAFKA_BROKERS)`);
  const started = Date.now();
  await send(api, samples, viaKafka);

  const eventIds = new Set(samples.map((s) => s.body.eventId));
  let rows: DemoRow[];
  let printed = '';
  for (;;) {
    const seen = await observe(api, eventIds, started);
    rows = samples.map((s) => {
      const o = seen.get(s.body.eventId);
      return {
        label: s.label,
        expected: s.expected,
        status: o?.status ?? 'waiting',
        id: o?.id ?? null,
        error: o?.error ?? null,
        steps: o?.steps ?? [],
      };
    });
    const elapsed = Date.now() - started;
    const line = progressLine(rows, elapsed, width);
    if (tty) {
      process.stdout.write(`\r\x1b[K${line}`);
      progressShown = true;
    } else {
      // Piped: a line only when something changed (not for the clock alone).
      const state = line.replace(/^\[[ \d]+s\] /, '');
      if (state !== printed) process.stdout.write(`${line}\n`);
      printed = state;
    }
    const done = rows.every((r) => TERMINAL_STATUSES.has(r.status));
    if (done) break;
    if (viaKafka && seen.size === 0 && elapsed > KAFKA_SILENCE_MS)
      throw new DemoError(
        `None of the onboardings sent to Kafka reached the service in ${KAFKA_SILENCE_MS / 1000} s.`,
        [
          `Does it read topic ${topic} on the broker at ${brokers.join(',')}?`,
          'Set KAFKA_BROKERS and KAFKA_TOPIC_ONBOARDED as the service has them.',
        ],
      );
    if (elapsed > DEADLINE_MS) break;
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
  say();
  for (const line of summaryLines(rows, width)) process.stdout.write(`${line}\n`);
  say();
  const pending = rows.filter((r) => !TERMINAL_STATUSES.has(r.status)).length;
  const unexpected = rows.filter((r) => r.status !== r.expected).length;
  if (pending === 0)
    say(
      unexpected === 0
        ? `All ${rows.length} finished as expected in ${((Date.now() - started) / 1000).toFixed(1)} s.`
        : `${unexpected} of ${rows.length} did not end as the demo expects (see above).`,
    );
  process.stdout.write(
    [
      'Inspect one:',
      fit(`  curl -H "authorization: Bearer $API_TOKEN" \\`, width),
      fit(`    ${base}/v1/onboardings/<id>`, width),
      '',
    ].join('\n'),
  );
  if (pending > 0)
    throw new DemoError(
      `${pending} of ${rows.length} onboardings did not finish in ${DEADLINE_MS / 1000} s.`,
      ['Follow them with the curl above; the service log says what holds them.'],
    );
  if (unexpected > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  endProgress();
  const lines =
    error instanceof DemoError
      ? [
          ...wrap(`demo failed: ${error.message}`, width, '  '),
          ...error.hints.flatMap((h) => wrap(h, width, '  ', '  ')),
        ]
      : wrap(`demo failed: ${error instanceof Error ? error.message : String(error)}`, width, '  ');
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(1);
});
