import { describe, expect, it } from 'vitest';
import {
  type OpensslIndexLine,
  parseAsn1Time,
  parseOpensslIndexLine,
} from '../../../src/adapters/certificate-files/openssl-ca-index';

const line = (...fields: string[]) => fields.join('\t');

describe('an OpenSSL CA index line (R-INV-2 CA import)', () => {
  it.each<[string, string, OpensslIndexLine]>([
    [
      'a valid entry, UTCTime expiry, file unknown',
      line('V', '270307142326Z', '', '1000', 'unknown', '/CN=a.example.test'),
      {
        entry: {
          status: 'valid',
          expiresAt: '2027-03-07T14:23:26.000Z',
          revocation: null,
          serial: '1000',
          file: null,
          subject: '/CN=a.example.test',
        },
      },
    ],
    [
      'a revoked entry with its reason',
      line('R', '270307142326Z', '261207142326Z,keyCompromise', '1001', 'unknown', '/CN=b'),
      {
        entry: {
          status: 'revoked',
          expiresAt: '2027-03-07T14:23:26.000Z',
          revocation: { at: '2026-12-07T14:23:26.000Z', reason: 'keyCompromise' },
          serial: '1001',
          file: null,
          subject: '/CN=b',
        },
      },
    ],
    [
      'an expired entry, GeneralizedTime expiry, a named file',
      line('E', '20200201000000Z', '', '0A1F', 'certs/0A1F.pem', '/O=Example/CN=c'),
      {
        entry: {
          status: 'expired',
          expiresAt: '2020-02-01T00:00:00.000Z',
          revocation: null,
          serial: '0A1F',
          file: 'certs/0A1F.pem',
          subject: '/O=Example/CN=c',
        },
      },
    ],
  ])('%s', (_name, text, expected) => {
    expect(parseOpensslIndexLine(text)).toEqual(expected);
  });

  it.each<[string, string, string]>([
    ['no reason: unspecified', '261207142326Z', 'unspecified'],
    ['CACompromise, as openssl spells it', '261207142326Z,CACompromise', 'cACompromise'],
    ['reasons compare ignoring case', '261207142326Z,SUPERSEDED', 'superseded'],
    ['a dated key compromise (-crl_compromise)', '261207142326Z,keyTime,20261201000000Z', 'keyCompromise'],
    ['a dated CA compromise (-crl_CA_compromise)', '261207142326Z,CAkeyTime,20261201000000Z', 'cACompromise'],
    ['a hold (-crl_hold)', '261207142326Z,holdInstruction,holdInstructionReject', 'certificateHold'],
    ['removeFromCRL', '261207142326Z,removeFromCRL', 'removeFromCRL'],
  ])('R-INV-2: revocation %s', (_name, field, reason) => {
    const parsed = parseOpensslIndexLine(line('R', '270307142326Z', field, '01', 'unknown', '/CN=x'));
    expect(parsed).toMatchObject({ entry: { revocation: { at: '2026-12-07T14:23:26.000Z', reason } } });
  });

  it.each<[string, string, RegExp]>([
    ['five fields', line('V', '270307142326Z', '', '1000', '/CN=a'), /5 tab-separated fields, not 6.*index\.txt\.old/],
    ['spaces instead of tabs', 'V 270307142326Z  1000 unknown /CN=a', /1 tab-separated field, not 6/],
    ['an unknown status', line('X', '270307142326Z', '', '1000', 'unknown', '/CN=a'), /status "X" is not V/],
    ['an expiry not a time', line('V', '2027-03-07', '', '1000', 'unknown', '/CN=a'), /expiry "2027-03-07".*notAfter/],
    ['31 February', line('V', '270231000000Z', '', '1000', 'unknown', '/CN=a'), /expiry "270231000000Z"/],
    [
      'a serial not hex',
      line('V', '270307142326Z', '', '10G0', 'unknown', '/CN=a'),
      /serial "10G0" is not hexadecimal/,
    ],
    ['an empty serial', line('V', '270307142326Z', '', '', 'unknown', '/CN=a'), /serial "" is not hexadecimal/],
    ['an empty subject', line('V', '270307142326Z', '', '1000', 'unknown', ''), /subject is empty/],
    ['revoked without a date', line('R', '270307142326Z', '', '1000', 'unknown', '/CN=a'), /revocation date ""/],
    [
      'an unknown reason',
      line('R', '270307142326Z', '261207142326Z,stolen', '1000', 'unknown', '/CN=a'),
      /reason "stolen" is not one openssl writes/,
    ],
    [
      'a hold without its instruction',
      line('R', '270307142326Z', '261207142326Z,holdInstruction', '1000', 'unknown', '/CN=a'),
      /needs its argument/,
    ],
    [
      'a valid entry with a revocation',
      line('V', '270307142326Z', '261207142326Z', '1000', 'unknown', '/CN=a'),
      /a V entry has a revocation.*mark the entry R/,
    ],
  ])('R-INV-2: a malformed line (%s) is a problem naming the fix', (_name, text, problem) => {
    const parsed = parseOpensslIndexLine(text);
    expect('problem' in parsed && parsed.problem).toMatch(problem);
  });

  it('tolerates a CRLF line ending', () => {
    expect(parseOpensslIndexLine(`${line('V', '270307142326Z', '', '1000', 'unknown', '/CN=a')}\r`)).toMatchObject({
      entry: { subject: '/CN=a' },
    });
  });

  it.each<[string, string | null]>([
    ['491231235959Z', '2049-12-31T23:59:59.000Z'],
    ['500101000000Z', '1950-01-01T00:00:00.000Z'],
    ['20500101000000Z', '2050-01-01T00:00:00.000Z'],
    ['261307000000Z', null],
    ['260101246000Z', null],
    ['260101000000', null],
  ])('ASN.1 time %s', (text, iso) => {
    expect(parseAsn1Time(text)).toBe(iso);
  });
});
