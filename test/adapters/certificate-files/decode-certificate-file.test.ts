import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCertificateFile } from '../../../src/adapters/certificate-files/decode-certificate-file';
import { decodeCertificates } from '../../../src/core/domain/certificates/decode-certificates';
import { createRootCa, toPkcs12 } from '../../support/certificate-factory';
import { X509_CORPUS_DIR } from '../../support/x509-corpus/x509-corpus';

const root = createRootCa();
const text = (value: string) => new TextEncoder().encode(value);

describe('decoding one certificate file', () => {
  it("R-INV-1: the native fingerprints of every corpus certificate equal the domain parser's own", () => {
    const names = fs.readdirSync(X509_CORPUS_DIR).filter((name) => name.endsWith('.der'));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const bytes = new Uint8Array(fs.readFileSync(path.join(X509_CORPUS_DIR, name)));
      const native = decodeCertificateFile({ name, bytes }).certificates.map(({ facts }) => facts);
      const domain = decodeCertificates(bytes, name).certificates.map(({ facts }) => facts);
      expect(native, name).toEqual(domain);
    }
  });

  it('R-INV-2: yields the certificates of a PEM file with where it is installed', () => {
    const location = { kind: 'file', path: '/etc/ssl/root.pem' } as const;
    const found = decodeCertificateFile({ name: '/etc/ssl/root.pem', bytes: text(root.pem), location });
    expect(found.certificates.map((certificate) => certificate.der)).toEqual([root.der]);
    expect(found).toMatchObject({ name: '/etc/ssl/root.pem', location, errors: [] });
    expect(found.skipped).toBeUndefined();
  });

  it('R-INV-4: skips a file that is no certificate material, but reports a certificate file that is broken', () => {
    const readme = decodeCertificateFile({ name: 'README.md', bytes: text('# Certificates of the shop\n') });
    expect(readme.certificates).toEqual([]);
    expect(readme.errors).toEqual([]);
    expect(readme.skipped).toEqual(expect.any(String));
    const broken = decodeCertificateFile({ name: 'shop.pem', bytes: text('# not a certificate\n') });
    expect(broken.skipped).toBeUndefined();
    expect(broken.errors).toHaveLength(1);
  });

  it('R-INV-2: opens PKCS#12 with the given passwords after the empty one, and says which flag to pass otherwise', () => {
    const bytes = toPkcs12({ certificates: [root.der], password: 'changeit', encryption: 'aes-256' });
    expect(decodeCertificateFile({ name: 'root.p12', bytes }, ['wrong', 'changeit']).certificates).toHaveLength(1);
    expect(decodeCertificateFile({ name: 'root.p12', bytes }).errors).toEqual([
      'root.p12: this PKCS#12 file is password-protected — pass its password with --password',
    ]);
    expect(decodeCertificateFile({ name: 'root.p12', bytes }, ['wrong']).errors).toEqual([
      'root.p12: none of the 1 given password(s) opens this PKCS#12 file — pass the right one with --password',
    ]);
  });
});
