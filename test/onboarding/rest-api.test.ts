import {
  createTestEnvironment,
  startTestApp,
  TestApp,
  TestEnvironment,
  OPERATOR_TOKEN,
  VIEWER_TOKEN,
} from '../support/app';
import { tokenFingerprint } from '../../src/platform/auth/api-token';
import { customerOnboarded, seedWorkspace } from '../support/events';
import { testKafka } from '../support/kafka';
import { OnboardingView, rest, waitForTerminal } from '../support/rest';

describe('REST API', () => {
  let env: TestEnvironment;
  let service: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('rest');
    service = await startTestApp(env.env);
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  it('rejects an invalid event with field errors, the same text as the Kafka path', async () => {
    const ws = await seedWorkspace(env.control);
    const event = customerOnboarded(ws, {
      apiClient: { authType: 'oidc', portal: { portalId: 1 } },
    });
    const res = await rest<OnboardingView>(service.url, 'POST', '/v1/onboardings', event);
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual(
      expect.arrayContaining([
        { path: 'apiClient.oidc', message: 'issuer or jwksUri is required when authType is oidc' },
        {
          path: 'apiClient.portal',
          message: 'give exactly one of email (magic-link portal) or idpUserId (identity portal)',
        },
      ]),
    );
    expect(res.body.message).toMatch(/^invalid CustomerOnboarded event: /);

    const notJson = await rest(service.url, 'POST', '/v1/onboardings', '{oops', {
      'content-type': 'application/json',
    });
    expect(notJson.status).toBe(400);
    const notJsonType = await rest(service.url, 'POST', '/v1/onboardings', 'eventId=1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(notJsonType.status).toBe(415);
    const huge = await rest(service.url, 'POST', '/v1/onboardings', {
      ...event,
      padding: 'x'.repeat(300_000),
    });
    expect(huge.status).toBe(413);
  });

  it('answers every HTTP edge case in one error shape that says what is expected', async () => {
    const shape = {
      statusCode: expect.any(Number),
      error: expect.any(String),
      message: expect.any(String),
    };
    const noBody = await fetch(`${service.url}/v1/onboardings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    });
    expect(noBody.status).toBe(400);
    expect(await noBody.json()).toEqual({
      ...shape,
      statusCode: 400,
      error: 'Bad Request',
      message: 'the request has no body: send the CustomerOnboarded event as JSON',
      issues: [{ path: '(root)', message: 'is required' }],
    });

    const malformed = await rest<OnboardingView>(
      service.url,
      'POST',
      '/v1/onboardings',
      '{"eventId": "s3cret-in-body',
      {
        'content-type': 'application/json',
      },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'the body is not valid JSON: send the CustomerOnboarded event as a JSON object',
    });
    expect(JSON.stringify(malformed.body)).not.toContain('s3cret');

    const ws = await seedWorkspace(env.control);
    const { projectId: _missing, ...withoutProject } = customerOnboarded(ws);
    const missing = await rest<OnboardingView>(
      service.url,
      'POST',
      '/v1/onboardings',
      withoutProject,
    );
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ ...shape, error: 'Bad Request' });
    expect(missing.body.issues).toEqual([
      {
        path: 'projectId',
        message: 'is required: the numeric id of the Workato project the API collection goes in',
      },
    ]);

    const wrongType = await rest<OnboardingView>(service.url, 'POST', '/v1/onboardings', 'x', {
      'content-type': 'text/plain',
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body).toMatchObject({ ...shape, error: 'Unsupported Media Type' });
    expect(wrongType.body.message).toMatch(/application\/json \(got text\/plain\)/);

    const unknown = await rest<OnboardingView>(service.url, 'GET', '/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ ...shape, statusCode: 404, error: 'Not Found' });
  });

  it('treats an eventId as an idempotency key: same payload 200, another payload 409', async () => {
    const ws = await seedWorkspace(env.control);
    const event = customerOnboarded(ws);
    const first = await rest<OnboardingView>(service.url, 'POST', '/v1/onboardings', event);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ onboardingId: expect.any(String), duplicate: false });
    // The same event, its fields in another order and its defaults spelt out: a duplicate.
    const reordered = {
      ...Object.fromEntries(Object.entries(event).reverse()),
      apiKeys: (event.apiKeys as Record<string, unknown>[]).map((k) => ({ ...k, active: true })),
    };
    const again = await rest<OnboardingView>(service.url, 'POST', '/v1/onboardings', reordered);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ onboardingId: first.body.onboardingId, duplicate: true });

    const changed = await rest<OnboardingView>(service.url, 'POST', '/v1/onboardings', {
      ...event,
      collection: { name: 'Another collection' },
    });
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect(changed.body.message).toMatch(/^eventId reused with a different payload: /);
    expect(changed.body.message).toContain(first.body.onboardingId);
    const view = await waitForTerminal(service.url, String(event.eventId));
    expect(
      view.steps.find((s: OnboardingView) => s.name === 'api_collection').workatoId,
    ).toBeTruthy();
    expect((await env.control.managedUser(ws.id)).collections.map((c) => c.name)).toEqual([
      `Customer ${ws.id} API`,
    ]);
  });

  it('accepts the CloudEvents structured form', async () => {
    const ws = await seedWorkspace(env.control);
    const { eventId, ...data } = customerOnboarded(ws);
    const cloudEvent = {
      specversion: '1.0',
      type: 'com.partner.CustomerOnboarded',
      source: '/partner/crm',
      id: eventId,
      datacontenttype: 'application/json',
      data,
    };
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: env.topics.onboarded,
      messages: [{ key: ws.ref, value: JSON.stringify(cloudEvent) }],
    });
    await producer.disconnect();
    const view = await waitForTerminal(service.url, String(eventId));
    expect(view.status).toBe('COMPLETED');
    expect(view.eventId).toBe(eventId);
  });

  it('lists newest first with filters and cursor pagination', async () => {
    const ws = await seedWorkspace(env.control);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const event = customerOnboarded(ws, {
        apiClient: { name: `Paged ${i}` },
        collection: { name: `Paged ${i}` },
      });
      const res = await rest<OnboardingView>(service.url, 'POST', '/v1/onboardings', event);
      ids.push(res.body.onboardingId);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { data: OnboardingView[]; nextCursor: string | null } } =
        await rest(
          service.url,
          'GET',
          `/v1/onboardings?managedUserId=${ws.ref}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((o) => o.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const bad = await rest<OnboardingView>(
      service.url,
      'GET',
      '/v1/onboardings?status=DONE&limit=0',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'limit',
      'status',
    ]);
    expect((await rest(service.url, 'GET', '/v1/onboardings?cursor=garbage')).status).toBe(400);
  });

  it('answers 404 for an unknown onboarding and 409 for a replay that is not due', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await rest(service.url, 'GET', `/v1/onboardings/${unknown}`)).status).toBe(404);
    expect((await rest(service.url, 'POST', `/v1/onboardings/${unknown}/replay`)).status).toBe(404);
    expect((await rest(service.url, 'GET', '/v1/onboardings/not-a-uuid')).status).toBe(400);

    const ws = await seedWorkspace(env.control);
    const event = customerOnboarded(ws);
    await rest(service.url, 'POST', '/v1/onboardings', event);
    const done = await waitForTerminal(service.url, String(event.eventId));
    const replay = await rest<OnboardingView>(
      service.url,
      'POST',
      `/v1/onboardings/${done.id}/replay`,
    );
    expect(replay.status).toBe(409);
    expect(replay.body.message).toMatch(/COMPLETED/);
  });

  it('serves its OpenAPI document', async () => {
    const docs = await rest<OnboardingView>(service.url, 'GET', '/docs-json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/onboardings',
        '/v1/onboardings/{id}',
        '/v1/onboardings/{id}/replay',
        '/v1/onboardings/{id}/credentials',
      ]),
    );
  });

  it('lets viewers read, operators act, and records who replayed and who took the credentials', async () => {
    const viewer = { authorization: `Bearer ${VIEWER_TOKEN}` };
    expect(
      (await rest(service.url, 'GET', '/v1/onboardings', undefined, { authorization: '' })).status,
    ).toBe(401);
    expect(
      (
        await rest(service.url, 'GET', '/v1/onboardings', undefined, {
          authorization: 'Bearer nope',
        })
      ).status,
    ).toBe(401);
    expect((await rest(service.url, 'GET', '/v1/onboardings', undefined, viewer)).status).toBe(200);
    expect(
      (await rest(service.url, 'GET', '/health/live', undefined, { authorization: '' })).status,
    ).toBe(200);

    const ws = await seedWorkspace(env.control);
    await env.control.addFault({
      method: 'POST',
      path: `/managed_users/${ws.ref}/api_collections$`,
      status: 422,
    });
    const event = customerOnboarded(ws);
    const denied = await rest<OnboardingView>(
      service.url,
      'POST',
      '/v1/onboardings',
      event,
      viewer,
    );
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/operator/);
    await rest(service.url, 'POST', '/v1/onboardings', event);
    const failed = await waitForTerminal(service.url, String(event.eventId));
    expect(
      (await rest(service.url, 'POST', `/v1/onboardings/${failed.id}/replay`, undefined, viewer))
        .status,
    ).toBe(403);
    expect((await rest(service.url, 'POST', `/v1/onboardings/${failed.id}/replay`)).status).toBe(
      202,
    );
    const done = await waitForTerminal(service.url, String(event.eventId));
    expect(done.status).toBe('COMPLETED');
    expect(
      (await rest(service.url, 'GET', `/v1/onboardings/${done.id}/credentials`, undefined, viewer))
        .status,
    ).toBe(403);
    expect((await rest(service.url, 'GET', `/v1/onboardings/${done.id}/credentials`)).status).toBe(
      200,
    );

    const view = (
      await rest<OnboardingView>(
        service.url,
        'GET',
        `/v1/onboardings/${done.id}`,
        undefined,
        viewer,
      )
    ).body;
    const operator = tokenFingerprint('test-operator-token-0123456789');
    expect(view.audit).toEqual([
      expect.objectContaining({
        action: 'REPLAY',
        actorRole: 'operator',
        actorFingerprint: operator,
      }),
      expect.objectContaining({
        action: 'CREDENTIALS_RETRIEVED',
        actorRole: 'operator',
        actorFingerprint: operator,
      }),
    ]);
    expect(view.credentials).toMatchObject({ retrievable: false });
  });
});
