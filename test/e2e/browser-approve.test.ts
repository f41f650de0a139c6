import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
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
import { buildDist, type CertflowProcess, runCertflow, runCertflowToEnd } from '../support/processes';

describe('npm start without Slack credentials: a renewal requested and approved in a browser on the Slack stand-in', () => {
  let certflow: CertflowProcess;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  let pageUrl: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    requireChromium();
    buildDist();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-browser-'));
    env = await browserStartEnv(dataDir);
    certflow = runCertflow(['start'], env);
    const row = await certflow.waitForLine(/^ {2}Slack stand-in {4}http:\/\//);
    pageUrl = /(http:\/\/\S+\/)/.exec(row)?.[1] ?? '';
    await certflow.waitForLine(/^lifecycles: /);
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage();
  });

  afterAll(() => stopBrowserRun({ browser, certflow, dataDir }));

  /** Adds what certflow printed to a failure, so a broken step says where it broke. */
  const explain = (error: Error): never => explainWith(certflow)(error);

  async function actAs(userId: string): Promise<void> {
    await page.goto(pageUrl);
    await page.selectOption('#acting-as', userId);
    await page.waitForURL(`**/?user=${userId}`);
  }

  it('R-RA-1, R-RA-2: the owner requests it from App Home, a stranger is refused, the approver approves and the endpoint is renewed, View details opens its page; a second request is rejected with a reason in the dialog', async () => {
    expect(certflow.stdout).toContain("created owner group demo for the Slack stand-in's demo users and channel");

    // A fresh 90-day certificate gets no reminder yet (R-MON-4): the owner asks from App Home, which lists what is
    // due in the next 90 days, and is answered in the app's DM (a view has no response_url).
    await actAs(DEMO_USERS.owner.id);
    await page.click('section.home button.open-home', { timeout: 30_000 }).catch(explain);
    await page.click('section.home button[data-action-id="request_renewal"]', { timeout: 30_000 }).catch(explain);
    await page.waitForSelector('section.dm >> text=Renewal requested', { timeout: 30_000 }).catch(explain);

    // Sam holds no role: his click changes nothing and he alone is told why.
    await actAs(DEMO_USERS.stranger.id);
    await page.click('section.channel button[data-action-id="approve_request"]', {
      timeout: 30_000,
    });
    await page
      .waitForSelector('section.ephemeral >> text=/only approvers of group demo/', { timeout: 30_000 })
      .catch(explain);

    // Adam approves from his DM; the message is replaced in place by the decision.
    await actAs(DEMO_USERS.approver.id);
    await page.click('section.dm button[data-action-id="approve_request"]', { timeout: 30_000 }).catch(explain);
    await page.waitForSelector('section.dm article .edited', { timeout: 30_000 }).catch(explain);
    expect(await page.locator('section.dm button[data-action-id="approve_request"]').count()).toBe(0);

    const id = (await certflowJson<{ items: { id: string }[] }>(['list', '--json'], env)).items[0]!.id;
    const renewed = await until(async () => {
      const view = await certflowJson<{ lifecycle: { cycle: number } }>(['lifecycle', 'status', id, '--json'], env);
      return view.lifecycle.cycle === 2 ? view : undefined;
    }, 'the renewal').catch(explain);
    expect(renewed.lifecycle.cycle).toBe(2);

    // View details on the renewal's message opens certflow's page of the certificate in a new tab.
    await page.reload();
    const [details] = await Promise.all([
      page.waitForEvent('popup', { timeout: 30_000 }),
      page.click('section.channel button[data-action-id="view_details"]', { timeout: 30_000 }),
    ]).catch(explain);
    await details.waitForLoadState();
    expect(details.url()).toContain(`/certificates/${id}`);
    expect(await details.textContent('body')).toContain(`Managed certificate ${id}`);
    await details.close();

    // Asked again, Adam rejects in the dialog: a blank reason keeps it open, a reason closes it and rejects.
    const renew = await runCertflowToEnd(['renew', id, '--reason', 'again'], {
      ...env,
      CERTFLOW_ACTOR: 'email:owner@example.com',
    });
    expect(renew.code, renew.out).toBe(0);
    await page.click('section.dm button[data-action-id="reject_request"]', { timeout: 30_000 }).catch(explain);
    await page.fill('form.modal textarea', ' ', { timeout: 30_000 });
    await page.click('form.modal button[type="submit"]');
    await page.waitForSelector('#status >> text=/certflow says: write why you reject/');
    await page.fill('form.modal textarea', 'wrong SANs');
    await page.click('form.modal button[type="submit"]');
    await page.waitForSelector('form.modal', { state: 'detached', timeout: 30_000 }).catch(explain);
    const rejected = await until(async () => {
      const view = await certflowJson<{ lifecycle: { request: { status: string; decision?: unknown } | null } }>(
        ['lifecycle', 'status', id, '--json'],
        env,
      );
      return view.lifecycle.request?.status === 'rejected' ? view.lifecycle.request : undefined;
    }, 'the rejection').catch(explain);
    expect(JSON.stringify(rejected)).toContain('wrong SANs');
  });
});

/** Polls until `read` gives a value: waits for a state, not a guessed time. */
async function until<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
