/**
 * Issue 17 fuzzing, certificate imports (R-INV-2, R-INV-4): PEM, DER, PKCS#7 and PKCS#12 bytes mutated from real
 * certificates never crash the decoder or the import; every bad item is a report line that names its file and the
 * fix, and the certificates already in the inventory are untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeCertificateFile,
  type CertificateFile,
} from '../../src/adapters/certificate-files/decode-certificate-file';
import { openInventoryStore } from '../../src/adapters/database/database';
import { importCertificates } from '../../src/core/application/import-certificates';
import { DEFAULT_POLICY } from '../../src/core/domain/policy/load-policy';
import type { InventoryStore } from '../../src/core/ports/inventory-store';
import type { FoundCertificates } from '../../src/core/ports/certificate-source';
import { createLeaf, createRootCa, toPem, toPkcs7 } from '../support/certificate-factory';
import { fuzzParameters } from './fuzz-runs';
import { mutatedBytes, mutatedText, nastyString } from './mutations';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const read = (folder: string, filter: RegExp) =>
  fs
    .readdirSync(path.join(FIXTURES, folder))
    .filter((name) => filter.test(name))
    .map((name) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, folder, name))));

const DER_SEEDS = [...read('x509-corpus', /\.der$/), ...read('certificates', /\.(der|p7b)$/)];
const PKCS12_SEEDS = read('certificates', /\.p12$/);
const PKCS12_PASSWORD = 'changeit';
const PEM_SEEDS = read('certificates', /\.pem$/).map((bytes) => Buffer.from(bytes).toString('latin1'));
const NAMES = ['cert.der', 'chain.p7b', 'bundle.pem', 'store.p12', 'site.crt', 'README.md', 'noext'];

/** Text that breaks PEM armour: markers, base64 alphabet and its neighbours, padding, line ends, headers. */
const PEM_JUNK = fc.oneof(
  fc.constantFrom(
    '-----BEGIN CERTIFICATE-----\n',
    '-----END CERTIFICATE-----\n',
    '-----BEGIN PKCS7-----\n',
    '-----BEGIN PRIVATE KEY-----\n',
    '-----BEGIN CERTIFICATE----',
    '-----END X509 CRL-----',
    'Proc-Type: 4,ENCRYPTED\n',
    '\r\n',
    '====',
    '=',
    '\u0000',
    '\ufeff',
    '\u00e9',
  ),
  fc.string({
    unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \t\n'.split('')),
  }),
  nastyString,
);

/** A certificate file with a name: mutated DER/PKCS#7/PKCS#12, broken PEM, or raw noise. */
const certificateFile: fc.Arbitrary<CertificateFile> = fc.record({
  name: fc.constantFrom(...NAMES),
  bytes: fc.oneof(
    { weight: 3, arbitrary: mutatedBytes(DER_SEEDS) },
    { weight: 1, arbitrary: mutatedBytes(PKCS12_SEEDS, 2) },
    {
      weight: 3,
      arbitrary: mutatedText(PEM_SEEDS, PEM_JUNK).map((text) => new Uint8Array(Buffer.from(text, 'latin1'))),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
  ),
});

/** Every error line names its file and says what to do after the dash. */
function expectClearOutcome(found: FoundCertificates, name: string): void {
  for (const error of found.errors) {
    expect(error.startsWith(name), error).toBe(true);
    expect(error, 'an error line tells the fix after " — "').toMatch(/ — \S/);
  }
  if (found.skipped !== undefined) expect(found.skipped.length).toBeGreaterThan(0);
  for (const certificate of found.certificates) expect(certificate.der.length).toBeGreaterThan(0);
}

describe('issue 17 fuzzing: certificate files', () => {
  it('R-INV-4: mutated DER, PKCS#7, PKCS#12 and PEM decode to certificates or per-item errors naming the fix, never a throw', () => {
    fc.assert(
      fc.property(certificateFile, fc.array(nastyString, { maxLength: 2 }), (file, passwords) => {
        expectClearOutcome(decodeCertificateFile(file, passwords), file.name);
      }),
      fuzzParameters(4),
    );
  });

  it('R-INV-4: a PKCS#12 file opened with wrong passwords, or truncated, is one error line asking for the right password or a new copy', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PKCS12_SEEDS),
        fc.array(
          nastyString.filter((password) => password !== PKCS12_PASSWORD),
          { maxLength: 2 },
        ),
        fc.option(fc.nat(), { nil: undefined }),
        (seed, passwords, cut) => {
          const bytes = cut === undefined ? seed : seed.slice(0, cut % seed.length);
          const found = decodeCertificateFile({ name: 'store.p12', bytes }, passwords);
          expectClearOutcome(found, 'store.p12');
          if (cut === undefined) {
            expect(found.certificates).toEqual([]);
            expect(found.errors).toHaveLength(1);
            expect(found.errors[0]).toMatch(/password/);
          }
        },
      ),
      fuzzParameters(0.5),
    );
  });

  describe('R-INV-4: importing fuzzed files into an inventory that already holds certificates', () => {
    const root = createRootCa({ subject: 'CN=Fuzz Root' });
    const known = [
      root,
      createLeaf(root, { subject: 'CN=known.example.com', subjectAltNames: { dns: ['known.example.com'] } }),
    ];
    let store: InventoryStore;
    let before: unknown[];

    const snapshot = () =>
      Promise.all(
        known.map(async ({ der }) => {
          const fingerprint = Buffer.from(await crypto.subtle.digest('SHA-256', der)).toString('hex');
          const stored = await store.getCertificate(fingerprint);
          return { facts: stored?.facts, metadata: stored?.metadata, der: await store.getCertificateDer(fingerprint) };
        }),
      );
    const importFiles = (files: CertificateFile[], passwords: string[] = []) =>
      importCertificates(
        files.map((file) => decodeCertificateFile(file, passwords)),
        { store, policy: DEFAULT_POLICY, actor: 'user:fuzz', where: 'fuzz', batchSize: 3 },
      );

    beforeAll(async () => {
      store = await openInventoryStore({ url: ':memory:' });
      const report = await importFiles([
        { name: 'known.pem', bytes: new TextEncoder().encode(known.map((certificate) => certificate.pem).join('')) },
        { name: 'known.p7b', bytes: toPkcs7(known.map((certificate) => certificate.der)) },
      ]);
      expect(report.errors).toEqual([]);
      before = await snapshot();
      expect(before.every((row) => (row as { facts?: unknown }).facts !== undefined)).toBe(true);
    });
    afterAll(() => store?.close());

    it('R-INV-4: every fuzzed file is imported or reported with its fix, and the known certificates are unchanged', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(certificateFile, { minLength: 1, maxLength: 4 }),
          fc.constantFrom(known[1]!.der, new Uint8Array()),
          async (files, extra) => {
            // Half the time a known certificate sits in the same batch as the broken files.
            const batch =
              extra.length > 0
                ? [...files, { name: 'again.pem', bytes: new TextEncoder().encode(toPem(extra)) }]
                : files;
            const report = await importFiles(batch, [PKCS12_PASSWORD]);
            expect(report.certificatesRead).toBe(report.created + report.updated + report.repeated);
            for (const issue of report.errors) {
              expect(NAMES.includes(issue.source) || issue.source === 'again.pem', issue.source).toBe(true);
              expect(issue.message).toMatch(/ — \S|password/);
            }
            expect(await snapshot()).toEqual(before);
          },
        ),
        fuzzParameters(1),
      );
    });
  });
});
