/**
 * The internal CA's authority: its self-signed root and issuing intermediate, created once with their keys encrypted
 * at rest (encrypted PKCS#8 under the passphrase), and loaded with the decrypted key the CA signs with.
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
import type { CaSettings } from './internal-ca-settings';

type CryptoKey = webcrypto.CryptoKey;

/** Accepted clock skew between certflow and the servers and clients checking its certificates. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** How the CA signs certificates and CRLs. */
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' };
const ROOT_VALIDITY_DAYS = 20 * 365;
const ISSUING_VALIDITY_DAYS = 10 * 365;
const CA_KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const KEY_CIPHER = 'aes-256-cbc';

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

/** Loads the CA certificates and decrypts the issuing key. */
export async function loadAuthority(settings: CaSettings, authorityFolder: string): Promise<Authority> {
  const rootFile = path.join(authorityFolder, 'root.pem');
  const issuingFile = path.join(authorityFolder, 'issuing.pem');
  const keyFile = path.join(authorityFolder, 'issuing.key.pem');
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
  if (!Buffer.from(issuing.publicKey.rawData).equals(keySpki)) {
    throw new InternalCaStateError(keyFile, 'does not belong to issuing.pem');
  }
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    privateKey.export({ type: 'pkcs8', format: 'der' }),
    CA_KEY_ALGORITHM,
    false,
    ['sign'],
  );
  const issuingDer = new Uint8Array(issuing.rawData);
  const facts = parseCertificateDer(issuingDer, issuingFile).facts;
  const keyId = issuing.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (keyId === undefined) throw new InternalCaStateError(issuingFile, 'has no subject key identifier');
  return {
    rootPem,
    rootDer: new Uint8Array(root.rawData),
    issuingPem,
    issuingDer,
    issuingCertificate: issuing,
    issuingDn: facts.subject.text,
    issuingFingerprint: facts.fingerprintSha256,
    issuingKeyId: keyId,
    issuingNotAfter: issuing.notAfter,
    signingKey,
  };
}
