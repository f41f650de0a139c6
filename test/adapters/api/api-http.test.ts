import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiMount, MAX_PAGE_SIZE } from '../../../src/adapters/api/api-app';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import type { InventoryDatabase } from '../../../src/adapters/database/kysely-inventory-store';
import { SqlApiTokenStore } from '../../../src/adapters/database/sql-api-token-store';
import { startHttpServer, type RunningHttpServer } from '../../../src/adapters/shared/http';
import { EXIT } from '../../../src/cli/main';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { createIntermediateCa, createLeaf, createRootCa, toPem } from '../../support/certificate-factory';
import { runCli, type CliRun } from '../../support/run-cli';

const DAY = 86_400_000;
const CERTIFICATES = 23;

let dir: string;
let env: NodeJS.ProcessEnv;
let store: InventoryStore;
let db: Kysely<InventoryDatabase>;
let server: RunningHttpServer;
let clock = new Date('2026-12-01T00:00:00Z');
const logged: string[] = [];

/** Runs one certflow command line against the test's inventory. */
function cli(argv: string[]): Promise<CliRun> {
  return runCli(argv, { env, cwd: dir, now: () => clock });
}

/** Creates a token through the CLI and returns its secret. */
async function createToken(name: string, actor: string, extra: string[] = []): Promise<string> {
  const created = await cli(['tokens', 'create', '--actor', actor, '--name', name, '--json', ...extra]);
  expect(created.code, created.err).toBe(EXIT.ok);
  return (JSON.parse(created.out) as { token: string }).token;
}

async function get(pathAndQuery: string, token?: string, headers: Record<string, string> = {}): Promise<Response> {
  return await fetch(`${server.url}${pathAndQuery}`, {
    headers: { ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }), ...headers },
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-api-'));
  const databaseUrl = `sqlite:${path.join(dir, 'inventory.sqlite')}`;
  env = { CERTFLOW_DATABASE_URL: databaseUrl, CERTFLOW_DATA_DIR: path.join(dir, 'data'), CERTFLOW_ACTOR: 'user:ops' };
  const root = createRootCa();
  const issuing = createIntermediateCa(root);
  const folder = path.join(dir, 'certs');
  fs.mkdirSync(folder);
  for (let index = 0; index < CERTIFICATES; index += 1) {
    const leaf = createLeaf(issuing, {
      subject: `CN=host${index}.example.com, O=Example Corp`,
      notBefore: new Date(clock.getTime() - 10 * DAY),
      notAfter: new Date(clock.getTime() + (30 + index) * DAY),
    });
    fs.writeFileSync(path.join(folder, `host${index}.pem`), toPem(leaf.der));
  }
  const imported = await cli(['import', folder]);
  expect(imported.code, imported.err).toBe(EXIT.ok);
  ({ store, db } = await openInventoryDatabase({ url: databaseUrl }));
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [
      createApiMount({
        store,
        tokens: new SqlApiTokenStore({ db }),
        lifecycles: () => null,
        log: (line) => logged.push(line),
        now: () => clock,
        rateLimit: { perMinute: 60, burst: 1000 },
        maxBodyBytes: 4096,
      }),
    ],
    log: (line) => logged.push(line),
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the HTTP API (R-API-1): tokens, problems, certificates', () => {
  it('R-API-1: tokens create prints the secret once, list never shows it, and the database keeps only its hash', async () => {
    const secret = await createToken('ci', 'alice@example.com', ['--expires', '90d']);
    expect(secret).toMatch(/^cfk_[A-Za-z0-9_-]{43}$/);
    const listed = await cli(['tokens', 'list']);
    expect(listed.code).toBe(EXIT.ok);
    expect(listed.out).toContain('ci');
    expect(listed.out).toContain('email:alice@example.com');
    expect(listed.out).not.toContain(secret);
    const json = await cli(['tokens', 'list', '--json']);
    expect(json.out).not.toContain(secret);
    expect(json.out).not.toContain('secretHash');
    const stored = fs.readFileSync(path.join(dir, 'inventory.sqlite'));
    expect(stored.includes(Buffer.from(secret))).toBe(false);

    expect((await cli(['tokens', 'create', '--actor', 'alice@example.com', '--name', 'ci'])).code).toBe(EXIT.failure);
    const badName = await cli(['tokens', 'create', '--actor', 'alice@example.com', '--name', 'CI Bot']);
    expect(badName.code).toBe(EXIT.usage);
    expect(badName.err).toContain('not a token name');
    const badActor = await cli(['tokens', 'create', '--actor', 'alice', '--name', 'x']);
    expect(badActor.code).toBe(EXIT.usage);
    expect((await cli(['tokens', 'revoke', 'nobody'])).code).toBe(EXIT.failure);
  });

  it('R-API-1: serves an OpenAPI 3.1 document without a token, valid against the OpenAPI 3.1 schema', async () => {
    const response = await get('/api/v1/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/me',
        '/api/v1/certificates',
        '/api/v1/certificates/{fingerprint}',
        '/api/v1/lifecycles/{id}',
      ]),
    );
    // The validator is an ES module; this test file is compiled as CommonJS.
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('R-API-1: GET /me names the principal and the token a bearer token acts as', async () => {
    const secret = await createToken('whoami', 'ivy@example.com');
    const response = await get('/api/v1/me', secret);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ actor: 'email:ivy@example.com', token: 'whoami', expiresAt: null });
    expect((await get('/api/v1/me')).status).toBe(401);
  });

  it('R-API-1: refuses a missing, malformed, unknown, revoked or expired token with a 401 problem, and logs no secret', async () => {
    const revokedSecret = await createToken('revoked', 'bob@example.com');
    expect((await get('/api/v1/certificates', revokedSecret)).status).toBe(200);
    expect((await cli(['tokens', 'revoke', 'revoked'])).code).toBe(EXIT.ok);
    const expiringSecret = await createToken('short', 'bob@example.com', ['--expires', '1d']);
    clock = new Date(clock.getTime() + 2 * DAY);
    const cases: [string | undefined, string][] = [
      [undefined, 'no bearer token'],
      ['not-a-token', 'does not carry a certflow token'],
      [`cfk_${'A'.repeat(43)}`, 'not known'],
      [revokedSecret, 'revoked'],
      [expiringSecret, 'expired'],
    ];
    for (const [token, detail] of cases) {
      const response = await get('/api/v1/certificates', token);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 401, title: 'Unauthorized' });
      expect(body.detail).toContain(detail);
      expect(body.fix).toContain('certflow tokens create');
    }
    expect(logged.join('\n')).not.toContain('cfk_');
  });

  it('R-API-1: cursor pagination walks every certificate exactly once, in the CLI list filter, and audits each call with the token name', async () => {
    const secret = await createToken('walker', 'carol@example.com');
    const seen: string[] = [];
    let next: string | null = '/api/v1/certificates?limit=5&subject=example.com';
    let pages = 0;
    while (next !== null) {
      const response = await get(next, secret);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: { id: string }[]; total: number; next: string | null };
      expect(page.total).toBe(CERTIFICATES);
      seen.push(...page.items.map((item) => item.id));
      next = page.next;
      pages += 1;
    }
    expect(pages).toBe(Math.ceil(CERTIFICATES / 5));
    expect(seen).toHaveLength(CERTIFICATES);
    expect(new Set(seen).size).toBe(CERTIFICATES);

    const filtered = (await (await get('/api/v1/certificates?subject=host1', secret)).json()) as { total: number };
    expect(filtered.total).toBe(11); // host1 and host10 … host19

    const audit = await store.queryAudit({ actor: 'email:carol@example.com' }, { limit: 100 });
    expect(audit.items.length).toBeGreaterThanOrEqual(pages + 1);
    expect(audit.items[0]).toMatchObject({ action: 'api.get', where: 'api:walker', subject: '/api/v1/certificates' });
    expect(audit.items[0]!.details).toMatchObject({ token: 'walker', status: 200 });
    const listed = await cli(['tokens', 'list', '--json']);
    const walker = (JSON.parse(listed.out) as { name: string; lastUsedAt: string | null }[]).find(
      (token) => token.name === 'walker',
    );
    expect(walker?.lastUsedAt).toBe(clock.toISOString());
  });

  it('R-API-1: invalid queries, unknown paths, wrong methods and foreign cursors are problems naming the fix', async () => {
    const secret = await createToken('prober', 'dave@example.com');
    const tooMany = await get(`/api/v1/certificates?limit=${MAX_PAGE_SIZE + 1}`, secret);
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ status: 400, fix: `use 1 to ${MAX_PAGE_SIZE}` });

    const badRole = await get('/api/v1/certificates?role=leaf', secret);
    expect(badRole.status).toBe(400);
    const badRoleBody = (await badRole.json()) as { errors: { parameter: string }[] };
    expect(badRoleBody.errors[0]?.parameter).toBe('query.role');

    const badDate = await get('/api/v1/certificates?notAfterBefore=yesterday', secret);
    expect(badDate.status).toBe(400);
    expect(((await badDate.json()) as { detail: string }).detail).toContain('notAfterBefore');

    const first = (await (await get('/api/v1/certificates?limit=2&subject=host', secret)).json()) as { next: string };
    const cursor = new URL(first.next, server.url).searchParams.get('cursor')!;
    const foreign = await get(`/api/v1/certificates?limit=2&subject=other&cursor=${cursor}`, secret);
    expect(foreign.status).toBe(400);
    expect(((await foreign.json()) as { detail: string }).detail).toContain('another query');
    expect((await get('/api/v1/certificates?cursor=%%%', secret)).status).toBe(400);

    const nowhere = await get('/api/v1/nothing-here', secret);
    expect(nowhere.status).toBe(404);
    expect(nowhere.headers.get('content-type')).toBe('application/problem+json');

    const wrongMethod = await fetch(`${server.url}/api/v1/certificates`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${secret}` },
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(await wrongMethod.json()).toMatchObject({ status: 405, title: 'Method not allowed' });
  });

  it('R-API-1: a certificate by id carries an ETag and If-None-Match answers 304; an unknown one is a 404 problem', async () => {
    const secret = await createToken('reader', 'erin@example.com');
    const page = (await (await get('/api/v1/certificates?limit=1', secret)).json()) as {
      items: { id: string; facts: { fingerprintSha256: string } }[];
    };
    const fingerprint = page.items[0]!.facts.fingerprintSha256;
    const shown = await get(`/api/v1/certificates/${fingerprint}`, secret);
    expect(shown.status).toBe(200);
    const etag = shown.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    expect(((await shown.json()) as { id: string }).id).toBe(page.items[0]!.id);
    const unchanged = await get(`/api/v1/certificates/${fingerprint}`, secret, { 'If-None-Match': etag! });
    expect(unchanged.status).toBe(304);
    const byPrefix = await get(`/api/v1/certificates/${fingerprint.slice(0, 12)}`, secret, { 'If-None-Match': etag! });
    expect(byPrefix.status).toBe(304);
    const unknown = await get(`/api/v1/certificates/${'0'.repeat(64)}`, secret);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 404, title: 'Not found' });
  });

  it('R-API-1: a body over the limit is a 413 problem and lifecycle routes answer 503 until Temporal is connected', async () => {
    const secret = await createToken('poster', 'frank@example.com');
    const large = await fetch(`${server.url}/api/v1/lifecycles/0123456789abcdef/renew`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: 'x'.repeat(10_000) }),
    });
    expect(large.status).toBe(413);
    expect(large.headers.get('content-type')).toBe('application/problem+json');
    // Chunked, so the server's Content-Length check cannot see it: the API's own limit counts the bytes.
    const chunked = await fetch(`${server.url}/api/v1/lifecycles/0123456789abcdef/renew`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
      body: new Blob([JSON.stringify({ reason: 'y'.repeat(10_000) })]).stream(),
      duplex: 'half',
    });
    expect(chunked.status).toBe(413);
    const unknown = await fetch(`${server.url}/api/v1/lifecycles/0123456789abcdef/renew`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}` },
    });
    expect(unknown.status).toBe(404);
    const page = (await (await get('/api/v1/certificates?limit=1', secret)).json()) as { items: { id: string }[] };
    const bodiless = await fetch(`${server.url}/api/v1/lifecycles/${page.items[0]!.id}/renew`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}` },
    });
    expect(bodiless.status).toBe(503);
    expect(bodiless.headers.get('retry-after')).toBe('5');
    expect(await bodiless.json()).toMatchObject({ status: 503, title: 'Lifecycles unavailable' });
  });

  it('R-API-1: a token over its rate limit gets a 429 problem with Retry-After, and other tokens are unaffected', async () => {
    const { store: limitedStore, db: limitedDb } = await openInventoryDatabase({ url: env.CERTFLOW_DATABASE_URL! });
    const limited = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      handlers: [
        createApiMount({
          store: limitedStore,
          tokens: new SqlApiTokenStore({ db: limitedDb }),
          lifecycles: () => null,
          log: (line) => logged.push(line),
          now: () => clock,
          rateLimit: { perMinute: 6, burst: 2 },
        }),
      ],
    });
    try {
      const busy = await createToken('busy', 'gina@example.com');
      const calm = await createToken('calm', 'hank@example.com');
      const call = (token: string) =>
        fetch(`${limited.url}/api/v1/certificates?limit=1`, { headers: { Authorization: `Bearer ${token}` } });
      expect((await call(busy)).status).toBe(200);
      expect((await call(busy)).status).toBe(200);
      const refused = await call(busy);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('10');
      expect(await refused.json()).toMatchObject({ status: 429, title: 'Too many requests' });
      expect((await call(calm)).status).toBe(200);
      clock = new Date(clock.getTime() + 10_000);
      expect((await call(busy)).status).toBe(200);
    } finally {
      await limited.close();
      await limitedStore.close();
    }
  });
});
