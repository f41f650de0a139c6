/**
 * Writes the committed certificate fixtures in test/fixtures/certificates/ with the certificate factory.
 *
 * Regenerate them (rarely: tests read facts from them, not fingerprints, so a run changes every file) with
 *   CERTFLOW_MAKE_FIXTURES=1 npx vitest run test/support/certificate-factory.test.ts
 * which runs the otherwise skipped "writes the committed fixtures" test. Validity dates are fixed (leaves
 * 2026-03-01 – 2027-03-31, CAs 2020 – 2045) and tests use a fixed `now`, so the files do not rot.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  type CertificateSpec,
  createIntermediateCa,
  createLeaf,
  createRootCa,
  type IssuedCertificate,
  privateKeyPem,
  seededRandom,
  testKeyPair,
  toPem,
  toPkcs12,
  toPkcs7,
} from './certificate-factory';

/** Where the fixtures live. */
export const FIXTURE_DIR = path.resolve(__dirname, '..', 'fixtures', 'certificates');

/** Validity of every fixture leaf. */
export const FIXTURE_LEAF_VALIDITY = {
  notBefore: new Date('2026-03-01T00:00:00Z'),
  notAfter: new Date('2027-03-31T00:00:00Z'),
} as const;

/** The password of every fixture PKCS#12 file. */
export const FIXTURE_PASSWORD = 'changeit';

function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** Breaks base64 lines the way hand-edited and mail-mangled files do: trailing blanks, a split line, tabs. */
function mangleWhitespace(pem: string): string {
  const lines = pem.split('\n');
  return lines
    .map((line, index) => {
      if (line.startsWith('-----') || line === '') return line;
      if (index === 2) return `${line.slice(0, 20)}\n${line.slice(20)}`;
      if (index === 3) return `  ${line}\t`;
      return `${line} `;
    })
    .join('\n');
}

/** A fixture leaf `CN=<name>.example.com` under `issuer`, valid for the fixture period. */
function leafWith(issuer: IssuedCertificate, name: string, spec: Partial<CertificateSpec>): IssuedCertificate {
  return createLeaf(issuer, {
    ...FIXTURE_LEAF_VALIDITY,
    ...spec,
    subject: `CN=${name}.example.com, O=Example Corp, C=US`,
  });
}

/** Writes every fixture file; returns their names. */
export function makeCertificateFixtures(dir: string = FIXTURE_DIR): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (name: string, content: string | Uint8Array): void => {
    fs.writeFileSync(path.join(dir, name), content);
    written.push(name);
  };

  const root = createRootCa({ serialNumber: '01' });
  const intermediate = createIntermediateCa(root, { serialNumber: '1000' });
  const leaf = createLeaf(intermediate, {
    subject: 'CN=www.example.com, OU=Web Services, O=Example Corp, L=Gaithersburg, ST=Maryland, C=US',
    serialNumber: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    subjectAltNames: { dns: ['www.example.com', 'example.com'] },
    ...FIXTURE_LEAF_VALIDITY,
  });
  write('root-ca.pem', root.pem);
  write('intermediate-ca.pem', intermediate.pem);
  write('leaf.pem', leaf.pem);
  write('leaf.der', leaf.der);
  write('chain.p7b', toPkcs7([leaf.der, intermediate.der, root.der]));
  write('chain-p7.pem', toPem(toPkcs7([leaf.der, intermediate.der]), 'PKCS7'));

  const bagAttributes = (friendlyName: string, subject: string, issuer: string): string =>
    `Bag Attributes\n    localKeyID: 01 00 00 00 \n    friendlyName: ${friendlyName}\nsubject=${subject}\n\nissuer=${issuer}\n\n`;
  write(
    'chain-bundle.pem',
    crlf(
      '# Exported from the Windows certificate store, then edited by hand.\n' +
        bagAttributes('www.example.com', 'C = US, CN = www.example.com', 'CN = Certflow Test Issuing CA 1') +
        leaf.pem +
        '\nThis line is junk between blocks; so is a lone -----BEGIN without a label\n\n' +
        'Bag Attributes: <No Attributes>\n' +
        mangleWhitespace(intermediate.pem) +
        '\n; trailing comment\n' +
        root.pem +
        '\n-- end of bundle --\n',
    ),
  );

  write('rsa-1024.pem', leafWith(intermediate, 'rsa1024', { key: 'rsa-1024' }).pem);
  write('ec-p384.pem', leafWith(intermediate, 'p384', { key: 'ec-p384' }).pem);
  // Weak signatures need a signer of the right kind: an RSA and a DSA CA under the same root.
  const rsaCa = createIntermediateCa(root, {
    subject: 'CN=Certflow Test RSA CA, O=Certflow Test, C=US',
    key: 'rsa-2048',
  });
  write('md5-rsa.pem', leafWith(rsaCa, 'md5', { signatureHash: 'md5', key: 'rsa-2048' }).pem);
  write('sha1-rsa.pem', leafWith(rsaCa, 'sha1', { signatureHash: 'sha1', key: 'rsa-2048' }).pem);
  write('ecdsa-sha1.pem', leafWith(intermediate, 'ecdsa-sha1', { signatureHash: 'sha1' }).pem);
  const dsaCa = createIntermediateCa(root, {
    subject: 'CN=Certflow Test DSA CA, O=Certflow Test, C=US',
    key: 'dsa-2048',
  });
  write('dsa-sha1.pem', leafWith(dsaCa, 'dsa-sha1', { signatureHash: 'sha1' }).pem);
  write(
    'wildcard-many-sans.pem',
    createLeaf(intermediate, {
      ...FIXTURE_LEAF_VALIDITY,
      subject: 'CN=*.shop.example.com, O=Example Corp, C=US',
      subjectAltNames: {
        dns: [
          '*.shop.example.com',
          'shop.example.com',
          ...Array.from({ length: 60 }, (_, n) => `store${n}.example.com`),
        ],
        ip: ['192.0.2.10', '2001:db8::10'],
        email: ['hostmaster@example.com'],
        uri: ['https://shop.example.com/'],
      },
    }).pem,
  );

  for (const [name, encryption] of [
    ['leaf-legacy-rc2.p12', 'legacy-rc2'],
    ['leaf-3des.p12', 'legacy-3des'],
    ['leaf-aes256.p12', 'aes-256'],
  ] as const) {
    write(
      name,
      toPkcs12({
        certificates: [leaf.der, intermediate.der, root.der],
        key: leaf.key,
        password: FIXTURE_PASSWORD,
        encryption,
      }),
    );
  }

  write('truncated.der', leaf.der.slice(0, Math.floor(leaf.der.length / 2)));
  const middle = intermediate.pem.split('\n');
  middle[3] = `${middle[3]!.slice(0, 10)}*corrupt*${middle[3]!.slice(19)}`;
  write('corrupt-middle-block.pem', [leaf.pem, middle.join('\n'), root.pem].join(''));
  write('begin-without-end.pem', `${leaf.pem}${intermediate.pem.split('\n').slice(0, 6).join('\n')}\n`);
  write('empty.pem', '');
  const random = seededRandom('random.bin');
  write(
    'random.bin',
    Uint8Array.from({ length: 4096 }, () => Math.floor(random() * 256)),
  );
  write('private-key-only.pem', privateKeyPem(testKeyPair('ec-p256', 2)));
  return written;
}
