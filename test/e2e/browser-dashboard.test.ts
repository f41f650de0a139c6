import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../src/adapters/slack/stand-in/demo-workspace';
import {
  browserStartEnv,
  certflowJson,
  CHROMIUM,
  explainWith,
  requireChromium,
  stopBrowserRun,
} from '../support/browser-start';
import { summarizePng } from '../support/png';
import { buildDist, type CertflowProcess, runCertflow } from '../support/processes';
import { until } from '../support/until';

/** The numbers in one attribute of every element a locator finds. */
async function dataNumbers(locator: Locator, attribute: string): Promise<number[]> {
  return await Promise.all((await locator.all()).map(async (element) => Number(await element.getAttribute(attribute))));
}

const LEAD = 'email:lead@example.com';

describe('the web dashboard in Chromium (issue 20): sign in with a token, charts, certificate actions, CSRF, keyboard', () => {
  let certflow: CertflowProcess;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  let base: string;
  let browser: Browser;
  const tokens: Record<'owner' | 'approver' | 'lead', string> = { owner: '', approver: '', lead: '' };
  let managedId: string;

  beforeAll(async () => {
    requireChromium();
    buildDist();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-dashboard-'));
    env = { ...(await browserStartEnv(dataDir)), CERTFLOW_SECURITY_LEADS: LEAD };
    base = `http://127.0.0.1:${env.CERTFLOW_HTTP_PORT}`;
    certflow = runCertflow(['start'], env);
    await certflow.waitForLine(/^lifecycles: /);
    for (const [name, actor] of [
      ['owner', `email:${DEMO_USERS.owner.email}`],
      ['approver', `email:${DEMO_USERS.approver.email}`],
      ['lead', LEAD],
    ] as const) {
      const args = ['tokens', 'create', '--actor', actor, '--name', name, '--json'];
      tokens[name] = (await certflowJson<{ token: string }>(args, env)).token;
    }
    managedId = (await certflowJson<{ items: { id: string }[] }>(['list', '--json'], env)).items[0]!.id;
    browser = await chromium.launch({ executablePath: CHROMIUM });
    // Starting certflow and four CLI runs: minutes on a loaded machine.
  }, 300_000);

  afterAll(() => stopBrowserRun({ browser, certflow, dataDir }));

  /** Adds what certflow printed to a failure, so a broken step says where it broke. */
  const explain = (error: Error): never => explainWith(certflow)(error);

  /** A fresh browser context (its own cookies) signed in with one token through the sign-in form. */
  async function signIn(who: keyof typeof tokens): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    expect(page.url()).toBe(`${base}/sign-in`);
    await page.fill('#token', tokens[who]);
    await page.click('form.sign-in button[type="submit"]');
    await page.waitForSelector('text=Certificates at a glance').catch(explain);
    return { context, page };
  }

  async function lifecycleStatus(): Promise<{ cycle: number; phase: string; request: { status: string } | null }> {
    const view = await certflowJson<{
      lifecycle: { cycle: number; phase: string; request: { status: string } | null };
    }>(['lifecycle', 'status', managedId, '--json'], env);
    return view.lifecycle;
  }

  it(
    'R-REP-1, R-SEC-2: a wrong token is refused; the owner sees the histogram, requests a renewal from the certificate page and is offered no approval; forged POSTs are refused',
    { timeout: 120_000 },
    async () => {
      const anonymous = await browser.newPage();
      const refused = await anonymous.request.post(`${base}/sign-in`, { form: { token: `cfk_${'x'.repeat(43)}` } });
      expect(refused.status()).toBe(401);
      expect(await refused.text()).toContain('the token is unknown');
      // Nobody signed in: the read-only page answers, with no action on it.
      await anonymous.goto(`${base}/certificates/${managedId}`);
      expect(await anonymous.textContent('body')).toContain('Read-only.');
      await anonymous.close();

      const { context, page } = await signIn('owner');
      const cookie = (await context.cookies()).find((entry) => entry.name === 'certflow_session');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      const response = await page.goto(`${base}/`);
      const csp = response?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');

      // One bar per week for 120 days; the demo endpoint's 90-day certificate falls in week 13.
      const bars = page.locator('#expiry-histogram rect.bar');
      expect(await bars.count()).toBe(18);
      const counts = await dataNumbers(bars, 'data-count');
      expect(counts.reduce((sum, n) => sum + n, 0)).toBe(1);
      expect(counts.indexOf(1)).toBe(12);
      const chart = summarizePng(await page.locator('#expiry-histogram').screenshot());
      // The chart's box is 720 × 240 CSS pixels; layout may round its edge to a pixel more.
      expect(chart.width).toBe(720);
      expect(Math.abs(chart.height - 240)).toBeLessThanOrEqual(1);
      expect(chart.distinctColours).toBeGreaterThan(3);
      const whole = summarizePng(await page.screenshot({ fullPage: true }));
      expect(whole.width).toBe(1200);
      expect(whole.height).toBeGreaterThanOrEqual(900);
      expect(whole.distinctColours).toBeGreaterThan(10);

      await page.click(`#soonest a[href="/certificates/${managedId}"]`);
      await page.waitForSelector('#plan').catch(explain);
      expect(await page.locator('#approve').count()).toBe(0);
      await page.fill('#renew-reason', 'dashboard test');
      await page.click('#renew');
      await page.waitForSelector('text=Renewal requested').catch(explain);
      expect(await page.textContent('#lifecycle')).toContain('awaiting-approval');
      // The owner asked, so the owner may not decide: no button, and the forged form is refused by the lifecycle.
      expect(await page.locator('#approve').count()).toBe(0);
      const requestId = /([0-9a-f]{8,64}\.\d+\.\d+)/.exec((await page.textContent('#lifecycle')) ?? '')?.[1] ?? '';
      const csrf = await page.inputValue('form.sign-out input[name="csrf"]');
      const forged = await page.request.post(`${base}/certificates/${managedId}/approve`, {
        form: { csrf, requestId },
      });
      expect(forged.status()).toBe(403);
      expect(await forged.text()).toMatch(/only approvers of group demo/);
      const withoutCsrf = await page.request.post(`${base}/certificates/${managedId}/approve`, { form: { requestId } });
      expect(withoutCsrf.status()).toBe(403);
      expect(await withoutCsrf.text()).toContain('CSRF token');
      expect((await lifecycleStatus()).request?.status).toBe('awaiting-approval');
      await page.click('form.sign-out button');
      await page.waitForURL(`${base}/sign-in`);
      expect((await context.cookies()).find((entry) => entry.name === 'certflow_session')).toBeUndefined();
      await context.close();
    },
  );

  it(
    'R-SEC-2: the approver signs in, opens the certificate and approves with the keyboard alone',
    { timeout: 180_000 },
    async () => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}/sign-in`);
      /** Presses Tab until the focused element matches, as a keyboard user would; fails after 60 presses. */
      const tabTo = async (selector: string) => {
        for (let presses = 0; presses < 60; presses++) {
          await page.keyboard.press('Tab');
          if ((await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) === true) {
            return;
          }
        }
        throw new Error(`Tab never reached ${selector}`);
      };
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
      await tabTo('#token');
      await page.keyboard.type(tokens.approver);
      await page.keyboard.press('Enter');
      await page.waitForSelector('text=Certificates at a glance').catch(explain);
      await tabTo(`#soonest a[href="/certificates/${managedId}"]`);
      // The focus is visible: an outline drawn around the focused link.
      expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe('none');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#approve').catch(explain);
      await tabTo('#approve');
      await page.keyboard.press('Enter');
      await page.waitForSelector('text=Approved.').catch(explain);
      const renewed = await until(
        async () => {
          const status = await lifecycleStatus();
          return status.cycle === 2 ? status : undefined;
        },
        'the approved renewal',
        90_000,
      ).catch(explain);
      expect(renewed.cycle).toBe(2);
      await page.reload();
      expect(await page.textContent('#trail')).toContain('email:approver@example.com');
      await context.close();
    },
  );

  it(
    'R-REP-1, R-CAM-1: the security lead starts a campaign from the page and its burndown refreshes without a reload',
    { timeout: 240_000 },
    async () => {
      const { context, page } = await signIn('lead');
      await page.fill('#selector', 'group=demo');
      await page.fill('#reason', 'dashboard burndown test');
      await page.click('form.campaign-start button[type="submit"]');
      await page.waitForSelector('#preview-count').catch(explain);
      expect(await page.textContent('#preview-count')).toBe('1');
      await page.click('#start-campaign');
      await page.waitForSelector('#burndown-chart').catch(explain);
      expect(page.url()).toMatch(/\/campaigns\/[^/]+\?done=campaign-started$/);
      // A two-day campaign: a bar per hour.
      expect(await page.locator('#burndown-chart rect.done-bar').count()).toBe(48);
      await page.evaluate("document.body.setAttribute('data-loaded-once', 'yes')");
      // The page's script fetches the chart again every 5 s; its strict CSP refuses a string-evaluating wait.
      await page.locator('#burndown-chart[data-done="1"]').waitFor({ timeout: 120_000 }).catch(explain);
      expect(await page.getAttribute('body', 'data-loaded-once')).toBe('yes');
      const bars = await dataNumbers(page.locator('#burndown-chart rect.done-bar'), 'data-done');
      expect(bars.reduce((sum, n) => sum + n, 0)).toBe(1);
      const shot = summarizePng(await page.locator('#burndown-chart').screenshot());
      expect(shot.width).toBe(720);
      expect(Math.abs(shot.height - 240)).toBeLessThanOrEqual(1);
      expect(shot.distinctColours).toBeGreaterThan(3);
      await context.close();
    },
  );
});
