import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertificateParseError } from '../../../../src/core/domain/certificates/errors';
import { childrenOf, readElement } from '../../../../src/core/domain/certificates/der';
import { parseCertificateDer } from '../../../../src/core/domain/certificates/parse-certificate';
import {
  bitString,
  boolean,
  concat,
  ia5String,
  implicit,
  integer,
  octetString,
  oid,
  sequence,
  tlv,
} from '../../../support/der-writer';
import { createRootCa, issueCertificate } from '../../../support/certificate-factory';

const root = createRootCa();
const base = issueCertificate({ subject: 'CN=rfc5280.example.com', issuer: root }).der;

/** The certificate `der` with TBSCertificate fields changed by `change` (the signature no longer matches: unchecked). */
function withTbsFields(der: Uint8Array, change: (fields: Uint8Array[]) => void): Uint8Array {
  const outer = readElement(der, 0);
  const [tbs, algorithm, signature] = childrenOf(der, outer);
  const fields = childrenOf(der, tbs!).map((field) => der.slice(field.start, field.end));
  change(fields);
  return sequence(
    sequence(...fields),
    der.slice(algorithm!.start, algorithm!.end),
    der.slice(signature!.start, signature!.end),
  );
}

/** TBS field positions of a version 3 certificate. */
const SERIAL = 1;
const VALIDITY = 4;
const SPKI = 6;

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const utcTime = (text: string): Uint8Array => tlv(0x17, ascii(text));
const generalizedTime = (text: string): Uint8Array => tlv(0x18, ascii(text));

function withValidity(notBefore: Uint8Array, notAfter: Uint8Array): Uint8Array {
  return withTbsFields(base, (fields) => {
    fields[VALIDITY] = sequence(notBefore, notAfter);
  });
}

describe('validity years as RFC 5280 writes them (R-INV-1)', () => {
  it.each([
    { time: generalizedTime('00010101000000Z'), iso: '0001-01-01T00:00:00.000Z' },
    { time: generalizedTime('00991231235959Z'), iso: '0099-12-31T23:59:59.000Z' },
    { time: generalizedTime('00000101000000Z'), iso: '0000-01-01T00:00:00.000Z' },
    { time: generalizedTime('19000101000000Z'), iso: '1900-01-01T00:00:00.000Z' },
    { time: generalizedTime('20500101000000Z'), iso: '2050-01-01T00:00:00.000Z' },
    { time: generalizedTime('99991231235959Z'), iso: '9999-12-31T23:59:59.000Z' },
    { time: generalizedTime('00500615120000+0130'), iso: '0050-06-15T10:30:00.000Z' },
    { time: utcTime('500101000000Z'), iso: '1950-01-01T00:00:00.000Z' },
    { time: utcTime('991231235959Z'), iso: '1999-12-31T23:59:59.000Z' },
    { time: utcTime('000101000000Z'), iso: '2000-01-01T00:00:00.000Z' },
    { time: utcTime('491231235959Z'), iso: '2049-12-31T23:59:59.000Z' },
  ])('R-INV-1: $iso is read exactly', ({ time, iso }) => {
    const facts = parseCertificateDer(withValidity(time, generalizedTime('99991231235959Z'))).facts;
    expect(facts.notBefore).toBe(iso);
    expect(facts.validityDays).toBe(Math.ceil((Date.parse('9999-12-31T23:59:59Z') - Date.parse(iso)) / 86_400_000));
  });

  it('R-INV-1: a notAfter before notBefore parses, with a negative validity for the policy to judge', () => {
    const facts = parseCertificateDer(
      withValidity(generalizedTime('20260101000000Z'), generalizedTime('00010101000000Z')),
    ).facts;
    expect(facts).toMatchObject({ notAfter: '0001-01-01T00:00:00.000Z', validityDays: -739_616 });
  });
});

describe('serial numbers as OpenSSL shows them, with their exact encoding (R-INV-1)', () => {
  it.each([
    { octets: 'fbce996c13', shown: '-04316693ed', negative: true, zero: false },
    { octets: 'ff', shown: '-01', negative: true, zero: false },
    { octets: '80', shown: '-80', negative: true, zero: false },
    { octets: 'ff7f', shown: '-81', negative: true, zero: false },
    { octets: 'ff00', shown: '-0100', negative: true, zero: false },
    { octets: '00', shown: '00', negative: false, zero: true },
    { octets: '0000', shown: '00', negative: false, zero: true },
    { octets: '01', shown: '01', negative: false, zero: false },
    { octets: '0080', shown: '80', negative: false, zero: false },
    { octets: '000005', shown: '05', negative: false, zero: false },
    { octets: `7f${'ab'.repeat(20)}`, shown: `7f${'ab'.repeat(20)}`, negative: false, zero: false },
  ])('R-INV-1: INTEGER octets $octets are serial $shown', ({ octets, shown, negative, zero }) => {
    const der = withTbsFields(base, (fields) => {
      fields[SERIAL] = tlv(0x02, Uint8Array.from(Buffer.from(octets, 'hex')));
    });
    const facts = parseCertificateDer(der).facts;
    expect(facts.serialNumber).toBe(shown);
    expect(facts.serialNumberEncoding).toEqual({ derHex: octets, derLength: octets.length / 2, negative, zero });
  });
});

const SAN = '2.5.29.17';
const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';

function extension(extensionOid: string, value: Uint8Array, critical = false): Uint8Array {
  return critical
    ? sequence(oid(extensionOid), boolean(true), octetString(value))
    : sequence(oid(extensionOid), octetString(value));
}

const goodSan = extension(SAN, sequence(implicit(2, ascii('kept.example.com'))));

describe('a malformed extension is a finding, and the certificate still imports (R-INV-4)', () => {
  it.each([
    {
      name: 'a negative pathLenConstraint keeps CA:TRUE',
      extensions: [extension(BASIC_CONSTRAINTS, sequence(boolean(true), tlv(0x02, Uint8Array.of(0xff))), true)],
      facts: { basicConstraints: { ca: true, pathLength: null }, isCa: true, subjectAltNames: { dns: [] } },
      finding: { oid: BASIC_CONSTRAINTS, name: 'basic constraints', critical: true, problem: /negative/ },
    },
    {
      name: 'a pathLenConstraint beyond 2^48',
      extensions: [extension(BASIC_CONSTRAINTS, sequence(boolean(true), integer(Uint8Array.of(1, 0, 0, 0, 0, 0, 0))))],
      facts: { basicConstraints: { ca: true, pathLength: null }, isCa: true },
      finding: { oid: BASIC_CONSTRAINTS, name: 'basic constraints', critical: false, problem: /too large/ },
    },
    {
      name: 'a SAN whose GeneralNames length overruns the extension',
      extensions: [
        extension(SAN, Uint8Array.from([0x30, 0x20, ...implicit(2, ascii('short.example.com'))])),
        extension(KEY_USAGE, bitString(Uint8Array.of(0x80), 7), true),
      ],
      facts: { subjectAltNames: { dns: [] }, keyUsage: ['digitalSignature'] },
      finding: { oid: SAN, name: 'subject alternative name', critical: false, problem: /needs \d+ bytes/ },
    },
    {
      name: 'a SAN that is not a sequence',
      extensions: [extension(SAN, ia5String('x.example.com'))],
      facts: { subjectAltNames: { dns: [] } },
      finding: { oid: SAN, name: 'subject alternative name', critical: false, problem: /malformed/ },
    },
    {
      name: 'a key usage that is not a bit string, beside a good SAN',
      extensions: [extension(KEY_USAGE, octetString(Uint8Array.of(0x80)), true), goodSan],
      facts: { keyUsage: [], subjectAltNames: { dns: ['kept.example.com'] } },
      finding: { oid: KEY_USAGE, name: 'key usage', critical: true, problem: /not a bit string/ },
    },
    {
      name: 'a repeated SAN: the first counts',
      extensions: [goodSan, extension(SAN, sequence(implicit(2, ascii('second.example.com'))))],
      facts: { subjectAltNames: { dns: ['kept.example.com'] } },
      finding: { oid: SAN, name: 'subject alternative name', critical: false, problem: /more than once/ },
    },
    {
      name: 'a repeated unknown extension, named by its OID',
      extensions: [extension('1.2.3.4', Uint8Array.of(5, 0)), extension('1.2.3.4', Uint8Array.of(5, 0))],
      facts: {},
      finding: { oid: '1.2.3.4', name: '1.2.3.4', critical: false, problem: /more than once/ },
    },
  ])('R-INV-4: $name', ({ extensions, facts, finding }) => {
    const der = issueCertificate({
      subject: 'CN=finding.example.com',
      issuer: root,
      ca: null,
      keyUsage: [],
      omitKeyIdentifiers: true,
      extraExtensions: extensions,
    }).der;
    const parsed = parseCertificateDer(der).facts;
    expect(parsed).toMatchObject(facts);
    expect(parsed.malformedExtensions).toEqual([{ ...finding, problem: expect.stringMatching(finding.problem) }]);
  });

  it('R-INV-4: a well-formed certificate has no findings', () => {
    expect(parseCertificateDer(base).facts.malformedExtensions).toEqual([]);
  });

  it.each([
    { name: 'an extension without its value', extension: sequence(oid(SAN)) },
    {
      name: 'a critical flag that is not a boolean',
      extension: sequence(oid(SAN), integer(1), octetString(sequence())),
    },
    { name: 'an extension that is not a sequence', extension: octetString(sequence()) },
  ])('R-INV-4: $name breaks the frame OpenSSL needs too: a CertificateParseError', ({ extension: broken }) => {
    const der = issueCertificate({ subject: 'CN=frame.example.com', issuer: root, extraExtensions: [broken] }).der;
    expect(() => parseCertificateDer(der, 'certs/frame.pem')).toThrow(CertificateParseError);
    expect(() => parseCertificateDer(der, 'certs/frame.pem')).toThrow(/an extension at byte \d+ is malformed/);
  });
});

/** OpenSSL's SPKI for a fresh key on `curve`, with the curve written out as explicit ECParameters. */
function explicitSpki(curve: string): Uint8Array {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve, paramEncoding: 'explicit' });
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
}

function withSpki(spki: Uint8Array): Uint8Array {
  return withTbsFields(base, (fields) => {
    fields[SPKI] = spki;
  });
}

describe('EC keys with explicit curve parameters (R-INV-1)', () => {
  it.each([
    { openssl: 'prime192v1', curve: 'P-192', sizeBits: 192 },
    { openssl: 'secp224r1', curve: 'P-224', sizeBits: 224 },
    { openssl: 'prime256v1', curve: 'P-256', sizeBits: 256 },
    { openssl: 'secp384r1', curve: 'P-384', sizeBits: 384 },
    { openssl: 'secp521r1', curve: 'P-521', sizeBits: 521 },
    { openssl: 'secp256k1', curve: 'secp256k1', sizeBits: 256 },
    { openssl: 'brainpoolP256r1', curve: 'brainpoolP256r1', sizeBits: 256 },
    { openssl: 'brainpoolP384r1', curve: 'brainpoolP384r1', sizeBits: 384 },
    { openssl: 'brainpoolP512r1', curve: 'brainpoolP512r1', sizeBits: 512 },
    { openssl: 'secp160r1', curve: 'explicit', sizeBits: 161 },
  ])('R-INV-1: explicit $openssl parameters are $curve, $sizeBits bits', ({ openssl, curve, sizeBits }) => {
    expect(parseCertificateDer(withSpki(explicitSpki(openssl))).facts.publicKey).toEqual({
      algorithm: 'EC',
      algorithmOid: '1.2.840.10045.2.1',
      sizeBits,
      curve,
    });
  });

  it('R-INV-1: P-256 parameters with another coefficient b are not P-256', () => {
    const spki = explicitSpki('prime256v1');
    const b = Buffer.from(spki).indexOf(Buffer.from('5ac635d8aa3a93e7', 'hex'));
    spki[b] = 0x5b;
    expect(parseCertificateDer(withSpki(spki)).facts.publicKey).toMatchObject({ sizeBits: 256, curve: 'explicit' });
  });

  it('R-INV-1: implicitlyCA parameters name no curve and no size', () => {
    const point = bitString(concat([Uint8Array.of(4), new Uint8Array(64)]));
    const spki = sequence(sequence(oid('1.2.840.10045.2.1'), Uint8Array.of(5, 0)), point);
    expect(parseCertificateDer(withSpki(spki)).facts.publicKey).toMatchObject({
      sizeBits: null,
      curve: 'implicitlyCA',
    });
  });

  it.each([
    { name: 'without an order', parameters: sequence(integer(1), sequence(oid('1.2.840.10045.1.1'), integer(23))) },
    { name: 'with a broken inner length', parameters: sequence(integer(1), Uint8Array.of(0x30, 0x05, 0x06)) },
  ])('R-INV-4: explicit parameters $name still import, with no size', ({ parameters }) => {
    const point = bitString(concat([Uint8Array.of(4), new Uint8Array(64)]));
    const spki = sequence(sequence(oid('1.2.840.10045.2.1'), parameters), point);
    expect(parseCertificateDer(withSpki(spki)).facts.publicKey).toMatchObject({ sizeBits: null, curve: 'explicit' });
  });
});

describe('RSASSA-PSS hash for the policy (R-POL-4)', () => {
  it.each([
    {
      name: 'SHA-1 written out',
      parameters: sequence(tlv(0xa0, sequence(oid('1.3.14.3.2.26'), Uint8Array.of(5, 0)))),
      hash: 'SHA-1',
    },
    {
      name: 'SHA-384',
      parameters: sequence(tlv(0xa0, sequence(oid('2.16.840.1.101.3.4.2.2'), Uint8Array.of(5, 0)))),
      hash: 'SHA-384',
    },
  ])('R-POL-4: $name', ({ parameters, hash }) => {
    const outer = readElement(base, 0);
    const [tbs, , signature] = childrenOf(base, outer);
    const der = sequence(
      base.slice(tbs!.start, tbs!.end),
      sequence(oid('1.2.840.113549.1.1.10'), parameters),
      base.slice(signature!.start, signature!.end),
    );
    expect(parseCertificateDer(der).facts.signatureAlgorithm).toEqual({
      oid: '1.2.840.113549.1.1.10',
      name: 'RSASSA-PSS',
      hash,
    });
  });
});
