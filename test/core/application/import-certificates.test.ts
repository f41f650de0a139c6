import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import { openInventoryStore } from '../../../src/adapters/database/database';
import { importCertificates } from '../../../src/core/application/import-certificates';
import {
  decodeCertificateFiles,
  type CertificateFile,
} from '../../../src/adapters/certificate-files/decode-certificate-file';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import type { FoundCertificates } from '../../../src/core/ports/certificate-source';
import { decodeCertificates } from '../../../src/core/domain/certificates/decode-certificates';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  type IssuedCertificate,
} from '../../support/certificate-factory';

const NOW = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const root = createRootCa();
const issuing = createIntermediateCa(root);
const shop = (notBeforeDaysAgo: number) =>
  createLeaf(issuing, {
    subject: 'CN=shop.example.com, O=Example Corp, C=US',
    subjectAltNames: { dns: ['shop.example.com', 'www.shop.example.com'] },
    notBefore: new Date(NOW.getTime() - notBeforeDaysAgo * DAY),
    notAfter: new Date(NOW.getTime() + (365 - notBeforeDaysAgo) * DAY),
  });

const fingerprintOf = (certificate: IssuedCertificate) => createHash('sha256').update(certificate.der).digest('hex');

function source(name: string, certificate: IssuedCertificate): CertificateFile {
  return { name, bytes: new TextEncoder().encode(certificate.pem) };
}

describe('importing certificates assigns managed certificates (issue 4)', () => {
  let store: InventoryStore;
  const run = (sources: CertificateFile[], batchSize = 500) =>
    importCertificates(decodeCertificateFiles(sources), {
      store,
      policy: DEFAULT_POLICY,
      actor: 'user:tester',
      where: 'test',
      now: () => NOW,
      batchSize,
    });

  beforeEach(async () => {
    store = await openInventoryStore({ url: ':memory:' });
  });
  afterEach(() => store.close());

  it('R-MON-1: a new end-entity certificate starts a managed certificate; CA certificates do not; re-importing changes nothing', async () => {
    const v1 = shop(100);
    const first = await run([source('chain.pem', issuing), source('root.pem', root), source('shop.pem', v1)]);
    const fingerprint = fingerprintOf(v1);
    expect(first.managed).toEqual({ created: [fingerprint.slice(0, 16)], replaced: [] });
    const created = await store.queryAudit({ action: 'lifecycle.managed-created' }, { limit: 10 });
    expect(created.items.map((entry) => [entry.subject, entry.details.fingerprint, entry.actor])).toEqual([
      [fingerprint.slice(0, 16), fingerprint, 'user:tester'],
    ]);
    const again = await run([source('shop.pem', v1)]);
    expect(again.managed).toEqual({ created: [], replaced: [] });
  });

  it('R-MON-1: a newer certificate with the same names replaces the current version and is audited as replaced outside certflow', async () => {
    const v1 = shop(200);
    const v2 = shop(20);
    const v3 = shop(10);
    await run([source('v1.pem', v1)]);
    const [fp1, fp2, fp3] = [v1, v2, v3].map(fingerprintOf);
    // Two batches of one: the managed certificate is replaced twice, reported once from its first to its last version.
    const report = await run([source('v2.pem', v2), source('v3.pem', v3)], 1);
    expect(report.managed).toEqual({
      created: [],
      replaced: [{ managedCertificateId: fp1!.slice(0, 16), previousFingerprint: fp1, fingerprint: fp3 }],
    });
    const audit = await store.queryAudit({ action: 'certificate.replaced-outside-certflow' }, { limit: 10 });
    expect(audit.items.map((entry) => [entry.details.previousFingerprint, entry.details.fingerprint])).toEqual([
      [fp1, fp2],
      [fp2, fp3],
    ]);
    const completed = await store.queryAudit({ action: 'import.completed' }, { limit: 10 });
    expect(completed.items[1]?.details).toMatchObject({ managedCreated: 0, managedReplaced: 1 });
    expect(completed.items[1]?.details.managed).toBeUndefined();
  });
});

describe('an import records the revocations its source reports (issue 18)', () => {
  const parsed = (certificate: IssuedCertificate) => decodeCertificates(certificate.der, 'test').certificates[0]!;
  const revoked = { revokedAt: '2026-05-01T00:00:00.000Z', reason: 'keyCompromise' };

  it('R-INV-2: a revoked certificate is recorded revoked before assignment, audited once, and no managed certificate starts for it', async () => {
    const store = await openInventoryStore({ url: ':memory:' });
    try {
      const gone = shop(200);
      const other = createLeaf(issuing, {
        subject: 'CN=other.example.com',
        subjectAltNames: { dns: ['other.example.com'] },
      });
      const [goneFp, otherFp] = [gone, other].map(fingerprintOf) as [string, string];
      const places = (): FoundCertificates[] => [
        { name: 'index.txt line 1', certificates: [parsed(other)], errors: [] },
        // Revocations name certificates of their own place only; the valid one beside it stays valid.
        {
          name: 'index.txt line 2',
          certificates: [parsed(gone)],
          errors: [],
          revocations: new Map([[goneFp, revoked]]),
        },
      ];
      const options = { store, policy: DEFAULT_POLICY, actor: 'user:tester', where: 'test', now: () => NOW };
      const report = await importCertificates(places(), options);
      expect(report.managed.created).toEqual([otherFp.slice(0, 16)]);
      expect(await store.findManagedCertificateByFingerprint(goneFp)).toBeNull();
      const stored = await store.getCertificate(goneFp);
      expect(stored?.revocation).toEqual(revoked);
      const audited = async () =>
        (await store.queryAudit({ action: 'certificate.revocation-imported' }, { limit: 10 })).items;
      expect(await audited()).toMatchObject([
        {
          subject: goneFp,
          details: { revokedAt: revoked.revokedAt, reason: 'keyCompromise', source: 'index.txt line 2' },
        },
      ]);

      // Again, and with another reason: the first revocation counts, nothing is audited twice.
      const again = await importCertificates(
        places().map((place) =>
          place.revocations
            ? { ...place, revocations: new Map([[goneFp, { ...revoked, reason: 'superseded' }]]) }
            : place,
        ),
        options,
      );
      expect(again).toMatchObject({ created: 0, updated: 2, managed: { created: [], replaced: [] } });
      expect(await audited()).toHaveLength(1);
      expect((await store.getCertificate(goneFp))?.revocation).toEqual(revoked);
    } finally {
      await store.close();
    }
  });
});

describe('an import links what it created (issue 16)', () => {
  it('R-INV-1: a CA imported after its certificates links them; a re-import links nothing', async () => {
    const store = await openInventoryStore({ url: ':memory:' });
    try {
      const run = (sources: CertificateFile[]) =>
        importCertificates(decodeCertificateFiles(sources), {
          store,
          policy: DEFAULT_POLICY,
          actor: 'user:tester',
          where: 'test',
          now: () => NOW,
        });
      const leaf = shop(30);
      expect((await run([source('shop.pem', leaf)])).issuerLinks).toBe(0);
      expect((await run([source('chain.pem', issuing), source('root.pem', root)])).issuerLinks).toBe(2);
      expect((await store.getCertificate(fingerprintOf(leaf)))?.issuerFingerprint).toBe(fingerprintOf(issuing));
      expect((await store.getCertificate(fingerprintOf(issuing)))?.issuerFingerprint).toBe(fingerprintOf(root));
      const again = await run([source('shop.pem', leaf), source('chain.pem', issuing), source('root.pem', root)]);
      expect(again).toMatchObject({ created: 0, updated: 3, issuerLinks: 0 });
    } finally {
      await store.close();
    }
  });
});

describe('an import judges again what its issuer links changed (issue 16)', () => {
  it('R-POL-1: with the approved CA named by fingerprint, a certificate becomes compliant once its CA is imported; certificates the import did not relink keep their result', async () => {
    const store = await openInventoryStore({ url: ':memory:' });
    const policy = {
      ...DEFAULT_POLICY,
      rules: {
        ...DEFAULT_POLICY.rules,
        approvedCas: {
          ...DEFAULT_POLICY.rules.approvedCas,
          cas: [{ name: 'Issuing', fingerprintSha256: fingerprintOf(issuing) }],
        },
      },
    };
    const otherRoot = createRootCa({ subject: 'CN=Other Root, O=Elsewhere, C=US' });
    const stranger = createLeaf(otherRoot, { subject: 'CN=stranger.example.com, O=Elsewhere, C=US' });
    let at = NOW;
    const run = (sources: CertificateFile[]) =>
      importCertificates(decodeCertificateFiles(sources), {
        store,
        policy,
        actor: 'user:tester',
        where: 'test',
        now: () => at,
      });
    const approvedCa = async (certificate: IssuedCertificate) => {
      const stored = await store.getCertificate(fingerprintOf(certificate));
      return {
        violates: stored?.policy?.violations.some((violation) => violation.rule === 'approved-ca'),
        evaluatedAt: stored?.policy?.evaluatedAt,
      };
    };
    try {
      const leaf = shop(30);
      await run([source('shop.pem', leaf), source('stranger.pem', stranger)]);
      expect(await approvedCa(leaf)).toEqual({ violates: true, evaluatedAt: NOW.toISOString() });
      at = new Date(NOW.getTime() + DAY);
      const report = await run([source('chain.pem', issuing)]);
      expect(report.issuerLinks).toBe(1);
      expect(await approvedCa(leaf)).toEqual({ violates: false, evaluatedAt: at.toISOString() });
      // Not relinked, not judged again: an import's re-check does not grow with the inventory.
      expect(await approvedCa(stranger)).toEqual({ violates: true, evaluatedAt: NOW.toISOString() });
    } finally {
      await store.close();
    }
  });
});

describe('the import report adds up (issue 16)', () => {
  const leaf = (name: string, validityDays: number) =>
    createLeaf(issuing, {
      subject: `CN=${name}, O=Example Corp, C=US`,
      notBefore: new Date(NOW.getTime() - 10 * DAY),
      notAfter: new Date(NOW.getTime() + (validityDays - 10) * DAY),
    });
  const certificates = {
    a: leaf('a.example.com', 90),
    b: leaf('b.example.com', 90),
    long: leaf('long.example.com', 800),
  };
  type Name = keyof typeof certificates;
  /** A file of these certificates in this order; `broken` appends a block that cannot be read. */
  const file = (name: string, names: readonly Name[], broken = false): CertificateFile => ({
    name,
    bytes: new TextEncoder().encode(
      names.map((key) => certificates[key].pem).join('') +
        (broken ? '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n' : ''),
    ),
  });

  const table: {
    name: string;
    before?: readonly Name[];
    files: readonly CertificateFile[];
    batchSize: number;
    expected: {
      read: number;
      created: number;
      updated: number;
      repeated: number;
      nonCompliant: number;
      errors: number;
    };
  }[] = [
    {
      name: 'distinct certificates in distinct files',
      files: [file('a.pem', ['a']), file('b.pem', ['b']), file('long.pem', ['long'])],
      batchSize: 500,
      expected: { read: 3, created: 3, updated: 0, repeated: 0, nonCompliant: 1, errors: 0 },
    },
    {
      name: 'a bundle holding one certificate twice, in one batch',
      files: [file('bundle.pem', ['a', 'long', 'a'])],
      batchSize: 500,
      expected: { read: 3, created: 2, updated: 0, repeated: 1, nonCompliant: 1, errors: 0 },
    },
    {
      name: 'the same certificates in several files, one per batch',
      files: [file('1.pem', ['long']), file('2.pem', ['a']), file('3.pem', ['long']), file('4.pem', ['long', 'a'])],
      batchSize: 1,
      expected: { read: 5, created: 2, updated: 0, repeated: 3, nonCompliant: 1, errors: 0 },
    },
    {
      name: 'a re-import with repeats counts each known certificate once',
      before: ['a', 'b', 'long'],
      files: [file('1.pem', ['a', 'b']), file('2.pem', ['b', 'long', 'a']), file('3.pem', ['long'])],
      batchSize: 2,
      expected: { read: 6, created: 0, updated: 3, repeated: 3, nonCompliant: 1, errors: 0 },
    },
    {
      name: 'known and new together, with a broken block beside the good ones',
      before: ['a'],
      files: [file('mixed.pem', ['a', 'b', 'long', 'b'], true)],
      batchSize: 500,
      expected: { read: 4, created: 2, updated: 1, repeated: 1, nonCompliant: 1, errors: 1 },
    },
  ];

  it.each(table)(
    'R-INV-4: read = new + already known + repeated, and non-compliant is what list --violations counts: $name',
    async ({ before, files, batchSize, expected }) => {
      const store = await openInventoryStore({ url: ':memory:' });
      try {
        const run = (sources: readonly CertificateFile[], size: number) =>
          importCertificates(decodeCertificateFiles(sources), {
            store,
            policy: DEFAULT_POLICY,
            actor: 'user:tester',
            where: 'test',
            now: () => NOW,
            batchSize: size,
          });
        if (before) await run([file('before.pem', before)], 500);
        const report = await run(files, batchSize);
        expect({
          read: report.certificatesRead,
          created: report.created,
          updated: report.updated,
          repeated: report.repeated,
          nonCompliant: report.nonCompliant,
          errors: report.errors.length,
        }).toEqual(expected);
        expect(report.created + report.updated + report.repeated).toBe(report.certificatesRead);
        // Every certificate in these inventories is one of this import's: the counts must be the list's.
        expect(report.nonCompliant).toBe(await store.countCertificates({ hasViolations: true }));
        expect(report.created + report.updated).toBe(await store.countCertificates({}));
      } finally {
        await store.close();
      }
    },
  );
});
