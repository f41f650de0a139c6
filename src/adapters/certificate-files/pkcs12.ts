/**
 * Opens PKCS#12 (.p12/.pfx) files to read their certificates (R-INV-2). The container is walked with certflow's
 * DER reader; node-forge does only the cryptography (MAC check, password-based decryption) and the certificates
 * are parsed with `parseCertificateDer`. Key bags are never decrypted, decoded or returned.
 *
 * Supported: MAC with SHA-1/SHA-256/SHA-384/SHA-512/MD5; pbeWithSHAAnd3-KeyTripleDES-CBC and
 * pbeWithSHAAnd40BitRC2-CBC (legacy OpenSSL, Windows, Java); PBES2 with PBKDF2 (HMAC-SHA1…SHA-512) and
 * AES-128/192/256-CBC, DES-EDE3-CBC or DES-CBC (OpenSSL 3). Not supported, because node-forge cannot: 128-bit RC2,
 * RC4 and 2-key 3DES PKCS#12 PBE, PBMAC1 (RFC 9579) integrity, scrypt, and public-key privacy or integrity modes.
 */
import forge from 'node-forge';
import type { ParsedCertificate } from '../../core/domain/certificates/certificate-facts';
import {
  childrenOf,
  DerError,
  type DerElement,
  decodeOid,
  decodeSmallInteger,
  readElement,
  Tag,
} from '../../core/domain/certificates/der';
import { CertificateParseError } from '../../core/domain/certificates/errors';
import { parseCertificateDer } from '../../core/domain/certificates/parse-certificate';

/** The password does not open the PKCS#12 file; the caller may try another. */
export class Pkcs12PasswordError extends Error {
  override readonly name = 'Pkcs12PasswordError';

  constructor(readonly source: string) {
    super(`wrong password for ${source} — pass its password with --password`);
  }
}

const OIDS = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbmac1: '1.2.840.113549.1.5.14',
};

const MAC_DIGESTS: Readonly<Record<string, () => forge.md.MessageDigest>> = {
  '1.3.14.3.2.26': () => forge.md.sha1.create(),
  '2.16.840.1.101.3.4.2.1': () => forge.md.sha256.create(),
  '2.16.840.1.101.3.4.2.2': () => forge.md.sha384.create(),
  '2.16.840.1.101.3.4.2.3': () => forge.md.sha512.create(),
  '1.2.840.113549.2.5': () => forge.md.md5.create(),
};

const ENCRYPTION_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4',
  '1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.12.1.4': 'pbeWithSHAAnd2-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.5': 'pbeWithSHAAnd128BitRC2-CBC',
};

/** Iteration counts above this are an attack on the importer's time, not a real file. */
const MAX_ITERATIONS = 2_000_000;

/** node-forge has `pki.pbe` at run time, but its type declarations leave it out. */
interface ForgeCipher {
  update(data: forge.util.ByteBuffer): void;
  finish(): boolean;
  output: forge.util.ByteBuffer;
}
interface ForgePbe {
  /** PKCS#12 PBE takes null for "no password bytes at all". */
  getCipher(oid: string, params: forge.asn1.Asn1, password: string | null): ForgeCipher;
}
const pbe = (forge.pki as unknown as { pbe: ForgePbe }).pbe;

const UNSUPPORTED_FIX =
  're-export it with AES-256 (openssl pkcs12 -export, OpenSSL 3 default) or 3DES (-keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES)';

function binary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('binary');
}

/** Content of an OCTET STRING, joining the chunks of a BER constructed one. */
function octets(bytes: Uint8Array, element: DerElement): Uint8Array {
  if (element.tag === Tag.octetString || element.tag === 0x80)
    return bytes.slice(element.contentStart, element.contentEnd);
  if (element.tag === 0x24 || element.tag === 0xa0) {
    return Buffer.concat(childrenOf(bytes, element).map((chunk) => octets(bytes, chunk)));
  }
  throw new DerError(`expected an octet string at byte ${element.start}`);
}

/** The single element inside an EXPLICIT `[0]` wrapper. */
function explicitContent(bytes: Uint8Array, wrapper: DerElement | undefined, what: string): DerElement {
  if (wrapper?.tag !== 0xa0) throw new DerError(`${what} is missing`);
  return readElement(bytes, wrapper.contentStart, wrapper.contentEnd);
}

/** Refuses absurd key-derivation iteration counts before node-forge spends minutes on them. */
function checkIterations(bytes: Uint8Array, algorithm: DerElement, pbes2: boolean): void {
  const parameters = childrenOf(bytes, algorithm)[1];
  // PBES2: { keyDerivationFunc { OID, PBKDF2-params { salt, iterationCount … } }, encryptionScheme };
  // PKCS#12 PBE: { salt, iterations }.
  const kdf = pbes2 && parameters ? childrenOf(bytes, parameters)[0] : undefined;
  const kdfParameters = pbes2 ? (kdf ? childrenOf(bytes, kdf)[1] : undefined) : parameters;
  const count = kdfParameters?.tag === Tag.sequence ? childrenOf(bytes, kdfParameters)[1] : undefined;
  const iterations = count?.tag === Tag.integer ? decodeSmallInteger(bytes, count) : 1;
  if (iterations > MAX_ITERATIONS) throw new DerError(`key derivation iteration count ${iterations} is out of range`);
}

class Pkcs12Reader {
  private readonly certificates: ParsedCertificate[] = [];
  /** The password as the MAC accepted it: null when an empty password was encoded as no bytes at all. */
  private password: string | null;
  private macVerified = false;

  constructor(
    private readonly source: string,
    password: string,
  ) {
    this.password = password;
  }

  open(bytes: Uint8Array): ParsedCertificate[] {
    const pfx = readElement(bytes, 0);
    const [version, authSafe, macData] = childrenOf(bytes, pfx);
    if (pfx.tag !== Tag.sequence || version === undefined || decodeSmallInteger(bytes, version) !== 3) {
      throw new DerError('not a PKCS#12 version 3 file');
    }
    const [contentType, content] = authSafe ? childrenOf(bytes, authSafe) : [];
    if (contentType === undefined) throw new DerError('the authenticated safe is missing');
    const type = decodeOid(bytes, contentType);
    if (type === OIDS.signedData) {
      this.unsupported('it uses public-key integrity mode (signed, not password-protected)');
    }
    if (type !== OIDS.data) throw new DerError(`unexpected authenticated safe content type ${type}`);
    const authenticatedSafe = octets(bytes, explicitContent(bytes, content, 'the authenticated safe content'));
    if (macData) this.verifyMac(bytes, macData, authenticatedSafe);
    const safes = readElement(authenticatedSafe, 0);
    for (const contentInfo of childrenOf(authenticatedSafe, safes))
      this.readContentInfo(authenticatedSafe, contentInfo);
    return this.certificates;
  }

  private unsupported(reason: string): never {
    throw new CertificateParseError(this.source, null, `certflow cannot open this PKCS#12 file: ${reason}`, {
      fix: UNSUPPORTED_FIX,
    });
  }

  private verifyMac(bytes: Uint8Array, macData: DerElement, authenticatedSafe: Uint8Array): void {
    const [digestInfo, saltElement, iterationsElement] = childrenOf(bytes, macData);
    const [algorithm, digestElement] = digestInfo ? childrenOf(bytes, digestInfo) : [];
    const algorithmOid = algorithm ? childrenOf(bytes, algorithm)[0] : undefined;
    if (algorithmOid === undefined || digestElement === undefined || saltElement === undefined) {
      throw new DerError('the MAC data is malformed');
    }
    const oid = decodeOid(bytes, algorithmOid);
    if (oid === OIDS.pbmac1) this.unsupported('its integrity check is PBMAC1 (RFC 9579), which node-forge lacks');
    const digest = MAC_DIGESTS[oid];
    if (digest === undefined) this.unsupported(`its MAC uses the unknown digest ${oid}`);
    const iterations = iterationsElement ? decodeSmallInteger(bytes, iterationsElement) : 1;
    if (iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new DerError(`MAC iteration count ${iterations} is out of range`);
    }
    const expected = binary(octets(bytes, digestElement));
    const salt = binary(octets(bytes, saltElement));
    const data = binary(authenticatedSafe);
    const macWith = (password: string | null): string => {
      const md = digest();
      const key = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt), 3, iterations, md.digestLength, md);
      const hmac = forge.hmac.create();
      hmac.start(digest(), key.getBytes());
      hmac.update(data);
      return hmac.digest().getBytes();
    };
    // An empty password is encoded as two zero bytes by some tools and as nothing by others: accept both.
    const candidates = this.password === '' ? ['', null] : [this.password];
    const accepted = candidates.find((password) => macWith(password) === expected);
    if (accepted === undefined) throw new Pkcs12PasswordError(this.source);
    this.password = accepted;
    this.macVerified = true;
  }

  private readContentInfo(bytes: Uint8Array, contentInfo: DerElement): void {
    const [typeElement, content] = childrenOf(bytes, contentInfo);
    if (typeElement === undefined) throw new DerError('a content info is malformed');
    const type = decodeOid(bytes, typeElement);
    if (type === OIDS.data) {
      this.readSafeContents(octets(bytes, explicitContent(bytes, content, 'safe contents')));
    } else if (type === OIDS.encryptedData) {
      this.readSafeContents(this.decrypt(bytes, explicitContent(bytes, content, 'encrypted data')));
    } else if (type === OIDS.envelopedData) {
      this.unsupported('its contents are encrypted to a public key (public-key privacy mode)');
    } else {
      throw new DerError(`unexpected content type ${type}`);
    }
  }

  private decrypt(bytes: Uint8Array, encryptedData: DerElement): Uint8Array {
    const [, encryptedContentInfo] = childrenOf(bytes, encryptedData);
    const [, algorithm, encryptedContent] = encryptedContentInfo ? childrenOf(bytes, encryptedContentInfo) : [];
    const [algorithmOid] = algorithm ? childrenOf(bytes, algorithm) : [];
    if (algorithm === undefined || algorithmOid === undefined || encryptedContent === undefined) {
      throw new DerError('the encrypted data is malformed');
    }
    const oid = decodeOid(bytes, algorithmOid);
    checkIterations(bytes, algorithm, oid === OIDS.pbes2);
    const parameters = forge.asn1.fromDer(binary(bytes.subarray(algorithm.start, algorithm.end)), false).value;
    if (!Array.isArray(parameters) || parameters[1] === undefined) {
      throw new DerError('encryption parameters are missing');
    }
    // PBES2 derives its key from the UTF-8 password; PKCS#12 PBE from its BMPString, which node-forge builds itself.
    let cipher: ForgeCipher;
    try {
      cipher = pbe.getCipher(
        oid,
        parameters[1],
        oid === OIDS.pbes2 ? forge.util.encodeUtf8(this.password ?? '') : this.password,
      );
    } catch (error) {
      const name = ENCRYPTION_NAMES[oid] ?? (oid === OIDS.pbes2 ? 'an unsupported PBES2 scheme' : oid);
      this.unsupported(`its contents are encrypted with ${name} (${(error as Error).message})`);
    }
    cipher.update(forge.util.createBuffer(binary(octets(bytes, encryptedContent))));
    if (!cipher.finish()) {
      // With a verified MAC, bad padding means damage; without a MAC it is how a wrong password shows.
      if (this.macVerified) throw new DerError('decryption failed although the password is right: the file is damaged');
      throw new Pkcs12PasswordError(this.source);
    }
    return Uint8Array.from(Buffer.from(cipher.output.getBytes(), 'binary'));
  }

  private readSafeContents(bytes: Uint8Array): void {
    const safeContents = readElement(bytes, 0);
    if (safeContents.tag !== Tag.sequence) throw new DerError('safe contents are malformed');
    for (const bag of childrenOf(bytes, safeContents)) {
      const [bagId, value] = childrenOf(bytes, bag);
      if (bagId === undefined) throw new DerError('a safe bag is malformed');
      const type = decodeOid(bytes, bagId);
      if (type === OIDS.certBag) this.readCertBag(bytes, explicitContent(bytes, value, 'a certificate bag'));
      else if (type === OIDS.safeContentsBag) {
        const nested = explicitContent(bytes, value, 'nested safe contents');
        this.readSafeContents(bytes.slice(nested.start, nested.end));
      }
      // Key, CRL and secret bags are left untouched: certflow never reads private keys.
    }
  }

  private readCertBag(bytes: Uint8Array, certBag: DerElement): void {
    const [certId, value] = childrenOf(bytes, certBag);
    if (certId === undefined || decodeOid(bytes, certId) !== OIDS.x509Certificate) return;
    const der = octets(bytes, explicitContent(bytes, value, 'a certificate value'));
    this.certificates.push(parseCertificateDer(der, this.source, this.certificates.length + 1));
  }
}

/**
 * The certificates (leaf and chain, in file order) in a PKCS#12 file; never its private key. A wrong password throws
 * Pkcs12PasswordError; a corrupt or unsupported file throws CertificateParseError.
 */
export function openPkcs12(bytes: Uint8Array, password: string, source: string): ParsedCertificate[] {
  try {
    return new Pkcs12Reader(source, password).open(bytes);
  } catch (error) {
    if (error instanceof Pkcs12PasswordError || error instanceof CertificateParseError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new CertificateParseError(source, null, `the PKCS#12 structure is corrupt: ${reason}`, {
      fix: 'copy the file again or re-export it from its source',
    });
  }
}
