/**
 * Issue 17 fuzzing, metadata CSV imports (R-INV-2 bulk metadata, R-INV-4): CSV with quotes, a BOM, odd column
 * counts and hostile cells is applied row by row or refused with the line and the fix; a file whose rows all fail
 * leaves the inventory exactly as it was, and no import ever changes a certificate's facts.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMetadataCsv } from '../../src/adapters/certificate-files/read-metadata-csv';
import { decodeCertificateFile } from '../../src/adapters/certificate-files/decode-certificate-file';
import { openInventoryStore } from '../../src/adapters/database/database';
import { applyMetadataRows } from '../../src/core/application/import-metadata';
import { importCertificates } from '../../src/core/application/import-certificates';
import { METADATA_COLUMNS, MetadataHeaderError } from '../../src/core/domain/inventory/metadata-row';
import { DEFAULT_POLICY } from '../../src/core/domain/policy/load-policy';
import type { InventoryStore } from '../../src/core/ports/inventory-store';
import { createLeaf, createRootCa } from '../support/certificate-factory';
import { fuzzParameters } from './fuzz-runs';
import { mutatedText, nastyString } from './mutations';

const root = createRootCa({ subject: 'CN=CSV Fuzz Root' });
const known = [
  root,
  createLeaf(root, { subject: 'CN=csv.example.com', subjectAltNames: { dns: ['csv.example.com'] } }),
];
const fingerprints = known.map(({ der }) => createHash('sha256').update(der).digest('hex'));

const cellValue = fc.oneof(
  fc.constantFrom(
    fingerprints[0]!,
    fingerprints[1]!.slice(0, 8),
    fingerprints[1]!.toUpperCase().replace(/(..)/g, '$1:').slice(0, -1),
    'deadbeef',
    'csv.example.com:443',
    '[::1]:8443',
    'host:99999',
    'payments',
    'Payments Team',
    'alice@example.com; U0ALICE',
    '=HYPERLINK("http://x")',
    '+cmd',
    'file:/etc/ssl/a.pem; k8s:prod/ns/secret',
    'pci;sox',
    'web',
  ),
  nastyString,
);
const columnName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...METADATA_COLUMNS) },
  fc.constantFrom('Owner Group', 'FINGERPRINT', 'owner-group', 'ownr_group', ''),
  nastyString,
);
/** How a cell is written: plain, quoted with doubled quotes, or with a stray quote a spreadsheet would never write. */
const writeCell = (text: string, style: number) =>
  style === 0 ? text : style === 1 ? `"${text.replace(/"/g, '""')}"` : `"${text}`;
const csvText = fc
  .record({
    bom: fc.boolean(),
    lineEnd: fc.constantFrom('\n', '\r\n', '\r'),
    header: fc.array(columnName, { minLength: 1, maxLength: 5 }),
    rows: fc.array(fc.array(fc.tuple(cellValue, fc.nat({ max: 12 })), { maxLength: 7 }), { maxLength: 6 }),
  })
  .map(({ bom, lineEnd, header, rows }) => {
    const lines = [
      header.join(','),
      ...rows.map((cells) => cells.map(([text, style]) => writeCell(text, style < 10 ? 0 : style - 10)).join(',')),
    ];
    return `${bom ? '\ufeff' : ''}${lines.join(lineEnd)}`;
  })
  .chain((text) => mutatedText([text], fc.constantFrom('"', ',', '\n', '\r\n', '""', '\ufeff', '\u0000')));

describe('issue 17 fuzzing: metadata CSV', () => {
  let store: InventoryStore;
  beforeAll(async () => {
    store = await openInventoryStore({ url: ':memory:' });
    const report = await importCertificates(
      [decodeCertificateFile({ name: 'known.pem', bytes: new TextEncoder().encode(known.map((c) => c.pem).join('')) })],
      { store, policy: DEFAULT_POLICY, actor: 'user:fuzz', where: 'fuzz' },
    );
    expect(report.created).toBe(2);
  });
  afterAll(() => store?.close());

  const snapshot = () =>
    Promise.all(
      fingerprints.map(async (fingerprint) => {
        const stored = await store.getCertificate(fingerprint);
        return { facts: stored?.facts, metadata: stored?.metadata, der: await store.getCertificateDer(fingerprint) };
      }),
    );

  it('R-INV-4: every CSV is applied row by row or refused with its line numbers; facts never change, failed files change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, async (text) => {
        const before = await snapshot();
        let csv;
        try {
          csv = readMetadataCsv(text, 'owners.csv');
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(MetadataHeaderError);
          expect((error as Error).message).toContain('owners.csv');
          return;
        }
        for (const error of csv.errors) {
          expect(Number.isInteger(error.line) && error.line >= 1, JSON.stringify(error)).toBe(true);
          expect(error.message.length).toBeGreaterThan(5);
        }
        const report = await applyMetadataRows(csv.rows, {
          store,
          source: 'owners.csv',
          actor: 'user:fuzz',
          where: 'fuzz',
        });
        for (const error of report.errors) expect(error.message.length).toBeGreaterThan(5);
        const after = await snapshot();
        expect(after.map((row) => [row.facts, row.der])).toEqual(before.map((row) => [row.facts, row.der]));
        if (report.certificatesUpdated === 0) expect(after).toEqual(before);
      }),
      fuzzParameters(2),
    );
  });
});
