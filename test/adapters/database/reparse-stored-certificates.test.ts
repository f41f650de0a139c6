/**
 * Migration 012 re-parses the certificates an older certflow stored: rows written with the old parser's facts (year
 * 1901 for 0001, a negative serial shown unsigned, no serial octets, no malformed-extension findings, an explicit EC
 * key of unknown size, a stale SAN) come out of the upgrade exactly as a fresh import of the same DER writes them.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Dialect } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openInventoryStore } from '../../../src/adapters/database/database';
import type { InventoryDatabase } from '../../../src/adapters/database/kysely-inventory-store';
import { inventoryMigrations, type InventoryDialect } from '../../../src/adapters/database/migrations';
import type { CertificateFacts } from '../../../src/core/domain/certificates/certificate-facts';
import { parseCertificateDer } from '../../../src/core/domain/certificates/parse-certificate';
import type { CertificateUpsert } from '../../../src/core/ports/inventory-store';
import { createLeaf, createRootCa } from '../../support/certificate-factory';
import { upsertBefore026 } from '../../support/old-inventory';
import { startTestPostgres, type TestPostgres } from '../../support/postgres';
import { X509_CORPUS_DIR } from '../../support/x509-corpus/x509-corpus';

const NOW = '2026-06-01T00:00:00.000Z';
/** The last migration before 012, where an inventory upgraded by 012 was left. */
const BEFORE_REPARSE = '010-issuer-hash-index';
const METADATA = { application: 'billing', tags: ['kept'] };

/** Certificates of the corpus whose facts the parser fix changed, and one it did not. */
const CORPUS = [
  'not-before-year-0001',
  'serial-negative',
  'ec-explicit-p256-leaf',
  'san-wrong-inner-length',
  'rsa-leaf',
];

/** What the parser wrote before issue 16, rebuilt from today's facts. */
function oldFacts(facts: CertificateFacts, name: string): CertificateFacts {
  if (name === 'rsa-leaf') return facts;
  // The old parser had neither field.
  const { serialNumberEncoding: _octets, malformedExtensions: _findings, ...old } = facts;
  const years = (iso: string) => iso.replace(/^0001-/, '1901-');
  return {
    ...old,
    notBefore: years(old.notBefore),
    validityDays: name === 'not-before-year-0001' ? 1 : old.validityDays,
    serialNumber: old.serialNumber.replace(/^-/, 'ff'),
    publicKey: name === 'ec-explicit-p256-leaf' ? { ...old.publicKey, sizeBits: null } : old.publicKey,
    subjectAltNames: { ...old.subjectAltNames, dns: ['stale.example'] },
  };
}

function corpusItem(name: string, old: boolean): CertificateUpsert {
  const der = new Uint8Array(fs.readFileSync(path.join(X509_CORPUS_DIR, `${name}.der`)));
  const { facts } = parseCertificateDer(der, name);
  return { facts: old ? oldFacts(facts, name) : facts, der, metadata: METADATA };
}

/** A row whose DER does not parse (it cannot happen, but must not stop the upgrade). */
function unparseableItem(): CertificateUpsert {
  const { facts } = parseCertificateDer(fs.readFileSync(path.join(X509_CORPUS_DIR, 'rsa-leaf.der')), 'rsa-leaf');
  const der = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
  const fingerprintSha256 = createHash('sha256').update(der).digest('hex');
  return { facts: { ...facts, fingerprintSha256 }, der };
}

interface Backend {
  name: string;
  dialect: InventoryDialect;
  setup(): Promise<void>;
  /** A URL for a new, empty inventory. */
  newUrl(): Promise<string>;
  kyselyDialect(url: string): Dialect;
  teardown(): Promise<void>;
}

let dir = '';
let count = 0;
let server: TestPostgres | undefined;

const backends: Backend[] = [
  {
    name: 'SQLite',
    dialect: 'sqlite',
    async setup() {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-reparse-'));
    },
    async newUrl() {
      count += 1;
      return `sqlite:${path.join(dir, `inventory-${count}.sqlite`)}`;
    },
    kyselyDialect: (url) => new SqliteDialect({ database: new SqliteDatabase(url.slice('sqlite:'.length)) }),
    async teardown() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  },
  {
    name: 'PostgreSQL',
    dialect: 'postgres',
    async setup() {
      server = await startTestPostgres();
    },
    newUrl: () => server!.createDatabase(),
    kyselyDialect: (url) => new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
    async teardown() {
      await server?.stop();
    },
  },
];

describe.each(backends)('migration 012 on $name', (backend) => {
  beforeAll(() => backend.setup(), 120_000);
  afterAll(() => backend.teardown());
  afterEach(() => vi.restoreAllMocks());

  /** An inventory at the migration before 012 holding `items`, written as that version's certflow wrote them. */
  async function oldInventory(items: CertificateUpsert[]): Promise<string> {
    const url = await backend.newUrl();
    const db = new Kysely<InventoryDatabase>({ dialect: backend.kyselyDialect(url) });
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => inventoryMigrations(backend.dialect) },
      migrationTableName: 'inventory_migrations',
      migrationLockTableName: 'inventory_migrations_lock',
    });
    expect((await migrator.migrateTo(BEFORE_REPARSE)).error).toBeUndefined();
    await upsertBefore026(db, backend.dialect, items, NOW);
    await db.destroy();
    return url;
  }

  /** Every `certificates` and `certificate_values` row, in a stable order. */
  async function rows(url: string) {
    const db = new Kysely<InventoryDatabase>({ dialect: backend.kyselyDialect(url) });
    try {
      return {
        certificates: await db.selectFrom('certificates').selectAll().orderBy('fingerprint').execute(),
        values: await db
          .selectFrom('certificate_values')
          .select(['fingerprint', 'kind', 'value', 'folded'])
          .orderBy('fingerprint')
          .orderBy('kind')
          .orderBy('value')
          .execute(),
      };
    } finally {
      await db.destroy();
    }
  }

  it('R-INV-1: stored certificates get the facts and columns a fresh import of their DER writes', async () => {
    const url = await oldInventory(CORPUS.map((name) => corpusItem(name, true)));
    const before = await rows(url);
    expect(before.certificates.map((row) => JSON.parse(row.facts) as CertificateFacts)).toContainEqual(
      expect.objectContaining({ notBefore: expect.stringMatching(/^1901-/) as unknown }),
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const upgraded = await openInventoryStore({ url });
    await upgraded.close();

    const freshUrl = await backend.newUrl();
    const fresh = await openInventoryStore({ url: freshUrl });
    await fresh.upsertCertificates(
      CORPUS.map((name) => corpusItem(name, false)),
      NOW,
    );
    await fresh.close();

    const migrated = await rows(url);
    expect(migrated).toEqual(await rows(freshUrl));
    const facts = migrated.certificates.map((row) => JSON.parse(row.facts) as CertificateFacts);
    expect(facts.map((fact) => fact.notBefore)).toContainEqual(expect.stringMatching(/^0001-/));
    expect(facts.map((fact) => fact.serialNumber)).toContainEqual(expect.stringMatching(/^-/));
    expect(
      facts.every((fact) => fact.serialNumberEncoding !== undefined && fact.malformedExtensions !== undefined),
    ).toBe(true);
    expect(migrated.values.filter((value) => value.kind === 'tag')).toHaveLength(CORPUS.length);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(
      /re-parsed 5 stored certificates .*; rewrote the facts of 4: run `certflow policy check`/,
    );
  }, 60_000);

  it('R-INV-4: a stored certificate whose DER no longer parses is left as it was and named, and the rest are rewritten', async () => {
    const broken = unparseableItem();
    const url = await oldInventory([broken, corpusItem('not-before-year-0001', true)]);
    const before = await rows(url);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const upgraded = await openInventoryStore({ url });
    await upgraded.close();

    const after = await rows(url);
    const brokenRow = (table: typeof before) =>
      table.certificates.find((row) => row.fingerprint === broken.facts.fingerprintSha256);
    expect(brokenRow(after)).toEqual(brokenRow(before));
    const good = after.certificates.find((row) => row.fingerprint !== broken.facts.fingerprintSha256)!;
    expect((JSON.parse(good.facts) as CertificateFacts).notBefore).toMatch(/^0001-/);
    expect(warn.mock.calls[0]![0]).toMatch(
      new RegExp(
        `rewrote the facts of 1: .*; left 1 whose DER no longer parses as they were \\(${broken.facts.fingerprintSha256}\\)$`,
      ),
    );
  }, 60_000);

  it('R-INV-1: a certificate naming one SAN twice is rewritten with that SAN once, as an import stores it', async () => {
    const twice = createLeaf(createRootCa(), {
      subject: 'CN=twice.example.com',
      subjectAltNames: { dns: ['twice.example.com', 'twice.example.com'] },
    });
    const { facts } = parseCertificateDer(twice.der, 'twice');
    const url = await oldInventory([{ facts: oldFacts(facts, 'twice'), der: twice.der }]);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const upgraded = await openInventoryStore({ url });
    await upgraded.close();

    const dns = (await rows(url)).values.filter((value) => value.kind === 'san:dns').map((value) => value.value);
    expect(dns).toEqual(['twice.example.com']);
  }, 60_000);
});
