import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateBearer, issueApiToken } from '../../../src/adapters/api/api-token-secrets';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import { SqlApiTokenStore } from '../../../src/adapters/database/sql-api-token-store';
import { SqlCampaignStore } from '../../../src/adapters/database/sql-campaign-store';
import { SqlDiscoveryStore } from '../../../src/adapters/database/sql-discovery-store';
import { SqlExpiringCertificates } from '../../../src/adapters/database/sql-expiring-certificates';
import { SqlWebSessionStore } from '../../../src/adapters/database/sql-web-session-store';
import { startHttpServer, type RunningHttpServer } from '../../../src/adapters/shared/http';
import { CERTIFICATE_PAGE_PREFIX, createCertificatePageHandler } from '../../../src/adapters/web/certificate-page';
import { createDashboardMounts, DASHBOARD_CSP } from '../../../src/adapters/web/dashboard-handler';
import { WebSessions } from '../../../src/adapters/web/web-sessions';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';

const NOW = new Date('2026-12-01T09:00:00.000Z');

let store: InventoryStore;
let server: RunningHttpServer;
let cookie: string;
let csrf: string;

beforeAll(async () => {
  const { store: opened, db } = await openInventoryDatabase({ url: ':memory:' });
  store = opened;
  const tokens = new SqlApiTokenStore({ db });
  const { secret } = await issueApiToken(tokens, {
    name: 'lead',
    actor: 'email:lead@example.com',
    expiresAt: null,
    now: NOW,
  });
  const mounts = createDashboardMounts({
    readers: {
      store,
      expiring: new SqlExpiringCertificates({ db }),
      campaigns: new SqlCampaignStore({ db }),
      findings: new SqlDiscoveryStore({ db }),
    },
    sessions: new WebSessions({
      sessions: new SqlWebSessionStore({ db }),
      tokens,
      authenticateToken: (token, now) => authenticateBearer(tokens, `Bearer ${token}`, now),
      secure: false,
    }),
    // Temporal is not connected: reads work, actions answer 503.
    lifecycles: () => null,
    campaigns: () => null,
    roles: () => ({ securityLeads: ['email:lead@example.com'], admins: [] }),
    now: () => NOW,
  });
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [...mounts, { prefix: CERTIFICATE_PAGE_PREFIX, handler: createCertificatePageHandler({ store }) }],
    log: () => undefined,
  });
  const signedIn = await fetch(`${server.url}/sign-in`, {
    method: 'POST',
    body: new URLSearchParams({ token: secret }),
    redirect: 'manual',
  });
  expect(signedIn.status).toBe(303);
  cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  const overview = await (await fetch(`${server.url}/`, { headers: { cookie } })).text();
  csrf = /name="csrf" value="([^"]+)"/.exec(overview)?.[1] ?? '';
  expect(csrf).not.toBe('');
});

afterAll(async () => {
  await server?.close();
  await store?.close();
});

const post = (path: string, body: string, type = 'application/x-www-form-urlencoded', withCookie = true) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': type, ...(withCookie ? { cookie } : {}) },
    body,
    redirect: 'manual',
  });

describe('the dashboard over HTTP (issue 20, R-REP-1, R-SEC-2)', () => {
  it('sends nobody signed in to the sign-in page, whose HTML has no inline script or style', async () => {
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(303);
    expect(root.headers.get('location')).toBe('/sign-in');
    const signIn = await fetch(`${server.url}/sign-in`);
    expect(signIn.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    const html = await signIn.text();
    expect(html).toContain('<label for="token">API token</label>');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)|\sstyle=|<style/);
  });

  it('the overview shows an empty inventory as such, with the start form for a security lead', async () => {
    const html = await (await fetch(`${server.url}/`, { headers: { cookie } })).text();
    expect(html.match(/<rect class="bar"/g)).toHaveLength(18);
    expect(html).toContain('The inventory is empty');
    expect(html).toContain('action="/campaigns/preview"');
  });

  it.each([
    [
      'a JSON body',
      '/certificates/0123456789abcdef/renew',
      '{"csrf":"x"}',
      'application/json',
      415,
      'application/x-www-form-urlencoded',
    ],
    ['no CSRF token', '/certificates/0123456789abcdef/renew', 'reason=x', undefined, 403, 'CSRF token'],
    ['a wrong CSRF token', '/sign-out', 'csrf=forged', undefined, 403, 'CSRF token'],
    [
      'an unknown certificate',
      '/certificates/0123456789abcdef/renew',
      'csrf=<csrf>',
      undefined,
      404,
      'no certificate matches',
    ],
    [
      'a malformed selector',
      '/campaigns/preview',
      'csrf=<csrf>&selector=colour%3Dblue&kind=other&reason=r',
      undefined,
      400,
      'colour',
    ],
    [
      'an unknown kind',
      '/campaigns/preview',
      'csrf=<csrf>&selector=group%3Ddemo&kind=panic&reason=r',
      undefined,
      400,
      'not a campaign kind',
    ],
    [
      'a deadline that is no instant',
      '/campaigns/preview',
      'csrf=<csrf>&selector=group%3Ddemo&kind=other&reason=r&deadline=friday',
      undefined,
      400,
      'not an ISO 8601 instant',
    ],
    [
      'Temporal not connected',
      '/campaigns/preview',
      'csrf=<csrf>&selector=group%3Ddemo&kind=other&reason=r',
      undefined,
      503,
      'not connected to Temporal',
    ],
  ])('refuses a POST with %s, saying why', async (_name, path, body, type, status, message) => {
    const response = await post(path, body.replace('<csrf>', encodeURIComponent(csrf)), type);
    expect(response.status).toBe(status);
    expect(await response.text()).toContain(message);
  });

  it('refuses a POST without a session and a form larger than 16 KiB', async () => {
    const anonymous = await post('/sign-out', `csrf=${encodeURIComponent(csrf)}`, undefined, false);
    expect(anonymous.status).toBe(401);
    const large = await post('/campaigns/preview', `csrf=${encodeURIComponent(csrf)}&reason=${'x'.repeat(20_000)}`);
    expect(large.status).toBe(413);
  });

  it('answers 404 for an unknown campaign and leaves unknown paths to the server', async () => {
    const campaign = await fetch(`${server.url}/campaigns/cmp-nope`, { headers: { cookie } });
    expect(campaign.status).toBe(404);
    expect(await campaign.text()).toContain('certflow has no campaign cmp-nope');
    expect((await fetch(`${server.url}/nothing-here`, { headers: { cookie } })).status).toBe(404);
  });

  it('signs out: the cookie is cleared and the session no longer opens a page', async () => {
    const out = await post('/sign-out', `csrf=${encodeURIComponent(csrf)}`);
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^certflow_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    const after = await fetch(`${server.url}/`, { headers: { cookie }, redirect: 'manual' });
    expect(after.headers.get('location')).toBe('/sign-in');
  });
});
