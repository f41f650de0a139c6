import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCertificates } from '../../../../src/core/domain/certificates/decode-certificates';
import { CertificateParseError } from '../../../../src/core/domain/certificates/errors';
import { concat, explicit, integer, oid, sequence, set } from '../../../support/der-writer';
import { seededRandom, toPem } from '../../../support/certificate-factory';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'certificates');
const bytesOf = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(FIXTURES, name)));
const leafDer = bytesOf('leaf.der');
const intermediateDer = new Uint8Array(
  Buffer.from(
    fs.readFileSync(path.join(FIXTURES, 'intermediate-ca.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, ''),
    'base64',
  ),
);
const text = (value: string): Uint8Array => new TextEncoder().encode(value);

interface Expectation {
  readonly file: string;
  readonly subjects: readonly string[];
  readonly errors?: readonly (readonly [number | null, RegExp])[];
  readonly skipped?: readonly (readonly [number | null, RegExp])[];
  readonly pkcs12?: boolean;
}

const LEAF = 'CN=www.example.com, OU=Web Services, O=Example Corp, L=Gaithersburg, ST=Maryland, C=US';
const INTERMEDIATE = 'CN=Certflow Test Issuing CA 1, O=Certflow Test, C=US';
const ROOT = 'CN=Certflow Test Root CA, O=Certflow Test, C=US';

describe('decodeCertificates', () => {
  it.each<Expectation>([
    { file: 'leaf.pem', subjects: [LEAF] },
    { file: 'leaf.der', subjects: [LEAF] },
    { file: 'root-ca.pem', subjects: [ROOT] },
    { file: 'chain-bundle.pem', subjects: [LEAF, INTERMEDIATE, ROOT] },
    { file: 'chain.p7b', subjects: [LEAF, INTERMEDIATE, ROOT] },
    { file: 'chain-p7.pem', subjects: [LEAF, INTERMEDIATE] },
    { file: 'wildcard-many-sans.pem', subjects: ['CN=*.shop.example.com, O=Example Corp, C=US'] },
    { file: 'leaf-aes256.p12', subjects: [], pkcs12: true },
    { file: 'leaf-3des.p12', subjects: [], pkcs12: true },
    { file: 'leaf-legacy-rc2.p12', subjects: [], pkcs12: true },
  ])('R-INV-2: reads $file', ({ file, subjects, pkcs12 = false }) => {
    const decoded = decodeCertificates(bytesOf(file), file);
    expect(decoded.errors).toEqual([]);
    expect(decoded.skipped).toEqual([]);
    expect(decoded.pkcs12).toBe(pkcs12);
    expect(decoded.certificates.map((c) => c.facts.subject.text)).toEqual(subjects);
  });

  it.each<Expectation>([
    {
      file: 'truncated.der',
      subjects: [],
      errors: [[null, /the DER data is truncated or corrupt: .*needs \d+ bytes/]],
    },
    { file: 'corrupt-middle-block.pem', subjects: [LEAF, ROOT], errors: [[2, /base64 is corrupt/]] },
    { file: 'begin-without-end.pem', subjects: [LEAF], errors: [[2, /has no "-----END CERTIFICATE-----" line/]] },
    { file: 'empty.pem', subjects: [], errors: [[null, /the file is empty/]] },
    { file: 'random.bin', subjects: [], errors: [[null, /not a certificate file \(neither PEM text nor DER\)/]] },
    { file: 'private-key-only.pem', subjects: [], skipped: [[1, /^private key \(PRIVATE KEY\) skipped unread$/]] },
  ])(
    'R-INV-4: $file gives per-block errors and keeps the good blocks',
    ({ file, subjects, errors = [], skipped = [] }) => {
      const decoded = decodeCertificates(bytesOf(file), `certs/${file}`);
      expect(decoded.certificates.map((c) => c.facts.subject.text)).toEqual(subjects);
      expect(decoded.errors).toHaveLength(errors.length);
      decoded.errors.forEach((error, index) => {
        expect(error).toBeInstanceOf(CertificateParseError);
        expect(error.source).toBe(`certs/${file}`);
        expect(error.block).toBe(errors[index]![0]);
        expect(error.reason).toMatch(errors[index]![1]);
        expect(error.message.startsWith(`certs/${file}`)).toBe(true);
      });
      expect(decoded.skipped).toHaveLength(skipped.length);
      decoded.skipped.forEach((skip, index) => {
        expect(skip.block).toBe(skipped[index]![0]);
        expect(skip.reason).toMatch(skipped[index]![1]);
      });
      expect(decoded.pkcs12).toBe(false);
    },
  );

  it('R-INV-2: reads DER certificates written back to back', () => {
    const decoded = decodeCertificates(concat([leafDer, intermediateDer]), 'two.der');
    expect(decoded.errors).toEqual([]);
    expect(decoded.certificates.map((c) => c.facts.subject.text)).toEqual([LEAF, INTERMEDIATE]);
  });

  it('R-INV-4: DER certificates back to back with garbage after them keep the good ones', () => {
    const decoded = decodeCertificates(concat([leafDer, Uint8Array.of(0x30, 0x82, 0x01)]), 'x.der');
    expect(decoded.certificates).toHaveLength(1);
    expect(decoded.errors.map((e) => [e.block, e.reason])).toEqual([
      [2, expect.stringMatching(/^unreadable data after certificate 1 at byte \d+/)],
    ]);
  });

  it('R-INV-2: reads a TRUSTED CERTIFICATE block, ignoring the trust settings after the certificate', () => {
    const trusted = toPem(concat([leafDer, sequence()]), 'TRUSTED CERTIFICATE');
    const decoded = decodeCertificates(text(trusted), 'trusted.pem');
    expect(decoded.errors).toEqual([]);
    expect(decoded.certificates[0]!.der).toEqual(leafDer);
  });

  it('R-INV-2: reads PEM saved as UTF-16 with a byte-order mark, and PEM behind a UTF-8 BOM', () => {
    const pem = toPem(leafDer);
    const utf16 = concat([Uint8Array.of(0xff, 0xfe), new Uint8Array(Buffer.from(pem, 'utf16le'))]);
    const utf8 = concat([Uint8Array.of(0xef, 0xbb, 0xbf), text(pem)]);
    for (const bytes of [utf16, utf8]) {
      expect(decodeCertificates(bytes, 'x.pem').certificates.map((c) => c.facts.subject.text)).toEqual([LEAF]);
    }
  });

  it('R-INV-2: reads PEM that begins with text looking like DER (a "0" line)', () => {
    const decoded = decodeCertificates(text(`0 certificates follow\n${toPem(leafDer)}`), 'x.pem');
    expect(decoded.certificates).toHaveLength(1);
  });

  it.each([
    ['PKCS#8', { type: 'pkcs8', format: 'der' }],
    ['encrypted PKCS#8', { type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: 'x' }],
    ['SEC 1', { type: 'sec1', format: 'der' }],
  ] as const)('skips a DER %s private key unread', (_, options) => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = new Uint8Array(privateKey.export(options));
    const decoded = decodeCertificates(der, 'key.der');
    expect(decoded).toEqual({
      certificates: [],
      errors: [],
      skipped: [{ block: null, reason: 'a DER private key, skipped unread' }],
      pkcs12: false,
    });
  });

  it('R-INV-4: reports a PKCS#7 that holds no certificates as skipped, not as an error', () => {
    const signedData = sequence(integer(1), set(), sequence(oid('1.2.840.113549.1.7.1')), set());
    const empty = sequence(oid('1.2.840.113549.1.7.2'), explicit(0, signedData));
    const decoded = decodeCertificates(empty, 'empty.p7b');
    expect(decoded.errors).toEqual([]);
    expect(decoded.skipped).toEqual([{ block: null, reason: 'PKCS#7 structure holds no certificates' }]);
  });

  it.each([
    ['plain text', text('hello\nworld\n'), /no PEM block \("-----BEGIN CERTIFICATE-----"\) in this text file/],
    ['white space only', text(' \r\n\t\n'), /the file is empty/],
    ['an unknown DER structure', Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x07), /not a certificate, PKCS#7 or PKCS#12/],
    ['a DER that is not a sequence', Uint8Array.of(0x04, 0x02, 0x00, 0x01), /neither PEM text nor DER/],
  ])('R-INV-4: %s is one clear error', (_, bytes, reason) => {
    const decoded = decodeCertificates(bytes, 'x');
    expect(decoded.certificates).toEqual([]);
    expect(decoded.errors.map((e) => e.reason)).toEqual([expect.stringMatching(reason)]);
    expect(decoded.errors[0]!.fix.length).toBeGreaterThan(10);
  });

  it('R-INV-4: never throws on mutated bundles and random bytes', () => {
    const random = seededRandom('decode-fuzz');
    const bundle = bytesOf('chain-bundle.pem');
    const p7 = bytesOf('chain.p7b');
    for (let round = 0; round < 1500; round++) {
      const source = round % 3 === 0 ? bundle : round % 3 === 1 ? p7 : leafDer;
      const mutated = Uint8Array.from(source);
      const flips = 1 + Math.floor(random() * 6);
      for (let i = 0; i < flips; i++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      const cut = mutated.subarray(0, Math.floor(random() * mutated.length) + 1);
      for (const bytes of [mutated, cut]) {
        const decoded = decodeCertificates(bytes, 'fuzz');
        const outcomes = decoded.certificates.length + decoded.errors.length + decoded.skipped.length;
        expect(outcomes > 0 || decoded.pkcs12).toBe(true);
      }
    }
  });
});
