/**
 * What certflow reads out of one X.509 certificate (R-INV-1). Plain JSON data: it travels through Temporal
 * payloads, the inventory store and the CLI's `--json` output unchanged, so dates are ISO 8601 UTC strings and
 * binary values are lowercase hex.
 */

/** One attribute of a distinguished name, in certificate order. */
export interface DnAttribute {
  /** Short name when one is registered (CN, O, OU, L, ST, C, DC, emailAddress …), else the dotted OID. */
  readonly type: string;
  readonly oid: string;
  readonly value: string;
}

/** A distinguished name as an RFC 4514 string and as its parts. */
export interface DistinguishedName {
  /** RFC 4514 form, most-specific RDN first (`CN=www.example.com, O=Example, C=US`). */
  readonly text: string;
  readonly attributes: readonly DnAttribute[];
  /** The last CN attribute's value, or null. */
  readonly commonName: string | null;
}

/** Subject alternative names by type. */
export interface SubjectAltNames {
  readonly dns: readonly string[];
  /** IPv4 dotted or IPv6 RFC 5952 text. */
  readonly ip: readonly string[];
  readonly email: readonly string[];
  readonly uri: readonly string[];
  /** Any other GeneralName, as `<type>:<value>` (e.g. `dirName:CN=x`, `registeredID:1.2.3`). */
  readonly other: readonly string[];
}

/** Public-key algorithm families certflow distinguishes; anything else is `other` with its OID kept. */
export type KeyAlgorithm = 'RSA' | 'EC' | 'Ed25519' | 'Ed448' | 'DSA' | 'other';

/** The subject public key. */
export interface PublicKeyFacts {
  readonly algorithm: KeyAlgorithm;
  readonly algorithmOid: string;
  /**
   * RSA/DSA modulus bits; EC: the named curve's size (P-256 → 256), or for explicit curve parameters the bits of
   * the group order, as OpenSSL counts them; 256/456 for Ed25519/Ed448; null if unknown.
   */
  readonly sizeBits: number | null;
  /**
   * Named curve (`P-256`, `P-384`, `P-521`, `secp256k1`, `brainpoolP256r1` … or the OID), also when explicit
   * parameters equal a named curve's; `explicit` for other explicit parameters; null for non-EC keys.
   */
  readonly curve: string | null;
}

/** Hash functions a signature algorithm can use; `null` when the algorithm has no separate hash (Ed25519). */
export type SignatureHash = 'MD2' | 'MD5' | 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512' | null;

/** The certificate's signature algorithm. Weak ones (MD5, SHA-1) parse like any other. */
export interface SignatureAlgorithmFacts {
  readonly oid: string;
  /** Conventional name, e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA384`, `Ed25519`, or the OID if unknown. */
  readonly name: string;
  readonly hash: SignatureHash;
}

/** Key-usage bits by their RFC 5280 names. */
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

/** Where a certificate sits in a chain, from its CA flag and self-signature. */
export type CertificateRole = 'end-entity' | 'intermediate' | 'root';

/** How the serial number is encoded, for the policy (RFC 5280 4.1.2.2: positive, at most 20 octets). */
export interface SerialNumberEncoding {
  /** The INTEGER's content octets exactly as encoded (two's complement, leading octets kept), lowercase hex. */
  readonly derHex: string;
  /** Number of content octets, as RFC 5280's 20-octet limit counts them. */
  readonly derLength: number;
  readonly negative: boolean;
  readonly zero: boolean;
}

/**
 * An extension whose value certflow could not read. The rest of the certificate still counts, as in OpenSSL, which
 * loads such a certificate and prints the extension as raw bytes; the policy decides what the finding means.
 */
export interface MalformedExtension {
  readonly oid: string;
  /** `subject alternative name`, `basic constraints` …, or the OID when certflow has no name for it. */
  readonly name: string;
  readonly critical: boolean;
  /** What is wrong, e.g. `path length constraint is negative (-1)`. */
  readonly problem: string;
}

/** Every field of R-INV-1 that comes from the certificate itself. */
export interface CertificateFacts {
  /** SHA-256 of the DER, lowercase hex without separators: the inventory's identity of a certificate. */
  readonly fingerprintSha256: string;
  readonly fingerprintSha1: string;
  /** X.509 version (1, 2 or 3). */
  readonly version: number;
  /**
   * Serial number as OpenSSL shows it, in lowercase: hex of the value without leading zero bytes, a negative one as
   * `-` and its magnitude (DER `fbce996c13` is `-04316693ed`).
   */
  readonly serialNumber: string;
  /** The serial's exact encoding; absent in facts stored before certflow recorded it (re-import fills it). */
  readonly serialNumberEncoding?: SerialNumberEncoding;
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  readonly subjectAltNames: SubjectAltNames;
  /** ISO 8601 UTC, e.g. `2026-01-01T00:00:00.000Z`. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** notAfter − notBefore in days, fractional days rounded up (a 397.5-day certificate is 398 days). */
  readonly validityDays: number;
  readonly publicKey: PublicKeyFacts;
  readonly signatureAlgorithm: SignatureAlgorithmFacts;
  /** Key usage bits set; empty when the extension is absent. */
  readonly keyUsage: readonly KeyUsageName[];
  /** Extended key usages by short name (`serverAuth`, `clientAuth`, `codeSigning` …) or OID; empty when absent. */
  readonly extendedKeyUsage: readonly string[];
  /** Basic constraints, or null when the extension is absent. */
  readonly basicConstraints: { readonly ca: boolean; readonly pathLength: number | null } | null;
  /** True when basic constraints say CA. */
  readonly isCa: boolean;
  /** Subject DN equals issuer DN and, when both key identifiers are present, AKI equals SKI. The signature is not verified here. */
  readonly selfSigned: boolean;
  readonly role: CertificateRole;
  /** Authority key identifier (keyIdentifier field), lowercase hex, or null. */
  readonly authorityKeyId: string | null;
  /** Subject key identifier, lowercase hex, or null. */
  readonly subjectKeyId: string | null;
  /**
   * Extensions that are present but unreadable (a negative path length, a SAN whose lengths are wrong) or repeated;
   * the facts they would give keep their absent value. Absent in facts stored before certflow recorded them.
   */
  readonly malformedExtensions?: readonly MalformedExtension[];
}

/** A parsed certificate: its facts and the exact DER bytes they came from. */
export interface ParsedCertificate {
  readonly facts: CertificateFacts;
  readonly der: Uint8Array;
}
