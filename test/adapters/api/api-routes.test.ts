/**
 * The HTTP API's route groups beyond lifecycles (issue 20): owner groups, certificate metadata and uploads, keyset
 * pages, campaigns, findings and the audit log, each checked against the roles the worker published (R-SEC-2).
 * A real SQLite inventory, the real campaign client (its refusals and previews need no Temporal) and the real
 * discovery store; certflow's HTTP server on a loopback port.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiMount } from '../../../src/adapters/api/api-app';
import { issueApiToken } from '../../../src/adapters/api/api-token-secrets';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import type { InventoryDatabase } from '../../../src/adapters/database/kysely-inventory-store';
import { SqlApiTokenStore } from '../../../src/adapters/database/sql-api-token-store';
import { SqlCampaignStore } from '../../../src/adapters/database/sql-campaign-store';
import { SqlDiscoveryStore } from '../../../src/adapters/database/sql-discovery-store';
import { startHttpServer, type RunningHttpServer } from '../../../src/adapters/shared/http';
import { EXIT } from '../../../src/cli/main';
import { createCampaignClient } from '../../../src/core/application/campaign-client';
import type { InventoryCertificate } from '../../../src/core/domain/inventory/model';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { readPolicyFile } from '../../../src/runtime/config';
import { createApiImporter } from '../../../src/runtime/api-importer';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  toPkcs12,
  type IssuedCertificate,
} from '../../support/certificate-factory';
import { runCli } from '../../support/run-cli';

const DAY = 86_400_000;
const MAX_BODY = 32 * 1024;
const PEOPLE = {
  lead: 'email:lead@example.com',
  alice: 'email:alice@example.com',
  stranger: 'email:mallory@example.com',
} as const;

let dir: string;
let store: InventoryStore;
let db: Kysely<InventoryDatabase>;
let server: RunningHttpServer;
let issuing: IssuedCertificate;
const clock = new Date('2026-12-01T00:00:00Z');
const secrets: Record<keyof typeof PEOPLE, string> = { lead: '', alice: '', stranger: '' };

function leaf(name: string, days: number): IssuedCertificate {
  return createLeaf(issuing, {
    subject: `CN=${name}, O=Example Corp`,
    notBefore: new Date(clock.getTime() - 10 * DAY),
    notAfter: new Date(clock.getTime() + days * DAY),
  });
}

async function call(
  method: string,
  route: string,
  who: keyof typeof PEOPLE,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const json = body !== undefined && !(body instanceof FormData) && !(body instanceof Uint8Array);
  return await fetch(`${server.url}/api/v1${route}`, {
    method,
    headers: {
      Authorization: `Bearer ${secrets[who]}`,
      ...(json ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: json ? JSON.stringify(body) : (body as RequestInit['body']) }),
  });
}

async function certificateOf(name: string): Promise<InventoryCertificate> {
  const page = await store.searchCertificates({ subject: `CN=${name},` }, { limit: 2 });
  expect(page.items).toHaveLength(1);
  return page.items[0]!;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-api-routes-'));
  const databaseUrl = `sqlite:${path.join(dir, 'inventory.sqlite')}`;
  issuing = createIntermediateCa(createRootCa());
  const folder = path.join(dir, 'certs');
  fs.mkdirSync(folder);
  for (let index = 0; index < 6; index += 1) {
    fs.writeFileSync(path.join(folder, `web${index}.pem`), leaf(`web${index}.example.com`, 40 + index).pem);
  }
  const imported = await runCli(['import', folder], {
    env: { CERTFLOW_DATABASE_URL: databaseUrl, CERTFLOW_DATA_DIR: path.join(dir, 'data'), CERTFLOW_ACTOR: 'user:ops' },
    cwd: dir,
    now: () => clock,
  });
  expect(imported.code, imported.err).toBe(EXIT.ok);
  ({ store, db } = await openInventoryDatabase({ url: databaseUrl }));
  const tokens = new SqlApiTokenStore({ db });
  for (const [name, actor] of Object.entries(PEOPLE)) {
    secrets[name as keyof typeof PEOPLE] = (
      await issueApiToken(tokens, { name, actor, expiresAt: null, now: clock })
    ).secret;
  }
  // What a worker started with CERTFLOW_SECURITY_LEADS=lead@example.com publishes.
  const roles = async () => ({
    securityLeads: [PEOPLE.lead],
    admins: [],
    publishedBy: 'test worker',
    publishedAt: clock.toISOString(),
  });
  // Previews and refusals never reach Temporal: a client that is never called stands in for it.
  const campaigns = createCampaignClient({
    client: {} as never,
    taskQueue: 'api-routes',
    store,
    campaigns: new SqlCampaignStore({ db }),
    roles,
    where: 'api',
    now: () => clock,
  });
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [
      createApiMount({
        store,
        tokens,
        roles,
        lifecycles: () => null,
        campaigns: () => campaigns,
        findings: new SqlDiscoveryStore({ db }),
        importer: createApiImporter(() => readPolicyFile(undefined, 'CERTFLOW_POLICY_FILE')),
        log: () => undefined,
        now: () => clock,
        maxBodyBytes: MAX_BODY,
      }),
    ],
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the HTTP API beyond lifecycles (R-API-1, R-SEC-2)', () => {
  it('R-API-1: the OpenAPI document lists every route group and stays valid', async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`);
    const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/certificates/import',
        '/api/v1/certificates/metadata',
        '/api/v1/lifecycles/{id}/revoke',
        '/api/v1/owner-groups',
        '/api/v1/owner-groups/{id}',
        '/api/v1/campaigns',
        '/api/v1/campaigns/preview',
        '/api/v1/campaigns/{id}/report',
        '/api/v1/findings',
        '/api/v1/audit',
        '/api/v1/audit/export',
      ]),
    );
    expect(Object.keys(document.paths['/api/v1/certificates/{fingerprint}']!)).toEqual(['get', 'patch']);
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
  });

  it('R-SEC-2: only a security lead creates and changes owner groups; any token reads them', async () => {
    const group = { id: 'payments', name: 'Payments', approvers: ['alice@example.com'], contacts: ['bob@example.com'] };
    const byOwner = await call('POST', '/owner-groups', 'alice', group);
    expect(byOwner.status).toBe(403);
    expect(await byOwner.json()).toMatchObject({ title: 'Refused', code: 'not-security-lead' });
    expect((await call('GET', '/owner-groups/payments', 'alice')).status).toBe(404);

    const created = await call('POST', '/owner-groups', 'lead', group);
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ outcome: 'created', group: { id: 'payments', autoRenew: false } });
    expect((await call('POST', '/owner-groups', 'lead', group)).status).toBe(409);
    expect((await call('POST', '/owner-groups', 'lead', { id: 'other', name: 'Other' })).status).toBe(400);
    const badId = await call('POST', '/owner-groups', 'lead', { ...group, id: 'Payments Team' });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { errors: { parameter: string }[] }).errors[0]!.parameter).toBe('json.id');
    expect((await call('POST', '/owner-groups', 'lead', { ...group, id: 'ops', name: 'Ops' })).status).toBe(201);

    expect((await call('PATCH', '/owner-groups/payments', 'alice', { autoRenew: true })).status).toBe(403);
    const changed = await call('PATCH', '/owner-groups/payments', 'lead', { autoRenew: true, reminderDays: [7, 30] });
    expect(changed.status).toBe(200);
    // No Temporal here: the change is stored and says why no lifecycle was told.
    expect(await changed.json()).toMatchObject({
      outcome: 'updated',
      group: { autoRenew: true, reminderDays: [30, 7], approvers: [{ email: 'alice@example.com' }] },
      lifecycles: { unavailable: expect.stringContaining('Temporal') },
    });
    expect((await call('PATCH', '/owner-groups/nobody', 'lead', { autoRenew: true })).status).toBe(404);

    const listed = (await (await call('GET', '/owner-groups', 'stranger')).json()) as { items: { id: string }[] };
    expect(listed.items.map((item) => item.id)).toEqual(['ops', 'payments']);
    const audit = await store.queryAudit({ action: 'group.', subject: 'payments' }, { limit: 10 });
    expect(audit.items.map((entry) => [entry.action, entry.actor, entry.where])).toEqual([
      ['group.created', PEOPLE.lead, 'api:lead'],
      ['group.updated', PEOPLE.lead, 'api:lead'],
    ]);
  });

  it("R-SEC-2: metadata changes take If-Match; owners change their own group's certificates, only a lead moves them", async () => {
    const web0 = await certificateOf('web0.example.com');
    const read = await call('GET', `/certificates/${web0.id}`, 'stranger');
    const etag = read.headers.get('etag')!;
    expect((await call('PATCH', `/certificates/${web0.id}`, 'alice', { ownerGroup: 'payments' })).status).toBe(403);
    expect((await call('PATCH', `/certificates/${web0.id}`, 'stranger', { tags: ['x'] })).status).toBe(403);

    const assigned = await call(
      'PATCH',
      `/certificates/${web0.id}`,
      'lead',
      { ownerGroup: 'payments' },
      {
        'If-Match': etag,
      },
    );
    expect(assigned.status).toBe(200);
    expect(assigned.headers.get('etag')).not.toBe(etag);
    expect(((await assigned.json()) as InventoryCertificate).metadata.ownerGroup).toBe('payments');

    const stale = await call('PATCH', `/certificates/${web0.id}`, 'lead', { tags: ['pci'] }, { 'If-Match': etag });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ title: 'Precondition failed', fix: expect.stringContaining('GET') });

    const tagged = await call('PATCH', `/certificates/${web0.id}`, 'alice', {
      tags: ['pci'],
      locations: ['lb1.example.com:443'],
    });
    expect(tagged.status).toBe(200);
    expect(((await tagged.json()) as InventoryCertificate).metadata).toMatchObject({
      tags: ['pci'],
      locations: expect.arrayContaining([{ kind: 'endpoint', host: 'lb1.example.com', port: 443 }]),
    });
    const moved = await call('PATCH', `/certificates/${web0.id}`, 'alice', { ownerGroup: 'ops' });
    expect(moved.status).toBe(403);
    expect(((await moved.json()) as { detail: string }).detail).toContain('only a security lead moves them');
    const badLocation = await call('PATCH', `/certificates/${web0.id}`, 'lead', { locations: ['no place'] });
    expect(badLocation.status).toBe(400);
    expect((await call('PATCH', `/certificates/${web0.id}`, 'lead', { ownerGroup: 'ghosts' })).status).toBe(400);
    expect((await call('PATCH', `/certificates/${web0.id}`, 'lead', { owner: 'payments' })).status).toBe(400);

    const audit = await store.queryAudit(
      { action: 'certificate.metadata-updated', subject: web0.facts.fingerprintSha256 },
      { limit: 10 },
    );
    expect(audit.items.map((entry) => entry.where)).toEqual(['api:lead', 'api:alice']);
  });

  it('R-API-1: uploads import PEM bundles, DER and PKCS#12 with a passphrase; too large is a 413 problem', async () => {
    const bundle = new FormData();
    const one = leaf('upload1.example.com', 90);
    const two = leaf('upload2.example.com', 91);
    bundle.append('file', new Blob([one.pem + two.pem]), 'bundle.pem');
    bundle.append('ownerGroup', 'payments');
    bundle.append('tag', 'uploaded');
    const byOwner = await call('POST', '/certificates/import', 'alice', bundle);
    expect(byOwner.status).toBe(200);
    const report = (await byOwner.json()) as { certificates: { created: number; errors: unknown[] } };
    expect(report.certificates).toMatchObject({ created: 2, errors: [] });
    expect((await certificateOf('upload1.example.com')).metadata).toMatchObject({
      ownerGroup: 'payments',
      tags: ['uploaded'],
    });

    // An unowned import takes a security lead; the group's owner imports only into it.
    const der = leaf('upload3.example.com', 92).der;
    const unowned = await call('POST', '/certificates/import?name=upload3.der', 'alice', der, {
      'Content-Type': 'application/pkix-cert',
    });
    expect(unowned.status).toBe(403);
    const raw = await call('POST', '/certificates/import?name=upload3.der', 'lead', der, {
      'Content-Type': 'application/pkix-cert',
    });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { certificates: { created: number } }).certificates.created).toBe(1);

    const p12 = leaf('upload4.example.com', 93);
    const pkcs12 = toPkcs12({ certificates: [p12.der], key: p12.key, password: 's3cret', encryption: 'aes-256' });
    const withoutPassphrase = new FormData();
    withoutPassphrase.append('file', new Blob([pkcs12]), 'upload4.p12');
    const locked = await call('POST', '/certificates/import', 'lead', withoutPassphrase);
    expect(locked.status).toBe(200);
    expect(
      ((await locked.json()) as { certificates: { created: number; errors: unknown[] } }).certificates,
    ).toMatchObject({
      created: 0,
      errors: [expect.objectContaining({ message: expect.stringContaining('in the passphrase field') })],
    });
    const opened = new FormData();
    opened.append('file', new Blob([pkcs12]), 'upload4.p12');
    opened.append('passphrase', 's3cret');
    const unlocked = await call('POST', '/certificates/import', 'lead', opened);
    expect(((await unlocked.json()) as { certificates: { created: number } }).certificates.created).toBe(1);
    const logged = JSON.stringify(await store.queryAudit({}, { limit: 1000 }));
    expect(logged).not.toContain('s3cret');

    const huge = await call('POST', '/certificates/import', 'lead', new Uint8Array(MAX_BODY + 1), {
      'Content-Type': 'application/x-pem-file',
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toBe('application/problem+json');
    const text = await call('POST', '/certificates/import', 'lead', 'hello', { 'Content-Type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ fix: expect.stringContaining('multipart/form-data') });
  });

  it('R-API-1: keyset pages walk every certificate once while certificates are added, on any sort', async () => {
    for (const sort of ['notAfter', 'subject', 'firstSeen']) {
      const before = await store.countCertificates({ subject: 'example.com' });
      const seen: string[] = [];
      let next: string | null = `/certificates?subject=example.com&limit=3&sort=${sort}`;
      let added = false;
      while (next !== null) {
        const response: Response = await call('GET', next.replace('/api/v1', ''), 'stranger');
        expect(response.status).toBe(200);
        const page = (await response.json()) as { items: { id: string }[]; next: string | null };
        seen.push(...page.items.map((item) => item.id));
        next = page.next;
        if (!added) {
          // A certificate that sorts first arrives between two pages: the walk neither repeats nor skips one.
          const early = new FormData();
          early.append('file', new Blob([leaf(`a-${sort}.example.com`, 1).pem]), 'early.pem');
          expect((await call('POST', '/certificates/import', 'lead', early)).status).toBe(200);
          added = true;
        }
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBeGreaterThanOrEqual(before);
    }
    const other = await call('GET', '/certificates?subject=web&limit=2', 'stranger');
    const cursor = new URL(`http://x${((await other.json()) as { next: string }).next}`).searchParams.get('cursor')!;
    const foreign = await call('GET', `/certificates?subject=upload&cursor=${cursor}`, 'stranger');
    expect(foreign.status).toBe(400);
    expect(await foreign.json()).toMatchObject({ title: 'Invalid cursor' });
  });

  it('R-API-1: search covers the inventory fields: serial, key, signature, expiry range, group, rule, location', async () => {
    const web0 = await certificateOf('web0.example.com');
    const count = async (query: string) => {
      const response = await call('GET', `/certificates?${query}`, 'stranger');
      expect(response.status, query).toBe(200);
      return ((await response.json()) as { total: number }).total;
    };
    const all = await count('');
    const cases: Array<[string, number]> = [
      [`serialNumber=${web0.facts.serialNumber}`, 1],
      ['ownerGroup=payments', 3], // web0 and the two uploaded into it
      ['host=lb1.example.com', 1],
      ['keyAlgorithm=EC', all],
      ['keyAlgorithm=RSA', 0],
      ['signatureHash=SHA-256', all],
      [
        `notAfterFrom=${new Date(clock.getTime() + 40 * DAY).toISOString()}&notAfterBefore=${new Date(clock.getTime() + 42 * DAY).toISOString()}`,
        2,
      ],
      ['violatesRule=R-POL-3', 0],
      ['tag=pci', 1],
      ['revoked=false', all],
      ['unowned=true', all - 3],
    ];
    for (const [query, expected] of cases) expect(await count(query), query).toBe(expected);
    expect((await call('GET', '/certificates?keyAlgorithm=ROT13', 'stranger')).status).toBe(400);
  });

  it('R-SEC-2: a token of an owner cannot preview or start a campaign; a security lead previews, and a stale count is refused', async () => {
    const selector = 'group=payments';
    const byOwner = await call('POST', '/campaigns/preview', 'alice', { selector });
    expect(byOwner.status).toBe(403);
    expect(await byOwner.json()).toMatchObject({ code: 'not-security-lead' });
    const start = { selector, kind: 'weak-key', reason: 'key generation bug' };
    expect((await call('POST', '/campaigns', 'alice', start)).status).toBe(403);

    const preview = await call('POST', '/campaigns/preview', 'lead', { selector: { ownerGroups: ['payments'] } });
    expect(preview.status).toBe(200);
    const { total } = (await preview.json()) as { total: number };
    expect(total).toBeGreaterThan(0);
    const stale = await call('POST', '/campaigns', 'lead', { ...start, confirmedCount: total + 1 });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ code: 'count-changed' });
    const badSelector = await call('POST', '/campaigns/preview', 'lead', { selector: 'colour=blue' });
    expect(badSelector.status).toBe(400);
    expect((await call('GET', '/campaigns/cmp-20261201-000000', 'lead')).status).toBe(404);
    const refusals = await store.queryAudit({ action: 'campaign.refused', actor: PEOPLE.alice }, { limit: 10 });
    expect(refusals.total).toBe(2);
  });

  it('R-API-1: findings filter by kind, owner group and status', async () => {
    const web0 = await certificateOf('web0.example.com');
    const discovery = new SqlDiscoveryStore({ db });
    await discovery.recordScans(
      [
        {
          location: { host: 'lb1.example.com', port: 443 },
          outcome: 'served',
          observedAt: clock.toISOString(),
          fingerprint: web0.facts.fingerprintSha256,
          protocol: 'TLSv1.3',
          cipher: null,
          message: null,
        },
      ],
      [
        {
          kind: 'chain-incomplete',
          severity: 'medium',
          location: { host: 'lb1.example.com', port: 443 },
          fingerprint: web0.facts.fingerprintSha256,
          message: 'the intermediate is not served; install the chain',
        },
      ],
    );
    const total = async (query: string) =>
      ((await (await call('GET', `/findings?${query}`, 'stranger')).json()) as { total: number }).total;
    expect(await total('')).toBe(1);
    expect(await total('ownerGroup=payments')).toBe(1);
    expect(await total('ownerGroup=ops')).toBe(0);
    expect(await total('kind=weak-protocol')).toBe(0);
    expect(await total('status=resolved')).toBe(0);
    expect((await call('GET', '/findings?kind=bogus', 'stranger')).status).toBe(400);
  });

  it("R-SEC-2, R-API-1: the whole audit log is a security lead's; a subject's trail is anyone's; exports are formula-safe", async () => {
    const web0 = await certificateOf('web0.example.com');
    expect((await call('GET', '/audit', 'alice')).status).toBe(403);
    expect((await call('GET', '/audit/export', 'alice')).status).toBe(403);
    const trail = await call('GET', `/audit?subject=${web0.facts.fingerprintSha256}`, 'alice');
    expect(trail.status).toBe(200);
    expect(((await trail.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);

    await store.appendAudit([
      {
        at: clock.toISOString(),
        actor: '=HYPERLINK("http://evil")',
        action: 'test.formula',
        subject: 's',
        where: 'w',
        details: {},
      },
    ]);
    const seen: number[] = [];
    let next: string | null = '/audit?limit=7';
    let total = 0;
    while (next !== null) {
      const page = (await (await call('GET', next.replace('/api/v1', ''), 'lead')).json()) as {
        items: { seq: number }[];
        total: number;
        next: string | null;
      };
      seen.push(...page.items.map((entry) => entry.seq));
      total = page.total;
      next = page.next;
    }
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.length).toBeGreaterThanOrEqual(total);

    const csv = await call('GET', '/audit/export?action=test.', 'lead', undefined, { Accept: 'text/csv' });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe('seq,at,actor,action,subject,where,details');
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    const json = await call('GET', '/audit/export?format=json&actor=email:lead@example.com', 'lead');
    const entries = (await json.json()) as { actor: string }[];
    expect(entries.length).toBeGreaterThan(3);
    expect(entries.every((entry) => entry.actor === PEOPLE.lead)).toBe(true);
    expect((await call('GET', '/audit?from=yesterday', 'lead')).status).toBe(400);
  });

  it('R-API-1, R-SEC-2: a metadata CSV merges row by row: rows the token may not change, or naming nothing known, are refused with their line', async () => {
    const [web1, web2] = [await certificateOf('web1.example.com'), await certificateOf('web2.example.com')];
    const moved = await call('PATCH', `/certificates/${web1.id}`, 'lead', { ownerGroup: 'payments' });
    expect(moved.status).toBe(200);
    const csv = [
      'fingerprint,owner_group,tags,contacts',
      `${web1.facts.fingerprintSha256},,from-csv,email:carol@example.com`,
      `${web2.facts.fingerprintSha256},,from-csv,`,
      `${'ab'.repeat(32)},,from-csv,`,
      `${web1.facts.fingerprintSha256},ops,,`,
      'not-hex,,,',
    ].join('\n');
    const post = (who: keyof typeof PEOPLE, body: string, type = 'text/csv') =>
      call('POST', '/certificates/metadata?name=owners.csv', who, new TextEncoder().encode(body), {
        'Content-Type': type,
      });

    const byOwner = await post('alice', csv);
    expect(byOwner.status).toBe(200);
    const report = (await byOwner.json()) as {
      metadata: {
        source: string;
        rows: number;
        certificatesUpdated: number;
        errors: { line: number; message: string }[];
      };
    };
    expect(report.metadata).toMatchObject({ source: 'owners.csv', rows: 5, certificatesUpdated: 1 });
    // Line 3 is an unowned certificate, line 5 moves web1 out of alice's group: both refused; 4 and 6 name nothing.
    expect(report.metadata.errors.map((error) => error.line)).toEqual([3, 4, 5, 6]);
    expect(report.metadata.errors[0]!.message).toContain('nor a security lead');
    expect(report.metadata.errors[2]!.message).toContain('only a security lead moves them');
    expect((await certificateOf('web1.example.com')).metadata).toMatchObject({
      ownerGroup: 'payments',
      tags: expect.arrayContaining(['from-csv']),
    });
    expect((await certificateOf('web2.example.com')).metadata.tags ?? []).not.toContain('from-csv');
    const audit = await store.queryAudit(
      { action: 'certificate.metadata-updated', subject: web1.facts.fingerprintSha256 },
      { limit: 10 },
    );
    expect(audit.items.at(-1)).toMatchObject({ actor: PEOPLE.alice, where: 'api:alice' });

    const byLead = (await (await post('lead', csv)).json()) as { metadata: { errors: { line: number }[] } };
    expect(byLead.metadata.errors.map((error) => error.line)).toEqual([4, 6]);
    expect((await certificateOf('web1.example.com')).metadata.ownerGroup).toBe('ops');

    const badHeader = await post('lead', 'serial,owner\n01,ops\n');
    expect(badHeader.status).toBe(400);
    expect(await badHeader.json()).toMatchObject({ detail: expect.stringContaining('owners.csv line 1') });
    expect((await post('lead', csv, 'application/json')).status).toBe(415);
  });
});
