import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { decodeCertificates } from '../../../src/core/domain/certificates/decode-certificates';
import { CertificateParseError } from '../../../src/core/domain/certificates/errors';
import { parseCertificateDer } from '../../../src/core/domain/certificates/parse-certificate';
import { openPkcs12, Pkcs12PasswordError } from '../../../src/adapters/certificate-files/pkcs12';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  testKeyPair,
  toPkcs12,
} from '../../support/certificate-factory';
import { concat, explicit, integer, nullValue, octetString, oid, sequence } from '../../support/der-writer';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'certificates');
const bytesOf = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(FIXTURES, name)));
const LEAF = 'CN=www.example.com, OU=Web Services, O=Example Corp, L=Gaithersburg, ST=Maryland, C=US';
const CHAIN = [
  LEAF,
  'CN=Certflow Test Issuing CA 1, O=Certflow Test, C=US',
  'CN=Certflow Test Root CA, O=Certflow Test, C=US',
];

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** A PFX around an authenticated safe, with an optional MAC algorithm OID (no real MAC). */
function pfx(authenticatedSafe: Uint8Array, macOid?: string, macIterations = 2048): Uint8Array {
  const authSafe = sequence(oid('1.2.840.113549.1.7.1'), explicit(0, octetString(authenticatedSafe)));
  const mac = macOid
    ? [
        sequence(
          sequence(sequence(oid(macOid), nullValue()), octetString(new Uint8Array(32))),
          octetString(new Uint8Array(8)),
          integer(macIterations),
        ),
      ]
    : [];
  return sequence(integer(3), authSafe, ...mac);
}

/** An authenticated safe with one encrypted content info under `algorithm` (eight bytes of ciphertext). */
function encryptedSafe(algorithm: Uint8Array): Uint8Array {
  const content = sequence(oid('1.2.840.113549.1.7.1'), algorithm, Uint8Array.of(0x80, 0x08, 1, 2, 3, 4, 5, 6, 7, 8));
  return sequence(sequence(oid('1.2.840.113549.1.7.6'), explicit(0, sequence(integer(0), content))));
}

/** PBES2 with PBKDF2 (HMAC-SHA256) and AES-256-CBC at the given iteration count. */
function pbes2Algorithm(iterations: number): Uint8Array {
  const pbkdf2 = sequence(
    oid('1.2.840.113549.1.5.12'),
    sequence(octetString(new Uint8Array(8)), integer(iterations), sequence(oid('1.2.840.113549.2.9'), nullValue())),
  );
  const aes = sequence(oid('2.16.840.1.101.3.4.1.42'), octetString(new Uint8Array(16)));
  return sequence(oid('1.2.840.113549.1.5.13'), sequence(pbkdf2, aes));
}

describe('openPkcs12', () => {
  it.each(['leaf-legacy-rc2.p12', 'leaf-3des.p12', 'leaf-aes256.p12'])(
    'R-INV-2: opens %s with its password: leaf and chain, never the key',
    (file) => {
      const bytes = bytesOf(file);
      expect(decodeCertificates(bytes, file).pkcs12).toBe(true);
      const certificates = openPkcs12(bytes, 'changeit', file);
      expect(certificates.map((c) => c.facts.subject.text)).toEqual(CHAIN);
      expect(certificates[0]!.facts).toEqual(parseCertificateDer(bytesOf('leaf.der')).facts);
      for (const certificate of certificates) expect(Object.keys(certificate).sort()).toEqual(['der', 'facts']);
    },
  );

  it.each(['leaf-legacy-rc2.p12', 'leaf-3des.p12', 'leaf-aes256.p12'])(
    'R-INV-4: a wrong password for %s is a Pkcs12PasswordError that says what to do',
    (file) => {
      const error = thrown(() => openPkcs12(bytesOf(file), 'wrong', `certs/${file}`));
      expect(error).toBeInstanceOf(Pkcs12PasswordError);
      expect((error as Error).message).toBe(`wrong password for certs/${file} — pass its password with --password`);
    },
  );

  it('R-INV-2: opens files node-forge wrote (an independent PKCS#12 writer), RSA key included', () => {
    const root = createRootCa({ key: 'rsa-2048' });
    const key = testKeyPair('rsa-2048', 2);
    const leaf = createLeaf(root, { subject: 'CN=forge.example.com', key });
    const forgeCert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(Buffer.from(leaf.der).toString('binary')));
    const forgeKey = forge.pki.privateKeyFromPem(key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    for (const algorithm of ['3des', 'aes256'] as const) {
      const asn1 = forge.pkcs12.toPkcs12Asn1(forgeKey, [forgeCert], 'changeit', { algorithm });
      const bytes = Uint8Array.from(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'));
      expect(openPkcs12(bytes, 'changeit', 'forge.p12').map((c) => c.der)).toEqual([leaf.der]);
    }
  });

  it('R-INV-2: opens a certificate-only file and an empty password', () => {
    const root = createRootCa();
    const bytes = toPkcs12({ certificates: [root.der], password: '', encryption: 'aes-256' });
    expect(openPkcs12(bytes, '', 'empty.p12').map((c) => c.der)).toEqual([root.der]);
    expect(thrown(() => openPkcs12(bytes, 'x', 'empty.p12'))).toBeInstanceOf(Pkcs12PasswordError);
  });

  it('R-INV-2: opens a BER file with indefinite lengths (Java keytool style)', () => {
    const der = bytesOf('leaf-3des.p12');
    const headerLength = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
    const ber = concat([Uint8Array.of(0x30, 0x80), der.subarray(headerLength), Uint8Array.of(0, 0)]);
    expect(decodeCertificates(ber, 'ber.p12').pkcs12).toBe(true);
    expect(openPkcs12(ber, 'changeit', 'ber.p12')).toHaveLength(3);
  });

  it('R-INV-2: opens a file protected by a non-ASCII password', () => {
    const intermediate = createIntermediateCa(createRootCa());
    for (const encryption of ['aes-256', 'legacy-3des'] as const) {
      const bytes = toPkcs12({ certificates: [intermediate.der], password: 'pässwört', encryption });
      expect(openPkcs12(bytes, 'pässwört', 'x.p12')).toHaveLength(1);
    }
  });

  it.each<{ name: string; bytes: () => Uint8Array; reason: RegExp }>([
    {
      name: 'truncated',
      bytes: () => bytesOf('leaf-aes256.p12').subarray(0, 900),
      reason: /PKCS#12 structure is corrupt/,
    },
    { name: 'not PKCS#12', bytes: () => bytesOf('leaf.der'), reason: /PKCS#12 structure is corrupt/ },
    { name: 'empty', bytes: () => new Uint8Array(0), reason: /PKCS#12 structure is corrupt/ },
    {
      name: 'PBMAC1 integrity',
      bytes: () => pfx(sequence(), '1.2.840.113549.1.5.14'),
      reason: /cannot open this PKCS#12 file: its integrity check is PBMAC1/,
    },
    {
      name: 'public-key privacy mode',
      bytes: () => pfx(sequence(sequence(oid('1.2.840.113549.1.7.3'), explicit(0, sequence())))),
      reason: /encrypted to a public key/,
    },
    {
      name: '128-bit RC2',
      bytes: () =>
        pfx(
          encryptedSafe(
            sequence(oid('1.2.840.113549.1.12.1.5'), sequence(octetString(new Uint8Array(8)), integer(2048))),
          ),
        ),
      reason: /encrypted with pbeWithSHAAnd128BitRC2-CBC/,
    },
    {
      name: 'an absurd MAC iteration count',
      bytes: () => pfx(sequence(), '2.16.840.1.101.3.4.2.1', 2 ** 40),
      reason: /MAC iteration count 1099511627776 is out of range/,
    },
    {
      name: 'an absurd PBKDF2 iteration count',
      bytes: () => pfx(encryptedSafe(pbes2Algorithm(2 ** 40))),
      reason: /key derivation iteration count 1099511627776 is out of range/,
    },
  ])('R-INV-4: $name is a CertificateParseError with a fix', ({ bytes, reason }) => {
    const error = thrown(() => openPkcs12(bytes(), 'changeit', 'certs/bad.p12'));
    expect(error).toBeInstanceOf(CertificateParseError);
    expect((error as CertificateParseError).reason).toMatch(reason);
    expect((error as Error).message).toMatch(/^certs\/bad\.p12: .* — .+/);
  });

  it('R-INV-4: a damaged byte inside the protected data fails the MAC, as a wrong password would', () => {
    const damaged = Uint8Array.from(bytesOf('leaf-3des.p12'));
    damaged[600] = damaged[600]! ^ 0xff;
    expect(thrown(() => openPkcs12(damaged, 'changeit', 'x.p12'))).toBeInstanceOf(Pkcs12PasswordError);
  });
});
