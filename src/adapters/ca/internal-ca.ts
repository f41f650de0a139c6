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
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REVOCATION_REASONS } from '../../core/domain/lifecycle/model';
import {
  CaRejectedError,
  type CertificateAuthorityPort,
  type IssuedCertificate,
  type IssueRequest,
  type RevocationRecord,
  type RevokeRequest,
} from '../../core/ports/certificate-authority';
import { errorCode } from '../shared/durable-file';
import { sameDistinguishedName, toPem } from '../shared/x509';
import { type Authority, createAuthority, loadAuthority } from './internal-ca-authority';
import { InternalCaStateError } from './internal-ca-errors';
import { makeFolder, readJson, withFolderLock, writeJson } from './internal-ca-files';
import {
  checkIssueRequest,
  type IssuedRecord,
  sha256Hex,
  signCertificate,
  subjectName,
  verifiedCsr,
} from './internal-ca-issuance';
import {
  canonicalSerial,
  crlIsDue,
  readRevocationState,
  type RevocationState,
  type RevokedEntry,
  signCrl,
} from './internal-ca-revocation';
import { type CaSettings, checkOptions, type InternalCaOptions } from './internal-ca-settings';

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
    let state = await readRevocationState(this.revocationsFile);
    if (crlIsDue(state, this.settings.now())) {
      state = await withFolderLock(this.settings.folder, async () => {
        const current = await readRevocationState(this.revocationsFile);
        return crlIsDue(current, this.settings.now())
          ? await this.publish(current.crlNumber + 1, current.revoked)
          : current;
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
    checkIssueRequest(request);
    const subject = subjectName(request.subject);
    const { csr, spki } = await verifiedCsr(request.csrPem);
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
      const certificate = await signCertificate(
        {
          settings: this.settings,
          authority: this.authority,
          crlUrl: this.crlUrl,
          issuingCertificateUrl: this.issuingCertificateUrl,
        },
        request,
        subject,
        csr,
        spki,
      );
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
      const state = await readRevocationState(this.revocationsFile);
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

  /** Signs a CRL for `revoked` and stores it with the list in one atomic write. */
  private async publish(crlNumber: number, revoked: readonly RevokedEntry[]): Promise<RevocationState> {
    const state = await signCrl(this.authority, this.settings.now(), crlNumber, revoked);
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
}
