// Page functions run in the browser: they use its globals (document, sessionStorage).
/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import {
  createTestEnvironment,
  OPERATOR_TOKEN,
  startTestApp,
  TestApp,
  TestEnvironment,
  VIEWER_TOKEN,
} from '../support/app';
import { OnboardingView, rest } from '../support/rest';
import { ROOT } from '../support/test-infrastructure';
import { launchChromium, pageProblems, signIn } from './browser';
import { onboard } from './onboardings';

/**
 * The console in a real browser (Debian's Chromium through playwright-core) against the whole
 * service on real Postgres, Kafka and the Workato sandbox. CONSOLE_SCREENSHOTS=1 writes the
 * README's screenshots to docs/; otherwise they go to a scratch directory.
 */
const SCREENSHOTS =
  process.env.CONSOLE_SCREENSHOTS === '1'
    ? join(ROOT, 'docs')
    : join(ROOT, '.data', 'console-screenshots');

describe('operator console in a browser', () => {
  let env: TestEnvironment;
  let service: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    env = await createTestEnvironment('console');
    service = await startTestApp(env.env);
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await env?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    problems = pageProblems(page);
  });

  afterEach(async () => {
    await context.close();
    await env.control.clearFaults();
    // No script error and no CSP violation on any page of any test.
    expect(problems).toEqual([]);
  });

  const failedOnboarding = (name: string) => onboard(env, service, name, { fail: true });
  const completedOnboarding = (name: string) => onboard(env, service, name);

  it('serves the console with a strict CSP, redirects / to it, and keeps the token out of URLs', async () => {
    const root = await fetch(`${service.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console');
    for (const path of ['/console', '/console/console.js', '/console/console.css']) {
      const res = await fetch(`${service.url}${path}`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
    }
    expect((await fetch(`${service.url}/console/secrets.txt`)).status).toBe(404);

    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    await signIn(page, service.url, OPERATOR_TOKEN);
    expect(urls.length).toBeGreaterThan(3);
    for (const url of urls) expect(url).not.toContain(OPERATOR_TOKEN);
    const cookies = await context.cookies();
    expect(cookies).toEqual([]);
    const stored = await page.evaluate(() => Object.values(sessionStorage));
    expect(stored).toEqual([OPERATOR_TOKEN]);
    // A wrong token is refused with the API's reason, and nothing is kept.
    await page.click('#sign-out');
    await page.fill('#token', 'not-a-token');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() =>
      document.querySelector('#sign-in-error')?.textContent?.includes('unknown API token'),
    );
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('signs in, filters, opens a detail, and replays a failed onboarding that completes live', async () => {
    // A few customers, so the list (and its screenshot) shows what a day looks like.
    await completedOnboarding('Stark Industries');
    await completedOnboarding('Wayne Enterprises');
    const done = await completedOnboarding('Initech Ltd');
    const failed = await failedOnboarding('Umbrella Corp');

    await signIn(page, service.url, OPERATOR_TOKEN);
    await page.waitForSelector(`#rows tr[data-id="${failed.id}"]`);
    await page.waitForSelector(`#rows tr[data-id="${done.id}"]`);
    await page.waitForSelector('#counts button[data-status="FAILED"]');
    await page.waitForSelector('#health [data-account="default"]');
    await page.screenshot({ path: join(SCREENSHOTS, 'console-list.png') });

    // Filter: a part of the name, then a status.
    await page.fill('#filters input[name=q]', 'umbrella');
    await page.click('#filters button[type=submit]');
    await page.waitForSelector(`#rows tr[data-id="${done.id}"]`, { state: 'detached' });
    expect(
      await page.$$eval('#rows tbody tr[data-id]', (rows) =>
        rows.map((r) => r.getAttribute('data-id')),
      ),
    ).toEqual([failed.id]);
    await page.fill('#filters input[name=q]', '');
    await page.selectOption('#filters select[name=status]', 'COMPLETED');
    await page.click('#filters button[type=submit]');
    await page.waitForSelector(`#rows tr[data-id="${failed.id}"]`, { state: 'detached' });
    await page.waitForSelector(`#rows tr[data-id="${done.id}"]`);
    await page.selectOption('#filters select[name=status]', '');
    await page.fill('#filters input[name=customer]', failed.customer.managedUserId);
    await page.click('#filters button[type=submit]');
    await page.waitForSelector(`#rows tr[data-id="${done.id}"]`, { state: 'detached' });

    // Detail: the failed step with Workato's status, the event, no secret.
    await page.click(`#rows tr[data-id="${failed.id}"]`);
    await page.waitForSelector('#detail-status');
    expect(await page.textContent('#detail-status')).toBe('FAILED');
    expect(await page.textContent('#steps tr[data-step="api_collection"]')).toContain(
      'Workato 422',
    );
    expect(await page.textContent('#event')).toContain('"eventId"');
    expect(await page.textContent('#audit')).toContain('No operator actions yet');
    await page.screenshot({ path: join(SCREENSHOTS, 'console-detail.png'), fullPage: true });

    // Replay: the status moves to COMPLETED on the page with no reload, pushed over SSE.
    await env.control.clearFaults();
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    await page.click('#replay');
    await page.waitForFunction(
      () => document.querySelector('#detail-status')?.textContent === 'COMPLETED',
      undefined,
      { timeout: 30000 },
    );
    expect(navigations).toEqual([]);
    expect(await page.textContent('#audit')).toContain('REPLAY by operator');
    expect(await page.$('#replay')).toBeNull();
    expect(await page.textContent('#steps tr[data-step="api_collection"]')).toContain('created');
  });

  it('bulk-replays the failed onboardings of a filter after a preview and a confirmation', async () => {
    const tag = `Bulk ${Date.now()}`;
    const first = await failedOnboarding(`${tag} one`);
    const second = await failedOnboarding(`${tag} two`);
    await completedOnboarding(`${tag} done`);
    await env.control.clearFaults();

    await signIn(page, service.url, OPERATOR_TOKEN);
    await page.fill('#filters input[name=q]', tag);
    await page.click('#filters button[type=submit]');
    await page.waitForSelector(`#rows tr[data-id="${first.id}"]`);
    await page.click('#bulk-preview');
    await page.waitForSelector('#bulk-confirm:not([hidden])');
    expect(await page.textContent('#bulk-result')).toContain(
      '2 failed onboarding(s) would be replayed',
    );
    await page.click('#bulk-confirm');
    await page.waitForFunction(() =>
      document.querySelector('#bulk-result')?.textContent?.startsWith('Replayed 2'),
    );
    for (const id of [first.id, second.id])
      await page.waitForSelector(`#rows tr[data-id="${id}"][data-status="COMPLETED"]`, {
        timeout: 30000,
      });

    // Each went through the single replay use case: audited as a replay by the operator.
    const detail = await rest<OnboardingView>(service.url, 'GET', `/v1/onboardings/${first.id}`);
    expect(detail.body.audit).toEqual([
      expect.objectContaining({ action: 'REPLAY', actorRole: 'operator' }),
    ]);
  });

  it('shows a viewer no action, and answers 403 when the viewer forces one', async () => {
    const failed = await failedOnboarding('Viewer Co');
    await signIn(page, service.url, VIEWER_TOKEN);
    expect(await page.isHidden('#bulk')).toBe(true);
    await page.click(`#rows tr[data-id="${failed.id}"]`);
    await page.waitForSelector('#detail-status');
    expect(await page.$('#replay')).toBeNull();
    expect(await page.$$('#detail button')).toEqual([]);

    const forced = await page.evaluate(async (id) => {
      const authorization = `Bearer ${Object.values(sessionStorage)[0]}`;
      const one = await fetch(`/v1/onboardings/${id}/replay`, {
        method: 'POST',
        headers: { authorization },
      });
      const bulk = await fetch('/v1/onboardings/replay', {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ filter: {}, dryRun: false }),
      });
      return [one.status, ((await one.json()) as { message: string }).message, bulk.status];
    }, failed.id);
    expect(forced).toEqual([403, 'this action needs the operator role', 403]);
    const after = await rest<OnboardingView>(service.url, 'GET', `/v1/onboardings/${failed.id}`);
    expect(after.body.status).toBe('FAILED');
  });
});
