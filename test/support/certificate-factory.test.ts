import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  encodeName,
  generateLeafSet,
  seededRandom,
  toPem,
} from './certificate-factory';
import { makeCertificateFixtures } from './make-certificate-fixtures';

describe('certificate factory', () => {
  it('issues a chain that OpenSSL verifies', () => {
    const root = createRootCa();
    const intermediate = createIntermediateCa(root);
    const leaf = createLeaf(intermediate, { subject: 'CN=www.example.com, O=Example, C=US' });
    const [rootCert, intermediateCert, leafCert] = [root, intermediate, leaf].map((c) => new X509Certificate(c.der));
    expect(rootCert!.verify(rootCert!.publicKey)).toBe(true);
    expect(intermediateCert!.verify(rootCert!.publicKey)).toBe(true);
    expect(leafCert!.verify(intermediateCert!.publicKey)).toBe(true);
    expect(leafCert!.checkIssued(intermediateCert!)).toBe(true);
    expect(leafCert!.subject).toBe('C=US\nO=Example\nCN=www.example.com');
  });

  it('signs with MD5 and SHA-1 where webcrypto would refuse', () => {
    const root = createRootCa({ key: 'rsa-2048' });
    for (const signatureHash of ['md5', 'sha1'] as const) {
      const leaf = createLeaf(root, { subject: `CN=${signatureHash}.example.com`, signatureHash, key: 'ec-p256' });
      expect(new X509Certificate(leaf.der).verify(root.key.publicKey)).toBe(true);
    }
  });

  it('encodes RFC 4514 text in certificate order, escapes included', () => {
    const name = encodeName('CN=a\\, b, O=Example, C=US');
    expect(new X509Certificate(createRootCa({ subject: 'CN=a\\, b, O=Example, C=US' }).der).subject).toBe(
      'C=US\nO=Example\nCN=a\\, b',
    );
    expect(name[0]).toBe(0x30);
  });

  it('generates distinct leaves, the same values for the same seed', () => {
    const first = generateLeafSet({ count: 200, seed: 'factory-test' });
    const second = generateLeafSet({ count: 200, seed: 'factory-test' });
    const summary = (der: Uint8Array): string => {
      const cert = new X509Certificate(der);
      return `${cert.serialNumber} ${cert.subject} ${cert.subjectAltName} ${cert.validFrom} ${cert.validTo}`;
    };
    const values = first.leaves.map(summary);
    expect(new Set(values).size).toBe(200);
    expect(second.leaves.map(summary)).toEqual(values);
    const issuer = new X509Certificate(first.intermediate.der);
    expect(first.leaves.every((der) => new X509Certificate(der).verify(issuer.publicKey))).toBe(true);
  });

  it('draws the same numbers from the same seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    expect(toPem(Uint8Array.of(1, 2, 3))).toBe('-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n');
  });

  it.skipIf(!process.env.CERTFLOW_MAKE_FIXTURES)('writes the committed fixtures', () => {
    expect(makeCertificateFixtures().length).toBeGreaterThan(15);
  });
});
