import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificateDer } from '../../../src/core/domain/certificates/parse-certificate';
import { CERTIFICATE_PAGE_PREFIX, createCertificatePageHandler } from '../../../src/adapters/web/certificate-page';
import { escapeHtml } from '../../../src/adapters/shared/escape-html';
import { startHttpServer, type RunningHttpServer } from '../../../src/adapters/shared/http';
import { openInventoryStore } from '../../../src/adapters/database/database';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { createRootCa, issueCertificate } from '../../support/certificate-factory';
import { ownerGroupFixture } from '../../support/lifecycle-fixtures';

const NOW = new Date('2026-12-01T00:00:00.000Z');

let store: InventoryStore;
let server: RunningHttpServer;
let managedId: string;
let fingerprint: string;

beforeAll(async () => {
  store = await openInventoryStore({ url: ':memory:' });
  const root = createRootCa({ subject: 'CN=Example Root <CA>' });
  const leaf = issueCertificate({
    subject: 'CN=shop.example.com, O=Example',
    issuer: root,
    key: 'rsa-2048',
    ca: false,
    notBefore: new Date('2026-10-01T00:00:00Z'),
    notAfter: new Date('2026-12-31T00:00:00Z'),
    subjectAltNames: { dns: ['shop.example.com', 'www.shop.example.com'], email: ['webmaster@example.com'] },
  });
  const { facts, der } = parseCertificateDer(leaf.der);
  fingerprint = facts.fingerprintSha256;
  await store.upsertOwnerGroup(
    ownerGroupFixture({
      id: 'shop',
      name: 'Shop <b>team</b>',
      contacts: [{ email: 'owner@example.com', name: 'Olivia Owner' }],
      approvers: [{ email: 'approver@example.com' }],
    }),
  );
  await store.upsertCertificates(
    [
      {
        facts,
        der,
        metadata: {
          ownerGroup: 'shop',
          contacts: ['contact@example.com'],
          approvers: ['extra-approver@example.com'],
          locations: [{ kind: 'endpoint', host: 'lb1.example.com', port: 443 }],
        },
      },
    ],
    NOW.toISOString(),
  );
  await store.savePolicyResults([
    {
      fingerprintSha256: fingerprint,
      policyVersion: 'v1',
      compliant: false,
      evaluatedAt: NOW.toISOString(),
      violations: [
        {
          ruleId: 'R-POL-2',
          rule: 'validity',
          severity: 'high',
          message: 'valid for 91 days <too long>',
          remedy: 'renew with at most 90 days',
        },
      ],
    },
  ]);
  const assigned = await store.assignManagedCertificates([fingerprint], NOW.toISOString());
  managedId = assigned.created[0]!.id;
  await store.updateManagedLifecycle(
    managedId,
    { phase: 'awaiting-approval', detail: 'asked by olivia' },
    NOW.toISOString(),
  );
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [{ prefix: CERTIFICATE_PAGE_PREFIX, handler: createCertificatePageHandler({ store, now: () => NOW }) }],
  });
});

afterAll(async () => {
  await server?.close();
  await store?.close();
});

const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

describe('the certificate page at /certificates/<managed id> (View details, the ticket link back)', () => {
  it("shows the certificate's facts, where it is installed, its owner group, phase and violations with their fixes", async () => {
    const answer = await get(`/certificates/${managedId}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await answer.text();
    for (const expected of [
      'shop.example.com',
      'www.shop.example.com',
      'CN=shop.example.com, O=Example',
      'CN=Example Root \\&lt;CA\\&gt;',
      '2026-10-01T00:00:00.000Z',
      '2026-12-31T00:00:00.000Z',
      '30 days left',
      'RSA 2048-bit',
      'ecdsa-with-SHA256',
      fingerprint,
      'lb1.example.com:443',
      'Shop &lt;b&gt;team&lt;/b&gt;',
      'awaiting-approval: asked by olivia',
      'R-POL-2',
      'valid for 91 days &lt;too long&gt;',
      'Fix: renew with at most 90 days',
    ]) {
      expect(html).toContain(expected);
    }
  });

  it('shows no contact, approver or e-mail address, and loads nothing from elsewhere', async () => {
    const answer = await get(`/certificates/${managedId}`);
    const html = await answer.text();
    expect(html).not.toMatch(/@example\.com/);
    expect(html).not.toContain('Olivia Owner');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i);
    expect(answer.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
  });

  it('answers a clear 404 page for an unknown id and 400 for a malformed one', async () => {
    const unknown = await get('/certificates/0123456789abcdef');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('certflow manages no certificate 0123456789abcdef');
    const malformed = await get('/certificates/%3Cscript%3E');
    expect(malformed.status).toBe(400);
    const text = await malformed.text();
    expect(text).toContain('is not a managed certificate id');
    expect(text).not.toContain('<script>');
    expect((await get('/certificates/')).status).toBe(404);
    expect((await get(`/certificates/${managedId}/more`)).status).toBe(400);
  });

  it('is read-only: POST gets 405', async () => {
    const answer = await get(`/certificates/${managedId}`, { method: 'POST', body: 'x' });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, HEAD');
  });

  it('escapes every HTML-special character', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
