/**
 * CA import of certflow's internal CA (R-INV-2): what it issued outside any lifecycle is read from its own record
 * (authority/, issued/, revocations.json) and imported like files, revocations recorded and expired ones kept.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InternalCa, openInternalCa } from '../../../src/adapters/ca/internal-ca';
import { NoInternalCaError, readInternalCaRecord } from '../../../src/adapters/ca/internal-ca-record';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import { FileKeyStore } from '../../../src/adapters/keys/file-key-store';
import { importCaRecord } from '../../../src/core/application/import-ca-record';
import { DAY_MS } from '../../../src/core/domain/duration';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import type { IssuedCertificate } from '../../../src/core/ports/certificate-authority';

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
let workDir: string;
let folder: string;
let ca: InternalCa;
let kept: IssuedCertificate;
let revoked: IssuedCertificate;
let shortLived: IssuedCertificate;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'certflow-ca-record-'));
  folder = path.join(workDir, 'ca');
  ca = await openInternalCa({
    folder,
    passphrase: 'correct horse battery staple',
    publicBaseUrl: 'http://127.0.0.1:1/',
    now: () => NOW,
  });
  const keys = new FileKeyStore(path.join(workDir, 'keys'));
  const issue = async (name: string, validityDays: number) => {
    await keys.ensureKeyPair(name, { algorithm: 'EC', curve: 'P-256' });
    const dnsNames = [`${name}.example.com`];
    return ca.issue({
      idempotencyKey: `test/${name}`,
      csrPem: await keys.createCsr(name, { subject: `CN=${name}.example.com`, dnsNames, ipAddresses: [] }),
      subject: `CN=${name}.example.com`,
      dnsNames,
      ipAddresses: [],
      validityDays,
    });
  };
  kept = await issue('kept', 30);
  revoked = await issue('revoked', 30);
  shortLived = await issue('short', 1);
  await ca.revoke({
    serialNumber: revoked.serialNumber,
    issuer: ca.issuingDn(),
    reason: 'superseded',
    idempotencyKey: 'test/revoke',
  });
});

afterAll(async () => {
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

describe("importing the internal CA's issuance record", () => {
  it('R-INV-2: imports the root, the issuing CA and every certificate issued, with revocations recorded and expired ones marked', async () => {
    const { store, db } = await openInventoryDatabase({ url: ':memory:' });
    try {
      // Three days on, the one-day certificate has expired.
      const later = new Date(NOW.getTime() + 3 * DAY_MS);
      const record = await readInternalCaRecord(folder, { now: () => later });
      const report = await importCaRecord(record, {
        store,
        policy: DEFAULT_POLICY,
        actor: 'user:tester',
        where: 'test',
      });
      expect(report).toMatchObject({
        errors: [],
        created: 5,
        caRecord: { name: folder, valid: 3, revoked: 1, expired: 1 },
      });
      // Each issued certificate links to the issuing CA, and the issuing CA to the root.
      expect(report.issuerLinks).toBe(4);
      const row = await db
        .selectFrom('certificates')
        .select(['revocation_reason'])
        .where('fingerprint', '=', revoked.fingerprintSha256)
        .executeTakeFirstOrThrow();
      expect(row.revocation_reason).toBe('superseded');
      expect(await store.findManagedCertificateByFingerprint(revoked.fingerprintSha256)).toBeNull();
      expect(await store.findManagedCertificateByFingerprint(kept.fingerprintSha256)).not.toBeNull();
      expect((await store.getCertificate(shortLived.fingerprintSha256))?.facts.notAfter).toBe(shortLived.notAfter);

      const again = await importCaRecord(await readInternalCaRecord(folder, { now: () => later }), {
        store,
        policy: DEFAULT_POLICY,
        actor: 'user:tester',
        where: 'test',
      });
      expect(again).toMatchObject({ created: 0, updated: 5, errors: [] });
    } finally {
      await store.close();
    }
  });

  it('R-INV-2: a folder without an internal CA is refused with where the CA is made', async () => {
    await expect(readInternalCaRecord(path.join(workDir, 'no-ca'), { now: () => NOW })).rejects.toBeInstanceOf(
      NoInternalCaError,
    );
    await expect(readInternalCaRecord(path.join(workDir, 'no-ca'), { now: () => NOW })).rejects.toThrow(
      /no internal CA in .*no-ca: the worker creates it when it first starts/,
    );
  });
});
