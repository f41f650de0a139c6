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
