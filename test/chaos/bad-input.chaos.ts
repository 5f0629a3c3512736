import { existsSync, readFileSync } from 'node:fs';
import { createTestEnvironment, TestEnvironment } from '../support/app';
import { readTopic } from '../support/kafka';
import { ServiceProcess } from '../support/service-process';
import { BadMessage, badMessages, hostileValidEvents } from './bad-input.corpus';
import {
  chaosEvents,
  describeLiveness,
  describeCounts,
  LivenessMonitor,
  monitorLiveness,
  produce,
  progress,
  RawMessage,
  recordOutcome,
  seedWorkspaces,
  serviceLog,
  servicePids,
  sized,
  statusCounts,
  terminalCount,
  waitForCounts,
} from './harness';
import { assertInvariants } from './invariants';

const SCENARIO = 'bad-input';
const SIZE = sized({
  reduced: { plainValid: 6, copies: 1, timeoutMs: 60_000 },
  full: { plainValid: 30, copies: 3, timeoutMs: 150_000 },
});
const LABEL = 'x-chaos-bad';

/**
 * A corpus of malformed messages (bad JSON, wrong types, missing and extra fields, huge
 * strings, deep nesting, wrong schemaVersion, hostile strings, prototype-pollution keys)
 * interleaved with valid events, some of them with hostile but allowed names. Every bad one
 * must reach the DLQ with a `dlq-reason`, every valid one must complete, and the service
 * process must never restart: same pid, /health/live answering throughout.
 */
describe('chaos: malformed and hostile input', () => {
  let env: TestEnvironment;
  let service: ServiceProcess | null = null;
  let liveness: LivenessMonitor | null = null;

  beforeAll(async () => {
    env = await createTestEnvironment('chaos-bad');
  });

  afterAll(async () => {
    await liveness?.stop();
    await service?.kill();
    await env?.close();
  });

  it('dead-letters every bad message and completes every valid one, without a restart', async () => {
    const started = Date.now();
    const workspaces = await seedWorkspaces(env.control, 3);
    // The corpus, `copies` times over, each copy keyed by another workspace (so partition).
    const bad: (BadMessage & { key: string })[] = [];
    for (let copy = 0; copy < SIZE.copies; copy++) {
      const ws = workspaces[copy % workspaces.length];
      bad.push(...badMessages(ws).map((m) => ({ ...m, key: ws.ref })));
    }
    const hostile = hostileValidEvents(workspaces[0], 'Hostile');
    const plain = chaosEvents(SCENARIO, workspaces.slice(1), SIZE.plainValid);
    const cloudEvents = chaosEvents(`${SCENARIO} ce`, workspaces.slice(1), 2).map((e) => {
      const { eventId, ...data } = e.body;
      return {
        ...e,
        body: {
          specversion: '1.0',
          type: 'com.partner.CustomerOnboarded',
          source: '/partner/chaos',
          id: eventId,
          data,
        },
      };
    });
    const valid = [
      ...hostile.map((h) => ({ key: workspaces[0].ref, eventId: h.eventId, body: h.body })),
      ...plain,
      ...cloudEvents,
    ];
    const eventIds = valid.map((v) => v.eventId);

    // Interleaved through the whole stream: a valid one after every few bad ones.
    const messages: RawMessage[] = [];
    const every = Math.ceil(bad.length / valid.length);
    let v = 0;
    bad.forEach((m, i) => {
      messages.push({ key: m.key, value: m.value, headers: { [LABEL]: String(i) } });
      if (i % every === 0 && v < valid.length)
        messages.push({ key: valid[v].key, value: JSON.stringify(valid[v++].body) });
    });
    for (; v < valid.length; v++)
      messages.push({ key: valid[v].key, value: JSON.stringify(valid[v].body) });

    service = await ServiceProcess.create(
      { ...env.env, ONBOARDING_LEASE_SECONDS: '3', LOG_LEVEL: 'warn' },
      'chaos-bad',
    );
    await service.start();
    const pids = servicePids();
    expect(pids).toHaveLength(1);
    progress(
      SCENARIO,
      `${bad.length} bad and ${valid.length} valid messages; service pid ${pids[0]}; log ${serviceLog('chaos-bad')}`,
    );
    liveness = monitorLiveness(service.url, 100);
    await produce(env.topics.onboarded, messages);

    // Bounded waits; on a timeout, say exactly what is missing.
    const problems: string[] = [];
    const counts = await waitForCounts(
      SCENARIO,
      env.database.dataSource,
      eventIds,
      (c) => terminalCount(c) === eventIds.length,
      { timeoutMs: SIZE.timeoutMs, what: `all ${eventIds.length} valid onboardings terminal` },
    ).catch(async (error: unknown) => {
      problems.push(String(error));
      return statusCounts(env.database.dataSource, eventIds);
    });
    if ((counts.COMPLETED ?? 0) !== eventIds.length)
      problems.push(
        `valid events: ${describeCounts(counts)} (all ${eventIds.length} should be COMPLETED)`,
      );

    const dead = await readTopic(env.topics.dlq, {
      count: bad.length,
      timeoutMs: problems.length > 0 ? 15_000 : SIZE.timeoutMs,
    });
    const labels = new Map(dead.map((m) => [m.headers[LABEL], m]));
    for (const [i, m] of bad.entries()) {
      const found = labels.get(String(i));
      if (!found) {
        problems.push(`bad message ${i} (${m.label}) never reached the DLQ`);
        continue;
      }
      const original = m.value === null ? '' : Buffer.from(m.value).toString();
      if (found.value !== original)
        problems.push(`bad message ${i} (${m.label}): DLQ value differs`);
      const reason = found.headers['dlq-reason'] ?? '';
      if (!m.reason.test(reason))
        problems.push(
          `bad message ${i} (${m.label}): dlq-reason ${JSON.stringify(reason.slice(0, 300))} does not match ${m.reason}`,
        );
    }
    if (dead.length !== bad.length)
      problems.push(`the DLQ holds ${dead.length} messages, expected ${bad.length}`);

    const alive = await liveness.stop();
    liveness = null;
    if (service.exitCode !== null) problems.push(`the service exited with ${service.exitCode}`);
    if (JSON.stringify(servicePids()) !== JSON.stringify(pids))
      problems.push(
        `service pids changed: ${JSON.stringify(pids)} -> ${JSON.stringify(servicePids())}`,
      );
    for (const f of alive.failures.slice(0, 10)) problems.push(`/health/live failed at ${f}`);
    progress(SCENARIO, `liveness: ${describeLiveness(alive)}`);

    if (problems.length > 0) {
      const ready = await fetch(`${service.url}/health/ready`).then((r) => r.status, String);
      problems.push(`(evidence) GET /health/ready answers ${ready}`);
      problems.push(...evidence(serviceLog('chaos-bad')));
      for (const p of problems) progress(SCENARIO, `PROBLEM ${p}`);
    }
    expect(problems).toEqual([]);

    const report = await assertInvariants({
      scenario: SCENARIO,
      db: env.database.dataSource,
      control: env.control,
      serviceUrl: service.url,
      resultsTopic: env.topics.results,
      eventIds,
    });
    recordOutcome(SCENARIO, {
      durationMs: Date.now() - started,
      badMessages: bad.length,
      deadLettered: dead.length,
      validMessages: valid.length,
      onboardings: report.onboardings,
      byStatus: report.byStatus,
      liveness: { checks: alive.checks, slowestMs: alive.slowestMs },
      resultMessages: report.resultMessages,
      tokensCompared: report.tokensCompared,
    });
  });
});

/** Consumer and dead-letter errors from the service log, to show why something is missing. */
function evidence(logFile: string): string[] {
  if (!existsSync(logFile)) return [];
  const seen = new Map<string, number>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const match =
      /Maximum call stack|Error when calling eachMessage|Crash: [^"]*|dead-letter[^"]*/.exec(line);
    if (match) seen.set(match[0], (seen.get(match[0]) ?? 0) + 1);
  }
  return [...seen].map(([text, n]) => `(evidence) service log: ${n} x ${JSON.stringify(text)}`);
}
