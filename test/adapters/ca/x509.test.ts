import { describe, expect, it } from 'vitest';
import {
  DistinguishedNameError,
  distinguishedNameKey,
  nameFromRfc4514,
  parseDistinguishedName,
  sameDistinguishedName,
  toPem,
} from '../../../src/adapters/shared/x509';

const CN = '2.5.4.3';
const O = '2.5.4.10';
const OU = '2.5.4.11';
const C = '2.5.4.6';

describe('parseDistinguishedName', () => {
  it.each([
    [
      'CN=api.example.com, O=Example, C=US',
      [[{ oid: CN, value: 'api.example.com' }], [{ oid: O, value: 'Example' }], [{ oid: C, value: 'US' }]],
    ],
    ['cn=a,o=b', [[{ oid: CN, value: 'a' }], [{ oid: O, value: 'b' }]]],
    ['CN = a , O = b', [[{ oid: CN, value: 'a' }], [{ oid: O, value: 'b' }]]],
    [
      'CN=a\\, b, O=x+OU=y',
      [
        [{ oid: CN, value: 'a, b' }],
        [
          { oid: O, value: 'x' },
          { oid: OU, value: 'y' },
        ],
      ],
    ],
    ['CN=M\\c3\\bcller', [[{ oid: CN, value: 'Müller' }]]],
    ['CN=Müller', [[{ oid: CN, value: 'Müller' }]]],
    ['CN=trailing\\ ', [[{ oid: CN, value: 'trailing ' }]]],
    [
      '2.5.4.3=a, emailAddress=x@example.com',
      [[{ oid: CN, value: 'a' }], [{ oid: '1.2.840.113549.1.9.1', value: 'x@example.com' }]],
    ],
    ['CN=a=b', [[{ oid: CN, value: 'a=b' }]]],
  ])('reads %j', (text, expected) => {
    expect(parseDistinguishedName(text)).toEqual(expected);
  });

  it.each([
    ['', 'it is empty'],
    ['   ', 'it is empty'],
    ['api.example.com', 'has no "="'],
    ['XX=a', 'unknown attribute type XX'],
    ['=a', 'an attribute has no type'],
    ['CN=', 'an attribute has an empty value'],
    ['CN=a,', 'it ends with ","'],
    ['CN=a+', 'it ends with "+"'],
    ['CN=#0403616263', 'hex-encoded (#) values are not supported'],
    ['CN=a\\', 'lone "\\"'],
    ['CN=\\ff\\fe', 'not valid UTF-8'],
  ])('refuses %j with a DistinguishedNameError (%s)', (text, reason) => {
    expect(() => parseDistinguishedName(text)).toThrow(DistinguishedNameError);
    expect(() => parseDistinguishedName(text)).toThrow(reason);
  });
});

describe('nameFromRfc4514', () => {
  it('writes the RDNs in certificate order, least specific first', () => {
    const name = nameFromRfc4514('CN=api.example.com, O=Example, C=US');

    expect(name.toJSON()).toEqual([{ C: ['US'] }, { O: ['Example'] }, { CN: ['api.example.com'] }]);
  });
});

describe('sameDistinguishedName', () => {
  it.each([
    ['CN=certflow Issuing CA, O=certflow', 'cn=CERTFLOW  issuing ca,o=certflow', true],
    ['CN=a, O=x+OU=y', 'CN=a, OU=y+O=x', true],
    ['CN=a, O=b', '2.5.4.3=a, 2.5.4.10=b', true],
    ['CN=a, O=b', 'O=b, CN=a', false],
    ['CN=a, O=b', 'CN=a, O=c', false],
    ['CN=a, O=b', 'not a name', false],
    ['', '', false],
  ])('%j vs %j → %s', (a, b, same) => {
    expect(sameDistinguishedName(a, b)).toBe(same);
  });

  it('keys equal names alike', () => {
    expect(distinguishedNameKey('CN=A  B')).toBe(distinguishedNameKey('cn=a b'));
  });
});

describe('toPem', () => {
  it('armours DER in 64-character lines ending with a newline', () => {
    const pem = toPem(new Uint8Array(100).fill(0xff), 'X509 CRL');
    const lines = pem.split('\n');

    expect(lines[0]).toBe('-----BEGIN X509 CRL-----');
    expect(lines[1]).toHaveLength(64);
    expect(lines.at(-2)).toBe('-----END X509 CRL-----');
    expect(lines.at(-1)).toBe('');
  });
});
