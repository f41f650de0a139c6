import { describe, expect, it } from 'vitest';
import { MetadataHeaderError } from '../../../src/core/domain/inventory/metadata-row';
import { readMetadataCsv } from '../../../src/adapters/certificate-files/read-metadata-csv';

const FP1 = '11'.repeat(32);
const FP2 = '22'.repeat(32);

describe('readMetadataCsv', () => {
  it('R-INV-2: reads quoted cells, a BOM, CRLF line ends and blank lines', () => {
    const csv = `\uFEFFfingerprint,owner_group,application\r\n${FP1},payments,"Payments, EU"\r\n\r\n${FP2},hr,HR\r\n`;
    const { rows, errors } = readMetadataCsv(csv, 'meta.csv');
    expect(errors).toEqual([]);
    expect(rows.map((row) => [row.line, row.key, row.patch.application])).toEqual([
      [2, { kind: 'fingerprint', value: FP1 }, 'Payments, EU'],
      [4, { kind: 'fingerprint', value: FP2 }, 'HR'],
    ]);
  });

  it('R-INV-4: keeps the good rows and reports each bad one by line', () => {
    const csv = [
      'fingerprint,owner_group,tags',
      `${FP1},payments,prod`,
      `not-hex,payments,prod`,
      `${FP2},hr,prod,surplus`,
      `${FP2},hr,staging`,
      `"${FP1},unterminated`,
    ].join('\n');
    const { rows, errors } = readMetadataCsv(csv, 'meta.csv');
    expect(rows.map((row) => row.line)).toEqual([2, 5]);
    expect(errors).toEqual([
      { line: 3, message: expect.stringMatching(/fingerprint "not-hex" is not hex/) },
      { line: 4, message: '4 cells but the header names 3' },
      { line: 6, message: expect.stringMatching(/CSV syntax: Quote Not Closed/) },
    ]);
  });

  it.each([
    ['', /meta.csv is empty; its first line must name the columns/],
    ['owner,tags\nx,y', /meta.csv line 1: unknown column "owner"/],
  ])('R-INV-4: an unusable header fails the file with a message naming it (%j)', (csv, message) => {
    expect(() => readMetadataCsv(csv, 'meta.csv')).toThrow(MetadataHeaderError);
    expect(() => readMetadataCsv(csv, 'meta.csv')).toThrow(message);
  });
});
