/**
 * certflow's internal CA (R-REN-1, R-REV-1): a self-signed root and one issuing intermediate, created on first use
 * in the CA folder with their private keys encrypted at rest (encrypted PKCS#8, AES-256-CBC under the configured
 * passphrase). It issues TLS server certificates with @peculiar/x509 and publishes a CRL signed by the
 * intermediate, regenerated on every revocation and before it goes stale.
 *
 * The folder:
 * - `authority/` root.pem, root.key.pem, issuing.pem, issuing.key.pem (created together: a folder renamed into place)
 * - `issued/<serial>.json` every certificate issued, with the idempotency key that asked for it
 * - `requests/<sha256 of the idempotency key>.json` the serial issued for that key
 * - `revocations.json` the revoked serials, the CRL number and the current CRL
 *
 * One worker process owns the CA folder: writes are serialized by an in-process lock per folder and each file is
 * replaced atomically, but two processes writing the same folder could give two CRLs the same number.
 */
import { createHash, createPrivateKey, createPublicKey, KeyObject, randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { normalizeHex } from '../../core/domain/certificates/hex';
import { parseCertificateDer } from '../../core/domain/certificates/parse-certificate';
import { REVOCATION_REASONS, type RevocationReason } from '../../core/domain/lifecycle/model';
import {
  CaRejectedError,
  type CertificateAuthorityPort,
  type IssuedCertificate,
  type IssueRequest,
  type RevocationRecord,
  type RevokeRequest,
} from '../../core/ports/certificate-authority';
import { errorCode, writeFileAtomic } from '../shared/durable-file';
import { nameFromRfc4514, sameDistinguishedName, toPem, x509 } from '../shared/x509';
import { DAY_MS } from '../../core/domain/duration';

/** Accepted clock skew between certflow and the servers and clients checking its certificates. */
const CLOCK_SKEW_MS = 5 * 60_000;
const ROOT_VALIDITY_DAYS = 20 * 365;
const ISSUING_VALIDITY_DAYS = 10 * 365;
const CRL_VALIDITY_MS = 7 * DAY_MS;
const DEFAULT_MAX_VALIDITY_DAYS = 398;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' };
const CA_KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const KEY_CIPHER = 'aes-256-cbc';
const CRL_NUMBER_OID = '2.5.29.20';
const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** How to open an internal CA. */
export interface InternalCaOptions {
  /** The CA's folder, e.g. `<dataDir>/ca/internal`; created when missing. */
  readonly folder: string;
  /** Encrypts the root and issuing keys at rest; the same passphrase must open the CA every time. */
  readonly passphrase: string;
  /** Where certflow's HTTP server is reachable by relying parties; CRL and AIA URLs start with it. */
  readonly publicBaseUrl: string;
  /** Name in URLs, configuration and audit entries; `internal` by default. */
  readonly name?: string;
  /** O= of the CA names when the CA is created; `certflow` by default. An existing CA keeps its names. */
  readonly organization?: string;
  /** The clock; tests pass a fixed one. */
  readonly now?: () => Date;
  /** Longest lifetime the CA issues, in days; 398 by default (R-POL-2). */
  readonly maxValidityDays?: number;
}

/** The internal CA's configuration is unusable. */
export class InternalCaConfigError extends Error {
  override readonly name = 'InternalCaConfigError';
}

/** The passphrase does not decrypt the CA's keys. */
export class InternalCaPassphraseError extends Error {
  override readonly name = 'InternalCaPassphraseError';
  constructor(readonly file: string) {
    super(
      `wrong passphrase for the internal CA key ${file}: configure the passphrase the CA was created with ` +
        '(without it the CA cannot sign; a new CA needs a new folder and new trust in its root)',
    );
  }
}

/** A file in the CA folder is missing or damaged. */
export class InternalCaStateError extends Error {
  override readonly name = 'InternalCaStateError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`internal CA file ${file} ${reason} — restore the CA folder from a backup`);
  }
}

/** The CA's own certificates and the key it signs with, loaded once. */
interface Authority {
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

/** One issued certificate on disk. */
interface IssuedRecord {
  readonly idempotencyKey: string;
  /** SHA-256 of the subject's SPKI DER: a retry must be for the same key. */
  readonly publicKeySha256: string;
  readonly certificate: IssuedCertificate;
}

/** One line of the CRL. */
interface RevokedEntry {
  readonly serialNumber: string;
  readonly revokedAt: string;
  readonly reason: RevocationReason;
  readonly idempotencyKey: string;
}

/** Everything about revocation in one file, so a revocation and its CRL are written together. */
interface RevocationState {
  readonly crlNumber: number;
  readonly crlThisUpdate: string;
  /** The current CRL, DER in base64. */
  readonly crl: string;
  readonly revoked: readonly RevokedEntry[];
}

const folderLocks = new Map<string, Promise<void>>();

/** Runs `task` after every earlier task on the same folder has finished, in this process. */
function withFolderLock<T>(folder: string, task: () => Promise<T>): Promise<T> {
  const previous = folderLocks.get(folder) ?? Promise.resolve();
  const result = previous.then(task);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  folderLocks.set(folder, tail);
  void tail.then(() => {
    if (folderLocks.get(folder) === tail) folderLocks.delete(folder);
  });
  return result;
}

/** A random positive 16-byte serial, lower-case hex, first byte non-zero so its DER keeps all 16 bytes. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

/** A serial as certflow's parser writes it: lower-case hex, leading zero bytes dropped; null if it is not hex. */
function canonicalSerial(text: string): string | null {
  const hex = normalizeHex(text);
  if (!/^[0-9a-f]{1,64}$/.test(hex)) return null;
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return even.replace(/^(00)+(?=..)/, '');
}

/** DER INTEGER of a non-negative number: the CRL number extension's value. */
function derInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  if (bytes[0]! >= 0x80) bytes.unshift(0);
  return new Uint8Array([0x02, bytes.length, ...bytes]);
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function readJson<T>(file: string): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new InternalCaStateError(file, 'is not valid JSON');
  }
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, 0o600);
}

async function makeFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
}

/** Checked options with defaults. */
interface CaSettings {
  readonly folder: string;
  readonly passphrase: string;
  readonly baseUrl: string;
  readonly name: string;
  readonly organization: string;
  readonly now: () => Date;
  readonly maxValidityDays: number;
}

function checkOptions(options: InternalCaOptions): CaSettings {
  const name = options.name ?? 'internal';
  if (!NAME_PATTERN.test(name)) {
    throw new InternalCaConfigError(`CA name "${name}" must be lower-case letters, digits and "-" (it goes into URLs)`);
  }
  if (typeof options.folder !== 'string' || options.folder.trim() === '') {
    throw new InternalCaConfigError(`the internal CA "${name}" needs a folder: set it to a path under the data folder`);
  }
  if (typeof options.passphrase !== 'string' || options.passphrase === '') {
    throw new InternalCaConfigError(
      `the internal CA "${name}" needs a passphrase to encrypt its keys: configure a non-empty one`,
    );
  }
  let url: URL;
  try {
    url = new URL(options.publicBaseUrl);
  } catch {
    throw new InternalCaConfigError(
      `public base URL "${options.publicBaseUrl}" of the internal CA is not a URL: use e.g. http://certflow.example.com:8080`,
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new InternalCaConfigError(
      `public base URL "${options.publicBaseUrl}" of the internal CA must be http(s) without query or fragment`,
    );
  }
  const maxValidityDays = options.maxValidityDays ?? DEFAULT_MAX_VALIDITY_DAYS;
  if (!Number.isFinite(maxValidityDays) || maxValidityDays <= 0) {
    throw new InternalCaConfigError(`maxValidityDays ${maxValidityDays} of the internal CA must be a positive number`);
  }
  const organization = options.organization ?? 'certflow';
  if (organization.trim() === '') throw new InternalCaConfigError('the internal CA organization name is empty');
  return {
    folder: path.resolve(options.folder),
    passphrase: options.passphrase,
    baseUrl: url.href.replace(/\/+$/, ''),
    name,
    organization,
    now: options.now ?? (() => new Date()),
    maxValidityDays,
  };
}

/** Creates the root and the issuing CA in a fresh folder, then renames it into place (another creator may win). */
async function createAuthority(settings: CaSettings, authorityFolder: string): Promise<void> {
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
async function loadAuthority(settings: CaSettings, authorityFolder: string): Promise<Authority> {
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

/**
 * Opens the internal CA in `options.folder`, creating its root, issuing CA and empty CRL on first use. Throws
 * InternalCaPassphraseError when the passphrase does not open an existing CA.
 */
export async function openInternalCa(options: InternalCaOptions): Promise<InternalCa> {
  return InternalCa.open(options);
}

/** certflow's own CA; open it with {@link openInternalCa}. */
export class InternalCa implements CertificateAuthorityPort {
  /** Stable name, in URLs and audit entries. */
  readonly name: string;
  /** Where relying parties fetch the CRL (DER); it is the CRL distribution point of every certificate issued. */
  readonly crlUrl: string;
  /** Where the issuing CA certificate is published (DER): the AIA caIssuers URL of every certificate issued. */
  readonly issuingCertificateUrl: string;
  private readonly revocationsFile: string;

  private constructor(
    private readonly settings: CaSettings,
    private readonly authority: Authority,
  ) {
    this.name = settings.name;
    this.crlUrl = `${settings.baseUrl}/ca/${settings.name}/crl`;
    this.issuingCertificateUrl = `${settings.baseUrl}/ca/${settings.name}/issuing.cer`;
    this.revocationsFile = path.join(settings.folder, 'revocations.json');
  }

  /** The root certificate, PEM: what relying parties trust. */
  rootPem(): string {
    return this.authority.rootPem;
  }

  /** The root certificate, DER. */
  rootDer(): Uint8Array {
    return this.authority.rootDer;
  }

  /** The issuing CA certificate, PEM. */
  issuingPem(): string {
    return this.authority.issuingPem;
  }

  /** The issuing CA certificate, DER. */
  issuingDer(): Uint8Array {
    return this.authority.issuingDer;
  }

  /** The issuing CA's subject, RFC 4514. */
  issuingDn(): string {
    return this.authority.issuingDn;
  }

  /** The current CRL, DER; re-signed first when it is past half its life. */
  async crlDer(): Promise<Uint8Array> {
    let state = await this.readRevocations();
    if (this.crlIsDue(state)) {
      state = await withFolderLock(this.settings.folder, async () => {
        const current = await this.readRevocations();
        return this.crlIsDue(current) ? await this.publish(current.crlNumber + 1, current.revoked) : current;
      });
    }
    return new Uint8Array(Buffer.from(state.crl, 'base64'));
  }

  /** The current CRL as `X509 CRL` PEM, the label OpenSSL reads (@peculiar/x509 writes `CRL`). */
  async crlPem(): Promise<string> {
    return toPem(await this.crlDer(), 'X509 CRL');
  }

  async issues(issuerDn: string): Promise<boolean> {
    return sameDistinguishedName(issuerDn, this.authority.issuingDn);
  }

  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    this.checkIssueRequest(request);
    const subject = this.subjectName(request.subject);
    const { csr, spki } = await this.verifiedCsr(request.csrPem);
    const publicKeySha256 = sha256Hex(spki);
    const requestFile = path.join(this.settings.folder, 'requests', `${sha256Hex(request.idempotencyKey)}.json`);
    return withFolderLock(this.settings.folder, async () => {
      const previous = await this.findIssued(requestFile);
      if (previous !== null) {
        if (previous.publicKeySha256 !== publicKeySha256) {
          throw new CaRejectedError(
            `idempotency key "${request.idempotencyKey}" already issued certificate ${previous.certificate.serialNumber} ` +
              'for another key; a new key needs a new idempotency key',
          );
        }
        return previous.certificate;
      }
      const certificate = await this.sign(request, subject, csr, spki);
      const record: IssuedRecord = { idempotencyKey: request.idempotencyKey, publicKeySha256, certificate };
      // The certificate first, then the request's pointer to it: a crash between leaves an unused certificate,
      // never a pointer to nothing.
      await writeJson(this.issuedFile(certificate.serialNumber), record);
      await writeJson(requestFile, { idempotencyKey: request.idempotencyKey, serialNumber: certificate.serialNumber });
      return certificate;
    });
  }

  async revoke(request: RevokeRequest): Promise<RevocationRecord> {
    const serialNumber = canonicalSerial(String(request.serialNumber));
    if (serialNumber === null) {
      throw new CaRejectedError(
        `serial number "${request.serialNumber}" is not hexadecimal: pass the certificate's serial`,
      );
    }
    if (!REVOCATION_REASONS.includes(request.reason)) {
      throw new CaRejectedError(
        `revocation reason "${request.reason}" is not one of ${REVOCATION_REASONS.join(', ')}: pick one of those`,
      );
    }
    if (!sameDistinguishedName(request.issuer, this.authority.issuingDn)) {
      throw new CaRejectedError(
        `certificate ${serialNumber} was issued by "${request.issuer}", not by the ${this.name} CA ` +
          `("${this.authority.issuingDn}"): revoke it through the CA that issued it`,
      );
    }
    return withFolderLock(this.settings.folder, async () => {
      const issued = await readJson<IssuedRecord>(this.issuedFile(serialNumber));
      if (issued === null) {
        throw new CaRejectedError(
          `the ${this.name} CA never issued a certificate with serial ${serialNumber}: check the serial number`,
        );
      }
      const state = await this.readRevocations();
      const already = state.revoked.find((entry) => entry.serialNumber === serialNumber);
      if (already !== undefined) {
        return {
          serialNumber,
          revokedAt: already.revokedAt,
          reason: already.reason,
          newlyRevoked: false,
          publishedAt: this.crlUrl,
        };
      }
      const entry: RevokedEntry = {
        serialNumber,
        revokedAt: new Date(Math.floor(this.settings.now().getTime() / 1000) * 1000).toISOString(),
        reason: request.reason,
        idempotencyKey: request.idempotencyKey,
      };
      await this.publish(state.crlNumber + 1, [...state.revoked, entry]);
      return {
        serialNumber,
        revokedAt: entry.revokedAt,
        reason: entry.reason,
        newlyRevoked: true,
        publishedAt: this.crlUrl,
      };
    });
  }

  /** Loads or creates the CA; the same as {@link openInternalCa}. */
  static async open(options: InternalCaOptions): Promise<InternalCa> {
    const settings = checkOptions(options);
    return withFolderLock(settings.folder, async () => {
      await makeFolder(settings.folder);
      const authorityFolder = path.join(settings.folder, 'authority');
      const existing = await readFile(path.join(authorityFolder, 'issuing.pem')).catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT') return null;
        throw error;
      });
      if (existing === null) await createAuthority(settings, authorityFolder);
      const ca = new InternalCa(settings, await loadAuthority(settings, authorityFolder));
      await makeFolder(path.join(settings.folder, 'issued'));
      await makeFolder(path.join(settings.folder, 'requests'));
      // An empty CRL exists from the start, so relying parties can check certificates before any revocation.
      if ((await readJson<RevocationState>(ca.revocationsFile)) === null) await ca.publish(1, []);
      return ca;
    });
  }

  private issuedFile(serialNumber: string): string {
    return path.join(this.settings.folder, 'issued', `${serialNumber}.json`);
  }

  private async readRevocations(): Promise<RevocationState> {
    const state = await readJson<RevocationState>(this.revocationsFile);
    if (state === null || !Number.isInteger(state.crlNumber) || !Array.isArray(state.revoked)) {
      throw new InternalCaStateError(this.revocationsFile, state === null ? 'is missing' : 'is damaged');
    }
    return state;
  }

  private crlIsDue(state: RevocationState): boolean {
    return this.settings.now().getTime() >= Date.parse(state.crlThisUpdate) + CRL_VALIDITY_MS / 2;
  }

  /** Signs a CRL for `revoked` and stores it with the list in one atomic write. */
  private async publish(crlNumber: number, revoked: readonly RevokedEntry[]): Promise<RevocationState> {
    const thisUpdate = this.settings.now();
    const crl = await x509.X509CrlGenerator.create({
      issuer: this.authority.issuingCertificate.subjectName,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + CRL_VALIDITY_MS),
      signingKey: this.authority.signingKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.AuthorityKeyIdentifierExtension(this.authority.issuingKeyId),
        new x509.Extension(CRL_NUMBER_OID, false, derInteger(crlNumber)),
      ],
      entries: revoked.map((entry) => ({
        serialNumber: entry.serialNumber,
        revocationDate: new Date(entry.revokedAt),
        // RFC 5280 5.3.1: the reason code "unspecified" is left out rather than written.
        ...(entry.reason === 'unspecified' ? {} : { reason: x509.X509CrlReason[entry.reason] }),
      })),
    });
    const state: RevocationState = {
      crlNumber,
      crlThisUpdate: crl.thisUpdate.toISOString(),
      crl: Buffer.from(crl.rawData).toString('base64'),
      revoked,
    };
    await writeJson(this.revocationsFile, state);
    return state;
  }

  private async findIssued(requestFile: string): Promise<IssuedRecord | null> {
    const pointer = await readJson<{ serialNumber: string }>(requestFile);
    if (pointer === null) return null;
    const record = await readJson<IssuedRecord>(this.issuedFile(pointer.serialNumber));
    if (record === null) throw new InternalCaStateError(this.issuedFile(pointer.serialNumber), 'is missing');
    return record;
  }

  private checkIssueRequest(request: IssueRequest): void {
    if (typeof request.idempotencyKey !== 'string' || request.idempotencyKey === '') {
      throw new CaRejectedError('an issue request needs a non-empty idempotency key');
    }
    if (!Number.isFinite(request.validityDays) || request.validityDays <= 0) {
      throw new CaRejectedError(`validity of ${request.validityDays} days is not a positive number of days`);
    }
    if (!Array.isArray(request.dnsNames) || !Array.isArray(request.ipAddresses)) {
      throw new CaRejectedError('an issue request needs dnsNames and ipAddresses lists');
    }
    if (request.dnsNames.length + request.ipAddresses.length === 0) {
      throw new CaRejectedError('a TLS server certificate needs at least one DNS name or IP address');
    }
    for (const dns of request.dnsNames) {
      if (typeof dns !== 'string' || !/^(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(dns) || dns.length > 253) {
        throw new CaRejectedError(`"${dns}" is not a DNS name: fix the certificate's names`);
      }
    }
    for (const ip of request.ipAddresses) {
      if (typeof ip !== 'string' || net.isIP(ip) === 0) {
        throw new CaRejectedError(`"${ip}" is not an IP address: fix the certificate's names`);
      }
    }
  }

  private subjectName(subject: string): x509.Name {
    try {
      return nameFromRfc4514(subject);
    } catch (error) {
      throw new CaRejectedError(error instanceof Error ? error.message : String(error));
    }
  }

  /** Parses the CSR and checks its signature: only the holder of the key can have signed it. */
  private async verifiedCsr(csrPem: string): Promise<{ csr: x509.Pkcs10CertificateRequest; spki: Uint8Array }> {
    let csr: x509.Pkcs10CertificateRequest;
    let valid: boolean;
    try {
      csr = new x509.Pkcs10CertificateRequest(csrPem);
      valid = await csr.verify();
    } catch {
      throw new CaRejectedError('the certificate request is not a readable PKCS#10 PEM: create it again');
    }
    if (!valid) {
      throw new CaRejectedError('the certificate request signature does not verify: it was altered, create it again');
    }
    const spki = new Uint8Array(csr.publicKey.rawData);
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType === 'rsa') {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < 2048) throw new CaRejectedError(`an RSA key of ${bits} bits is too short: use 2048 bits or more`);
    } else if (key.asymmetricKeyType !== 'ec') {
      throw new CaRejectedError(
        `a ${key.asymmetricKeyType ?? 'unknown'} key cannot get a TLS certificate here: use EC or RSA`,
      );
    }
    return { csr, spki };
  }

  private async sign(
    request: IssueRequest,
    subject: x509.Name,
    csr: x509.Pkcs10CertificateRequest,
    spki: Uint8Array,
  ): Promise<IssuedCertificate> {
    const now = this.settings.now().getTime();
    const lifetimeMs = Math.min(request.validityDays, this.settings.maxValidityDays) * DAY_MS;
    const notAfter = Math.min(now + lifetimeMs, this.authority.issuingNotAfter.getTime());
    const isRsa = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).asymmetricKeyType === 'rsa';
    const keyUsage = x509.KeyUsageFlags.digitalSignature | (isRsa ? x509.KeyUsageFlags.keyEncipherment : 0);
    const altNames: x509.JsonGeneralName[] = [
      ...request.dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ...request.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ];
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject,
      issuer: this.authority.issuingCertificate.subjectName,
      notBefore: new Date(now - CLOCK_SKEW_MS),
      notAfter: new Date(notAfter),
      publicKey: csr.publicKey,
      signingKey: this.authority.signingKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(keyUsage, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(altNames),
        await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
        new x509.AuthorityKeyIdentifierExtension(this.authority.issuingKeyId),
        new x509.CRLDistributionPointsExtension([this.crlUrl]),
        new x509.AuthorityInfoAccessExtension({ caIssuers: this.issuingCertificateUrl }),
      ],
    });
    const der = new Uint8Array(certificate.rawData);
    const facts = parseCertificateDer(der, 'issued certificate').facts;
    return {
      certificatePem: toPem(der, 'CERTIFICATE'),
      chainPems: [this.authority.issuingPem],
      rootPem: this.authority.rootPem,
      fingerprintSha256: facts.fingerprintSha256,
      serialNumber: facts.serialNumber,
      notBefore: facts.notBefore,
      notAfter: facts.notAfter,
      issuerFingerprintSha256: this.authority.issuingFingerprint,
    };
  }
}
