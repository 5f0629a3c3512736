import { createTestEnvironment, startTestApp, TestApp, TestEnvironment } from '../support/app';

type Operation = {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  security?: Record<string, string[]>[];
};

/**
 * The statuses each route can answer with. Routes that need a token can also answer 401 and 429
 * (the per-token rate limit); operator-only ones 403; a UUID in the path 400 and 404.
 */
const EXPECTED: Record<string, string[]> = {
  'POST /v1/onboardings': ['200', '202', '400', '401', '403', '409', '413', '415', '429'],
  'GET /v1/onboardings': ['200', '400', '401', '429'],
  'GET /v1/onboardings/{id}': ['200', '400', '401', '404', '429'],
  'POST /v1/onboardings/{id}/replay': ['202', '400', '401', '403', '404', '409', '429'],
  'GET /v1/onboardings/{id}/credentials': ['200', '400', '401', '403', '404', '409', '410', '429'],
  'POST /v1/onboardings/replay': ['200', '202', '400', '401', '403', '409', '413', '415', '429'],
  'GET /v1/console/session': ['200', '401', '429'],
  'GET /v1/console/onboardings': ['200', '400', '401', '429'],
  'GET /v1/console/onboardings/{id}': ['200', '400', '401', '404', '429'],
  'GET /v1/console/overview': ['200', '401', '429'],
  'GET /v1/console/events': ['200', '401', '429'],
  'POST /v1/customers/{managedUserId}/key-rotations': [
    '200',
    '202',
    '400',
    '401',
    '403',
    '409',
    '413',
    '429',
  ],
  'POST /v1/customers/{managedUserId}/offboarding': [
    '200',
    '202',
    '400',
    '401',
    '403',
    '409',
    '413',
    '429',
  ],
  'POST /v1/customers/{managedUserId}/reactivation': [
    '200',
    '202',
    '400',
    '401',
    '403',
    '409',
    '413',
    '429',
  ],
  'POST /v1/customers/{managedUserId}/reconcile': [
    '200',
    '202',
    '400',
    '401',
    '403',
    '409',
    '413',
    '429',
  ],
  'GET /v1/customers/{managedUserId}': ['200', '400', '401', '404', '429'],
  'GET /v1/customers/{managedUserId}/drift': ['200', '400', '401', '404', '429', '502'],
  'GET /v1/operations': ['200', '400', '401', '429'],
  'GET /v1/operations/{id}': ['200', '400', '401', '404', '429'],
  'POST /v1/operations/{id}/replay': ['202', '400', '401', '403', '404', '409', '429'],
  'GET /v1/operations/{id}/credentials': ['200', '400', '401', '403', '404', '409', '410', '429'],
  'GET /health/live': ['200'],
  'GET /health/ready': ['200', '503'],
  'GET /asyncapi.json': ['200'],
};
const PUBLIC = new Set(['GET /health/live', 'GET /health/ready', 'GET /asyncapi.json']);

describe('OpenAPI document', () => {
  let env: TestEnvironment;
  let service: TestApp;
  let document: {
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, Record<string, unknown>>; schemas: object };
  };

  beforeAll(async () => {
    env = await createTestEnvironment('openapi', { withKafka: false });
    service = await startTestApp(env.env);
    const res = await fetch(`${service.url}/docs-json`);
    expect(res.status).toBe(200);
    document = (await res.json()) as typeof document;
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        op,
      })),
    );

  it('documents every route, and nothing else', () => {
    expect(
      operations()
        .map((o) => o.key)
        .sort(),
    ).toEqual(Object.keys(EXPECTED).sort());
  });

  it('gives every route each status it can answer with, each with a response schema', () => {
    for (const { key, op } of operations()) {
      expect({ key, statuses: Object.keys(op.responses).sort() }).toEqual({
        key,
        statuses: [...EXPECTED[key]].sort(),
      });
      for (const [status, response] of Object.entries(op.responses)) {
        const schemas = Object.values(response.content ?? {}).map((c) => c.schema);
        expect({ key, status, hasSchema: schemas.length > 0 && schemas.every(Boolean) }).toEqual({
          key,
          status,
          hasSchema: true,
        });
      }
    }
  });

  it('gives every request body a schema, and every schema reference resolves', () => {
    for (const { key, op } of operations()) {
      if (!op.requestBody) continue;
      const schemas = Object.values(op.requestBody.content ?? {}).map((c) => c.schema);
      expect({ key, hasSchema: schemas.length > 0 && schemas.every(Boolean) }).toEqual({
        key,
        hasSchema: true,
      });
    }
    const refs = [
      ...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g),
    ];
    expect(refs.length).toBeGreaterThan(20);
    for (const [, name] of refs) expect(Object.keys(document.components.schemas)).toContain(name);
  });

  it('describes the API token as an opaque bearer token, not a JWT, on every guarded route', () => {
    const schemes = Object.values(document.components.securitySchemes);
    expect(schemes).toHaveLength(1);
    expect(schemes[0]).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes[0].bearerFormat).toBeUndefined();
    expect(JSON.stringify(schemes[0])).not.toMatch(/jwt/i);
    for (const { key, op } of operations())
      expect({ key, secured: (op.security ?? []).length > 0 }).toEqual({
        key,
        secured: !PUBLIC.has(key),
      });
  });

  it('serves the Swagger UI at /docs and /docs/', async () => {
    for (const path of ['/docs', '/docs/']) {
      const res = await fetch(`${service.url}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(await res.text()).toContain('swagger-ui');
    }
  });
});
