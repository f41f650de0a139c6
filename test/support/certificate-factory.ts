/**
 * Realistic test certificates: root and intermediate CAs, leaves with chosen names, SANs, validity, key types and
 * signature hashes (MD5 and SHA-1 included, which webcrypto refuses), and writers for PEM, DER, PKCS#7 and
 * PKCS#12. Certificates are encoded with the DER writer and signed with node:crypto; key pairs are cached in
 * memory and under .cache/test/keys because RSA and DSA key generation is slow. `generateLeafSet` makes large,
 * seeded sets fast for benchmarks and bulk import tests.
 */
import 'reflect-metadata';
import {
  createCipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  pbkdf2Sync,
  randomBytes,
  sign,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { X509Certificate as PeculiarCertificate, X509Certificates } from '@peculiar/x509';
import forge from 'node-forge';
import type { KeyUsageName } from '../../src/core/domain/certificates/certificate-facts';
import {
  bitString,
  bmpString,
  boolean,
  concat,
  explicit,
  ia5String,
  implicit,
  integer,
  nullValue,
  octetString,
  oid,
  printableString,
  sequence,
  set,
  time,
  utf8String,
} from './der-writer';

/** Key types the factory can make. */
export type TestKeyType = 'rsa-1024' | 'rsa-2048' | 'rsa-4096' | 'ec-p256' | 'ec-p384' | 'ed25519' | 'dsa-2048';

/** Hashes a test certificate can be signed with; MD5 needs an RSA key, Ed25519 ignores the hash. */
export type TestSignatureHash = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** A cached key pair with the encodings certificates need. */
export interface TestKeyPair {
  readonly type: TestKeyType;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array;
  /** A subject key identifier for this key (SHA-1 of the SPKI). */
  readonly keyId: Uint8Array;
}

const ROOT = path.resolve(__dirname, '..', '..');
const KEY_CACHE = path.join(ROOT, '.cache', 'test', 'keys');

function generate(type: TestKeyType): KeyObject {
  switch (type) {
    case 'rsa-1024':
    case 'rsa-2048':
    case 'rsa-4096':
      return generateKeyPairSync('rsa', { modulusLength: Number(type.slice(4)) }).privateKey;
    case 'ec-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    case 'ec-p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
    case 'dsa-2048':
      return generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey;
  }
}

const keyCache = new Map<string, TestKeyPair>();

/** The `slot`-th cached key pair of a type: the same key every call and every run (until .cache is cleared). */
export function testKeyPair(type: TestKeyType, slot = 0): TestKeyPair {
  const name = `${type}-${slot}`;
  const cached = keyCache.get(name);
  if (cached) return cached;
  const file = path.join(KEY_CACHE, `${name}.pem`);
  let privateKey: KeyObject;
  if (fs.existsSync(file)) {
    privateKey = createPrivateKey(fs.readFileSync(file));
  } else {
    privateKey = generate(type);
    fs.mkdirSync(KEY_CACHE, { recursive: true });
    // Parallel test workers may race here: write aside, then rename atomically.
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    fs.renameSync(temporary, file);
  }
  const publicKey = createPublicKey(privateKey);
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const keyId = new Uint8Array(createHash('sha1').update(spki).digest());
  const pair = { type, privateKey, publicKey, spki, keyId };
  keyCache.set(name, pair);
  return pair;
}

const ATTRIBUTE_OIDS: Readonly<Record<string, string>> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  serialNumber: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  street: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  title: '2.5.4.12',
  GN: '2.5.4.42',
  UID: '0.9.2342.19200300.100.1.1',
  DC: '0.9.2342.19200300.100.1.25',
  emailAddress: '1.2.840.113549.1.9.1',
};

/** Splits on a separator not escaped with a backslash. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && i + 1 < text.length) {
      current += text[i]! + text[i + 1]!;
      i++;
    } else if (text[i] === separator) {
      parts.push(current);
      current = '';
    } else {
      current += text[i];
    }
  }
  parts.push(current);
  return parts;
}

function unescape(value: string): string {
  return value.replace(/\\([0-9a-fA-F]{2}|.)/g, (_, escaped: string) =>
    escaped.length === 2 ? String.fromCharCode(parseInt(escaped, 16)) : escaped,
  );
}

function attributeValue(type: string, value: string): Uint8Array {
  if (type === 'C' || type === 'serialNumber') return printableString(value);
  if (type === 'DC' || type === 'emailAddress') return ia5String(value);
  return utf8String(value);
}

/**
 * Encodes RFC 4514 text (most-specific RDN first, `CN=www.example.com, O=Example, C=US`) as a DER Name in
 * certificate order (C first), so a parser's RFC 4514 output reads exactly like the input.
 */
export function encodeName(text: string): Uint8Array {
  if (text.trim() === '') return sequence();
  const rdns = splitUnescaped(text, ',').map((rdn) =>
    set(
      ...splitUnescaped(rdn, '+').map((pair) => {
        const equals = pair.indexOf('=');
        const type = pair.slice(0, equals).trim();
        const typeOid = ATTRIBUTE_OIDS[type] ?? (/^\d+(\.\d+)+$/.test(type) ? type : undefined);
        if (typeOid === undefined) throw new Error(`encodeName: unknown attribute type "${type}" in "${text}"`);
        return sequence(oid(typeOid), attributeValue(type, unescape(pair.slice(equals + 1).trim())));
      }),
    ),
  );
  return sequence(...rdns.reverse());
}

function ipBytes(address: string): Uint8Array {
  if (!address.includes(':')) return Uint8Array.from(address.split('.').map(Number));
  // An IPv4-mapped tail (::ffff:192.0.2.7) becomes its two hex groups.
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) =>
    [(+a << 8) | +b, (+c << 8) | +d].map((group) => group.toString(16)).join(':'),
  );
  const [head = '', tail = ''] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = text.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = text.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return Uint8Array.from(groups.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]));
}

/** Subject alternative names to put in a certificate. */
export interface TestSubjectAltNames {
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
  readonly email?: readonly string[];
  readonly uri?: readonly string[];
}

const KEY_USAGE_BITS: readonly KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

const EKU_OIDS: Readonly<Record<string, string>> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
};

function extension(extensionOid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(oid(extensionOid), boolean(true), octetString(value))
    : sequence(oid(extensionOid), octetString(value));
}

function keyUsageExtension(usages: readonly KeyUsageName[]): Uint8Array {
  const bits = usages.map((usage) => KEY_USAGE_BITS.indexOf(usage));
  const highest = Math.max(...bits);
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  // DER drops trailing zero bits of a named bit list.
  return extension('2.5.29.15', true, bitString(bytes, 7 - (highest & 7)));
}

function sanExtension(names: TestSubjectAltNames): Uint8Array {
  const encoder = new TextEncoder();
  return extension(
    '2.5.29.17',
    false,
    sequence(
      ...(names.email ?? []).map((value) => implicit(1, encoder.encode(value))),
      ...(names.dns ?? []).map((value) => implicit(2, encoder.encode(value))),
      ...(names.uri ?? []).map((value) => implicit(6, encoder.encode(value))),
      ...(names.ip ?? []).map((value) => implicit(7, ipBytes(value))),
    ),
  );
}

const RSA_SIGNATURES: Readonly<Record<TestSignatureHash, string>> = {
  md5: '1.2.840.113549.1.1.4',
  sha1: '1.2.840.113549.1.1.5',
  sha256: '1.2.840.113549.1.1.11',
  sha384: '1.2.840.113549.1.1.12',
  sha512: '1.2.840.113549.1.1.13',
};
const ECDSA_SIGNATURES: Partial<Record<TestSignatureHash, string>> = {
  sha1: '1.2.840.10045.4.1',
  sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3',
  sha512: '1.2.840.10045.4.3.4',
};
const DSA_SIGNATURES: Partial<Record<TestSignatureHash, string>> = {
  sha1: '1.2.840.10040.4.3',
  sha256: '2.16.840.1.101.3.4.3.2',
};

/** The AlgorithmIdentifier and node:crypto digest name for signing with `key` and `hash`. */
function signatureAlgorithm(key: TestKeyPair, hash: TestSignatureHash): { der: Uint8Array; digest: string | null } {
  if (key.type === 'ed25519') return { der: sequence(oid('1.3.101.112')), digest: null };
  const family = key.type.startsWith('rsa') ? 'rsa' : key.type.startsWith('ec') ? 'ec' : 'dsa';
  if (family === 'rsa') return { der: sequence(oid(RSA_SIGNATURES[hash]), nullValue()), digest: hash };
  const algorithm = (family === 'ec' ? ECDSA_SIGNATURES : DSA_SIGNATURES)[hash];
  if (algorithm === undefined) throw new Error(`cannot sign with ${key.type} and ${hash}`);
  return { der: sequence(oid(algorithm)), digest: hash };
}

/** What a certificate should contain. Everything but the subject has a realistic default. */
export interface CertificateSpec {
  /** RFC 4514 text, most-specific first: `CN=www.example.com, O=Example, C=US`. */
  readonly subject: string;
  /** The CA that signs it; self-signed when absent. */
  readonly issuer?: IssuedCertificate;
  /** Key type or a specific key pair (default: cached EC P-256). */
  readonly key?: TestKeyType | TestKeyPair;
  /** Hex serial number (default: 16 random bytes). */
  readonly serialNumber?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** Hash the issuer signs with (default SHA-256). */
  readonly signatureHash?: TestSignatureHash;
  /** Basic constraints: `true` or a path length for a CA, `false` for an end entity, null to omit the extension. */
  readonly ca?: boolean | number | null;
  readonly subjectAltNames?: TestSubjectAltNames;
  readonly keyUsage?: readonly KeyUsageName[];
  /** Short names (`serverAuth` …) or OIDs. */
  readonly extendedKeyUsage?: readonly string[];
  /** Leave out the subject and authority key identifiers. */
  readonly omitKeyIdentifiers?: boolean;
  /** X.509 version 1 has no extensions at all. */
  readonly version?: 1 | 3;
  /** A hand-built DER Name to use instead of encoding `subject` (odd string types, empty names …). */
  readonly subjectName?: Uint8Array;
  /** Hand-built DER extensions appended to the generated ones. */
  readonly extraExtensions?: readonly Uint8Array[];
}

/** A generated certificate with its key, ready to sign others or to be written out. */
export interface IssuedCertificate {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly key: TestKeyPair;
  readonly subject: string;
  readonly subjectName: Uint8Array;
}

/** Signs a TBSCertificate and wraps it into a Certificate. */
function signCertificate(tbs: Uint8Array, algorithm: Uint8Array, digest: string | null, key: KeyObject): Uint8Array {
  return sequence(tbs, algorithm, bitString(new Uint8Array(sign(digest, tbs, key))));
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
}

/** Issues one certificate as `spec` says. */
export function issueCertificate(spec: CertificateSpec): IssuedCertificate {
  const key = typeof spec.key === 'object' ? spec.key : testKeyPair(spec.key ?? 'ec-p256');
  const signerKey = spec.issuer?.key ?? key;
  const issuerName = spec.issuer?.subjectName ?? encodeName(spec.subject);
  const subjectName = spec.subjectName ?? encodeName(spec.subject);
  const notBefore = spec.notBefore ?? new Date('2026-01-01T00:00:00Z');
  const notAfter = spec.notAfter ?? new Date(notBefore.getTime() + 365 * 86_400_000);
  const algorithm = signatureAlgorithm(signerKey, spec.signatureHash ?? 'sha256');
  const ca = spec.ca === undefined ? false : spec.ca;
  const extensions: Uint8Array[] = [];
  if (ca !== null) {
    const fields = ca === false ? [] : typeof ca === 'number' ? [boolean(true), integer(ca)] : [boolean(true)];
    extensions.push(extension('2.5.29.19', ca !== false, sequence(...fields)));
  }
  const keyUsage = spec.keyUsage ?? (ca === false || ca === null ? ['digitalSignature'] : ['keyCertSign', 'cRLSign']);
  if (keyUsage.length > 0) extensions.push(keyUsageExtension(keyUsage));
  const eku = spec.extendedKeyUsage ?? (ca === false ? ['serverAuth'] : []);
  if (eku.length > 0) {
    extensions.push(extension('2.5.29.37', false, sequence(...eku.map((usage) => oid(EKU_OIDS[usage] ?? usage)))));
  }
  if (spec.subjectAltNames) extensions.push(sanExtension(spec.subjectAltNames));
  if (!spec.omitKeyIdentifiers) {
    extensions.push(extension('2.5.29.14', false, octetString(key.keyId)));
    extensions.push(extension('2.5.29.35', false, sequence(implicit(0, signerKey.keyId))));
  }
  extensions.push(...(spec.extraExtensions ?? []));
  const version3 = spec.version !== 1;
  const tbs = sequence(
    ...(version3 ? [explicit(0, integer(2))] : []),
    integer(spec.serialNumber ? hexBytes(spec.serialNumber) : positive(randomBytes(16))),
    algorithm.der,
    issuerName,
    sequence(time(notBefore), time(notAfter)),
    subjectName,
    key.spki,
    ...(version3 && extensions.length > 0 ? [explicit(3, sequence(...extensions))] : []),
  );
  const der = signCertificate(tbs, algorithm.der, algorithm.digest, signerKey.privateKey);
  return { der, pem: toPem(der), key, subject: spec.subject, subjectName };
}

function positive(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[0] = (copy[0]! & 0x7f) | 0x01;
  return copy;
}

/** Roots, intermediates and leaves take different cached slots, so a chain never shares one key. */
function slotted(key: TestKeyType | TestKeyPair, slot: number): TestKeyPair {
  return typeof key === 'object' ? key : testKeyPair(key, slot);
}

/** A self-signed root CA (EC P-384 unless told otherwise), valid 2020–2045. */
export function createRootCa(spec: Partial<CertificateSpec> = {}): IssuedCertificate {
  return issueCertificate({
    subject: 'CN=Certflow Test Root CA, O=Certflow Test, C=US',
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2045-01-01T00:00:00Z'),
    ca: true,
    ...spec,
    key: slotted(spec.key ?? 'ec-p384', 0),
  });
}

/** An intermediate CA signed by `root` (EC P-256 unless told otherwise), valid 2021–2040, path length 0. */
export function createIntermediateCa(root: IssuedCertificate, spec: Partial<CertificateSpec> = {}): IssuedCertificate {
  return issueCertificate({
    subject: 'CN=Certflow Test Issuing CA 1, O=Certflow Test, C=US',
    issuer: root,
    notBefore: new Date('2021-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    ca: 0,
    ...spec,
    key: slotted(spec.key ?? 'ec-p256', 1),
  });
}

/** A TLS server leaf signed by `issuer`; its DNS SAN is the CN unless SANs are given. */
export function createLeaf(
  issuer: IssuedCertificate,
  spec: Partial<CertificateSpec> & { subject: string },
): IssuedCertificate {
  const commonName = /CN=([^,]+)/.exec(spec.subject)?.[1];
  return issueCertificate({
    issuer,
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extendedKeyUsage: ['serverAuth', 'clientAuth'],
    subjectAltNames: commonName ? { dns: [commonName] } : undefined,
    ...spec,
    key: slotted(spec.key ?? 'ec-p256', 2),
  });
}

/** PEM text of DER bytes, 64 columns, LF line ends. */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A PKCS#8 PEM of a key pair's private key, for private-key fixtures. */
export function privateKeyPem(key: TestKeyPair): string {
  return key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A degenerate PKCS#7 SignedData holding the certificates, written by @peculiar/x509 (an independent encoder). */
export function toPkcs7(ders: readonly Uint8Array[]): Uint8Array {
  const certificates = new X509Certificates(ders.map((der) => new PeculiarCertificate(der)));
  return new Uint8Array(certificates.export('raw'));
}

/** How a PKCS#12 file is protected. */
export type Pkcs12Encryption = 'aes-256' | 'legacy-3des' | 'legacy-rc2';

/** What to put in a PKCS#12 file. */
export interface Pkcs12Spec {
  /** Leaf first, then its chain. */
  readonly certificates: readonly Uint8Array[];
  /** The leaf's private key, stored encrypted in a shrouded key bag. */
  readonly key?: TestKeyPair;
  readonly password: string;
  /**
   * `aes-256`: OpenSSL 3's default (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC, SHA-256 MAC). `legacy-3des`: Windows and
   * Java style (pbeWithSHAAnd3-KeyTripleDES-CBC, SHA-1 MAC). `legacy-rc2`: OpenSSL 1.x default (certificates under
   * 40-bit RC2, key under 3DES, SHA-1 MAC).
   */
  readonly encryption: Pkcs12Encryption;
  readonly iterations?: number;
}

const OIDS = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  certBag: '1.2.840.113549.1.12.10.1.3',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  friendlyName: '1.2.840.113549.1.9.20',
  pbeSha3Des: '1.2.840.113549.1.12.1.3',
  pbeShaRc2_40: '1.2.840.113549.1.12.1.6',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
};

/** The PKCS#12 key derivation of RFC 7292 appendix B (id 1: key, 2: IV, 3: MAC key). */
function pkcs12Kdf(
  hash: 'sha1' | 'sha256',
  password: string,
  salt: Uint8Array,
  id: number,
  iterations: number,
  size: number,
) {
  const u = hash === 'sha1' ? 20 : 32;
  const v = 64;
  const passwordBytes = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    passwordBytes[2 * i] = password.charCodeAt(i) >> 8;
    passwordBytes[2 * i + 1] = password.charCodeAt(i) & 0xff;
  }
  const stretch = (bytes: Uint8Array): Uint8Array => {
    const out = new Uint8Array(v * Math.ceil(bytes.length / v));
    for (let i = 0; i < out.length; i++) out[i] = bytes[i % bytes.length]!;
    return out;
  };
  const input = concat([stretch(salt), stretch(passwordBytes)]);
  const diversifier = new Uint8Array(v).fill(id);
  const output: Uint8Array[] = [];
  for (let produced = 0; produced < size; produced += u) {
    let block = new Uint8Array(createHash(hash).update(diversifier).update(input).digest());
    for (let round = 1; round < iterations; round++) block = new Uint8Array(createHash(hash).update(block).digest());
    output.push(block);
    const b = stretch(block);
    for (let offset = 0; offset < input.length; offset += v) {
      let carry = 1;
      for (let i = v - 1; i >= 0; i--) {
        const sum = input[offset + i]! + b[i]! + carry;
        input[offset + i] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return concat(output).subarray(0, size);
}

type Pkcs12Cipher = 'aes-256' | '3des' | 'rc2-40';

/** Encrypts `data` with a password-based scheme; returns the AlgorithmIdentifier and the ciphertext. */
function passwordEncrypt(cipher: Pkcs12Cipher, data: Uint8Array, password: string, iterations: number) {
  const salt = new Uint8Array(randomBytes(cipher === 'aes-256' ? 16 : 8));
  if (cipher === 'aes-256') {
    const iv = randomBytes(16);
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
    const encryptor = createCipheriv('aes-256-cbc', key, iv);
    const kdf = sequence(
      oid(OIDS.pbkdf2),
      sequence(octetString(salt), integer(iterations), sequence(oid(OIDS.hmacSha256), nullValue())),
    );
    const algorithm = sequence(oid(OIDS.pbes2), sequence(kdf, sequence(oid(OIDS.aes256Cbc), octetString(iv))));
    return { algorithm, encrypted: concat([encryptor.update(data), encryptor.final()]) };
  }
  const algorithm = sequence(
    oid(cipher === '3des' ? OIDS.pbeSha3Des : OIDS.pbeShaRc2_40),
    sequence(octetString(salt), integer(iterations)),
  );
  const iv = pkcs12Kdf('sha1', password, salt, 2, iterations, 8);
  if (cipher === '3des') {
    const key = pkcs12Kdf('sha1', password, salt, 1, iterations, 24);
    const encryptor = createCipheriv('des-ede3-cbc', key, iv);
    return { algorithm, encrypted: concat([encryptor.update(data), encryptor.final()]) };
  }
  // RC2 lives only in OpenSSL's legacy provider, which Node does not load: node-forge has it.
  const key = pkcs12Kdf('sha1', password, salt, 1, iterations, 5);
  const encryptor = forge.rc2.createEncryptionCipher(forge.util.createBuffer(Buffer.from(key).toString('binary')), 40);
  encryptor.start(forge.util.createBuffer(Buffer.from(iv).toString('binary')));
  encryptor.update(forge.util.createBuffer(Buffer.from(data).toString('binary')));
  encryptor.finish();
  return { algorithm, encrypted: Uint8Array.from(Buffer.from(encryptor.output.getBytes(), 'binary')) };
}

function contentInfoData(content: Uint8Array): Uint8Array {
  return sequence(oid(OIDS.data), explicit(0, octetString(content)));
}

/** A PKCS#12 (PFX) file holding the certificates and, optionally, the leaf's encrypted private key. */
export function toPkcs12(spec: Pkcs12Spec): Uint8Array {
  const iterations = spec.iterations ?? 2048;
  const modern = spec.encryption === 'aes-256';
  const localKeyId = Uint8Array.of(0x01, 0x00, 0x00, 0x00);
  const leafAttributes = set(
    sequence(oid(OIDS.friendlyName), set(bmpString('certflow test'))),
    sequence(oid(OIDS.localKeyId), set(octetString(localKeyId))),
  );
  const certBags = spec.certificates.map((der, index) =>
    sequence(
      oid(OIDS.certBag),
      explicit(0, sequence(oid(OIDS.x509Certificate), explicit(0, octetString(der)))),
      ...(index === 0 && spec.key ? [leafAttributes] : []),
    ),
  );
  const certCipher: Pkcs12Cipher = modern ? 'aes-256' : spec.encryption === 'legacy-3des' ? '3des' : 'rc2-40';
  const certs = passwordEncrypt(certCipher, sequence(...certBags), spec.password, iterations);
  const safes = [
    sequence(
      oid(OIDS.encryptedData),
      explicit(0, sequence(integer(0), sequence(oid(OIDS.data), certs.algorithm, implicit(0, certs.encrypted)))),
    ),
  ];
  if (spec.key) {
    const pkcs8 = new Uint8Array(spec.key.privateKey.export({ type: 'pkcs8', format: 'der' }));
    const shrouded = passwordEncrypt(modern ? 'aes-256' : '3des', pkcs8, spec.password, iterations);
    const keyBag = sequence(
      oid(OIDS.shroudedKeyBag),
      explicit(0, sequence(shrouded.algorithm, octetString(shrouded.encrypted))),
      set(sequence(oid(OIDS.localKeyId), set(octetString(localKeyId)))),
    );
    safes.push(contentInfoData(sequence(keyBag)));
  }
  const authenticatedSafe = sequence(...safes);
  const macHash = modern ? 'sha256' : 'sha1';
  const macSalt = new Uint8Array(randomBytes(8));
  const macKey = pkcs12Kdf(macHash, spec.password, macSalt, 3, iterations, modern ? 32 : 20);
  const mac = createHmac(macHash, macKey).update(authenticatedSafe).digest();
  const macData = sequence(
    sequence(sequence(oid(modern ? OIDS.sha256 : OIDS.sha1), nullValue()), octetString(mac)),
    octetString(macSalt),
    integer(iterations),
  );
  return sequence(integer(3), contentInfoData(authenticatedSafe), macData);
}

/** A small deterministic PRNG (sfc32) so generated sets depend on the seed alone. */
export function seededRandom(seed: number | string): () => number {
  const digest = createHash('sha256').update(String(seed)).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Options of a bulk leaf set. */
export interface LeafSetOptions {
  readonly count: number;
  readonly seed: number | string;
  /** Earliest notBefore; leaves start within `spreadDays` after it (default 2025-01-01, 730 days). */
  readonly issuedFrom?: Date;
  readonly spreadDays?: number;
}

/** A CA pair and `count` distinct leaves it issued, as DER. */
export interface LeafSet {
  readonly root: IssuedCertificate;
  readonly intermediate: IssuedCertificate;
  readonly leaves: Uint8Array[];
}

const SERVICES = ['www', 'api', 'mail', 'vpn', 'intranet', 'shop', 'auth', 'portal', 'cdn', 'billing', 'git', 'ci'];
const UNITS = ['eng', 'ops', 'finance', 'sales', 'hr', 'it', 'sec', 'data'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'corp.example', 'payments.example'];
const ORGANIZATIONS = ['Example Corp', 'Example Payments Ltd', 'Example Health, Inc.', 'Example Labs'];
const ORGANIZATIONAL_UNITS = ['IT', 'Web Services', 'Payments', 'Platform', 'Security'];
const LOCALITIES = [
  ['Gaithersburg', 'Maryland', 'US'],
  ['Berlin', 'Berlin', 'DE'],
  ['London', 'England', 'GB'],
  ['Toronto', 'Ontario', 'CA'],
  ['Tokyo', 'Tokyo', 'JP'],
] as const;
const VALIDITY_DAYS = [90, 90, 180, 365, 397, 398, 730, 825];
/** Leaf key types by weight: mostly P-256 and RSA-2048, a few P-384, RSA-4096 and weak RSA-1024. */
const LEAF_KEYS: readonly (readonly [TestKeyType, number])[] = [
  ['ec-p256', 50],
  ['rsa-2048', 35],
  ['ec-p384', 8],
  ['rsa-4096', 5],
  ['rsa-1024', 2],
];

let bulkCas: { root: IssuedCertificate; intermediate: IssuedCertificate } | null = null;

/**
 * A large set of distinct, realistic leaves, fast: one cached EC P-256 intermediate signs them all, leaf keys come
 * from a small cached pool, and each TBS is assembled from pre-encoded parts. Every field value follows from `seed`;
 * ECDSA signatures are randomised, so the DER (and the fingerprints) differ between runs.
 */
export function generateLeafSet(options: LeafSetOptions): LeafSet {
  if (bulkCas === null) {
    const root = createRootCa({ subject: 'CN=Certflow Bulk Root CA, O=Certflow Test, C=US' });
    const intermediate = createIntermediateCa(root, { subject: 'CN=Certflow Bulk Issuing CA, O=Certflow Test, C=US' });
    bulkCas = { root, intermediate };
  }
  const cas = bulkCas;
  const { intermediate } = cas;
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const issuedFrom = (options.issuedFrom ?? new Date('2025-01-01T00:00:00Z')).getTime();
  const spreadDays = options.spreadDays ?? 730;
  const algorithm = signatureAlgorithm(intermediate.key, 'sha256');
  const keyPool = LEAF_KEYS.flatMap(([type, weight]) => {
    const slots = type.startsWith('rsa-4096') || type === 'rsa-1024' ? 1 : 3;
    // Slots from 3 up: 0–2 are the CA and leaf keys of the single-certificate helpers.
    return Array.from({ length: slots }, (_, slot) => ({ key: testKeyPair(type, 3 + slot), weight: weight / slots }));
  });
  const totalWeight = keyPool.reduce((sum, entry) => sum + entry.weight, 0);
  const constant = {
    authorityKeyId: extension('2.5.29.35', false, sequence(implicit(0, intermediate.key.keyId))),
    basicConstraints: extension('2.5.29.19', true, sequence()),
    ecKeyUsage: keyUsageExtension(['digitalSignature']),
    rsaKeyUsage: keyUsageExtension(['digitalSignature', 'keyEncipherment']),
    serverAuth: extension('2.5.29.37', false, sequence(oid(EKU_OIDS.serverAuth!))),
    serverClientAuth: extension('2.5.29.37', false, sequence(oid(EKU_OIDS.serverAuth!), oid(EKU_OIDS.clientAuth!))),
    version: explicit(0, integer(2)),
  };
  const leaves: Uint8Array[] = [];
  for (let index = 0; index < options.count; index++) {
    let roll = random() * totalWeight;
    const { key } = keyPool.find((entry) => (roll -= entry.weight) < 0) ?? keyPool[0]!;
    const unit = pick(UNITS);
    const domain = pick(DOMAINS);
    const label = `${pick(SERVICES)}-${index.toString(36)}`;
    const wildcard = random() < 0.1;
    const host = wildcard ? `*.${label}.${unit}.${domain}` : `${label}.${unit}.${domain}`;
    const [locality, state, country] = pick(LOCALITIES);
    const subject = `CN=${host}, OU=${pick(ORGANIZATIONAL_UNITS)}, O=${pick(ORGANIZATIONS).replace(',', '\\,')}, L=${locality}, ST=${state}, C=${country}`;
    const extraNames = random() < 0.9 ? Math.floor(random() * 3) : 5 + Math.floor(random() * 40);
    const dns = [host, ...Array.from({ length: extraNames }, (_, n) => `${pick(SERVICES)}${n}.${unit}.${domain}`)];
    const ip = random() < 0.1 ? [`10.${index & 0xff}.${(index >> 8) & 0xff}.${1 + Math.floor(random() * 250)}`] : [];
    const email = random() < 0.02 ? [`hostmaster@${domain}`] : [];
    const notBefore = issuedFrom + Math.floor(random() * spreadDays * 86_400) * 1000;
    const notAfter = notBefore + pick(VALIDITY_DAYS) * 86_400_000;
    const serial = new Uint8Array(16);
    for (let i = 0; i < 16; i += 4) new DataView(serial.buffer).setUint32(i, Math.floor(random() * 2 ** 32));
    const rsa = key.type.startsWith('rsa');
    const tbs = sequence(
      constant.version,
      integer(positive(serial)),
      algorithm.der,
      intermediate.subjectName,
      sequence(time(new Date(notBefore)), time(new Date(notAfter))),
      encodeName(subject),
      key.spki,
      explicit(
        3,
        sequence(
          constant.basicConstraints,
          rsa ? constant.rsaKeyUsage : constant.ecKeyUsage,
          random() < 0.3 ? constant.serverClientAuth : constant.serverAuth,
          sanExtension({ dns, ip, email }),
          extension('2.5.29.14', false, octetString(key.keyId)),
          constant.authorityKeyId,
        ),
      ),
    );
    leaves.push(signCertificate(tbs, algorithm.der, algorithm.digest, intermediate.key.privateKey));
  }
  return { ...cas, leaves };
}
