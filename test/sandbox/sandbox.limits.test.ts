import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import {
  resolveLimitSettings,
  RunningSandbox,
  SandboxControl,
  SandboxOptions,
  startSandbox,
} from '../../workato-sandbox/sandbox.server';

/**
 * Workato's published rate limits over real HTTP: on by default, strict over any window, a 429
 * that names the limit and says when to come back, per-limit stats, and the configuration.
 * sandbox.rate-limit.test.ts checks window edges to the millisecond on a test clock; here the
 * margins are wide enough for a busy machine.
 */
const MU = '/api/managed_users/5454';
const MU_V2 = '/api/v2/managed_users/5454';

const running: RunningSandbox[] = [];

async function start(options: SandboxOptions = {}): Promise<{
  sandbox: RunningSandbox;
  control: SandboxControl;
}> {
  const sandbox = await startSandbox(options);
  running.push(sandbox);
  return { sandbox, control: new SandboxControl(sandbox.url) };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function get(sandbox: RunningSandbox, path: string): Promise<Answer> {
  const response = await request(`${sandbox.url}${path}`, {
    headers: { authorization: `Bearer ${sandbox.token}` },
  });
  const text = await response.body.text();
  const retryAfter = response.headers['retry-after'];
  return {
    status: response.statusCode,
    retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
    body: text === '' ? null : JSON.parse(text),
  };
}

function burst(sandbox: RunningSandbox, path: string, count: number): Promise<Answer[]> {
  return Promise.all(Array.from({ length: count }, () => get(sandbox, path)));
}

const statuses = (answers: Answer[]): Record<number, number> =>
  answers.reduce<Record<number, number>>((acc, a) => {
    acc[a.status] = (acc[a.status] ?? 0) + 1;
    return acc;
  }, {});

describe('the published limits, on by default', () => {
  it('reports them in GET /__sandbox/config', async () => {
    const { control } = await start();
    expect(await control.config()).toEqual({
      preset: 'workato',
      perSecond: 10,
      perMinute: {
        api_collections: 1000,
        api_endpoints: 1000,
        api_clients: 1000,
        api_portals: 60,
        cert_bundles: 60,
        access_policies: 1000,
      },
      arrivalJitterMs: 0,
      rateLimitRps: 10,
      portalRateLimitPerMinute: 60,
    });
  });

  it('admits 10 of a burst of 15 and answers the rest 429 naming the limit, with Retry-After', async () => {
    const { sandbox, control } = await start();
    const answers = await burst(sandbox, `${MU}/api_collections`, 15);
    expect(statuses(answers)).toEqual({ 200: 10, 429: 5 });
    for (const limited of answers.filter((a) => a.status === 429)) {
      expect(limited.body).toEqual({
        message: 'Too many requests',
        limit: 'overall',
        limitDescription: '10 requests per 1 s',
      });
      expect(limited.retryAfter).toBe('1');
    }
    const stats = await control.stats();
    expect(stats.rateLimited429).toBe(5);
    expect(stats.limits.overall).toMatchObject({
      limit: 10,
      windowSeconds: 1,
      peak: 10,
      rateLimited429: 5,
    });
    expect(stats.limits.api_collections).toMatchObject({
      limit: 1000,
      windowSeconds: 60,
      peak: 10,
      rateLimited429: 0,
    });
    expect(stats.limits.api_portals.peak).toBe(0);
    expect(stats.config.preset).toBe('workato');
  });

  it('lets a caller that waits as told get through', async () => {
    const { sandbox } = await start();
    await burst(sandbox, `${MU}/api_collections`, 10);
    const limited = await get(sandbox, `${MU_V2}/api_clients`);
    expect(limited.status).toBe(429);
    // The ten leave the window within the second.
    expect(limited.retryAfter).toBe('1');
    await sleep(Number(limited.retryAfter) * 1000);
    expect((await get(sandbox, `${MU_V2}/api_clients`)).status).toBe(200);
  });

  it('refuses a burst that straddles a clock second, as no fixed window would', async () => {
    const { sandbox, control } = await start({ limits: { perSecond: 10, perMinute: {} } });
    // Five requests late in one wall-clock second and ten early in the next: a limiter that
    // counts per clock second admits all fifteen; in any 1-s window there may be ten only.
    const late800 = Math.ceil(Date.now() / 1000) * 1000 + 800;
    await sleep(late800 - Date.now());
    const late = await burst(sandbox, `${MU}/api_collections`, 5);
    await sleep(late800 + 350 - Date.now());
    const early = await burst(sandbox, `${MU}/api_collections`, 10);
    expect(statuses(late)).toEqual({ 200: 5 });
    expect(statuses(early)).toEqual({ 200: 5, 429: 5 });
    const stats = await control.stats();
    expect(stats.limits.overall).toMatchObject({ peak: 10, rateLimited429: 5 });
  });

  it('limits API portals to 60 a minute, apart from other families, with a Retry-After near a minute', async () => {
    const { sandbox, control } = await start({
      limits: { perSecond: null, perMinute: { api_portals: 60, api_clients: 1000 } },
    });
    const answers = await burst(sandbox, `${MU_V2}/api_portals`, 61);
    expect(statuses(answers)).toEqual({ 200: 60, 429: 1 });
    const limited = answers.find((a) => a.status === 429) as Answer;
    expect(limited.body).toEqual({
      message: 'Too many requests',
      limit: 'api_portals',
      limitDescription: '60 requests per 60 s',
    });
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(50);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(60);
    expect((await get(sandbox, `${MU_V2}/api_clients`)).status).toBe(200);
    const stats = await control.stats();
    expect(stats.limits.api_portals).toMatchObject({ peak: 60, rateLimited429: 1 });
    expect(stats.limits.api_clients).toMatchObject({ peak: 1, rateLimited429: 0 });
    expect(stats.limits.overall).toMatchObject({ limit: null, peak: 61 });
  });

  it('counts requests to endpoints it does not serve against the family their path names', async () => {
    const { sandbox } = await start({
      limits: { perSecond: null, perMinute: { cert_bundles: 2 } },
    });
    const answers = await burst(sandbox, `${MU}/cert_bundles`, 3);
    expect(statuses(answers)).toEqual({ 404: 2, 429: 1 });
    expect(answers.find((a) => a.status === 429)?.body.limit).toBe('cert_bundles');
  });

  it('does not count requests with a wrong token', async () => {
    const { sandbox, control } = await start({ limits: { perSecond: 1, perMinute: {} } });
    for (let i = 0; i < 3; i++) {
      const response = await request(`${sandbox.url}${MU}/api_collections`, {
        headers: { authorization: 'Bearer wrong' },
      });
      expect(response.statusCode).toBe(401);
      await response.body.dump();
    }
    expect((await get(sandbox, `${MU}/api_collections`)).status).toBe(200);
    expect((await control.stats()).limits.overall.peak).toBe(1);
  });
});

describe('arrival jitter', () => {
  it('keeps every window within the limit and the counts consistent', async () => {
    const { sandbox, control } = await start({
      limits: { perSecond: 5, perMinute: {} },
      arrivalJitterMs: 300,
    });
    expect((await control.config()).arrivalJitterMs).toBe(300);
    const answers: Answer[] = [];
    // About 8 a second for three seconds: some must be refused.
    for (let i = 0; i < 24; i++) {
      answers.push(await get(sandbox, `${MU}/api_collections`));
      await sleep(125);
    }
    const counts = statuses(answers);
    expect(counts[200] + counts[429]).toBe(24);
    expect(counts[429]).toBeGreaterThan(0);
    const stats = await control.stats();
    expect(stats.limits.overall.peak).toBeLessThanOrEqual(5);
    expect(stats.limits.overall.rateLimited429).toBe(counts[429]);
    expect(stats.rateLimited429).toBe(counts[429]);
    for (const a of answers.filter((x) => x.status === 429))
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
  });
});

describe('configuration', () => {
  it('accepts the new and the old shape in PUT /__sandbox/config, and reset restores the start', async () => {
    const { sandbox, control } = await start();
    expect((await control.setConfig({ limits: 'off' })).preset).toBe('off');
    expect(await control.setConfig({ perMinute: { api_portals: 5 }, perSecond: 3 })).toMatchObject({
      preset: 'custom',
      perSecond: 3,
      perMinute: { api_portals: 5, api_clients: null },
    });
    // The older names patch what they name and leave the rest.
    expect(
      await control.setConfig({ rateLimitRps: 7, portalRateLimitPerMinute: null }),
    ).toMatchObject({
      perSecond: 7,
      rateLimitRps: 7,
      perMinute: { api_portals: null },
      portalRateLimitPerMinute: null,
    });
    expect(
      await control.setConfig({ limits: { perMinute: { api_clients: 2 } }, arrivalJitterMs: 10 }),
    ).toMatchObject({
      perSecond: null,
      perMinute: { api_clients: 2, api_collections: null },
      arrivalJitterMs: 10,
    });
    expect((await control.setConfig({ limits: 'workato', arrivalJitterMs: 0 })).preset).toBe(
      'workato',
    );

    await control.setConfig({ limits: { perSecond: 1, perMinute: {} } });
    await get(sandbox, `${MU}/api_collections`);
    expect((await get(sandbox, `${MU}/api_collections`)).status).toBe(429);
    await control.reset();
    expect((await control.config()).preset).toBe('workato');
    // Reset empties the windows too.
    expect((await get(sandbox, `${MU}/api_collections`)).status).toBe(200);
    expect((await control.stats()).limits.overall).toMatchObject({ peak: 1, rateLimited429: 0 });
  });

  it('rejects invalid limits with errors naming the field', async () => {
    const { sandbox, control } = await start();
    const cases: [unknown, string][] = [
      [{ perMinute: { api_portal: 5 } }, 'perMinute.api_portal'],
      [{ perSecond: 0 }, 'perSecond'],
      [{ limits: 'fast' }, 'limits'],
      [{ limits: { perSecond: -1 } }, 'limits.perSecond'],
      [{ arrivalJitterMs: -5 }, 'arrivalJitterMs'],
      [{ rateLimitRps: 'ten' }, 'rateLimitRps'],
      [{ burst: 3 }, 'burst'],
    ];
    for (const [body, field] of cases) {
      const response = await request(`${sandbox.url}/__sandbox/config`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await response.body.json()) as { errors: Record<string, string[]> };
      expect([field, response.statusCode, Object.keys(answer.errors)]).toEqual([
        field,
        400,
        [field],
      ]);
    }
    expect((await control.config()).preset).toBe('workato');
  });

  it('resets per-limit stats with the other stats', async () => {
    const { sandbox, control } = await start({ limits: { perSecond: 2, perMinute: {} } });
    await burst(sandbox, `${MU}/api_collections`, 3);
    expect((await control.stats()).limits.overall).toMatchObject({ peak: 2, rateLimited429: 1 });
    await control.resetStats();
    expect((await control.stats()).limits.overall).toMatchObject({ peak: 0, rateLimited429: 0 });
  });
});

describe('startSandbox limit options', () => {
  it('defaults to the published limits', () => {
    expect(resolveLimitSettings({})).toMatchObject({ perSecond: 10, arrivalJitterMs: 0 });
    expect(resolveLimitSettings({}).perMinute.api_portals).toBe(60);
  });

  it('reads the older options, even null, as per-second and portal limits and nothing else', () => {
    const off = resolveLimitSettings({ rateLimitRps: null });
    expect(off.perSecond).toBeNull();
    expect(Object.values(off.perMinute).every((v) => v === null)).toBe(true);
    const legacy = resolveLimitSettings({ rateLimitRps: 10, portalRateLimitPerMinute: 60 });
    expect(legacy).toMatchObject({
      perSecond: 10,
      perMinute: { api_portals: 60, api_clients: null, api_collections: null },
    });
    expect(resolveLimitSettings({ portalRateLimitPerMinute: 1 }).perSecond).toBeNull();
  });

  it('reads limits, and refuses bad values or both shapes at once', () => {
    expect(resolveLimitSettings({ limits: 'off' }).perSecond).toBeNull();
    expect(
      resolveLimitSettings({ limits: { perSecond: 3, perMinute: { cert_bundles: 4 } } }),
    ).toMatchObject({ perSecond: 3, perMinute: { cert_bundles: 4, api_portals: null } });
    expect(() => resolveLimitSettings({ limits: 'off', rateLimitRps: 1 })).toThrow(/not both/);
    expect(() => resolveLimitSettings({ limits: { perSecond: 0, perMinute: {} } })).toThrow(
      /limits\.perSecond/,
    );
    expect(() => resolveLimitSettings({ rateLimitRps: -1 })).toThrow(/rateLimitRps/);
    expect(() => resolveLimitSettings({ arrivalJitterMs: -1 })).toThrow(/arrivalJitterMs/);
  });
});
