import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, sql, SqliteDialect, type SqlBool } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  CertificateFacts,
  CertificateRole,
  KeyAlgorithm,
  SignatureHash,
} from '../../../src/core/domain/certificates/certificate-facts';
import type {
  CertificateMetadataPatch,
  NewAuditEntry,
  OwnerGroup,
  PolicyResult,
} from '../../../src/core/domain/inventory/model';
import {
  openInventoryDatabase,
  openInventoryStore,
  parseInventoryUrl,
  redactDatabaseUrl,
} from '../../../src/adapters/database/database';
import {
  AmbiguousIdError,
  InventoryDatabaseError,
  InventoryInputError,
  UnknownCertificateError,
} from '../../../src/core/ports/inventory-errors';
import type { CertificateFilter, CertificateUpsert, InventoryStore } from '../../../src/core/ports/inventory-store';
import { KyselyInventoryStore, type InventoryDatabase } from '../../../src/adapters/database/kysely-inventory-store';
import { inventoryMigrations } from '../../../src/adapters/database/migrations';
import { valueCondition } from '../../../src/adapters/database/certificate-filter';
import { upsertBefore026 } from '../../support/old-inventory';
import { startTestPostgres, type TestPostgres } from '../../support/postgres';
import { freePort } from '../../support/ports';

const NOW = '2026-06-01T00:00:00.000Z';
const EXAMPLE_CA = 'CN=Example CA, O=Example, C=US';

/** What a certificate in these tests differs in; everything else has a plain default. */
interface CertificateSpec {
  cn: string;
  subject?: string;
  issuer?: string;
  dns?: string[];
  ip?: string[];
  email?: string[];
  uri?: string[];
  notBefore?: string;
  notAfter?: string;
  keyAlgorithm?: KeyAlgorithm;
  keySize?: number | null;
  curve?: string | null;
  hash?: SignatureHash;
  serial?: string;
  isCa?: boolean;
  selfSigned?: boolean;
  role?: CertificateRole;
  aki?: string | null;
  ski?: string | null;
  fingerprint?: string;
  metadata?: CertificateMetadataPatch;
}

/** A certificate as plain data: the DER is stand-in bytes and the fingerprint their SHA-256 unless given. */
function certificate(spec: CertificateSpec): CertificateUpsert {
  const der = new TextEncoder().encode(`not really DER: ${JSON.stringify(spec)}`);
  const fingerprint = spec.fingerprint ?? createHash('sha256').update(der).digest('hex');
  const subject = spec.subject ?? `CN=${spec.cn}, O=Example, C=US`;
  const issuer = spec.issuer ?? EXAMPLE_CA;
  const commonName = (text: string) => /CN=([^,]*)/.exec(text)?.[1] ?? null;
  const dn = (text: string) => ({ text, attributes: [], commonName: commonName(text) });
  const notBefore = spec.notBefore ?? '2026-02-01T00:00:00.000Z';
  const notAfter = spec.notAfter ?? '2027-01-01T00:00:00.000Z';
  const hash = spec.hash === undefined ? 'SHA-256' : spec.hash;
  const facts: CertificateFacts = {
    fingerprintSha256: fingerprint,
    fingerprintSha1: fingerprint.slice(0, 40),
    version: 3,
    serialNumber: spec.serial ?? fingerprint.slice(0, 16),
    subject: dn(subject),
    issuer: dn(issuer),
    subjectAltNames: {
      dns: spec.dns ?? [],
      ip: spec.ip ?? [],
      email: spec.email ?? [],
      uri: spec.uri ?? [],
      other: [],
    },
    notBefore,
    notAfter,
    validityDays: Math.ceil((Date.parse(notAfter) - Date.parse(notBefore)) / 86_400_000),
    publicKey: {
      algorithm: spec.keyAlgorithm ?? 'RSA',
      algorithmOid: '1.2.840.113549.1.1.1',
      sizeBits: spec.keySize === undefined ? 2048 : spec.keySize,
      curve: spec.curve ?? null,
    },
    signatureAlgorithm: { oid: '1.2.840.113549.1.1.11', name: `${hash ?? 'none'}WithRSAEncryption`, hash },
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: ['serverAuth'],
    basicConstraints: spec.isCa ? { ca: true, pathLength: null } : null,
    isCa: spec.isCa ?? false,
    selfSigned: spec.selfSigned ?? false,
    role: spec.role ?? 'end-entity',
    authorityKeyId: spec.aki ?? null,
    subjectKeyId: spec.ski ?? null,
  };
  return spec.metadata === undefined ? { facts, der } : { facts, der, metadata: spec.metadata };
}

/** A store opened for one test, with a way to run SQL around it (as an attacker with database access would). */
interface OpenedStore {
  store: InventoryStore;
  raw(statement: string): Promise<void>;
}

interface Backend {
  name: string;
  setup(): Promise<void>;
  open(): Promise<OpenedStore>;
  teardown(): Promise<void>;
}

/** An in-memory SQLite store built by hand: nothing outside this process can reach a `:memory:` database. */
async function openMemoryStore(): Promise<OpenedStore> {
  const database = new SqliteDatabase(':memory:');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<InventoryDatabase>({ dialect: new SqliteDialect({ database }) });
  const { error } = await new Migrator({
    db,
    provider: { getMigrations: async () => inventoryMigrations('sqlite') },
  }).migrateToLatest();
  if (error !== undefined) throw new Error('inventory migrations failed', { cause: error });
  return { store: new KyselyInventoryStore(db, 'sqlite'), raw: async (statement) => void database.exec(statement) };
}

function sqliteFileBackend(): Backend {
  let dir = '';
  let count = 0;
  return {
    name: 'SQLite file',
    async setup() {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-inventory-'));
    },
    async open() {
      const file = path.join(dir, `nested-${++count}`, 'inventory.sqlite');
      const store = await openInventoryStore({ url: `sqlite:${file}` });
      return {
        store,
        raw: async (statement) => {
          const database = new SqliteDatabase(file);
          try {
            database.exec(statement);
          } finally {
            database.close();
          }
        },
      };
    },
    async teardown() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  let server: TestPostgres | undefined;
  return {
    name: 'PostgreSQL',
    async setup() {
      server = await startTestPostgres();
    },
    async open() {
      const url = await server!.createDatabase();
      const store = await openInventoryStore({ url });
      return {
        store,
        raw: async (statement) => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(statement);
          } finally {
            await client.end();
          }
        },
      };
    },
    async teardown() {
      await server?.stop();
    },
  };
}

const backends: Backend[] = [
  { name: 'SQLite :memory:', setup: async () => {}, open: openMemoryStore, teardown: async () => {} },
  sqliteFileBackend(),
  postgresBackend(),
];

const group = (id: string, overrides: Partial<OwnerGroup> = {}): OwnerGroup => ({
  id,
  name: `Team ${id}`,
  contacts: [{ name: 'Alice', email: 'alice@example.com', slackUserId: 'U0ALICE' }],
  approvers: [{ name: 'Bob', email: 'bob@example.com', jiraAccountId: 'jira-bob' }],
  managementContact: { name: 'Mia', email: 'mia@example.com', slackUserId: 'U0MIA' },
  incidentResponseContact: { name: 'SOC', email: 'soc@example.com', slackUserId: 'U0SOC' },
  slack: { userGroupId: 'S0PAY', channelId: 'C0PAY' },
  jira: { group: 'payments-team', projectKey: 'PAY' },
  reminderDays: [60, 30, 7],
  autoRenew: false,
  ...overrides,
});

const audit = (overrides: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  at: NOW,
  actor: 'user:alice',
  action: 'certificate.imported',
  subject: 'a'.repeat(64),
  where: 'cli',
  details: { file: '/etc/ssl/a.pem' },
  ...overrides,
});

const policy = (fingerprint: string, ruleIds: string[], version = 'v1'): PolicyResult => ({
  fingerprintSha256: fingerprint,
  policyVersion: version,
  compliant: ruleIds.length === 0,
  violations: ruleIds.map((ruleId) => ({
    ruleId,
    rule: `rule-${ruleId}`,
    severity: 'high',
    message: `${ruleId} broken`,
    remedy: 'reissue',
  })),
  evaluatedAt: NOW,
});

describe.each(backends)('inventory store on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  describe('writes', () => {
    let opened: OpenedStore;
    let store: InventoryStore;
    beforeEach(async () => {
      opened = await backend.open();
      store = opened.store;
    });
    afterEach(() => store.close());

    it('R-INV-2: re-importing a certificate is idempotent: one record, no repeated values, lastSeen bumped', async () => {
      const shop = certificate({
        cn: 'shop.example',
        dns: ['shop.example'],
        metadata: { tags: ['prod'], locations: [{ kind: 'endpoint', host: 'shop.example', port: 443 }] },
      });
      expect(await store.upsertCertificates([shop], '2026-05-01T00:00:00Z')).toEqual({
        created: [shop.facts.fingerprintSha256],
        updated: [],
      });
      expect(await store.upsertCertificates([shop, shop], NOW)).toEqual({
        created: [],
        updated: [shop.facts.fingerprintSha256],
      });
      expect(await store.countCertificates({})).toBe(1);
      const record = await store.getCertificate(shop.facts.fingerprintSha256);
      expect(record).toMatchObject({
        id: shop.facts.fingerprintSha256.slice(0, 16),
        facts: shop.facts,
        metadata: {
          tags: ['prod'],
          locations: [{ kind: 'endpoint', host: 'shop.example', port: 443 }],
          ownerGroup: null,
        },
        issuerFingerprint: null,
        policy: null,
        firstSeenAt: '2026-05-01T00:00:00.000Z',
        lastSeenAt: NOW,
      });
      await store.upsertCertificates([shop], '2026-04-01T00:00:00Z');
      expect((await store.getCertificate(shop.facts.fingerprintSha256))?.lastSeenAt).toBe(NOW);
      expect(await store.getCertificateDer(shop.facts.fingerprintSha256)).toEqual(shop.der);
      expect(await store.getCertificateDer('f'.repeat(64))).toBeNull();
    });

    it('R-INV-2: a transaction commits its certificates, policy results and audit entries together, or none', async () => {
      const kept = certificate({ cn: 'kept.example', dns: ['kept.example'] });
      const lost = certificate({ cn: 'lost.example', dns: ['lost.example'] });
      const keptFp = kept.facts.fingerprintSha256;
      const lostFp = lost.facts.fingerprintSha256;
      await store.transaction(async (inner) => {
        await inner.upsertCertificates([kept], NOW);
        await inner.savePolicyResults([policy(keptFp, ['R-POL-3'])]);
        await inner.appendAudit([audit({ subject: keptFp })]);
        // Inside, the transaction sees its own writes.
        expect(await inner.knownFingerprints([keptFp])).toEqual(new Set([keptFp]));
        await inner.close();
      });
      const failure = new Error('the batch failed half-way');
      await expect(
        store.transaction(async (inner) => {
          await inner.upsertCertificates([lost], NOW);
          await inner.savePolicyResults([policy(lostFp, [])]);
          await inner.appendAudit([audit({ subject: lostFp })]);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await store.knownFingerprints([keptFp, lostFp])).toEqual(new Set([keptFp]));
      expect((await store.getCertificate(keptFp))?.policy?.violations.map((v) => v.ruleId)).toEqual(['R-POL-3']);
      expect((await store.queryAudit({}, { limit: 10 })).items.map((entry) => entry.subject)).toEqual([keptFp]);
      // Closing the transaction's store left the store that opened it working.
      expect(await store.countCertificates({})).toBe(1);
    });

    it('R-INV-2: metadata merges: lists are set unions, scalars replace only when given, null clears', async () => {
      const mail = certificate({
        cn: 'mail.example',
        metadata: { ownerGroup: 'mail', application: 'Mail', contacts: ['carol@example.com'], tags: ['a'] },
      });
      const fp = mail.facts.fingerprintSha256;
      await store.upsertCertificates([mail], NOW);
      await store.upsertCertificates(
        [{ ...mail, metadata: { tags: ['b', 'a'], regulations: ['HIPAA'], systemType: 'mail relay' } }],
        NOW,
      );
      const merged = await store.mergeMetadata(fp, {
        approvers: ['dave@example.com'],
        application: null,
        locations: [
          { kind: 'file', path: '/etc/ssl/mail.pem', host: 'MX1' },
          { kind: 'file', path: '/etc/ssl/mail.pem', host: 'mx1' },
        ],
      });
      expect(merged?.metadata).toEqual({
        locations: [{ kind: 'file', path: '/etc/ssl/mail.pem', host: 'mx1' }],
        ownerGroup: 'mail',
        contacts: ['carol@example.com'],
        approvers: ['dave@example.com'],
        systemType: 'mail relay',
        application: null,
        regulations: ['HIPAA'],
        tags: ['a', 'b'],
      });
      expect(await store.mergeMetadata('e'.repeat(64), { tags: ['x'] })).toBeNull();
    });

    it('R-INV-2: repeats of one certificate in a batch become one record with all their metadata', async () => {
      const base = certificate({ cn: 'twice.example' });
      const outcome = await store.upsertCertificates(
        [
          { ...base, metadata: { tags: ['first'], ownerGroup: 'one' } },
          { ...base, metadata: { tags: ['second'], ownerGroup: 'two' } },
        ],
        NOW,
      );
      expect(outcome.created).toEqual([base.facts.fingerprintSha256]);
      const record = await store.getCertificate(base.facts.fingerprintSha256);
      expect(record?.metadata).toMatchObject({ tags: ['first', 'second'], ownerGroup: 'two' });
    });

    it('R-INV-2: a large import is chunked under the parameter limits and stays in one transaction', async () => {
      const many = Array.from({ length: 2500 }, (_, index) =>
        certificate({
          cn: `host-${index}.example`,
          dns: [`host-${index}.example`, `alt-${index}.example`],
          metadata: { tags: ['bulk', `t${index % 7}`], locations: [{ kind: 'file', path: `/certs/${index}.pem` }] },
        }),
      );
      const outcome = await store.upsertCertificates(many, NOW);
      expect(outcome.created).toHaveLength(2500);
      expect(await store.countCertificates({ tag: 'bulk' })).toBe(2500);
      expect(await store.countCertificates({ tag: 't3' })).toBe(357);
      expect((await store.knownFingerprints(many.map((item) => item.facts.fingerprintSha256))).size).toBe(2500);
      expect((await store.upsertCertificates(many, NOW)).updated).toHaveLength(2500);
    });

    it('R-INV-4: a batch with one malformed item fails with the item named and stores nothing', async () => {
      const good = certificate({ cn: 'good.example' });
      const bad = certificate({ cn: 'bad.example' });
      const malformed = { ...bad, facts: { ...bad.facts, notAfter: 'someday' } };
      await expect(store.upsertCertificates([good, malformed], NOW)).rejects.toThrow(
        /items\[1\]\.facts\.notAfter: "someday" is not a date/,
      );
      await expect(store.upsertCertificates([good], 'now')).rejects.toBeInstanceOf(InventoryInputError);
      await expect(
        store.upsertCertificates([{ ...good, facts: { ...good.facts, fingerprintSha256: 'xyz' } }], NOW),
      ).rejects.toThrow(/fingerprintSha256/);
      await expect(
        store.upsertCertificates([{ ...good, metadata: { owner: 'x' } as CertificateMetadataPatch }], NOW),
      ).rejects.toThrow(/metadata\.owner: is not a metadata field/);
      await expect(
        store.upsertCertificates(
          [{ ...good, metadata: { locations: [{ kind: 'endpoint', host: 'x', port: 70000 }] } }],
          NOW,
        ),
      ).rejects.toThrow(/port: 70000 is not a TCP port/);
      await expect(
        store.upsertCertificates([{ ...good, metadata: { locations: [{ kind: 'ftp' } as never] } }], NOW),
      ).rejects.toThrow(/kind: must be "endpoint"/);
      await expect(store.upsertCertificates([{ ...good, der: new Uint8Array() }], NOW)).rejects.toThrow(/der/);
      expect(await store.countCertificates({})).toBe(0);
    });

    it('finds certificates by endpoint, case-insensitively on the host', async () => {
      const a = certificate({
        cn: 'a.example',
        metadata: { locations: [{ kind: 'endpoint', host: 'LB.example', port: 443, sni: 'a.example' }] },
      });
      const b = certificate({
        cn: 'b.example',
        metadata: { locations: [{ kind: 'endpoint', host: 'lb.example', port: 8443 }] },
      });
      await store.upsertCertificates([a, b], NOW);
      const found = await store.findByEndpoint('lb.EXAMPLE', 443);
      expect(found.map((item) => item.facts.subject.commonName)).toEqual(['a.example']);
      expect(found[0]?.metadata.locations).toEqual([
        { kind: 'endpoint', host: 'lb.example', port: 443, sni: 'a.example' },
      ]);
      await expect(store.findByEndpoint('lb.example', 0)).rejects.toBeInstanceOf(InventoryInputError);
    });

    it('looks certificates up by full fingerprint, id or unique prefix; an ambiguous prefix names the candidates', async () => {
      const one = certificate({ cn: 'one.example', fingerprint: `abcdef01${'1'.repeat(56)}` });
      const two = certificate({ cn: 'two.example', fingerprint: `abcdef01${'2'.repeat(56)}` });
      const three = certificate({ cn: 'three.example', fingerprint: `0123abcd${'3'.repeat(56)}` });
      await store.upsertCertificates([one, two, three], NOW);
      const cn = async (id: string) => (await store.getCertificate(id))?.facts.subject.commonName;
      expect(await cn(three.facts.fingerprintSha256)).toBe('three.example');
      expect(await cn(three.facts.fingerprintSha256.slice(0, 16))).toBe('three.example');
      expect(await cn('0123ABCD')).toBe('three.example');
      expect(await cn('01:23:ab:cd:33')).toBe('three.example');
      expect(await cn('abcdef012')).toBe('two.example');
      expect(await store.getCertificate('99999999')).toBeNull();
      const ambiguous = await store.getCertificate('abcdef01').catch((error: unknown) => error);
      expect(ambiguous).toBeInstanceOf(AmbiguousIdError);
      expect((ambiguous as AmbiguousIdError).candidates).toEqual([
        { fingerprint: one.facts.fingerprintSha256, subject: 'CN=one.example, O=Example, C=US' },
        { fingerprint: two.facts.fingerprintSha256, subject: 'CN=two.example, O=Example, C=US' },
      ]);
      expect((ambiguous as Error).message).toMatch(/"abcdef01" matches 2 certificates: .*give more hex digits/);
      await expect(store.getCertificate('abcdef')).rejects.toThrow(/at least 8 hex digits/);
      await expect(store.getCertificate('not-hex!')).rejects.toThrow(/not a certificate id/);
    });

    /** How the link tests store and link: as separate calls, or in one transaction as an import does. */
    const LINK_MODES: [string, boolean][] = [
      ['separate calls', false],
      ['one transaction', true],
    ];

    /**
     * Upserts `items` and links what they touched, as separate calls or in one transaction as an import does (which
     * writes the links of the rows it inserts with them); returns what linking changed, sorted.
     */
    const upsertAndLink = async (items: readonly CertificateUpsert[], within: boolean) => {
      const run = async (target: InventoryStore) => {
        await target.upsertCertificates(items, NOW);
        return [...(await target.linkIssuers(items.map((item) => item.facts.fingerprintSha256)))].sort();
      };
      return within ? await store.transaction(run) : await run(store);
    };

    it.each(LINK_MODES)(
      'R-INV-1: links issuers by DN and AKI/SKI, preferring the CA whose validity covers the child (%s)',
      async (_, within) => {
        const root = certificate({
          cn: 'Example Root',
          issuer: 'CN=Example Root, O=Example, C=US',
          isCa: true,
          selfSigned: true,
          role: 'root',
          ski: 'aa01',
          notBefore: '2015-01-01T00:00:00Z',
          notAfter: '2040-01-01T00:00:00Z',
        });
        const intermediateSubject = 'CN=Example Issuing CA, O=Example, C=US';
        const oldIntermediate = certificate({
          cn: 'Example Issuing CA',
          issuer: root.facts.subject.text,
          isCa: true,
          role: 'intermediate',
          aki: 'aa01',
          ski: 'bb02',
          notBefore: '2018-01-01T00:00:00Z',
          notAfter: '2024-01-01T00:00:00Z',
        });
        const newIntermediate = certificate({
          cn: 'Example Issuing CA',
          serial: '02',
          issuer: root.facts.subject.text,
          isCa: true,
          role: 'intermediate',
          aki: 'aa01',
          ski: 'bb02',
          notBefore: '2023-06-01T00:00:00Z',
          notAfter: '2030-01-01T00:00:00Z',
        });
        const leaf = certificate({ cn: 'leaf.example', issuer: intermediateSubject, aki: 'bb02' });
        const strangerLeaf = certificate({ cn: 'stranger.example', issuer: intermediateSubject, aki: 'ff99' });
        const noAkiLeaf = certificate({ cn: 'noaki.example', issuer: root.facts.subject.text });
        const items = [leaf, strangerLeaf, noAkiLeaf, oldIntermediate, newIntermediate, root];
        expect(await upsertAndLink(items, within)).toEqual(
          [leaf, noAkiLeaf, oldIntermediate, newIntermediate].map((item) => item.facts.fingerprintSha256).sort(),
        );
        expect(await store.linkIssuers(items.map((item) => item.facts.fingerprintSha256))).toEqual([]);
        const issuerOf = async (item: CertificateUpsert) =>
          (await store.getCertificate(item.facts.fingerprintSha256))?.issuerFingerprint;
        expect(await issuerOf(leaf)).toBe(newIntermediate.facts.fingerprintSha256);
        expect(await issuerOf(newIntermediate)).toBe(root.facts.fingerprintSha256);
        expect(await issuerOf(oldIntermediate)).toBe(root.facts.fingerprintSha256);
        expect(await issuerOf(noAkiLeaf)).toBe(root.facts.fingerprintSha256);
        expect(await issuerOf(strangerLeaf)).toBeNull();
        expect(await issuerOf(root)).toBeNull();
        const children = await store.searchCertificates(
          { issuerFingerprint: root.facts.fingerprintSha256.toUpperCase() },
          { limit: 10 },
        );
        expect(children.total).toBe(3);
      },
    );

    it.each(LINK_MODES)(
      'R-INV-1: links what each import touched, in either order, to the same issuers as linking everything at once (%s)',
      async (_, within) => {
        const root = certificate({
          cn: 'Order Root',
          issuer: 'CN=Order Root, O=Example, C=US',
          isCa: true,
          selfSigned: true,
          role: 'root',
          ski: 'cc01',
        });
        const oldCa = certificate({
          cn: 'Order CA',
          serial: '01',
          issuer: root.facts.subject.text,
          isCa: true,
          role: 'intermediate',
          aki: 'cc01',
          ski: 'dd02',
          notBefore: '2018-01-01T00:00:00Z',
          notAfter: '2024-01-01T00:00:00Z',
        });
        const newCa = certificate({
          cn: 'Order CA',
          serial: '02',
          issuer: root.facts.subject.text,
          isCa: true,
          role: 'intermediate',
          aki: 'cc01',
          ski: 'dd02',
          notBefore: '2023-06-01T00:00:00Z',
          notAfter: '2030-01-01T00:00:00Z',
        });
        const leaf = certificate({ cn: 'order.example', issuer: 'CN=Order CA, O=Example, C=US', aki: 'dd02' });
        const issuerOf = async (item: CertificateUpsert) =>
          (await store.getCertificate(item.facts.fingerprintSha256))?.issuerFingerprint;
        const importOf = async (items: CertificateUpsert[]) => await upsertAndLink(items, within);
        const fingerprints = (...items: CertificateUpsert[]) =>
          items.map((item) => item.facts.fingerprintSha256).sort();
        // Children before their issuers: each later CA relinks the certificates it issued.
        expect(await importOf([leaf])).toEqual([]);
        expect(await importOf([oldCa])).toEqual(fingerprints(leaf));
        expect(await issuerOf(leaf)).toBe(oldCa.facts.fingerprintSha256);
        expect(await importOf([newCa])).toEqual(fingerprints(leaf));
        expect(await issuerOf(leaf)).toBe(newCa.facts.fingerprintSha256);
        expect(await importOf([root])).toEqual(fingerprints(oldCa, newCa));
        expect(await issuerOf(oldCa)).toBe(root.facts.fingerprintSha256);
        expect(await issuerOf(newCa)).toBe(root.facts.fingerprintSha256);
        // A re-import of everything changes nothing: the links are already those of one import of all.
        expect(await importOf([leaf, oldCa, newCa, root])).toEqual([]);
        expect(await issuerOf(root)).toBeNull();
        // Certificates whose issuers are stored already: linked to the best of them, and only those that have one.
        const laterLeaf = certificate({ cn: 'later.example', issuer: 'CN=Order CA, O=Example, C=US', aki: 'dd02' });
        const strangerLeaf = certificate({
          cn: 'stranger.example',
          issuer: 'CN=Order CA, O=Example, C=US',
          aki: 'ff99',
        });
        expect(await importOf([laterLeaf, strangerLeaf])).toEqual(fingerprints(laterLeaf));
        expect(await issuerOf(laterLeaf)).toBe(newCa.facts.fingerprintSha256);
        expect(await issuerOf(strangerLeaf)).toBeNull();
      },
    );

    it('R-OWN-1: owner groups keep contacts, approvers, management and incident-response contacts, Slack and Jira', async () => {
      expect(await store.upsertOwnerGroup(group('payments'))).toBe('created');
      expect(await store.upsertOwnerGroup(group('mail', { reminderDays: null, slack: {}, jira: {} }))).toBe('created');
      expect(await store.getOwnerGroup('payments')).toEqual(group('payments'));
      const renamed = group('payments', { name: 'Payments Web', managementContact: null });
      expect(await store.upsertOwnerGroup(renamed)).toBe('updated');
      expect(await store.getOwnerGroup('payments')).toEqual(renamed);
      expect((await store.listOwnerGroups()).map((item) => item.id)).toEqual(['mail', 'payments']);
      expect(await store.getOwnerGroup('nobody')).toBeNull();
    });

    it('R-OWN-1: a malformed owner group is refused with the field named', async () => {
      await expect(store.upsertOwnerGroup(group('has space'))).rejects.toThrow(/group\.id: "has space" is not a slug/);
      await expect(store.upsertOwnerGroup(group('x', { approvers: [{ name: 'Nobody' }] }))).rejects.toThrow(
        /group\.approvers\[0\]: needs at least one of email, slackUserId or jiraAccountId/,
      );
      await expect(store.upsertOwnerGroup(group('x', { reminderDays: [30, -1] }))).rejects.toThrow(
        /group\.reminderDays\[1\]/,
      );
      expect(await store.listOwnerGroups()).toEqual([]);
    });

    it('R-POL-6: the latest policy result per certificate is kept and replaces the earlier one', async () => {
      const weak = certificate({ cn: 'weak.example', keySize: 1024, hash: 'SHA-1' });
      const fp = weak.facts.fingerprintSha256;
      await store.upsertCertificates([weak], NOW);
      await store.savePolicyResults([policy(fp, ['R-POL-3', 'R-POL-4', 'R-POL-4'])]);
      expect((await store.getCertificate(fp))?.policy).toEqual(policy(fp, ['R-POL-3', 'R-POL-4', 'R-POL-4']));
      expect(await store.countCertificates({ violatesRule: 'R-POL-3' })).toBe(1);
      await store.savePolicyResults([policy(fp, ['R-POL-4'], 'v2')]);
      expect((await store.getCertificate(fp))?.policy?.policyVersion).toBe('v2');
      expect(await store.countCertificates({ violatesRule: 'R-POL-3' })).toBe(0);
      expect(await store.countCertificates({ violatesRule: 'R-POL-4' })).toBe(1);
      await store.savePolicyResults([policy(fp, [], 'v3')]);
      expect(await store.countCertificates({ hasViolations: false })).toBe(1);
    });

    it('R-POL-6: results for certificates not in the inventory are refused and nothing is saved', async () => {
      const known = certificate({ cn: 'known.example' });
      await store.upsertCertificates([known], NOW);
      const error = await store
        .savePolicyResults([policy(known.facts.fingerprintSha256, ['R-POL-2']), policy('d'.repeat(64), [])])
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnknownCertificateError);
      expect((error as UnknownCertificateError).fingerprints).toEqual(['d'.repeat(64)]);
      expect((await store.getCertificate(known.facts.fingerprintSha256))?.policy).toBeNull();
      await expect(
        store.savePolicyResults([{ ...policy(known.facts.fingerprintSha256, []), evaluatedAt: 'later' }]),
      ).rejects.toThrow(/results\[0\]\.evaluatedAt/);
    });

    it('R-LOG-1: audit entries are numbered in order, queried by who/what/when and streamed for export', async () => {
      const first = await store.appendAudit([
        audit({ at: '2026-05-01T00:00:00Z' }),
        audit({ action: 'certificate.renewed', actor: 'workflow:renew-1', at: '2026-05-02T00:00:00Z' }),
        audit({ action: 'group.updated', subject: 'payments', at: '2026-05-03T00:00:00Z', details: {} }),
      ]);
      expect(first.map((entry) => entry.seq)).toEqual([1, 2, 3].map((n) => first[0]!.seq + n - 1));
      expect(first[0]).toEqual({ ...audit({ at: '2026-05-01T00:00:00.000Z' }), seq: first[0]!.seq });
      const more = await store.appendAudit(
        Array.from({ length: 7 }, (_, index) => audit({ at: `2026-05-1${index}T00:00:00Z`, actor: 'system' })),
      );
      expect(more[0]!.seq).toBeGreaterThan(first[2]!.seq);
      expect(await store.appendAudit([])).toEqual([]);

      const actions = async (filter: Parameters<InventoryStore['queryAudit']>[0]) =>
        (await store.queryAudit(filter, { limit: 100 })).items.map((entry) => entry.action);
      expect(await actions({ action: 'certificate.' })).toHaveLength(9);
      expect(await actions({ action: 'certificate' })).toEqual([]);
      expect(await actions({ action: 'group.updated' })).toEqual(['group.updated']);
      expect(await actions({ actor: 'workflow:renew-1' })).toEqual(['certificate.renewed']);
      expect(await actions({ subject: 'payments' })).toEqual(['group.updated']);
      expect(await actions({ from: '2026-05-02T00:00:00Z', to: '2026-05-10T00:00:00Z' })).toEqual([
        'certificate.renewed',
        'group.updated',
      ]);
      expect(await actions({ afterSeq: more[5]!.seq })).toEqual(['certificate.imported']);

      const page = await store.queryAudit({ actor: 'system' }, { limit: 3, offset: 3 });
      expect(page.total).toBe(7);
      expect(page.items.map((entry) => entry.seq)).toEqual(more.slice(3, 6).map((entry) => entry.seq));

      const batches: number[][] = [];
      for await (const batch of store.eachAuditEntry({ actor: 'system', afterSeq: more[0]!.seq }, 4)) {
        batches.push(batch.map((entry) => entry.seq));
      }
      expect(batches).toEqual([more.slice(1, 5).map((e) => e.seq), more.slice(5).map((e) => e.seq)]);
    });

    it('R-LOG-1: a large append is numbered in input order across statement chunks', async () => {
      const entries = Array.from({ length: 12_000 }, (_, index) => audit({ details: { index } }));
      const numbered = await store.appendAudit(entries);
      expect(numbered.map((entry) => entry.details.index)).toEqual(entries.map((_, index) => index));
      expect(numbered.every((entry, index) => index === 0 || entry.seq === numbered[index - 1]!.seq + 1)).toBe(true);
      const stored = await store.queryAudit({ afterSeq: numbered[7999]!.seq }, { limit: 1 });
      expect(stored.items[0]?.details).toEqual({ index: 8000 });
    });

    it('R-LOG-1: the database itself refuses to UPDATE or DELETE audit entries', async () => {
      await store.appendAudit([audit()]);
      await expect(opened.raw(`update audit_log set actor = 'user:mallory'`)).rejects.toThrow(/append-only/);
      await expect(opened.raw('delete from audit_log')).rejects.toThrow(/append-only/);
      if (backend.name === 'PostgreSQL') await expect(opened.raw('truncate audit_log')).rejects.toThrow(/append-only/);
      const { items } = await store.queryAudit({}, { limit: 10 });
      expect(items.map((entry) => entry.actor)).toEqual(['user:alice']);
    });

    it('R-LOG-1: malformed audit entries are refused with the field named', async () => {
      await expect(store.appendAudit([audit({ at: 'yesterday' })])).rejects.toThrow(/entries\[0\]\.at/);
      await expect(store.appendAudit([audit(), audit({ actor: ' ' })])).rejects.toThrow(/entries\[1\]\.actor/);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(store.appendAudit([audit({ details: cyclic })])).rejects.toThrow(/details: cannot be stored/);
      expect((await store.queryAudit({}, { limit: 10 })).total).toBe(0);
      await expect(store.queryAudit({ from: '1st of May' }, { limit: 10 })).rejects.toThrow(/filter\.from/);
    });

    it('streams every certificate, or only the named ones it holds, in fingerprint order, page by page', async () => {
      const items = Array.from({ length: 5 }, (_, index) => certificate({ cn: `stream-${index}.example` }));
      await store.upsertCertificates(items, NOW);
      const batches: string[][] = [];
      for await (const batch of store.eachCertificate(2))
        batches.push(batch.map((item) => item.facts.fingerprintSha256));
      expect(batches.map((batch) => batch.length)).toEqual([2, 2, 1]);
      expect(batches.flat()).toEqual(items.map((item) => item.facts.fingerprintSha256).sort());
      await expect(async () => {
        for await (const _ of store.eachCertificate(0)) return;
      }).rejects.toThrow(/batchSize/);
      // Only the named ones the inventory holds (an import's relinked certificates), still in order and in batches.
      const named = [items[4]!, items[1]!, items[3]!].map((item) => item.facts.fingerprintSha256);
      const unknown = 'ab'.repeat(32);
      const only: string[][] = [];
      for await (const batch of store.eachCertificate(2, [...named, unknown, named[0]!.toUpperCase()]))
        only.push(batch.map((item) => item.facts.fingerprintSha256));
      expect(only.flat()).toEqual([...named].sort());
      expect(only.every((batch) => batch.length <= 2)).toBe(true);
    });
  });

  describe('managed certificates (issue 4)', () => {
    let opened: OpenedStore;
    let store: InventoryStore;
    beforeEach(async () => {
      opened = await backend.open();
      store = opened.store;
    });
    afterEach(() => store.close());

    const shop = (version: string, notBefore: string, overrides: Partial<CertificateSpec> = {}) =>
      certificate({
        cn: 'Shop.Example',
        dns: ['shop.example', 'www.shop.example'],
        serial: version,
        notBefore,
        notAfter: '2027-06-01T00:00:00Z',
        ...overrides,
      });
    const fp = (item: CertificateUpsert) => item.facts.fingerprintSha256;

    it('assigns end-entity certificates by their names: a newer version replaces, an older one is a past version, again changes nothing', async () => {
      const v1 = shop('v1', '2026-01-01T00:00:00Z');
      const ca = certificate({ cn: 'Example CA', isCa: true, role: 'intermediate' });
      await store.upsertCertificates([v1, ca], NOW);
      const first = await store.assignManagedCertificates([fp(v1), fp(ca)], NOW);
      expect(first.replaced).toEqual([]);
      expect(first.created).toEqual([
        {
          id: fp(v1).slice(0, 16),
          currentFingerprint: fp(v1),
          namesKey: 'shop.example,www.shop.example',
          phase: 'monitoring',
          phaseDetail: null,
          ticketKey: null,
          retired: false,
          createdAt: NOW,
          updatedAt: NOW,
        },
      ]);
      const managedId = first.created[0]!.id;
      expect(await store.assignManagedCertificates([fp(v1), fp(ca)], NOW)).toEqual({ created: [], replaced: [] });
      expect(await store.findManagedCertificateByFingerprint(fp(ca))).toBeNull();

      // Same names in another case and order: the same managed certificate.
      const v2 = shop('v2', '2026-03-01T00:00:00Z', {
        cn: 'WWW.shop.example',
        dns: ['Shop.Example', 'www.shop.example'],
      });
      const v0 = shop('v0', '2025-10-01T00:00:00Z');
      await store.upsertCertificates([v2, v0], NOW);
      const later = '2026-06-02T00:00:00.000Z';
      const second = await store.assignManagedCertificates([fp(v2), fp(v0)], later);
      expect(second.created).toEqual([]);
      expect(second.replaced).toEqual([
        {
          managed: expect.objectContaining({ id: managedId, currentFingerprint: fp(v2), updatedAt: later }),
          previousFingerprint: fp(v1),
        },
      ]);
      expect((await store.getManagedCertificate(managedId))?.currentFingerprint).toBe(fp(v2));
      for (const version of [v0, v1, v2]) {
        expect((await store.findManagedCertificateByFingerprint(fp(version)))?.id).toBe(managedId);
      }
      expect(await store.assignManagedCertificates([fp(v0), fp(v1), fp(v2)], later)).toEqual({
        created: [],
        replaced: [],
      });
    });

    it('within one call the newest version is current whatever the order, and a new managed certificate is not "replaced"', async () => {
      const older = shop('old', '2026-01-01T00:00:00Z');
      const newer = shop('new', '2026-04-01T00:00:00Z');
      const other = certificate({ cn: 'api.example', dns: ['api.example'] });
      await store.upsertCertificates([older, newer, other], NOW);
      const outcome = await store.assignManagedCertificates([fp(newer), fp(other), fp(older), fp(newer)], NOW);
      expect(outcome.replaced).toEqual([]);
      expect(outcome.created.map((managed) => [managed.id, managed.currentFingerprint]).sort()).toEqual(
        [
          [fp(older).slice(0, 16), fp(newer)],
          [fp(other).slice(0, 16), fp(other)],
        ].sort(),
      );
    });

    it('a certificate with no names at all is its own managed certificate, keyed by its fingerprint', async () => {
      const a = certificate({ cn: 'x', subject: 'O=Nameless, C=US', serial: '01' });
      const b = certificate({ cn: 'x', subject: 'O=Nameless, C=US', serial: '02' });
      await store.upsertCertificates([a, b], NOW);
      const { created } = await store.assignManagedCertificates([fp(a), fp(b)], NOW);
      expect(created.map((managed) => managed.namesKey).sort()).toEqual([`sha256:${fp(a)}`, `sha256:${fp(b)}`].sort());
    });

    it('R-REV-1: a revoked certificate is never made a version, however new; revoking twice keeps the first record', async () => {
      const v1 = shop('v1', '2026-01-01T00:00:00Z');
      const discarded = shop('v2', '2026-02-01T00:00:00Z');
      await store.upsertCertificates([v1, discarded], NOW);
      const [managed] = (await store.assignManagedCertificates([fp(v1)], NOW)).created;
      expect((await store.getCertificate(fp(discarded)))?.revocation).toBeNull();
      expect(await store.recordRevocation(fp(discarded), { at: NOW, reason: 'cessationOfOperation' })).toBe(true);
      expect(
        await store.recordRevocation(fp(discarded), { at: '2026-12-01T00:00:00.000Z', reason: 'keyCompromise' }),
      ).toBe(false);
      expect((await store.getCertificate(fp(discarded)))?.revocation).toEqual({
        revokedAt: NOW,
        reason: 'cessationOfOperation',
      });
      expect(await store.assignManagedCertificates([fp(discarded)], NOW)).toEqual({ created: [], replaced: [] });
      expect((await store.getManagedCertificate(managed!.id))?.currentFingerprint).toBe(fp(v1));
      expect(await store.findManagedCertificateByFingerprint(fp(discarded))).toBeNull();
      await expect(store.recordRevocation('ff'.repeat(32), { at: NOW, reason: 'superseded' })).rejects.toBeInstanceOf(
        UnknownCertificateError,
      );
    });

    it('a retired managed certificate is not reused: the next certificate with its names starts a new one', async () => {
      const v1 = shop('v1', '2026-01-01T00:00:00Z');
      const v2 = shop('v2', '2026-02-01T00:00:00Z');
      await store.upsertCertificates([v1, v2], NOW);
      const [retired] = (await store.assignManagedCertificates([fp(v1)], NOW)).created;
      await store.updateManagedLifecycle(retired!.id, { phase: 'retired', detail: 'revoked', retired: true }, NOW);
      const { created, replaced } = await store.assignManagedCertificates([fp(v2)], NOW);
      expect(replaced).toEqual([]);
      expect(created.map((managed) => managed.id)).toEqual([fp(v2).slice(0, 16)]);
      expect((await store.getManagedCertificate(retired!.id))?.currentFingerprint).toBe(fp(v1));
    });

    it('gives a longer id when two first versions share their first 16 hex digits', async () => {
      const prefix = 'ab'.repeat(8);
      const a = certificate({ cn: 'a.example', fingerprint: `${prefix}${'1'.repeat(48)}` });
      const b = certificate({ cn: 'b.example', fingerprint: `${prefix}${'2'.repeat(48)}` });
      await store.upsertCertificates([a, b], NOW);
      const { created } = await store.assignManagedCertificates([fp(a), fp(b)], NOW);
      expect(created.map((managed) => managed.id)).toEqual([prefix, fp(b).slice(0, 24)]);
      expect((await store.findManagedCertificateByFingerprint(fp(b)))?.id).toBe(fp(b).slice(0, 24));
    });

    it('keeps names keys longer than a PostgreSQL index entry (hundreds of SANs)', async () => {
      const dns = Array.from({ length: 300 }, (_, index) => `host-${index}.${'very-long-label-'.repeat(3)}example.com`);
      const v1 = certificate({ cn: 'many.example', dns, notBefore: '2026-01-01T00:00:00Z' });
      const v2 = certificate({ cn: 'many.example', dns: [...dns].reverse(), notBefore: '2026-02-01T00:00:00Z' });
      await store.upsertCertificates([v1, v2], NOW);
      const [managed] = (await store.assignManagedCertificates([fp(v1)], NOW)).created;
      expect(managed!.namesKey.length).toBeGreaterThan(10_000);
      const { replaced } = await store.assignManagedCertificates([fp(v2)], NOW);
      expect(replaced.map((item) => item.managed.id)).toEqual([managed!.id]);
    });

    it('refuses unknown and malformed fingerprints and assigns nothing', async () => {
      const known = shop('v1', '2026-01-01T00:00:00Z');
      await store.upsertCertificates([known], NOW);
      const error = await store
        .assignManagedCertificates([fp(known), 'e'.repeat(64)], NOW)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnknownCertificateError);
      expect(await store.findManagedCertificateByFingerprint(fp(known))).toBeNull();
      await expect(store.assignManagedCertificates(['abc'], NOW)).rejects.toThrow(/fingerprints\[0\]: "abc"/);
      await expect(store.assignManagedCertificates([fp(known)], 'today')).rejects.toThrow(/^at: "today"/);
      await expect(store.getManagedCertificate('not hex')).rejects.toThrow(InventoryInputError);
      expect(await store.getManagedCertificate('0'.repeat(16))).toBeNull();
      expect(await store.assignManagedCertificates([], NOW)).toEqual({ created: [], replaced: [] });
    });

    it('makes a renewed certificate the current version; its names become the managed certificate names', async () => {
      const v1 = shop('v1', '2026-01-01T00:00:00Z');
      const renewed = shop('v2', '2026-05-01T00:00:00Z', {
        dns: ['shop.example', 'www.shop.example', 'm.shop.example'],
      });
      const stranger = certificate({ cn: 'other.example' });
      await store.upsertCertificates([v1, renewed, stranger], NOW);
      const [managed] = (await store.assignManagedCertificates([fp(v1)], NOW)).created;
      const [other] = (await store.assignManagedCertificates([fp(stranger)], NOW)).created;
      const updated = await store.setManagedCertificateVersion(managed!.id, fp(renewed), '2026-06-03T00:00:00Z');
      expect(updated).toMatchObject({
        id: managed!.id,
        currentFingerprint: fp(renewed),
        namesKey: 'm.shop.example,shop.example,www.shop.example',
        updatedAt: '2026-06-03T00:00:00.000Z',
      });
      expect((await store.findManagedCertificateByFingerprint(fp(renewed)))?.id).toBe(managed!.id);
      expect(await store.assignManagedCertificates([fp(renewed)], NOW)).toEqual({ created: [], replaced: [] });
      await expect(store.setManagedCertificateVersion(managed!.id, fp(stranger), NOW)).rejects.toThrow(
        new RegExp(`is a version of managed certificate ${other!.id}`),
      );
      await expect(store.setManagedCertificateVersion(managed!.id, 'f'.repeat(64), NOW)).rejects.toThrow(
        UnknownCertificateError,
      );
      await expect(store.setManagedCertificateVersion('0'.repeat(16), fp(v1), NOW)).rejects.toThrow(
        /no managed certificate "0000000000000000"/,
      );
    });

    it('lists the active managed certificates in a phase with a ticket open, by id, for the change-ticket poller', async () => {
      const waiting = shop('v1', '2026-01-01T00:00:00Z');
      const noTicket = shop('v1', '2026-01-01T00:00:00Z', { cn: 'pay.example', dns: ['pay.example'] });
      const issuing = shop('v1', '2026-01-01T00:00:00Z', { cn: 'api.example', dns: ['api.example'] });
      const retired = shop('v1', '2026-01-01T00:00:00Z', { cn: 'old.example', dns: ['old.example'] });
      await store.upsertCertificates([waiting, noTicket, issuing, retired], NOW);
      const created = (await store.assignManagedCertificates([waiting, noTicket, issuing, retired].map(fp), NOW))
        .created;
      const idOf = (item: CertificateUpsert) => created.find((m) => m.currentFingerprint === fp(item))!.id;
      await store.updateManagedLifecycle(
        idOf(waiting),
        { phase: 'awaiting-approval', detail: null, ticketKey: 'PAY-7' },
        NOW,
      );
      await store.updateManagedLifecycle(idOf(noTicket), { phase: 'awaiting-approval', detail: null }, NOW);
      await store.updateManagedLifecycle(idOf(issuing), { phase: 'issuing', detail: null, ticketKey: 'PAY-8' }, NOW);
      await store.updateManagedLifecycle(
        idOf(retired),
        { phase: 'awaiting-approval', detail: null, ticketKey: 'PAY-9', retired: true },
        NOW,
      );
      const listed = await store.listManagedCertificatesWithTicket('awaiting-approval');
      expect(listed.map((m) => [m.id, m.ticketKey])).toEqual([[idOf(waiting), 'PAY-7']]);
      expect((await store.listManagedCertificatesWithTicket('issuing')).map((m) => m.ticketKey)).toEqual(['PAY-8']);
      await expect(store.listManagedCertificatesWithTicket(' ')).rejects.toThrow(/phase/);
    });

    it('records the phase its workflow reports and finds it by its ticket key; an absent ticket key leaves the ticket as is', async () => {
      const v1 = shop('v1', '2026-01-01T00:00:00Z');
      await store.upsertCertificates([v1], NOW);
      const [managed] = (await store.assignManagedCertificates([fp(v1)], NOW)).created;
      const id = managed!.id;
      await store.updateManagedLifecycle(
        id,
        { phase: 'awaiting-approval', detail: 'renewal', ticketKey: 'PAY-7' },
        NOW,
      );
      expect((await store.findManagedCertificateByTicketKey('PAY-7'))?.id).toBe(id);
      expect(await store.findManagedCertificateByTicketKey('PAY-8')).toBeNull();
      await expect(store.findManagedCertificateByTicketKey(' ')).rejects.toThrow(/ticketKey/);
      await store.updateManagedLifecycle(id, { phase: 'issuing', detail: null }, '2026-06-05T00:00:00Z');
      expect(await store.getManagedCertificate(id)).toMatchObject({
        phase: 'issuing',
        phaseDetail: null,
        ticketKey: 'PAY-7',
        retired: false,
        updatedAt: '2026-06-05T00:00:00.000Z',
      });
      await store.updateManagedLifecycle(id, { phase: 'monitoring', detail: null, ticketKey: null }, NOW);
      expect((await store.getManagedCertificate(id))?.ticketKey).toBeNull();
      await expect(store.updateManagedLifecycle('0'.repeat(16), { phase: 'x', detail: null }, NOW)).rejects.toThrow(
        /no managed certificate/,
      );
      await expect(store.updateManagedLifecycle(id, { phase: ' ', detail: null }, NOW)).rejects.toThrow(/state\.phase/);
      await expect(
        store.updateManagedLifecycle(id, { phase: 'x', detail: null, retired: 'yes' as never }, NOW),
      ).rejects.toThrow(/state\.retired/);
    });

    it('streams managed certificates in id order with their current notAfter, without expired or retired ones unless asked', async () => {
      const items = Array.from({ length: 5 }, (_, index) =>
        certificate({ cn: `m${index}.example`, notAfter: `2026-0${index + 3}-01T00:00:00Z` }),
      );
      await store.upsertCertificates(items, NOW);
      await store.assignManagedCertificates(items.map(fp), NOW);
      const ids = items.map((item) => fp(item).slice(0, 16));
      await store.updateManagedLifecycle(ids[4]!, { phase: 'retired', detail: null, retired: true }, NOW);
      const stream = async (filter: Parameters<InventoryStore['eachManagedCertificate']>[0], size = 2) => {
        const batches: { id: string; notAfter: string }[][] = [];
        for await (const batch of store.eachManagedCertificate(filter, size)) {
          batches.push(batch.map((item) => ({ id: item.managed.id, notAfter: item.notAfter })));
        }
        return batches;
      };
      const all = await stream({});
      expect(all.map((batch) => batch.length)).toEqual([2, 2]);
      expect(all.flat().map((item) => item.id)).toEqual(ids.slice(0, 4).sort());
      const current = await stream({ notAfterFrom: '2026-05-01T00:00:00Z' }, 10);
      expect(current.flat()).toEqual(
        [
          { id: ids[2]!, notAfter: '2026-05-01T00:00:00.000Z' },
          { id: ids[3]!, notAfter: '2026-06-01T00:00:00.000Z' },
        ].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      expect((await stream({ includeRetired: true }, 10)).flat()).toHaveLength(5);
      await expect(stream({ notAfterFrom: 'soon' })).rejects.toThrow(/filter\.notAfterFrom/);
      await expect(stream({}, 0)).rejects.toThrow(/batchSize/);
    });

    it('R-OWN-1: owner groups keep their auto-renew setting; older callers without it get off', async () => {
      await store.upsertOwnerGroup(group('payments', { autoRenew: true }));
      expect((await store.getOwnerGroup('payments'))?.autoRenew).toBe(true);
      const { autoRenew: _autoRenew, ...withoutSetting } = group('mail');
      await store.upsertOwnerGroup(withoutSetting as OwnerGroup);
      expect((await store.getOwnerGroup('mail'))?.autoRenew).toBe(false);
      await expect(store.upsertOwnerGroup(group('x', { autoRenew: 'on' as never }))).rejects.toThrow(
        /group\.autoRenew/,
      );
    });

    it('R-LOG-1: an entry whose idempotency key is logged already is not appended again; the stored one is returned', async () => {
      const [stored] = await store.appendAudit([audit({ idempotencyKey: 'wf-1/reminder-90', details: { try: 1 } })]);
      const again = await store.appendAudit([
        audit({ action: 'certificate.renewed' }),
        audit({ idempotencyKey: 'wf-1/reminder-90', details: { try: 2 } }),
        audit({ idempotencyKey: 'wf-1/ticket', details: { try: 1 } }),
        audit({ idempotencyKey: 'wf-1/ticket', details: { try: 2 } }),
      ]);
      expect(again[1]).toEqual(stored);
      expect(again[3]).toEqual(again[2]);
      expect(again[2]!.details).toEqual({ try: 1 });
      const { items } = await store.queryAudit({}, { limit: 10 });
      expect(items.map((entry) => entry.details)).toEqual([{ try: 1 }, { file: '/etc/ssl/a.pem' }, { try: 1 }]);
      expect(items.map((entry) => entry.seq)).toEqual([stored!.seq, again[0]!.seq, again[2]!.seq]);
      await expect(store.appendAudit([audit({ idempotencyKey: ' ' })])).rejects.toThrow(/entries\[0\]\.idempotencyKey/);
      await expect(opened.raw(`update audit_log set idempotency_key = 'forged'`)).rejects.toThrow(/append-only/);
    });
  });

  describe('search (R-INV-3)', () => {
    let store: InventoryStore;
    const shop = certificate({
      cn: 'www.shop.example',
      dns: ['www.shop.example', 'shop.example'],
      notBefore: '2026-01-01T00:00:00Z',
      notAfter: '2026-07-01T00:00:00Z',
      aki: 'ca01',
      metadata: {
        ownerGroup: 'payments',
        application: 'Web Shop',
        systemType: 'load balancer',
        contacts: ['alice@example.com'],
        approvers: ['bob@example.com'],
        regulations: ['PCI-DSS'],
        tags: ['prod'],
        locations: [
          { kind: 'endpoint', host: 'shop.example', port: 443 },
          { kind: 'file', path: '/etc/ssl/shop/cert.pem', host: 'web1' },
        ],
      },
    });
    const mail = certificate({
      cn: 'mail.example',
      dns: ['mail.example', '*.mail.example'],
      email: ['postmaster@mail.example'],
      keyAlgorithm: 'EC',
      keySize: 256,
      curve: 'P-256',
      hash: 'SHA-384',
      notBefore: '2025-06-01T00:00:00Z',
      notAfter: '2026-12-01T00:00:00Z',
      metadata: {
        ownerGroup: 'mail',
        application: 'Mail',
        systemType: 'mail relay',
        contacts: ['carol@example.com'],
        regulations: ['HIPAA'],
        tags: ['staging'],
        locations: [{ kind: 'file', path: '/etc/ssl/mail.pem' }],
      },
    });
    const legacy = certificate({
      cn: 'legacy.example',
      issuer: 'CN=Legacy CA, O=Old',
      ip: ['10.0.0.5'],
      uri: ['https://legacy.example/'],
      keySize: 1024,
      hash: 'SHA-1',
      serial: '0a1b',
      notBefore: '2020-01-01T00:00:00Z',
      notAfter: '2026-06-15T00:00:00Z',
      metadata: { locations: [{ kind: 'endpoint', host: '10.0.0.5', port: 8443 }] },
    });
    const root = certificate({
      cn: 'Example CA',
      isCa: true,
      selfSigned: true,
      role: 'root',
      keySize: 4096,
      ski: 'ca01',
      notBefore: '2020-01-01T00:00:00Z',
      notAfter: '2035-01-01T00:00:00Z',
    });
    const unicode = certificate({
      cn: 'ÜBER GmbH 100%_off',
      keyAlgorithm: 'EC',
      keySize: 384,
      curve: 'P-384',
    });
    const all = { shop, mail, legacy, root, unicode };
    const names = (fingerprints: readonly string[]) =>
      Object.entries(all)
        .filter(([, item]) => fingerprints.includes(item.facts.fingerprintSha256))
        .map(([name]) => name)
        .sort();

    beforeAll(async () => {
      store = (await backend.open()).store;
      await store.upsertCertificates([root], '2026-01-01T00:00:00Z');
      await store.upsertCertificates([shop, legacy], '2026-02-01T00:00:00Z');
      await store.upsertCertificates([mail, unicode], '2026-03-01T00:00:00Z');
      await store.linkIssuers(Object.values(all).map((item) => item.facts.fingerprintSha256));
      await store.savePolicyResults([
        policy(shop.facts.fingerprintSha256, []),
        policy(mail.facts.fingerprintSha256, ['R-POL-2']),
        policy(legacy.facts.fingerprintSha256, ['R-POL-3', 'R-POL-4']),
      ]);
      await store.recordRevocation(legacy.facts.fingerprintSha256, {
        at: '2026-04-01T00:00:00Z',
        reason: 'superseded',
      });
    });
    afterAll(() => store?.close());

    const table: { filter: CertificateFilter; expected: (keyof typeof all)[] }[] = [
      { filter: {}, expected: ['legacy', 'mail', 'root', 'shop', 'unicode'] },
      { filter: { fingerprint: shop.facts.fingerprintSha256.slice(0, 10).toUpperCase() }, expected: ['shop'] },
      { filter: { text: 'SHOP' }, expected: ['shop'] },
      { filter: { text: '10.0.0.5' }, expected: ['legacy'] },
      { filter: { text: 'über' }, expected: ['unicode'] },
      { filter: { text: '%' }, expected: ['unicode'] },
      { filter: { text: '_' }, expected: ['unicode'] },
      { filter: { text: '0%_o' }, expected: ['unicode'] },
      { filter: { subject: 'cn=mail' }, expected: ['mail'] },
      { filter: { issuer: 'legacy ca' }, expected: ['legacy'] },
      { filter: { issuerFingerprint: root.facts.fingerprintSha256 }, expected: ['mail', 'shop', 'unicode'] },
      { filter: { serialNumber: 'A1B' }, expected: ['legacy'] },
      { filter: { serialNumber: '00:0a:1b' }, expected: ['legacy'] },
      { filter: { san: '*.' }, expected: ['mail'] },
      { filter: { san: 'postmaster' }, expected: ['mail'] },
      { filter: { san: 'legacy.example/' }, expected: ['legacy'] },
      { filter: { notAfterBefore: '2026-07-01T00:00:00Z' }, expected: ['legacy'] },
      { filter: { notAfterFrom: '2026-07-01' }, expected: ['mail', 'root', 'shop', 'unicode'] },
      { filter: { notBeforeFrom: '2026-01-01T00:00:00+00:00' }, expected: ['shop', 'unicode'] },
      { filter: { notBeforeBefore: '2025-01-01T00:00:00Z' }, expected: ['legacy', 'root'] },
      { filter: { keyAlgorithm: 'EC' }, expected: ['mail', 'unicode'] },
      { filter: { keySizeBelow: 2048 }, expected: ['legacy', 'mail', 'unicode'] },
      { filter: { curve: 'p-256' }, expected: ['mail'] },
      { filter: { signatureHash: 'SHA-1' }, expected: ['legacy'] },
      { filter: { signatureHash: 'sha384' as never }, expected: ['mail'] },
      { filter: { isCa: true }, expected: ['root'] },
      { filter: { isCa: false }, expected: ['legacy', 'mail', 'shop', 'unicode'] },
      { filter: { selfSigned: true }, expected: ['root'] },
      { filter: { role: 'end-entity' }, expected: ['legacy', 'mail', 'shop', 'unicode'] },
      { filter: { ownerGroup: 'payments' }, expected: ['shop'] },
      { filter: { unowned: true }, expected: ['legacy', 'root', 'unicode'] },
      { filter: { unowned: false }, expected: ['mail', 'shop'] },
      { filter: { application: 'web' }, expected: ['shop'] },
      { filter: { systemType: 'RELAY' }, expected: ['mail'] },
      { filter: { contact: 'alice' }, expected: ['shop'] },
      { filter: { approver: 'bob@example.com' }, expected: ['shop'] },
      { filter: { regulation: 'pci-dss' }, expected: ['shop'] },
      { filter: { tag: 'PROD' }, expected: ['shop'] },
      { filter: { tag: 'pro' }, expected: [] },
      { filter: { host: 'SHOP.example' }, expected: ['shop'] },
      { filter: { host: 'web1' }, expected: ['shop'] },
      { filter: { host: '10.0.0.5' }, expected: ['legacy'] },
      { filter: { folder: '/etc/ssl' }, expected: ['mail', 'shop'] },
      { filter: { folder: '/etc/ssl/shop/' }, expected: ['shop'] },
      { filter: { folder: '/etc/ss' }, expected: [] },
      { filter: { hasViolations: true }, expected: ['legacy', 'mail'] },
      { filter: { hasViolations: false }, expected: ['shop'] },
      { filter: { violatesRule: 'r-pol-4' }, expected: ['legacy'] },
      { filter: { weak: true }, expected: ['legacy'] },
      { filter: { weak: false }, expected: ['mail', 'shop'] },
      { filter: { revoked: true }, expected: ['legacy'] },
      { filter: { revoked: false }, expected: ['mail', 'root', 'shop', 'unicode'] },
      { filter: { ownerGroup: 'payments', tag: 'prod', keyAlgorithm: 'RSA' }, expected: ['shop'] },
      { filter: { ownerGroup: 'payments', keyAlgorithm: 'EC' }, expected: [] },
    ];

    it.each(table)('R-INV-3: filter $filter', async ({ filter, expected }) => {
      const page = await store.searchCertificates(filter, { limit: 100 });
      expect(names(page.items.map((item) => item.facts.fingerprintSha256))).toEqual(expected);
      expect(page.total).toBe(expected.length);
      expect(await store.countCertificates(filter)).toBe(expected.length);
    });

    it('R-INV-3: the filter table covers every filter field', () => {
      const everyField: Record<keyof CertificateFilter, true> = {
        fingerprint: true,
        text: true,
        subject: true,
        issuer: true,
        issuerFingerprint: true,
        serialNumber: true,
        san: true,
        notAfterBefore: true,
        notAfterFrom: true,
        notBeforeFrom: true,
        notBeforeBefore: true,
        keyAlgorithm: true,
        keySizeBelow: true,
        curve: true,
        signatureHash: true,
        isCa: true,
        selfSigned: true,
        role: true,
        ownerGroup: true,
        unowned: true,
        application: true,
        systemType: true,
        contact: true,
        approver: true,
        regulation: true,
        tag: true,
        host: true,
        folder: true,
        hasViolations: true,
        violatesRule: true,
        weak: true,
        revoked: true,
      };
      const covered = new Set(table.flatMap((row) => Object.keys(row.filter)));
      expect([...covered].sort()).toEqual(Object.keys(everyField).sort());
    });

    it('R-INV-3: pages carry the total and sort by notAfter, subject or first seen', async () => {
      const order = async (sort: 'notAfter' | 'subject' | 'firstSeen', filter: CertificateFilter = {}) =>
        (await store.searchCertificates(filter, { limit: 10, sort })).items.map(
          (item) => item.facts.subject.commonName,
        );
      expect(await order('notAfter')).toEqual([
        'legacy.example',
        'www.shop.example',
        'mail.example',
        'ÜBER GmbH 100%_off',
        'Example CA',
      ]);
      expect(await order('subject', { keyAlgorithm: 'RSA' })).toEqual([
        'Example CA',
        'legacy.example',
        'www.shop.example',
      ]);
      const firstSeen = await order('firstSeen');
      expect(firstSeen[0]).toBe('Example CA');
      expect(firstSeen.slice(1, 3).sort()).toEqual(['legacy.example', 'www.shop.example']);
      expect(firstSeen.slice(3).sort()).toEqual(['mail.example', 'ÜBER GmbH 100%_off']);

      const second = await store.searchCertificates({}, { limit: 2, offset: 2 });
      expect(second).toMatchObject({ total: 5, offset: 2 });
      expect(second.items.map((item) => item.facts.subject.commonName)).toEqual(['mail.example', 'ÜBER GmbH 100%_off']);
      expect((await store.searchCertificates({}, { limit: 2, offset: 10 })).items).toEqual([]);
    });

    it('R-INV-3: groups by owner group, application, folder, issuer and key algorithm', async () => {
      expect(await store.groupCertificates('ownerGroup', {})).toEqual([
        { key: null, count: 3 },
        { key: 'mail', count: 1 },
        { key: 'payments', count: 1 },
      ]);
      expect(await store.groupCertificates('application', {})).toEqual([
        { key: null, count: 3 },
        { key: 'Mail', count: 1 },
        { key: 'Web Shop', count: 1 },
      ]);
      expect(await store.groupCertificates('folder', {})).toEqual([
        { key: null, count: 3 },
        { key: '/etc/ssl', count: 1 },
        { key: '/etc/ssl/shop', count: 1 },
      ]);
      expect(await store.groupCertificates('issuer', {})).toEqual([
        { key: EXAMPLE_CA, count: 4 },
        { key: 'CN=Legacy CA, O=Old', count: 1 },
      ]);
      expect(await store.groupCertificates('keyAlgorithm', {})).toEqual([
        { key: 'RSA', count: 3 },
        { key: 'EC', count: 2 },
      ]);
      expect(await store.groupCertificates('ownerGroup', { keyAlgorithm: 'RSA' })).toEqual([
        { key: null, count: 2 },
        { key: 'payments', count: 1 },
      ]);
      await expect(store.groupCertificates('colour' as never, {})).rejects.toThrow(/by: "colour" is not one of/);
      await expect(store.groupCertificates('toString' as never, {})).rejects.toThrow(/by: "toString" is not one of/);
    });

    it('R-INV-3: malformed filters and pages are refused with the field named', async () => {
      const refused: [CertificateFilter, RegExp][] = [
        [{ notAfterBefore: 'next week' }, /filter\.notAfterBefore: "next week" is not a date/],
        [{ notAfterFrom: '2026-01-01T10:00:00' }, /filter\.notAfterFrom/],
        [{ keyAlgorithm: 'RSA2048' as never }, /filter\.keyAlgorithm: "RSA2048" is not one of RSA, EC/],
        [{ signatureHash: 'SHA-3' as never }, /filter\.signatureHash/],
        [{ keySizeBelow: -5 }, /filter\.keySizeBelow/],
        [{ role: 'leaf' as never }, /filter\.role/],
        [{ fingerprint: 'xyz' }, /filter\.fingerprint/],
        [{ issuerFingerprint: 'abc' }, /filter\.issuerFingerprint/],
        [{ isCa: 'yes' as never }, /filter\.isCa: must be true or false/],
        [{ ownr: 'payments' } as never, /filter\.ownr: is not a filter/],
      ];
      for (const [filter, message] of refused) {
        await expect(store.searchCertificates(filter, { limit: 10 })).rejects.toThrow(message);
      }
      await expect(store.searchCertificates({}, { limit: 0 })).rejects.toThrow(/page\.limit/);
      await expect(store.searchCertificates({}, { limit: 1001 })).rejects.toThrow(/page\.limit/);
      await expect(store.searchCertificates({}, { limit: 10, offset: -1 })).rejects.toThrow(/page\.offset/);
      await expect(store.searchCertificates({}, { limit: 10, sort: 'size' as never })).rejects.toThrow(/page\.sort/);
      await expect(store.searchCertificates({}, { limit: 10, sort: 'toString' as never })).rejects.toThrow(
        /page\.sort/,
      );
    });
  });
});

describe('opening the inventory database', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-inventory-open-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['sqlite:./data/inventory.sqlite', { dialect: 'sqlite', file: '/srv/certflow/data/inventory.sqlite' }],
    ['sqlite:///var/lib/certflow/inventory.sqlite', { dialect: 'sqlite', file: '/var/lib/certflow/inventory.sqlite' }],
    ['file:inventory.sqlite', { dialect: 'sqlite', file: '/srv/certflow/inventory.sqlite' }],
    ['/var/lib/inventory.sqlite', { dialect: 'sqlite', file: '/var/lib/inventory.sqlite' }],
    ['data/inventory.sqlite', { dialect: 'sqlite', file: '/srv/certflow/data/inventory.sqlite' }],
    [':memory:', { dialect: 'sqlite', file: ':memory:' }],
    ['sqlite::memory:', { dialect: 'sqlite', file: ':memory:' }],
    ['postgres://u:p@db:5432/certflow', { dialect: 'postgres', url: 'postgres://u:p@db:5432/certflow' }],
    ['postgresql://db/certflow', { dialect: 'postgres', url: 'postgresql://db/certflow' }],
  ])('reads %s', (url, expected) => {
    expect(parseInventoryUrl(url, { cwd: '/srv/certflow' })).toEqual(expected);
  });

  it.each([
    ['', /is empty/],
    ['   ', /is empty/],
    ['sqlite:', /names no file/],
    ['mysql://root:hunter2@db/certflow', /unsupported scheme "mysql:"/],
    ['postgres://', /names no host|not a valid URL/],
  ])('refuses %j with a message saying what to set', (url, problem) => {
    const error = (() => {
      try {
        parseInventoryUrl(url, { setting: 'CERTFLOW_DATABASE_URL' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(InventoryDatabaseError);
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).toMatch(/Set CERTFLOW_DATABASE_URL to sqlite:<file>/);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('hides passwords in URLs it reports', () => {
    expect(redactDatabaseUrl('postgres://certflow:s3cr%40t@db:5432/inv')).toBe('postgres://certflow:***@db:5432/inv');
    expect(redactDatabaseUrl('postgres://certflow:p@ss@db/inv')).toBe('postgres://certflow:***@db/inv');
    expect(redactDatabaseUrl('postgres://db/inv?user=x&password=hunter2')).toBe(
      'postgres://db/inv?user=x&password=***',
    );
    expect(redactDatabaseUrl('postgres://certflow@db/inv')).toBe('postgres://certflow@db/inv');
  });

  it('creates the SQLite parent folder, uses WAL, and re-runs migrations idempotently on an existing file', async () => {
    const file = path.join(dir, 'a', 'b', 'inventory.sqlite');
    const first = await openInventoryStore({ url: `sqlite:${file}` });
    const item = certificate({ cn: 'persisted.example', metadata: { tags: ['kept'] } });
    await first.upsertCertificates([item], NOW);
    await first.appendAudit([audit()]);
    await first.close();

    const second = await openInventoryStore({ url: `file:${file}` });
    expect((await second.getCertificate(item.facts.fingerprintSha256))?.metadata.tags).toEqual(['kept']);
    expect((await second.appendAudit([audit()]))[0]?.seq).toBe(2);
    await second.close();

    const database = new SqliteDatabase(file, { readonly: true });
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    // Every migration the code registers ran, in name order: a new one needs no edit here.
    expect(database.prepare('select name from inventory_migrations order by name').all()).toEqual(
      Object.keys(inventoryMigrations('sqlite'))
        .sort()
        .map((name) => ({ name })),
    );
    database.close();
  });

  it('R-INV-1: metadata filters find their rows through the partial metadata index; SAN filters read the table', async () => {
    const { db } = await openInventoryDatabase({ url: ':memory:' });
    const plan = async (kinds: readonly string[]) => {
      const where = valueCondition(kinds, sql<SqlBool>`v.folded = ${'x'}`);
      const { rows } = await sql<{
        detail: string;
      }>`explain query plan select c.fingerprint from certificates c where ${where}`.execute(db);
      return rows.map((row) => row.detail).join('; ');
    };
    try {
      expect(await plan(['host', 'endpoint'])).toContain('USING COVERING INDEX certificate_values_metadata_idx');
      expect(await plan(['san:dns', 'san:ip'])).not.toContain('certificate_values_metadata_idx');
    } finally {
      await db.destroy();
    }
  });

  it('upgrades an inventory written before issue 4: certificates, their values (re-keyed by 026), groups and the audit log are kept and stay append-only', async () => {
    const file = path.join(dir, 'issue-3', 'inventory.sqlite');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const database = new SqliteDatabase(file);
    const db = new Kysely<InventoryDatabase>({ dialect: new SqliteDialect({ database }) });
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => inventoryMigrations('sqlite') },
      migrationTableName: 'inventory_migrations',
      migrationLockTableName: 'inventory_migrations_lock',
    });
    expect((await migrator.migrateTo('001-inventory-schema')).error).toBeUndefined();
    const item = {
      ...certificate({ cn: 'old.example', dns: ['old.example'] }),
      metadata: { tags: ['kept'], locations: [{ kind: 'file' as const, path: '/etc/ssl/old.pem' }] },
    };
    await upsertBefore026(db, 'sqlite', [item], NOW);
    await db
      .insertInto('audit_log')
      .values({
        at: 0,
        actor: 'user:old',
        action: 'import.completed',
        subject: 'inventory',
        where: 'cli',
        details: '{}',
      })
      .execute();
    await sql`insert into owner_groups (id, name, contacts, approvers, slack, jira) values ('payments', 'Payments', '[]', '[]', '{}', '{}')`.execute(
      db,
    );
    await db.destroy();

    const upgraded = await openInventoryStore({ url: `sqlite:${file}` });
    expect((await upgraded.getOwnerGroup('payments'))?.autoRenew).toBe(false);
    expect((await upgraded.queryAudit({}, { limit: 10 })).items.map((entry) => entry.actor)).toEqual(['user:old']);
    // Migration 026 re-keyed the values by first_seen_at: the SAN, tag and location are found and read back.
    const kept = await upgraded.searchCertificates(
      { san: 'old.example', tag: 'kept', folder: '/etc/ssl' },
      { limit: 10 },
    );
    expect(kept.items.map((found) => found.metadata)).toEqual([
      expect.objectContaining({ tags: ['kept'], locations: [{ kind: 'file', path: '/etc/ssl/old.pem' }] }),
    ]);
    await upgraded.mergeMetadata(item.facts.fingerprintSha256, { tags: ['added'] });
    expect((await upgraded.getCertificate(item.facts.fingerprintSha256))?.metadata.tags).toEqual(['added', 'kept']);
    const { created } = await upgraded.assignManagedCertificates([item.facts.fingerprintSha256], NOW);
    expect(created.map((managed) => managed.namesKey)).toEqual(['old.example']);
    await upgraded.close();
    const raw = new SqliteDatabase(file);
    expect(() => raw.exec(`delete from audit_log`)).toThrow(/append-only/);
    expect(() => raw.exec(`update audit_log set idempotency_key = 'x'`)).toThrow(/append-only/);
    raw.close();
  });

  it('explains a file that is not an inventory database', async () => {
    const file = path.join(dir, 'notes.txt');
    fs.writeFileSync(file, 'these are not the tables you are looking for'.repeat(100));
    await expect(openInventoryStore({ url: `sqlite:${file}` })).rejects.toThrow(
      new RegExp(`cannot open the SQLite inventory ${file}: .*Check that the folder is writable`),
    );
  });

  it('explains an unreachable PostgreSQL server without showing the password', async () => {
    const port = await freePort();
    const url = `postgres://certflow:hunter2@127.0.0.1:${port}/inventory`;
    const error = await openInventoryStore({ url, connectTimeoutMs: 5000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InventoryDatabaseError);
    expect((error as InventoryDatabaseError).redactedUrl).toBe(`postgres://certflow:***@127.0.0.1:${port}/inventory`);
    expect((error as Error).message).toMatch(
      new RegExp(
        `cannot connect to the PostgreSQL inventory at postgres://certflow:\\*\\*\\*@127\\.0\\.0\\.1:${port}/inventory: ` +
          '.*ECONNREFUSED.*Check that PostgreSQL is running.*or fix CERTFLOW_DATABASE_URL',
      ),
    );
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('opening a PostgreSQL inventory', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(() => server?.stop());

  it('re-runs migrations idempotently on an existing database', async () => {
    const url = await server.createDatabase();
    const first = await openInventoryStore({ url });
    const item = certificate({ cn: 'pg.example' });
    await first.upsertCertificates([item], NOW);
    await first.close();
    const second = await openInventoryStore({ url });
    expect(await second.countCertificates({})).toBe(1);
    await second.close();
  });

  it('says to create a database that does not exist', async () => {
    const url = new URL(await server.createDatabase());
    url.pathname = '/no_such_inventory';
    await expect(openInventoryStore({ url: url.toString() })).rejects.toThrow(/Create the database first/);
  });
});
