/**
 * CA import of a real OpenSSL CA (R-INV-2): a CA made with `openssl ca` in the test (test/support/openssl-ca.ts)
 * issues four certificates, revokes one, lets one expire and loses one's file; certflow imports its index.txt.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NotAnOpensslIndexError,
  openOpensslCaDatabase,
} from '../../../src/adapters/certificate-files/openssl-ca-source';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import { importCaRecord } from '../../../src/core/application/import-ca-record';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import { makeOpensslCa, type OpensslCa } from '../../support/openssl-ca';

let ca: OpensslCa;
let caDir: string;

beforeAll(() => {
  ca = makeOpensslCa();
  caDir = ca.folder;
});

afterAll(() => {
  if (caDir !== undefined) fs.rmSync(caDir, { recursive: true, force: true });
});

const fingerprintOf = (file: string) => ca.fingerprintOf(file);

async function withInventory<T>(work: (inventory: Awaited<ReturnType<typeof openInventoryDatabase>>) => Promise<T>) {
  const inventory = await openInventoryDatabase({ url: ':memory:' });
  try {
    return await work(inventory);
  } finally {
    await inventory.store.close();
  }
}

const options = { policy: DEFAULT_POLICY, actor: 'user:tester', where: 'test' };

describe('importing an OpenSSL CA database', () => {
  it('R-INV-2: imports valid, revoked and expired entries, records the revocation, and reports the missing file by line', async () => {
    const index = path.join(caDir, 'index.txt');
    expect(fs.readFileSync(index, 'utf8')).toMatch(/^R\t.*\t.*,keyCompromise\t1001\t/m);
    expect(fs.readFileSync(index, 'utf8')).toMatch(/^E\t200201000000Z\t\t1002\t/m);
    await withInventory(async ({ store, db }) => {
      const report = await importCaRecord(await openOpensslCaDatabase(index), { ...options, store });
      expect(report).toMatchObject({
        sources: 4,
        certificatesRead: 3,
        created: 3,
        caRecord: { name: index, valid: 1, revoked: 1, expired: 1 },
      });
      expect(report.errors).toEqual([
        {
          source: `${index} line 4`,
          message: expect.stringMatching(
            /line 4: serial 1003 \(\/CN=lost\.example\.test\): no certificate file 1003\.pem in .*newcerts or .*--certs-dir/,
          ) as unknown,
        },
      ]);
      const revoked = fingerprintOf(path.join(caDir, 'revoked.pem'));
      const row = await db
        .selectFrom('certificates')
        .select(['revoked_at', 'revocation_reason'])
        .where('fingerprint', '=', revoked)
        .executeTakeFirstOrThrow();
      expect(row.revocation_reason).toBe('keyCompromise');
      expect(row.revoked_at).not.toBeNull();
      // Revoked before assignment: no managed certificate, so no lifecycle, for the revoked one.
      expect(await store.findManagedCertificateByFingerprint(revoked)).toBeNull();
      expect(
        await store.findManagedCertificateByFingerprint(fingerprintOf(path.join(caDir, 'valid.pem'))),
      ).not.toBeNull();
      // The expired one is history: in the inventory with its past notAfter.
      const expired = await store.getCertificate(fingerprintOf(path.join(caDir, 'expired.pem')));
      expect(expired?.facts.notAfter).toBe('2020-02-01T00:00:00.000Z');
      const audit = await store.queryAudit({ action: 'certificate.revocation-imported' }, { limit: 10 });
      expect(audit.items).toMatchObject([
        { subject: revoked, details: { reason: 'keyCompromise', source: `${index} line 2` } },
      ]);

      // Again: idempotent, nothing new, the revocation audited once.
      const again = await importCaRecord(await openOpensslCaDatabase(index), { ...options, store });
      expect(again).toMatchObject({ created: 0, updated: 3, caRecord: { valid: 1, revoked: 1, expired: 1 } });
      expect((await store.queryAudit({ action: 'certificate.revocation-imported' }, { limit: 10 })).items).toHaveLength(
        1,
      );
    });
  });

  it('R-INV-2: reads the certificates from the folder --certs-dir names, and reports malformed lines and wrong files by line', async () => {
    const moved = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-openssl-ca-moved-'));
    try {
      for (const name of fs.readdirSync(path.join(caDir, 'newcerts'))) {
        fs.copyFileSync(path.join(caDir, 'newcerts', name), path.join(moved, name));
      }
      // 1000.pem holds 1002's certificate: not that entry's certificate.
      fs.copyFileSync(path.join(caDir, 'newcerts', '1002.pem'), path.join(moved, '1000.pem'));
      const index = path.join(moved, 'index.txt');
      const lines = fs.readFileSync(path.join(caDir, 'index.txt'), 'utf8').trimEnd().split('\n');
      fs.writeFileSync(index, [lines[0], 'V 270307142326Z  1009 unknown /CN=spaces', '', ...lines.slice(1)].join('\n'));
      await withInventory(async ({ store }) => {
        const report = await importCaRecord(await openOpensslCaDatabase(index, { certsDir: moved }), {
          ...options,
          store,
        });
        expect(report.created).toBe(2);
        expect(report.caRecord).toMatchObject({ valid: 0, revoked: 1, expired: 1 });
        expect(report.errors.map((issue) => issue.message)).toEqual([
          expect.stringMatching(
            /line 1: serial 1000 .*holds serial 1002, not 1000: it is not this entry's certificate/,
          ),
          expect.stringMatching(/line 2: 1 tab-separated field, not 6/),
          expect.stringMatching(/line 6: serial 1003 .*no certificate file 1003\.pem/),
        ]);
      });
    } finally {
      fs.rmSync(moved, { recursive: true, force: true });
    }
  });

  it('R-INV-2: refuses a file that is not an index, a folder, and a --certs-dir that is no folder, before importing anything', async () => {
    await expect(openOpensslCaDatabase(path.join(caDir, 'ca.pem'))).rejects.toThrow(
      /ca\.pem is not an OpenSSL CA database: no line is an index entry .*pass the index\.txt named by `database`/,
    );
    await expect(openOpensslCaDatabase(path.join(caDir, 'serial'))).rejects.toBeInstanceOf(NotAnOpensslIndexError);
    await expect(openOpensslCaDatabase(caDir)).rejects.toThrow(/is not an OpenSSL CA database: it is a folder/);
    await expect(openOpensslCaDatabase(path.join(caDir, 'nothing.txt'))).rejects.toThrow(/it cannot be read/);
    await expect(
      openOpensslCaDatabase(path.join(caDir, 'index.txt'), { certsDir: path.join(caDir, 'ca.pem') }),
    ).rejects.toThrow(/--certs-dir .*ca\.pem is not a folder/);
  });
});
