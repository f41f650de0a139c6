/**
 * Builds realistic `CertificateFacts` as plain data (no crypto) for table tests: a 2048-bit RSA, SHA-256-signed
 * server certificate for www.example.com issued by "Example Issuing CA 1", changed by whatever overrides are given.
 */
import type {
  CertificateFacts,
  CertificateRole,
  DistinguishedName,
  DnAttribute,
  KeyAlgorithm,
  PublicKeyFacts,
  SignatureAlgorithmFacts,
  SignatureHash,
  SubjectAltNames,
} from '../../src/core/domain/certificates/certificate-facts';
import { DAY_MS } from '../../src/core/domain/duration';

const ATTRIBUTE_OIDS: Readonly<Record<string, string>> = {
  CN: '2.5.4.3',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  C: '2.5.4.6',
  DC: '0.9.2342.19200300.100.1.25',
  emailAddress: '1.2.840.113549.1.9.1',
};

/** A distinguished name from simple RFC 4514 text (`CN=www.example.com, O=Example Inc, C=US`; no escapes). */
export function makeDn(text: string): DistinguishedName {
  const attributes: DnAttribute[] =
    text.trim() === ''
      ? []
      : text.split(',').map((part) => {
          const [type = '', ...rest] = part.split('=');
          const name = type.trim();
          return { type: name, oid: ATTRIBUTE_OIDS[name] ?? name, value: rest.join('=').trim() };
        });
  const commonNames = attributes.filter((attribute) => attribute.type === 'CN');
  return { text: text.trim(), attributes, commonName: commonNames[commonNames.length - 1]?.value ?? null };
}

/** An RSA public key of `bits`. */
export function rsaKey(bits: number): PublicKeyFacts {
  return { algorithm: 'RSA', algorithmOid: '1.2.840.113549.1.1.1', sizeBits: bits, curve: null };
}

const CURVE_BITS: Readonly<Record<string, number>> = {
  'P-192': 192,
  'P-224': 224,
  'P-256': 256,
  'P-384': 384,
  'P-521': 521,
  secp256k1: 256,
};

/** An EC public key on a named curve (`P-256` …). */
export function ecKey(curve: string): PublicKeyFacts {
  return { algorithm: 'EC', algorithmOid: '1.2.840.10045.2.1', sizeBits: CURVE_BITS[curve] ?? null, curve };
}

/** A public key of another algorithm with the given size. */
export function otherKey(algorithm: KeyAlgorithm, sizeBits: number | null, algorithmOid = '1.2.3.4'): PublicKeyFacts {
  return { algorithm, algorithmOid, sizeBits, curve: null };
}

const SIGNATURES: Readonly<Record<string, { oid: string; hash: SignatureHash }>> = {
  md2WithRSAEncryption: { oid: '1.2.840.113549.1.1.2', hash: 'MD2' },
  md5WithRSAEncryption: { oid: '1.2.840.113549.1.1.4', hash: 'MD5' },
  sha1WithRSAEncryption: { oid: '1.2.840.113549.1.1.5', hash: 'SHA-1' },
  sha256WithRSAEncryption: { oid: '1.2.840.113549.1.1.11', hash: 'SHA-256' },
  sha384WithRSAEncryption: { oid: '1.2.840.113549.1.1.12', hash: 'SHA-384' },
  'ecdsa-with-SHA1': { oid: '1.2.840.10045.4.1', hash: 'SHA-1' },
  'ecdsa-with-SHA256': { oid: '1.2.840.10045.4.3.2', hash: 'SHA-256' },
  'ecdsa-with-SHA384': { oid: '1.2.840.10045.4.3.3', hash: 'SHA-384' },
  Ed25519: { oid: '1.3.101.112', hash: null },
};

/** A signature algorithm by its conventional name (`sha1WithRSAEncryption`, `ecdsa-with-SHA256`, `Ed25519` …). */
export function signature(name: keyof typeof SIGNATURES): SignatureAlgorithmFacts {
  const known = SIGNATURES[name];
  if (known === undefined) throw new Error(`the facts builder does not know signature algorithm ${name}`);
  return { oid: known.oid, name, hash: known.hash };
}

/** What `makeFacts` accepts: any field, DNs as text, SANs in part. */
export type FactsOverrides = Omit<Partial<CertificateFacts>, 'subject' | 'issuer' | 'subjectAltNames'> & {
  readonly subject?: string | DistinguishedName;
  readonly issuer?: string | DistinguishedName;
  readonly subjectAltNames?: Partial<SubjectAltNames>;
};

/** Builds a complete `CertificateFacts`; validityDays and role follow the dates and CA flags unless given. */
export function makeFacts(overrides: FactsOverrides = {}): CertificateFacts {
  const subject =
    typeof overrides.subject === 'string'
      ? makeDn(overrides.subject)
      : (overrides.subject ?? makeDn('CN=www.example.com, O=Example Inc, L=Springfield, ST=Illinois, C=US'));
  const issuer =
    typeof overrides.issuer === 'string'
      ? makeDn(overrides.issuer)
      : (overrides.issuer ?? makeDn('CN=Example Issuing CA 1, O=Example Inc, C=US'));
  const notBefore = overrides.notBefore ?? '2026-01-01T00:00:00.000Z';
  const notAfter = overrides.notAfter ?? '2026-12-31T00:00:00.000Z';
  const isCa = overrides.isCa ?? overrides.basicConstraints?.ca ?? false;
  const selfSigned = overrides.selfSigned ?? false;
  const role: CertificateRole = overrides.role ?? (isCa ? (selfSigned ? 'root' : 'intermediate') : 'end-entity');
  const dns = subject.commonName === null ? [] : [subject.commonName];
  return {
    fingerprintSha256: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
    fingerprintSha1: '0123456789abcdef0123456789abcdef01234567',
    version: 3,
    serialNumber: '4a3f9c0d12e5',
    authorityKeyId: 'aa11bb22cc33dd44ee55ff6677889900aabbccdd',
    subjectKeyId: '1122334455667788990011223344556677889900',
    keyUsage: isCa ? ['keyCertSign', 'cRLSign'] : ['digitalSignature', 'keyEncipherment'],
    extendedKeyUsage: isCa ? [] : ['serverAuth'],
    basicConstraints: isCa ? { ca: true, pathLength: null } : { ca: false, pathLength: null },
    publicKey: rsaKey(2048),
    signatureAlgorithm: signature('sha256WithRSAEncryption'),
    ...overrides,
    subject,
    issuer,
    subjectAltNames: { dns, ip: [], email: [], uri: [], other: [], ...overrides.subjectAltNames },
    notBefore,
    notAfter,
    validityDays: overrides.validityDays ?? Math.ceil((Date.parse(notAfter) - Date.parse(notBefore)) / DAY_MS),
    isCa,
    selfSigned,
    role,
  };
}
