/**
 * certflow's internal CA (R-REN-1, R-REV-1): a self-signed root and one issuing intermediate, created on first use
 * in the CA folder with their private keys encrypted at rest (encrypted PKCS#8, AES-256-CBC under the configured
 * passphrase). It issues TLS server certificates with @peculiar/x509, only those the policy in force accepts
 * (internal-ca-policy.ts), and publishes two CRLs, regenerated on every revocation and before they go stale: the
 * issuing CA's, for the certificates it issued, and the root's, for the issuing CA (its distribution point).
 *
 * The folder:
 * - `authority/` root.pem, root.key.pem, issuing.pem, issuing.key.pem (created together: a folder renamed into place);
 *   `issuing-<serial>.pem` an issuing CA certificate replaced by one with the root's CRL as distribution point
 * - `issued/<serial>.json` every certificate issued, with the idempotency key that asked for it
 * - `requests/<sha256 of the idempotency key>.json` the serial issued for that key
 * - `revocations.json` the issuing CA's revoked serials, its CRL number and current CRL; `root-revocations.json` the
 *   same for the root
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
import {
  type Authority,
  createAuthority,
  ensureIssuingDistributionPoint,
  loadAuthority,
} from './internal-ca-authority';
import { InternalCaStateError } from './internal-ca-errors';
import { makeFolder, readJson, withFolderLock, writeJson } from './internal-ca-files';
import {
  certificateTemplate,
  checkIssueRequest,
  type IssuedRecord,
  sha256Hex,
  signCertificate,
  type SigningCa,
  subjectName,
  verifiedCsr,
} from './internal-ca-issuance';
import { issuableValidityDays, refuseWhatPolicyFlags } from './internal-ca-policy';
import { canonicalSerial, PublishedCrl, type RevokedEntry } from './internal-ca-revocation';
import { type CaSettings, caUrls, checkOptions, type InternalCaOptions } from './internal-ca-settings';

/**
 * Opens the internal CA in `options.folder`, creating its root, issuing CA and empty CRLs on first use, and giving
 * an issuing CA certificate without the root's CRL as distribution point one (see ensureIssuingDistributionPoint).
 * Throws InternalCaPassphraseError when the passphrase does not open an existing CA.
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
  /** The issuing CA's CRL: the certificates this CA issued and revoked. */
  private readonly issuingCrl: PublishedCrl;
  /** The root's CRL: where a revoked issuing CA certificate would be listed. */
  private readonly rootCrl: PublishedCrl;
  private readonly signing: SigningCa;

  private constructor(
    private readonly settings: CaSettings,
    private readonly authority: Authority,
  ) {
    this.name = settings.name;
    const urls = caUrls(settings);
    this.crlUrl = urls.crl;
    this.issuingCertificateUrl = urls.issuingCertificate;
    const issuingSigner = {
      certificate: authority.issuingCertificate,
      keyId: authority.issuingKeyId,
      signingKey: authority.signingKey,
    };
    this.issuingCrl = new PublishedCrl(
      path.join(settings.folder, 'revocations.json'),
      issuingSigner,
      settings.folder,
      settings.now,
    );
    this.rootCrl = new PublishedCrl(
      path.join(settings.folder, 'root-revocations.json'),
      authority.root,
      settings.folder,
      settings.now,
    );
    this.signing = { settings, authority, crlUrl: this.crlUrl, issuingCertificateUrl: this.issuingCertificateUrl };
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

  /** The issuing CA's current CRL, DER; re-signed first when it is past half its life. */
  crlDer(): Promise<Uint8Array> {
    return this.issuingCrl.der();
  }

  /** The issuing CA's current CRL as `X509 CRL` PEM, the label OpenSSL reads (@peculiar/x509 writes `CRL`). */
  async crlPem(): Promise<string> {
    return toPem(await this.crlDer(), 'X509 CRL');
  }

  /** The root's current CRL, DER, signed by the root; re-signed first when it is past half its life. */
  rootCrlDer(): Promise<Uint8Array> {
    return this.rootCrl.der();
  }

  /** The root's current CRL as `X509 CRL` PEM. */
  async rootCrlPem(): Promise<string> {
    return toPem(await this.rootCrlDer(), 'X509 CRL');
  }

  async issues(issuerDn: string): Promise<boolean> {
    return sameDistinguishedName(issuerDn, this.authority.issuingDn);
  }

  /**
   * Issues the certificate the request asks for, capped to the CA's and the policy's longest lifetime; throws a
   * CaPolicyRejectedError, before signing, when the policy in force would flag it. A retried idempotency key returns
   * the certificate issued the first time, whatever the policy says now.
   */
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
      const policy = await this.settings.policy();
      const validityDays = issuableValidityDays(request.validityDays, this.settings.maxValidityDays, policy);
      const template = await certificateTemplate(this.signing, request, validityDays, subject, csr, spki);
      await refuseWhatPolicyFlags(this.signing, template, policy);
      const certificate = await signCertificate(this.signing, template);
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
      const state = await this.issuingCrl.state();
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
      await this.issuingCrl.publish(state.crlNumber + 1, [...state.revoked, entry]);
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
      let authority = await loadAuthority(settings, authorityFolder);
      if (await ensureIssuingDistributionPoint(settings, authorityFolder, authority)) {
        authority = await loadAuthority(settings, authorityFolder);
      }
      const ca = new InternalCa(settings, authority);
      await makeFolder(path.join(settings.folder, 'issued'));
      await makeFolder(path.join(settings.folder, 'requests'));
      // Empty CRLs exist from the start, so relying parties can check certificates before any revocation.
      await ca.issuingCrl.ensure();
      await ca.rootCrl.ensure();
      return ca;
    });
  }

  private issuedFile(serialNumber: string): string {
    return path.join(this.settings.folder, 'issued', `${serialNumber}.json`);
  }

  private async findIssued(requestFile: string): Promise<IssuedRecord | null> {
    const pointer = await readJson<{ serialNumber: string }>(requestFile);
    if (pointer === null) return null;
    const record = await readJson<IssuedRecord>(this.issuedFile(pointer.serialNumber));
    if (record === null) throw new InternalCaStateError(this.issuedFile(pointer.serialNumber), 'is missing');
    return record;
  }
}
