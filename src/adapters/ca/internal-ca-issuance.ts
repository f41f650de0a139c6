/**
 * Issuing with the internal CA: a request checked as a TLS server certificate's, a CSR whose signature proves the
 * key, and the certificate, built as a template, signed by the issuing CA with its CRL and AIA URLs.
 */
import { createHash, createPublicKey } from 'node:crypto';
import net from 'node:net';
import { DAY_MS } from '../../core/domain/duration';
import { parseCertificateDer } from '../../core/domain/certificates/parse-certificate';
import { CaRejectedError, type IssuedCertificate, type IssueRequest } from '../../core/ports/certificate-authority';
import { nameFromRfc4514, toPem, x509 } from '../shared/x509';
import { type Authority, CLOCK_SKEW_MS, randomSerial, SIGNING_ALGORITHM } from './internal-ca-authority';
import type { CaSettings } from './internal-ca-settings';

/** One issued certificate on disk. */
export interface IssuedRecord {
  readonly idempotencyKey: string;
  /** SHA-256 of the subject's SPKI DER: a retry must be for the same key. */
  readonly publicKeySha256: string;
  readonly certificate: IssuedCertificate;
}

/** What signing takes from the CA: its clock and limit, its authority, and the URLs every certificate carries. */
export interface SigningCa {
  readonly settings: CaSettings;
  readonly authority: Authority;
  readonly crlUrl: string;
  readonly issuingCertificateUrl: string;
}

/** SHA-256 of `data`, lower-case hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Refuses a request no TLS server certificate can be issued for, saying what to fix. */
export function checkIssueRequest(request: IssueRequest): void {
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

/** The subject, RFC 4514, as a name; one that does not parse is the CA's refusal. */
export function subjectName(subject: string): x509.Name {
  try {
    return nameFromRfc4514(subject);
  } catch (error) {
    throw new CaRejectedError(error instanceof Error ? error.message : String(error));
  }
}

/** Parses the CSR and checks its signature: only the holder of the key can have signed it. */
export async function verifiedCsr(csrPem: string): Promise<{ csr: x509.Pkcs10CertificateRequest; spki: Uint8Array }> {
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

/** The certificate the CA would sign: everything but the signing key. */
export type CertificateTemplate = Omit<x509.X509CertificateCreateWithKeyParams, 'signingKey'>;

/**
 * The validity window of a certificate issued at `now` for `days`: notBefore backdated for clock skew, and the whole
 * period, both ends included as RFC 5280 counts it (notAfter − notBefore + 1 s), exactly `days` long, so the
 * backdate never makes it longer than was asked or allowed. It never outlives the issuing CA certificate.
 */
export function validityWindow(now: Date, days: number, issuingNotAfter: Date): { notBefore: Date; notAfter: Date } {
  const notBefore = Math.floor((now.getTime() - CLOCK_SKEW_MS) / 1000) * 1000;
  const periodMs = Math.max(1000, Math.floor((days * DAY_MS) / 1000) * 1000);
  const notAfter = Math.min(notBefore + periodMs - 1000, Math.floor(issuingNotAfter.getTime() / 1000) * 1000);
  return { notBefore: new Date(notBefore), notAfter: new Date(notAfter) };
}

/**
 * The certificate the request asks for, `validityDays` long (the caller caps it), issued by the issuing CA with its
 * CRL and AIA URLs.
 */
export async function certificateTemplate(
  ca: SigningCa,
  request: IssueRequest,
  validityDays: number,
  subject: x509.Name,
  csr: x509.Pkcs10CertificateRequest,
  spki: Uint8Array,
): Promise<CertificateTemplate> {
  const { notBefore, notAfter } = validityWindow(ca.settings.now(), validityDays, ca.authority.issuingNotAfter);
  const isRsa = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).asymmetricKeyType === 'rsa';
  const keyUsage = x509.KeyUsageFlags.digitalSignature | (isRsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  const altNames: x509.JsonGeneralName[] = [
    ...request.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...request.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  return {
    serialNumber: randomSerial(),
    subject,
    issuer: ca.authority.issuingCertificate.subjectName,
    notBefore,
    notAfter,
    publicKey: csr.publicKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(keyUsage, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(altNames),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      new x509.AuthorityKeyIdentifierExtension(ca.authority.issuingKeyId),
      new x509.CRLDistributionPointsExtension([ca.crlUrl]),
      new x509.AuthorityInfoAccessExtension({ caIssuers: ca.issuingCertificateUrl }),
    ],
  };
}

/** Signs the template with the issuing CA's key. */
export async function signCertificate(ca: SigningCa, template: CertificateTemplate): Promise<IssuedCertificate> {
  const certificate = await x509.X509CertificateGenerator.create({ ...template, signingKey: ca.authority.signingKey });
  const der = new Uint8Array(certificate.rawData);
  const facts = parseCertificateDer(der, 'issued certificate').facts;
  return {
    certificatePem: toPem(der, 'CERTIFICATE'),
    chainPems: [ca.authority.issuingPem],
    rootPem: ca.authority.rootPem,
    fingerprintSha256: facts.fingerprintSha256,
    serialNumber: facts.serialNumber,
    notBefore: facts.notBefore,
    notAfter: facts.notAfter,
    issuerFingerprintSha256: ca.authority.issuingFingerprint,
  };
}
