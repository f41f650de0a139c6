/**
 * The internal CA's authority: its self-signed root and issuing intermediate, created once with their keys encrypted
 * at rest (encrypted PKCS#8 under the passphrase), and loaded with the decrypted keys: the issuing key signs
 * certificates and the issuing CA's CRL, the root key the root's CRL. The issuing CA certificate names the root's CRL
 * as its distribution point, so a relying party checking the whole chain (`openssl verify -crl_check_all`) finds it.
 */
import { createPrivateKey, createPublicKey, KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { DAY_MS } from '../../core/domain/duration';
import { parseCertificateDer } from '../../core/domain/certificates/parse-certificate';
import { errorCode, writeFileAtomic } from '../shared/durable-file';
import { nameFromRfc4514, toPem, x509 } from '../shared/x509';
import { InternalCaPassphraseError, InternalCaStateError } from './internal-ca-errors';
import { makeFolder } from './internal-ca-files';
import { type CaSettings, caUrls } from './internal-ca-settings';

type CryptoKey = webcrypto.CryptoKey;

/** Accepted clock skew between certflow and the servers and clients checking its certificates. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** How the CA signs certificates and CRLs. */
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' };
const ROOT_VALIDITY_DAYS = 20 * 365;
const ISSUING_VALIDITY_DAYS = 10 * 365;
/** The key algorithm of the CA's root and issuing CA. */
export const CA_KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const KEY_CIPHER = 'aes-256-cbc';
const CRL_DISTRIBUTION_POINTS_OID = '2.5.29.31';

/** A CA certificate with the key that signs its CRLs. */
export interface CrlSigner {
  readonly certificate: x509.X509Certificate;
  readonly keyId: string;
  readonly signingKey: CryptoKey;
}

/** The CA's own certificates and the key it signs with, loaded once. */
export interface Authority {
  readonly rootPem: string;
  readonly rootDer: Uint8Array;
  readonly issuingPem: string;
  readonly issuingDer: Uint8Array;
  readonly issuingCertificate: x509.X509Certificate;
  /** RFC 4514, as certflow's parser writes the issuer of the certificates it issues. */
  readonly issuingDn: string;
  readonly issuingFingerprint: string;
  readonly issuingKeyId: string;
  readonly issuingNotAfter: Date;
  readonly signingKey: CryptoKey;
  /** The root certificate and key: they sign the root's CRL and a re-issued issuing CA certificate. */
  readonly root: CrlSigner;
}

/** A random positive 16-byte serial, lower-case hex, first byte non-zero so its DER keeps all 16 bytes. */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

/** Creates the root and the issuing CA in a fresh folder, then renames it into place (another creator may win). */
export async function createAuthority(settings: CaSettings, authorityFolder: string): Promise<void> {
  const { subtle } = webcrypto;
  const suffix = settings.name === 'internal' ? '' : ` (${settings.name})`;
  const escapedOrganization = settings.organization.replace(/([\\,+"<>;=#])/g, '\\$1');
  const rootName = nameFromRfc4514(`CN=certflow Internal Root CA${suffix}, O=${escapedOrganization}`);
  const issuingName = nameFromRfc4514(`CN=certflow Internal Issuing CA${suffix}, O=${escapedOrganization}`);
  const now = settings.now();
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  const rootKeys = await subtle.generateKey(CA_KEY_ALGORITHM, true, ['sign', 'verify']);
  const issuingKeys = await subtle.generateKey(CA_KEY_ALGORITHM, true, ['sign', 'verify']);
  const caKeyUsage = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
  const rootKeyId = await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: rootName,
    notBefore,
    notAfter: new Date(now.getTime() + ROOT_VALIDITY_DAYS * DAY_MS),
    keys: rootKeys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(caKeyUsage, true),
      rootKeyId,
    ],
  });
  const issuing = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: issuingName,
    issuer: root.subjectName,
    notBefore,
    notAfter: new Date(now.getTime() + ISSUING_VALIDITY_DAYS * DAY_MS),
    publicKey: issuingKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(caKeyUsage, true),
      await x509.SubjectKeyIdentifierExtension.create(issuingKeys.publicKey),
      new x509.AuthorityKeyIdentifierExtension(rootKeyId.keyId),
      new x509.CRLDistributionPointsExtension([caUrls(settings).rootCrl]),
    ],
  });
  const encrypt = (key: CryptoKey): string =>
    KeyObject.from(key).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: KEY_CIPHER,
      passphrase: settings.passphrase,
    }) as string;

  const staging = path.join(settings.folder, `.authority-${randomBytes(6).toString('hex')}`);
  await makeFolder(staging);
  try {
    await writeFileAtomic(path.join(staging, 'root.pem'), toPem(root.rawData, 'CERTIFICATE'), 0o644);
    await writeFileAtomic(path.join(staging, 'root.key.pem'), encrypt(rootKeys.privateKey), 0o600);
    await writeFileAtomic(path.join(staging, 'issuing.pem'), toPem(issuing.rawData, 'CERTIFICATE'), 0o644);
    await writeFileAtomic(path.join(staging, 'issuing.key.pem'), encrypt(issuingKeys.privateKey), 0o600);
    await rename(staging, authorityFolder);
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function readAuthorityFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new InternalCaStateError(file, `cannot be read (${errorCode(error) ?? String(error)})`);
  }
}

/** Decrypts a CA key and checks it belongs to its certificate. */
async function decryptKey(
  settings: CaSettings,
  keyFile: string,
  certificate: x509.X509Certificate,
  certificateFile: string,
): Promise<CryptoKey> {
  const encryptedKey = await readAuthorityFile(keyFile);
  if (!encryptedKey.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new InternalCaStateError(keyFile, 'is not an encrypted PKCS#8 key');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: encryptedKey, format: 'pem', passphrase: settings.passphrase });
  } catch {
    throw new InternalCaPassphraseError(keyFile);
  }
  const keySpki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!Buffer.from(certificate.publicKey.rawData).equals(keySpki)) {
    throw new InternalCaStateError(keyFile, `does not belong to ${path.basename(certificateFile)}`);
  }
  return webcrypto.subtle.importKey(
    'pkcs8',
    privateKey.export({ type: 'pkcs8', format: 'der' }),
    CA_KEY_ALGORITHM,
    false,
    ['sign'],
  );
}

function subjectKeyId(certificate: x509.X509Certificate, file: string): string {
  const keyId = certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (keyId === undefined) throw new InternalCaStateError(file, 'has no subject key identifier');
  return keyId;
}

/** The URLs in a certificate's CRL distribution points. */
export function crlDistributionUrls(certificate: x509.X509Certificate): string[] {
  const extension = certificate.getExtension(x509.CRLDistributionPointsExtension);
  return (extension?.distributionPoints ?? []).flatMap((point) =>
    (point.distributionPoint?.fullName ?? []).flatMap((name) =>
      name.uniformResourceIdentifier === undefined ? [] : [name.uniformResourceIdentifier],
    ),
  );
}

/** Loads the CA certificates and decrypts the root and issuing keys. */
export async function loadAuthority(settings: CaSettings, authorityFolder: string): Promise<Authority> {
  const rootFile = path.join(authorityFolder, 'root.pem');
  const issuingFile = path.join(authorityFolder, 'issuing.pem');
  const certificate = (file: string, pem: string): x509.X509Certificate => {
    try {
      return new x509.X509Certificate(pem);
    } catch {
      throw new InternalCaStateError(file, 'is not a PEM certificate');
    }
  };
  const rootPem = await readAuthorityFile(rootFile);
  const issuingPem = await readAuthorityFile(issuingFile);
  const root = certificate(rootFile, rootPem);
  const issuing = certificate(issuingFile, issuingPem);
  const signingKey = await decryptKey(settings, path.join(authorityFolder, 'issuing.key.pem'), issuing, issuingFile);
  const rootKey = await decryptKey(settings, path.join(authorityFolder, 'root.key.pem'), root, rootFile);
  const issuingDer = new Uint8Array(issuing.rawData);
  const facts = parseCertificateDer(issuingDer, issuingFile).facts;
  return {
    rootPem,
    rootDer: new Uint8Array(root.rawData),
    issuingPem,
    issuingDer,
    issuingCertificate: issuing,
    issuingDn: facts.subject.text,
    issuingFingerprint: facts.fingerprintSha256,
    issuingKeyId: subjectKeyId(issuing, issuingFile),
    issuingNotAfter: issuing.notAfter,
    signingKey,
    root: { certificate: root, keyId: subjectKeyId(root, rootFile), signingKey: rootKey },
  };
}

/**
 * Gives the issuing CA certificate the root's CRL as its distribution point when it lacks it (a CA created before
 * certflow published the root's CRL) or names another URL (the public base URL changed): the root signs it again
 * with the same subject, key, validity and extensions, so every certificate issued before still chains to it. The
 * certificate it replaces stays in the folder as `issuing-<serial>.pem`. Returns whether it re-issued.
 */
export async function ensureIssuingDistributionPoint(
  settings: CaSettings,
  authorityFolder: string,
  authority: Authority,
): Promise<boolean> {
  const rootCrlUrl = caUrls(settings).rootCrl;
  const issuing = authority.issuingCertificate;
  const urls = crlDistributionUrls(issuing);
  if (urls.length === 1 && urls[0] === rootCrlUrl) return false;
  const reissued = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: issuing.subjectName,
    issuer: authority.root.certificate.subjectName,
    notBefore: issuing.notBefore,
    notAfter: issuing.notAfter,
    publicKey: issuing.publicKey,
    signingKey: authority.root.signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      ...issuing.extensions.filter((extension) => extension.type !== CRL_DISTRIBUTION_POINTS_OID),
      new x509.CRLDistributionPointsExtension([rootCrlUrl]),
    ],
  });
  await writeFileAtomic(
    path.join(authorityFolder, `issuing-${issuing.serialNumber.toLowerCase()}.pem`),
    authority.issuingPem,
    0o644,
  );
  await writeFileAtomic(path.join(authorityFolder, 'issuing.pem'), toPem(reissued.rawData, 'CERTIFICATE'), 0o644);
  return true;
}
