import 'reflect-metadata';
import { webcrypto, X509Certificate as NodeCertificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../../../src/core/domain/certificates/certificate-facts';
import { CertificateParseError } from '../../../../src/core/domain/certificates/errors';
import { parseCertificateDer } from '../../../../src/core/domain/certificates/parse-certificate';
import { readElement } from '../../../../src/core/domain/certificates/der';
import {
  bitString,
  bmpString,
  explicit,
  ia5String,
  implicit,
  nullValue,
  oid,
  printableString,
  sequence,
  set,
  tlv,
  utf8String,
} from '../../../support/der-writer';
import {
  type CertificateSpec,
  createIntermediateCa,
  createLeaf,
  createRootCa,
  generateLeafSet,
  issueCertificate,
} from '../../../support/certificate-factory';

/** Every key usage, in RFC 5280 bit order (written out here, independently of the parser's table). */
const ALL_KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'certificates');
const root = createRootCa();
const intermediate = createIntermediateCa(root);

function facts(der: Uint8Array): CertificateFacts {
  return parseCertificateDer(der).facts;
}

function fixtureDer(name: string): Uint8Array {
  const pem = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
}

function withRawSubject(name: Uint8Array): Uint8Array {
  return issueCertificate({ subject: 'CN=unused', subjectName: name, issuer: intermediate }).der;
}

describe('parseCertificateDer', () => {
  it('R-INV-1: reads every field of a TLS server certificate', () => {
    const leaf = createLeaf(intermediate, {
      subject: 'CN=www.example.com, OU=Web Services, O=Example Corp, L=Gaithersburg, ST=Maryland, C=US',
      serialNumber: '00f1e2d3c4b5a6978800112233445566',
      notBefore: new Date('2026-03-01T00:00:00Z'),
      notAfter: new Date('2027-04-02T12:00:00Z'),
      key: 'rsa-2048',
      subjectAltNames: {
        dns: ['www.example.com', '*.example.com'],
        ip: ['192.0.2.1', '2001:db8::1', '::ffff:192.0.2.7', '2001:db8:0:1:0:0:0:1'],
        email: ['webmaster@example.com'],
        uri: ['https://www.example.com/'],
      },
    });
    const node = new NodeCertificate(leaf.der);
    expect(facts(leaf.der)).toEqual({
      fingerprintSha256: node.fingerprint256.replace(/:/g, '').toLowerCase(),
      fingerprintSha1: node.fingerprint.replace(/:/g, '').toLowerCase(),
      version: 3,
      serialNumber: 'f1e2d3c4b5a6978800112233445566',
      serialNumberEncoding: {
        derHex: '00f1e2d3c4b5a6978800112233445566',
        derLength: 16,
        negative: false,
        zero: false,
      },
      subject: {
        text: 'CN=www.example.com, OU=Web Services, O=Example Corp, L=Gaithersburg, ST=Maryland, C=US',
        attributes: [
          { type: 'C', oid: '2.5.4.6', value: 'US' },
          { type: 'ST', oid: '2.5.4.8', value: 'Maryland' },
          { type: 'L', oid: '2.5.4.7', value: 'Gaithersburg' },
          { type: 'O', oid: '2.5.4.10', value: 'Example Corp' },
          { type: 'OU', oid: '2.5.4.11', value: 'Web Services' },
          { type: 'CN', oid: '2.5.4.3', value: 'www.example.com' },
        ],
        commonName: 'www.example.com',
      },
      issuer: {
        text: 'CN=Certflow Test Issuing CA 1, O=Certflow Test, C=US',
        attributes: [
          { type: 'C', oid: '2.5.4.6', value: 'US' },
          { type: 'O', oid: '2.5.4.10', value: 'Certflow Test' },
          { type: 'CN', oid: '2.5.4.3', value: 'Certflow Test Issuing CA 1' },
        ],
        commonName: 'Certflow Test Issuing CA 1',
      },
      subjectAltNames: {
        dns: ['www.example.com', '*.example.com'],
        ip: ['192.0.2.1', '2001:db8::1', '::ffff:192.0.2.7', '2001:db8:0:1::1'],
        email: ['webmaster@example.com'],
        uri: ['https://www.example.com/'],
        other: [],
      },
      notBefore: '2026-03-01T00:00:00.000Z',
      notAfter: '2027-04-02T12:00:00.000Z',
      validityDays: 398,
      publicKey: { algorithm: 'RSA', algorithmOid: '1.2.840.113549.1.1.1', sizeBits: 2048, curve: null },
      signatureAlgorithm: { oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256', hash: 'SHA-256' },
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extendedKeyUsage: ['serverAuth', 'clientAuth'],
      basicConstraints: { ca: false, pathLength: null },
      isCa: false,
      selfSigned: false,
      role: 'end-entity',
      authorityKeyId: Buffer.from(intermediate.key.keyId).toString('hex'),
      subjectKeyId: Buffer.from(leaf.key.keyId).toString('hex'),
      malformedExtensions: [],
    });
  });

  it('R-INV-1: tells roots, intermediates and leaves apart', () => {
    const leaf = createLeaf(intermediate, { subject: 'CN=leaf.example.com' });
    expect(
      [root, intermediate, leaf].map((c) => [facts(c.der).role, facts(c.der).selfSigned, facts(c.der).isCa]),
    ).toEqual([
      ['root', true, true],
      ['intermediate', false, true],
      ['end-entity', false, false],
    ]);
    expect(facts(intermediate.der).basicConstraints).toEqual({ ca: true, pathLength: 0 });
    expect(facts(root.der).keyUsage).toEqual(['keyCertSign', 'cRLSign']);
  });

  it.each<{ name: string; spec: Partial<CertificateSpec>; selfSigned: boolean; role: string }>([
    { name: 'self-signed leaf', spec: { ca: false }, selfSigned: true, role: 'end-entity' },
    {
      name: 'self-signed without key identifiers',
      spec: { ca: true, omitKeyIdentifiers: true },
      selfSigned: true,
      role: 'root',
    },
    { name: 'version 1 self-signed', spec: { version: 1 }, selfSigned: true, role: 'end-entity' },
    { name: 'no basic constraints', spec: { ca: null }, selfSigned: true, role: 'end-entity' },
  ])('R-INV-1: self-signed detection: $name', ({ spec, selfSigned, role }) => {
    const cert = issueCertificate({ subject: 'CN=self.example.com, O=Example', ...spec });
    expect(facts(cert.der)).toMatchObject({ selfSigned, role, version: spec.version ?? 3 });
  });

  it('R-INV-1: same subject and issuer but a different key identifier is not self-signed (re-keyed CA)', () => {
    const rekeyed = issueCertificate({
      subject: 'CN=Certflow Test Root CA, O=Certflow Test, C=US',
      issuer: root,
      key: 'ec-p256',
      ca: true,
    });
    expect(facts(rekeyed.der)).toMatchObject({ selfSigned: false, role: 'intermediate' });
  });

  it.each<{ file: string; name: string; oid: string; hash: string | null }>([
    { file: 'md5-rsa.pem', name: 'md5WithRSAEncryption', oid: '1.2.840.113549.1.1.4', hash: 'MD5' },
    { file: 'sha1-rsa.pem', name: 'sha1WithRSAEncryption', oid: '1.2.840.113549.1.1.5', hash: 'SHA-1' },
    { file: 'ecdsa-sha1.pem', name: 'ecdsa-with-SHA1', oid: '1.2.840.10045.4.1', hash: 'SHA-1' },
    { file: 'dsa-sha1.pem', name: 'dsa-with-sha1', oid: '1.2.840.10040.4.3', hash: 'SHA-1' },
    { file: 'leaf.pem', name: 'ecdsa-with-SHA256', oid: '1.2.840.10045.4.3.2', hash: 'SHA-256' },
  ])('R-INV-1: weak signatures parse like any other: $name', ({ file, name, oid: algorithmOid, hash }) => {
    expect(facts(fixtureDer(file)).signatureAlgorithm).toEqual({ oid: algorithmOid, name, hash });
  });

  it.each<{ key: CertificateSpec['key']; hash?: CertificateSpec['signatureHash']; publicKey: object; name: string }>([
    { key: 'rsa-1024', publicKey: { algorithm: 'RSA', sizeBits: 1024, curve: null }, name: 'sha256WithRSAEncryption' },
    {
      key: 'rsa-4096',
      hash: 'sha512',
      publicKey: { algorithm: 'RSA', sizeBits: 4096 },
      name: 'sha512WithRSAEncryption',
    },
    { key: 'ec-p256', publicKey: { algorithm: 'EC', sizeBits: 256, curve: 'P-256' }, name: 'ecdsa-with-SHA256' },
    {
      key: 'ec-p384',
      hash: 'sha384',
      publicKey: { algorithm: 'EC', sizeBits: 384, curve: 'P-384' },
      name: 'ecdsa-with-SHA384',
    },
    {
      key: 'ed25519',
      publicKey: { algorithm: 'Ed25519', algorithmOid: '1.3.101.112', sizeBits: 256, curve: null },
      name: 'Ed25519',
    },
    {
      key: 'dsa-2048',
      hash: 'sha256',
      publicKey: { algorithm: 'DSA', sizeBits: 2048, curve: null },
      name: 'dsa-with-sha256',
    },
  ])('R-INV-1: key $key and its own signature', ({ key, hash, publicKey, name }) => {
    const cert = issueCertificate({ subject: 'CN=key.example.com', key, signatureHash: hash ?? 'sha256', ca: true });
    const parsed = facts(cert.der);
    expect(parsed.publicKey).toMatchObject(publicKey);
    expect(parsed.signatureAlgorithm.name).toBe(name);
  });

  it('R-INV-1: key usage bits across both octets, and dates on both sides of the UTCTime range', () => {
    const cert = issueCertificate({
      subject: 'CN=dates.example.com',
      keyUsage: ALL_KEY_USAGES,
      notBefore: new Date('1999-12-31T23:59:59Z'),
      notAfter: new Date('2051-01-01T00:00:00Z'),
    });
    expect(facts(cert.der)).toMatchObject({
      keyUsage: ALL_KEY_USAGES,
      notBefore: '1999-12-31T23:59:59.000Z',
      notAfter: '2051-01-01T00:00:00.000Z',
      validityDays: 18629,
    });
    const odd = issueCertificate({ subject: 'CN=ka.example.com', keyUsage: ['keyAgreement', 'decipherOnly'] });
    expect(facts(odd.der).keyUsage).toEqual(['keyAgreement', 'decipherOnly']);
  });

  it.each<{ name: string; algorithm: Uint8Array; expected: object }>([
    {
      name: 'RSASSA-PSS with SHA-256',
      algorithm: sequence(
        oid('1.2.840.113549.1.1.10'),
        sequence(explicit(0, sequence(oid('2.16.840.1.101.3.4.2.1'), nullValue()))),
      ),
      expected: { oid: '1.2.840.113549.1.1.10', name: 'RSASSA-PSS', hash: 'SHA-256' },
    },
    {
      name: 'RSASSA-PSS with default parameters',
      algorithm: sequence(oid('1.2.840.113549.1.1.10'), sequence()),
      expected: { oid: '1.2.840.113549.1.1.10', name: 'RSASSA-PSS', hash: 'SHA-1' },
    },
    {
      name: 'an unknown algorithm',
      algorithm: sequence(oid('1.2.3.4.5')),
      expected: { oid: '1.2.3.4.5', name: '1.2.3.4.5', hash: null },
    },
    {
      name: 'md2WithRSAEncryption',
      algorithm: sequence(oid('1.2.840.113549.1.1.2'), nullValue()),
      expected: { oid: '1.2.840.113549.1.1.2', name: 'md2WithRSAEncryption', hash: 'MD2' },
    },
  ])('R-INV-1: signature algorithm $name', ({ algorithm, expected }) => {
    const der = issueCertificate({ subject: 'CN=sig.example.com' }).der;
    const outer = readElement(der, 0);
    const tbs = readElement(der, outer.contentStart);
    const rebuilt = sequence(der.slice(tbs.start, tbs.end), algorithm, bitString(new Uint8Array(8)));
    expect(facts(rebuilt).signatureAlgorithm).toEqual(expected);
  });

  it('R-INV-1: names: RFC 4514 escaping, multi-valued RDNs, BMP and other string types, unknown attribute types', () => {
    const attribute = (type: string, value: Uint8Array) => sequence(oid(type), value);
    const name = sequence(
      set(attribute('2.5.4.6', printableString('US'))),
      set(
        attribute('0.9.2342.19200300.100.1.25', ia5String('example')),
        attribute('0.9.2342.19200300.100.1.25', ia5String('com')),
      ),
      set(attribute('2.5.4.10', bmpString('Ümlaut, Inc.'))),
      set(attribute('2.5.4.11', utf8String(' #lead+trail '))),
      set(attribute('1.2.3.4.5', utf8String('custom'))),
      set(attribute('1.2.3.4.6', tlv(0x02, Uint8Array.of(5)))),
      set(attribute('1.2.840.113549.1.9.1', ia5String('pki@example.com'))),
      set(attribute('2.5.4.3', utf8String('名前.example.com'))),
    );
    const subject = facts(withRawSubject(name)).subject;
    expect(subject.text).toBe(
      'CN=名前.example.com, emailAddress=pki@example.com, 1.2.3.4.6=#020105, 1.2.3.4.5=custom, ' +
        'OU=\\ #lead\\+trail\\ , O=Ümlaut\\, Inc., DC=example+DC=com, C=US',
    );
    expect(subject.commonName).toBe('名前.example.com');
    expect(subject.attributes.map((a) => a.type)).toEqual([
      'C',
      'DC',
      'DC',
      'O',
      'OU',
      '1.2.3.4.5',
      '1.2.3.4.6',
      'emailAddress',
      'CN',
    ]);
    expect(subject.attributes[3]).toEqual({ type: 'O', oid: '2.5.4.10', value: 'Ümlaut, Inc.' });
  });

  it('R-INV-1: an empty subject (SAN-only certificate) has no common name', () => {
    const subject = facts(withRawSubject(sequence())).subject;
    expect(subject).toEqual({ text: '', attributes: [], commonName: null });
  });

  it('R-INV-1: reads the other GeneralName types into `other`', () => {
    const san = sequence(
      explicit(0, oid('1.3.6.1.4.1.311.20.2.3'), explicit(0, utf8String('user@example.com'))),
      explicit(4, sequence(set(sequence(oid('2.5.4.3'), utf8String('dir'))))),
      implicit(8, oid('1.2.3.4').subarray(2)),
      implicit(7, Uint8Array.of(10, 0, 0, 0, 255, 0, 0, 0)),
    );
    const cert = issueCertificate({
      subject: 'CN=placeholder',
      issuer: intermediate,
      extraExtensions: [sequence(oid('2.5.29.17'), tlv(0x04, san))],
    });
    expect(facts(cert.der).subjectAltNames).toEqual({
      dns: [],
      ip: [],
      email: [],
      uri: [],
      other: [
        'otherName:1.3.6.1.4.1.311.20.2.3=user@example.com',
        'dirName:CN=dir',
        'registeredID:1.2.3.4',
        'iPAddress:#0a000000ff000000',
      ],
    });
  });

  it('R-INV-1: agrees with OpenSSL and @peculiar/x509 on 300 generated certificates and every fixture', () => {
    const fixtures = fs
      .readdirSync(FIXTURES)
      .filter((name) => /^(?!corrupt|begin|private|empty|chain).*\.pem$/.test(name))
      .map(fixtureDer);
    const ders = [
      ...generateLeafSet({ count: 300, seed: 'differential' }).leaves,
      ...fixtures,
      root.der,
      intermediate.der,
    ];
    for (const der of ders) {
      const mine = facts(der);
      const node = new NodeCertificate(der);
      const peculiar = new x509.X509Certificate(der);
      const expectedKey = node.publicKey.asymmetricKeyDetails;
      const sans = (node.subjectAltName ?? '').split(', ').filter(Boolean);
      expect({
        fingerprint: mine.fingerprintSha256,
        serial: mine.serialNumber.replace(/^0+/, ''),
        subject: rfc4514ToOpenSsl(mine.subject.text),
        issuer: rfc4514ToOpenSsl(mine.issuer.text),
        notBefore: mine.notBefore,
        notAfter: mine.notAfter,
        ca: mine.isCa,
        sizeBits: mine.publicKey.algorithm === 'RSA' ? mine.publicKey.sizeBits : mine.publicKey.curve,
        dns: mine.subjectAltNames.dns,
        ip: mine.subjectAltNames.ip.map(expandIp),
        email: mine.subjectAltNames.email,
        eku: mine.extendedKeyUsage.length,
        keyUsage: mine.keyUsage,
        pathLength: mine.basicConstraints?.pathLength ?? null,
        ski: mine.subjectKeyId,
        aki: mine.authorityKeyId,
        signatureOid: mine.signatureAlgorithm.oid,
      }).toEqual({
        fingerprint: node.fingerprint256.replace(/:/g, '').toLowerCase(),
        serial: node.serialNumber.toLowerCase().replace(/^0+/, ''),
        subject: node.subject,
        issuer: node.issuer,
        notBefore: new Date(node.validFrom).toISOString(),
        notAfter: new Date(node.validTo).toISOString(),
        ca: node.ca,
        sizeBits:
          mine.publicKey.algorithm === 'RSA' ? expectedKey?.modulusLength : curveName(expectedKey?.namedCurve ?? ''),
        dns: sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)),
        ip: sans.filter((s) => s.startsWith('IP Address:')).map((s) => expandIp(s.slice(11))),
        email: sans.filter((s) => s.startsWith('email:')).map((s) => s.slice(6)),
        eku: node.keyUsage?.length ?? 0,
        keyUsage: peculiarKeyUsages(peculiar),
        pathLength: peculiar.getExtension(x509.BasicConstraintsExtension)?.pathLength ?? null,
        ski: peculiar.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? null,
        aki: peculiar.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId ?? null,
        signatureOid: AsnConvert.parse(der, Certificate).signatureAlgorithm.algorithm,
      });
    }
  });

  it('R-INV-1: parses what @peculiar/x509 issues (the internal CA adapter), in its name order', async () => {
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '7f01',
      name: 'CN=adapter.example.com, O=Example',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2026-04-01T00:00:00Z'),
      keys,
      signingAlgorithm: algorithm,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'adapter.example.com' }])],
    });
    const parsed = facts(new Uint8Array(cert.rawData));
    // @peculiar/x509 encodes names in the order written; RFC 4514 text lists the last RDN first.
    expect(parsed.subject.text).toBe('O=Example, CN=adapter.example.com');
    expect(parsed).toMatchObject({ serialNumber: '7f01', validityDays: 90, selfSigned: true, role: 'end-entity' });
    expect(parsed.subjectAltNames.dns).toEqual(['adapter.example.com']);
  });
});

describe('parseCertificateDer on bad input (R-INV-4)', () => {
  const good = fixtureDer('leaf.pem');
  it.each<{ name: string; der: Uint8Array; reason: RegExp }>([
    { name: 'empty', der: new Uint8Array(0), reason: /data ends early/ },
    { name: 'truncated', der: good.subarray(0, 300), reason: /needs \d+ bytes but only 300 remain/ },
    { name: 'trailing bytes', der: Uint8Array.from([...good, 0, 0]), reason: /2 unexpected bytes follow/ },
    { name: 'not a sequence', der: Uint8Array.of(0x04, 0x01, 0x00), reason: /expected tag 0x30/ },
    { name: 'empty sequence', der: Uint8Array.of(0x30, 0x00), reason: /not an X\.509 certificate/ },
    { name: 'PEM text', der: new TextEncoder().encode('-----BEGIN CERTIFICATE-----'), reason: /expected tag 0x30/ },
    { name: 'huge length', der: Uint8Array.of(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff), reason: /needs/ },
    {
      name: 'deep nesting',
      der: Uint8Array.from({ length: 200 }, (_, i) => (i % 2 ? 0x80 : 0x30)),
      reason: /nesting|ends/,
    },
  ])('$name → CertificateParseError', ({ der, reason }) => {
    let thrown: unknown;
    try {
      parseCertificateDer(der, 'certs/x.der', 2);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CertificateParseError);
    const error = thrown as CertificateParseError;
    expect(error.reason).toMatch(reason);
    expect(error.message).toMatch(
      /^certs\/x\.der block 2: not a valid DER certificate: .* — re-export the certificate/,
    );
  });

  it('a malformed time names the part that is wrong; a malformed extension value is a finding instead', () => {
    const badTime = Buffer.from(good);
    const notBefore = badTime.indexOf(Buffer.from('260301000000Z'));
    badTime.write('26130100000', notBefore, 'latin1');
    expect(() => parseCertificateDer(new Uint8Array(badTime))).toThrow(/time "261301000000Z".* is malformed/);
    const badSan = Buffer.from(good);
    const sanOid = badSan.indexOf(Buffer.from(oid('2.5.29.17')));
    badSan[sanOid + 7] = 0x05;
    expect(parseCertificateDer(new Uint8Array(badSan)).facts.malformedExtensions).toEqual([
      expect.objectContaining({ name: 'subject alternative name', problem: expect.stringMatching(/malformed/) }),
    ]);
  });

  it('never crashes on random mutations of a real certificate', () => {
    let state = 12345;
    const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff);
    for (let round = 0; round < 2000; round++) {
      const mutated = Uint8Array.from(good);
      for (let flips = 1 + (next() % 4); flips > 0; flips--) mutated[next() % mutated.length] = next() & 0xff;
      try {
        parseCertificateDer(mutated);
      } catch (error) {
        expect(error).toBeInstanceOf(CertificateParseError);
      }
    }
  });
});

function rfc4514ToOpenSsl(text: string): string {
  return text
    .split(/(?<!\\), /)
    .reverse()
    .join('\n');
}

/** Full, lowercase, unpadded IPv6 groups as OpenSSL prints them, for comparing with RFC 5952 text. */
function expandIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  const text = dotted
    ? ip.replace(
        dotted[0],
        `${((+dotted[1]! << 8) | +dotted[2]!).toString(16)}:${((+dotted[3]! << 8) | +dotted[4]!).toString(16)}`,
      )
    : ip;
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16).toString(16)).join(':');
}

function curveName(namedCurve: string): string {
  return { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }[namedCurve] ?? namedCurve;
}

function peculiarKeyUsages(cert: x509.X509Certificate): string[] {
  const usages = cert.getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
  // @peculiar/x509's KeyUsageFlags give digitalSignature bit value 1 up to decipherOnly 256, in RFC 5280 order.
  return ALL_KEY_USAGES.filter((_, bit) => usages & (1 << bit));
}
