import { describe, expect, it } from 'vitest';
import {
  METADATA_COLUMNS,
  MetadataHeaderError,
  parseMetadataRow,
  readMetadataHeader,
  type MetadataColumn,
} from '../../../../src/core/domain/inventory/metadata-row';

const FP = 'ab'.repeat(32);

describe('readMetadataHeader', () => {
  it('accepts spaced, dashed and upper-case column names', () => {
    expect(readMetadataHeader(['Fingerprint', 'Owner Group', 'system-type', 'TAGS'])).toEqual([
      'fingerprint',
      'owner_group',
      'system_type',
      'tags',
    ]);
  });

  it.each([
    [['fingerprint', 'owner'], /unknown column "owner"; the columns are fingerprint, endpoint, owner_group/],
    [['fingerprint', 'tags', 'Tags'], /column "tags" appears twice/],
    [['owner_group', 'tags'], /a fingerprint or an endpoint \(host:port\) column is needed/],
  ])('R-INV-4: refuses header %j saying why', (header, message) => {
    expect(() => readMetadataHeader(header)).toThrow(MetadataHeaderError);
    expect(() => readMetadataHeader(header)).toThrow(message);
  });
});

describe('parseMetadataRow', () => {
  const columns: MetadataColumn[] = [...METADATA_COLUMNS];
  const row = (cells: Partial<Record<MetadataColumn, string>>) => columns.map((column) => cells[column] ?? '');

  it('R-INV-2: reads every metadata column of a row keyed by fingerprint', () => {
    const parsed = parseMetadataRow(
      columns,
      row({
        fingerprint: FP.toUpperCase().match(/../g)!.join(':'),
        owner_group: 'payments-web',
        contacts: 'alice@example.com; bob@example.com;alice@example.com',
        approvers: 'carol@example.com',
        locations: 'pay.example.com:443; web01:/etc/nginx/pay.pem',
        system_type: 'load balancer',
        application: 'Payments',
        regulations: 'PCI-DSS',
        tags: 'prod;external',
      }),
      7,
    );
    expect(parsed).toEqual({
      line: 7,
      key: { kind: 'fingerprint', value: FP },
      patch: {
        ownerGroup: 'payments-web',
        contacts: ['alice@example.com', 'bob@example.com'],
        approvers: ['carol@example.com'],
        locations: [
          { kind: 'endpoint', host: 'pay.example.com', port: 443 },
          { kind: 'file', host: 'web01', path: '/etc/nginx/pay.pem' },
        ],
        systemType: 'load balancer',
        application: 'Payments',
        regulations: ['PCI-DSS'],
        tags: ['prod', 'external'],
      },
    });
  });

  it('R-INV-2: keys a row by host:port when there is no fingerprint', () => {
    expect(parseMetadataRow(columns, row({ endpoint: 'Mail.Example.com:465', tags: 'smtp' }), 3)).toMatchObject({
      key: { kind: 'endpoint', host: 'mail.example.com', port: 465 },
      patch: { tags: ['smtp'] },
    });
  });

  it.each([
    [{ fingerprint: 'xyz', tags: 'a' }, /fingerprint "xyz" is not hex/],
    [{ fingerprint: 'abc', tags: 'a' }, /at least its first 8 digits/],
    [{ endpoint: 'mail.example.com', tags: 'a' }, /endpoint "mail.example.com" is not host:port/],
    [{ tags: 'a' }, /names no certificate/],
    [{ fingerprint: FP, owner_group: 'Payments Web' }, /owner_group "Payments Web" is not a group id/],
    [{ fingerprint: FP, locations: 'relative.pem' }, /locations: "relative.pem" is not a location/],
    [{ fingerprint: FP }, /sets no metadata/],
  ])('R-INV-4: refuses row %j with a message naming the cell', (cells, message) => {
    const parsed = parseMetadataRow(columns, row(cells), 12);
    expect(parsed).toEqual({ line: 12, message: expect.stringMatching(message) });
  });
});
