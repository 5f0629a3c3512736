import { randomUUID } from 'node:crypto';
import { ConsoleReadRepository } from '../../src/console/console-read.repository';
import {
  DEAD_LETTERS_KEPT,
  DeadLetterLogRepository,
} from '../../src/console/dead-letter-log.repository';
import { MessageDeadLettered } from '../../src/onboarding/intake/dead-letter.producer';
import {
  createTestEnvironment,
  eventually,
  OPERATOR_TOKEN,
  startTestApp,
  TestApp,
  TestEnvironment,
  VIEWER_TOKEN,
} from '../support/app';
import { customerOnboarded, seedWorkspace } from '../support/events';
import { testKafka } from '../support/kafka';
import { rest, waitForTerminal } from '../support/rest';
import { onboard as onboardOne } from './onboardings';
import { openStream } from './sse';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API views are checked field by field
type View = Record<string, any>;

describe('console API', () => {
  let env: TestEnvironment;
  let service: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('consoleapi');
    service = await startTestApp(env.env);
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  afterEach(() => env.control.clearFaults());

  const onboard = (name: string, options: { fail?: boolean } = {}) =>
    onboardOne(env, service, name, options);

  const list = (query: string) =>
    rest<View>(service.url, 'GET', `/v1/console/onboardings?${query}`);
  const ids = (res: { body: View }) => (res.body.data as View[]).map((r) => r.id);

  it('filters by customer id or name, search, account and time range', async () => {
    const tag = randomUUID().slice(0, 8);
    const a = await onboard(`Acme ${tag}`);
    const b = await onboard(`Globex ${tag}`);
    expect(ids(await list(`q=${tag}`))).toEqual([b.id, a.id]);
    expect(ids(await list(`q=acme%20${tag}`))).toEqual([a.id]);
    expect(ids(await list(`q=${a.eventId}`))).toEqual([a.id]);
    expect(ids(await list(`customer=${b.customer.managedUserId}`))).toEqual([b.id]);
    expect(ids(await list(`customer=globex%20${tag}`))).toEqual([b.id]);
    expect(ids(await list(`q=${tag}&workatoAccount=default&status=COMPLETED`))).toEqual([
      b.id,
      a.id,
    ]);
    expect(ids(await list(`q=${tag}&workatoAccount=other`))).toEqual([]);
    expect(ids(await list(`q=${tag}&from=${encodeURIComponent(b.createdAt)}`))).toEqual([b.id]);
    expect(ids(await list(`q=${tag}&to=${encodeURIComponent(b.createdAt)}`))).toEqual([a.id]);
    // Pattern characters are taken literally.
    expect(ids(await list(`q=${tag}%25`))).toEqual([]);
    const first = await list(`q=${tag}&limit=1`);
    expect(ids(first)).toEqual([b.id]);
    expect(first.body.data[0]).toMatchObject({
      kind: 'onboarding',
      status: 'COMPLETED',
      customer: { name: `Globex ${tag}` },
      steps: { done: 3, total: 3 },
      error: null,
    });
    expect(ids(await list(`q=${tag}&limit=1&cursor=${first.body.nextCursor}`))).toEqual([a.id]);
  });

  it('answers a bad query with 400 naming each field', async () => {
    const res = await list('from=yesterday&limit=0&status=DONE&colour=red');
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: View) => i.path).sort()).toEqual([
      '(root)',
      'from',
      'limit',
      'status',
    ]);
    expect(res.body.message).toMatch(/^invalid query: /);
    expect(res.body.message).toContain('from must be an ISO 8601 date-time');
    expect((await list('cursor=nonsense')).body.issues).toEqual([
      { path: 'cursor', message: 'is not one this API returned' },
    ]);
  });

  it('shows the event as received with every secret redacted, and the audit trail', async () => {
    const ws = await seedWorkspace(env.control);
    const secret = 'hmac-secret-that-must-not-show-0123456789';
    const event = customerOnboarded(ws, {
      apiClient: { authType: 'jwt', jwt: { method: 'hmac', secret } },
    });
    expect((await rest(service.url, 'POST', '/v1/onboardings', event)).status).toBe(202);
    const done = await waitForTerminal(service.url, String(event.eventId));
    const detail = await rest<View>(
      service.url,
      'GET',
      `/v1/console/onboardings/${done.id}`,
      undefined,
      {
        authorization: `Bearer ${VIEWER_TOKEN}`,
      },
    );
    expect(detail.status).toBe(200);
    expect(JSON.stringify(detail.body)).not.toContain(secret);
    expect(detail.body.event).toMatchObject({
      eventId: event.eventId,
      apiClient: { authType: 'jwt' },
    });
    expect(detail.body.onboarding).toMatchObject({
      id: done.id,
      audit: [],
      steps: expect.any(Array),
    });
    expect((await rest(service.url, 'GET', `/v1/console/onboardings/${randomUUID()}`)).status).toBe(
      404,
    );
    expect((await rest(service.url, 'GET', '/v1/console/onboardings/not-a-uuid')).status).toBe(400);
  });

  describe('bulk replay', () => {
    const bulk = (body: unknown, token = OPERATOR_TOKEN) =>
      rest<View>(service.url, 'POST', '/v1/onboardings/replay', body, {
        authorization: `Bearer ${token}`,
      });

    it('previews, refuses a run that would cover more than was previewed, then replays within the limit', async () => {
      const tag = `bulk-${randomUUID().slice(0, 8)}`;
      const failed = [
        await onboard(`${tag} 1`, { fail: true }),
        await onboard(`${tag} 2`, { fail: true }),
      ];
      await onboard(`${tag} ok`);
      await env.control.clearFaults();

      const preview = await bulk({ filter: { q: tag }, dryRun: true });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({ dryRun: true, matched: 2, limit: 100, replayed: [] });
      expect(preview.body.ids.sort()).toEqual(failed.map((f) => f.id).sort());

      const stale = await bulk({ filter: { q: tag }, dryRun: false, expectedCount: 1 });
      expect(stale.status).toBe(409);
      expect(stale.body.message).toContain('matches 2 onboardings now, more than the 1 previewed');

      const one = await bulk({ filter: { q: tag }, dryRun: false, limit: 1, expectedCount: 2 });
      expect(one.status).toBe(202);
      expect(one.body).toMatchObject({ matched: 2, replayed: [failed[0].id], notReplayed: [] });
      const rest1 = await bulk({ filter: { q: tag, status: 'FAILED' }, dryRun: false });
      expect(rest1.status).toBe(202);
      expect(rest1.body.replayed).toEqual([failed[1].id]);

      for (const f of failed) {
        const view = await waitForTerminal(service.url, f.eventId);
        expect(view).toMatchObject({ status: 'COMPLETED', attempt: 2 });
        expect(view.audit).toEqual([
          expect.objectContaining({ action: 'REPLAY', actorRole: 'operator' }),
        ]);
      }
      expect((await bulk({ filter: { q: tag }, dryRun: true })).body.matched).toBe(0);
    });

    it('answers bad requests with 400 naming the field, 415 for another type, 403 for a viewer', async () => {
      const cases: [unknown, string[]][] = [
        [{ filter: {} }, ['dryRun']],
        [{ filter: { status: 'COMPLETED' }, dryRun: true }, ['filter.status']],
        [{ dryRun: true, limit: 101 }, ['limit']],
        [{ dryRun: true, filter: { from: 'monday' } }, ['filter.from']],
        [{ dryRun: 'yes', everything: true }, ['(root)', 'dryRun']],
      ];
      for (const [body, paths] of cases) {
        const res = await bulk(body);
        expect({
          body,
          status: res.status,
          paths: res.body.issues.map((i: View) => i.path).sort(),
        }).toEqual({
          body,
          status: 400,
          paths,
        });
      }
      const noBody = await fetch(`${service.url}/v1/onboardings/replay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      });
      expect(noBody.status).toBe(400);
      const text = await rest(service.url, 'POST', '/v1/onboardings/replay', 'dryRun=true', {
        'content-type': 'text/plain',
      });
      expect(text.status).toBe(415);
      expect((await bulk({ dryRun: true }, VIEWER_TOKEN)).status).toBe(403);
    });
  });

  describe('live updates', () => {
    it('pushes changes of this instance and of another one to every console, at one query a tick for all', async () => {
      const other = await startTestApp(env.env);
      const reads = service.app.get(ConsoleReadRepository);
      const streams = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          openStream(service.url, i % 2 ? VIEWER_TOKEN : OPERATOR_TOKEN),
        ),
      );
      try {
        expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 200]);
        for (const s of streams) {
          await s.next((e) => e.event === 'counts');
          await s.next((e) => e.event === 'health');
        }
        const spy = jest.spyOn(reads, 'changedSince');
        const mine = await onboard(`Live here ${randomUUID()}`);
        for (const s of streams)
          await s.next(
            (e) =>
              e.event === 'onboarding' &&
              (e.data as View).id === mine.id &&
              (e.data as View).status === 'COMPLETED',
          );

        // Made through the other instance: found by the shared query.
        const ws = await seedWorkspace(env.control);
        const event = customerOnboarded(ws);
        expect((await rest(other.url, 'POST', '/v1/onboardings', event)).status).toBe(202);
        const theirs = await waitForTerminal(other.url, String(event.eventId));
        for (const s of streams)
          await s.next(
            (e) =>
              e.event === 'onboarding' &&
              (e.data as View).id === theirs.id &&
              (e.data as View).status === 'COMPLETED',
          );

        // Over a quiet few seconds: about one query per second, whatever the number of consoles.
        spy.mockClear();
        await new Promise((r) => setTimeout(r, 3500));
        expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2);
        expect(spy.mock.calls.length).toBeLessThanOrEqual(5);
        spy.mockRestore();
      } finally {
        for (const s of streams) s.close();
        await other.close();
      }
    });

    it('needs a token like every other route', async () => {
      const res = await fetch(`${service.url}/v1/console/events`);
      expect(res.status).toBe(401);
    });
  });

  describe('dead letters', () => {
    it('keeps the recent rejections with their reasons and the message redacted', async () => {
      const ws = await seedWorkspace(env.control);
      const secret = 'dlq-secret-that-must-not-be-kept';
      const producer = testKafka().producer();
      await producer.connect();
      await producer.send({
        topic: env.topics.onboarded,
        messages: [
          {
            key: ws.ref,
            value: JSON.stringify({
              ...customerOnboarded(ws),
              apiClient: {
                name: 'x',
                authType: 'jwt',
                jwt: { method: 'hmac', secret },
                portal: {},
              },
              extra: { nested: { password: secret } },
            }),
          },
          { key: ws.ref, value: `not json, token=${secret}` },
        ],
      });
      await producer.disconnect();

      const health = await eventually(async () => {
        const overview = await rest<View>(service.url, 'GET', '/v1/console/overview');
        return overview.body.health.deadLetters.length >= 2 ? overview.body.health : undefined;
      });
      expect(JSON.stringify(health)).not.toContain(secret);
      // Both come from one batch: the order they were recorded in is not theirs to promise.
      const notJson = health.deadLetters.find((d: View) => /not valid JSON/.test(d.reason));
      const invalid = health.deadLetters.find((d: View) => /apiClient/.test(d.reason));
      expect(notJson).toMatchObject({
        topic: env.topics.onboarded,
        reason: expect.stringMatching(/not valid JSON/),
        redactedValue: null,
      });
      expect(invalid).toMatchObject({
        topic: env.topics.onboarded,
        key: ws.ref,
        partition: expect.any(Number),
      });
      expect(invalid.reason).toMatch(/apiClient/);
      expect(JSON.parse(invalid.redactedValue)).toMatchObject({
        apiClient: { jwt: { secret: '[REDACTED]' } },
        extra: { nested: { password: '[REDACTED]' } },
      });
      const rows: { reason: string; redacted_value: string | null }[] =
        await env.database.dataSource.query('SELECT reason, redacted_value FROM dead_letter');
      expect(JSON.stringify(rows)).not.toContain(secret);
    });

    it(`keeps only the latest ${DEAD_LETTERS_KEPT}`, async () => {
      const log = service.app.get(DeadLetterLogRepository);
      for (let i = 0; i < DEAD_LETTERS_KEPT + 20; i++)
        await log.record(
          new MessageDeadLettered(
            {
              topic: 't',
              partition: 0,
              offset: String(i),
              timestamp: '0',
              key: null,
              value: Buffer.from('{}'),
              headers: {},
            },
            `reason ${i}`,
            new Date(),
          ),
        );
      const [{ n }]: { n: number }[] = await env.database.dataSource.query(
        'SELECT count(*)::int AS n FROM dead_letter',
      );
      expect(n).toBe(DEAD_LETTERS_KEPT);
      expect((await log.recent(1))[0].reason).toBe(`reason ${DEAD_LETTERS_KEPT + 19}`);
    });
  });
});
