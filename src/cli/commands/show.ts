import type { CertificateFacts } from '../../core/domain/certificates/certificate-facts';
import { DAY_MS } from '../../core/domain/duration';
import { formatLocation } from '../../core/domain/inventory/location';
import type { InventoryCertificate } from '../../core/domain/inventory/model';
import { printable } from '../format/printable';
import { UsageError } from '../errors';
import type { CertificateStore } from '../../core/ports/inventory-store';
import { describeCompliance, describeKey } from './list';

/** Options of `certflow show`. */
export const SHOW_OPTIONS = {
  json: { type: 'boolean', default: false },
  pem: { type: 'boolean', default: false },
} as const;

/** A certificate that `certflow show` cannot find. */
export class CertificateNotFoundError extends Error {
  override readonly name = 'CertificateNotFoundError';
}

function toPem(der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----`;
}

function list(values: readonly string[]): string {
  return values.length > 0 ? values.join(', ') : '—';
}

/** Beyond a century a count of days says less than the date (a 9999-12-31 notAfter is 2.9 million days away). */
const CENTURY_DAYS = 36_525;
/** RFC 5280 4.1.2.5: GeneralizedTime 99991231235959Z means "no well-defined expiration date". */
const NO_EXPIRY = '9999-12-31T23:59:59.000Z';

function dayCount(days: number): string {
  return `${days} day${days === 1 ? '' : 's'}`;
}

/**
 * The validity line's parenthesis: the certificate's length and where `now` stands in it, in words that stay true
 * for any year a certificate can carry (0001 to 9999), e.g. `398 days; 20 days left` or `not yet valid: starts 2027-01-01`.
 */
export function describeValidity(
  facts: Pick<CertificateFacts, 'notBefore' | 'notAfter' | 'validityDays'>,
  now: Date,
): string {
  const notBefore = Date.parse(facts.notBefore);
  const notAfter = Date.parse(facts.notAfter);
  if (notAfter < notBefore) return 'never valid: notAfter is before notBefore';
  const length = facts.validityDays <= CENTURY_DAYS ? `${dayCount(facts.validityDays)}; ` : '';
  if (now.getTime() < notBefore) {
    const until = Math.ceil((notBefore - now.getTime()) / DAY_MS);
    return `${length}not yet valid: starts ${until <= CENTURY_DAYS ? `in ${dayCount(until)}` : facts.notBefore.slice(0, 10)}`;
  }
  if (now.getTime() >= notAfter) {
    const ago = Math.ceil((now.getTime() - notAfter) / DAY_MS);
    return `${length}expired ${ago <= CENTURY_DAYS ? `${dayCount(ago)} ago` : facts.notAfter.slice(0, 10)}`;
  }
  if (facts.notAfter === NO_EXPIRY) return `${length}no expiry date (99991231235959Z)`;
  const left = Math.floor((notAfter - now.getTime()) / DAY_MS);
  return `${length}${left <= CENTURY_DAYS ? `${dayCount(left)} left` : `expires ${facts.notAfter.slice(0, 10)}`}`;
}

function describe(certificate: InventoryCertificate, now: Date, issuerName: string | null): string[] {
  const { facts, metadata } = certificate;
  const sans = [
    ...facts.subjectAltNames.dns.map((name) => `DNS:${name}`),
    ...facts.subjectAltNames.ip.map((ip) => `IP:${ip}`),
    ...facts.subjectAltNames.email.map((email) => `email:${email}`),
    ...facts.subjectAltNames.uri.map((uri) => `URI:${uri}`),
    ...facts.subjectAltNames.other,
  ];
  const lines = [
    `Certificate ${certificate.id}  (${facts.role}${facts.selfSigned ? ', self-signed' : ''})`,
    `  subject          ${facts.subject.text}`,
    `  issuer           ${facts.issuer.text}${issuerName ? `  → ${issuerName}` : ''}`,
    `  SANs             ${list(sans)}`,
    `  valid            ${facts.notBefore} → ${facts.notAfter} (${describeValidity(facts, now)})`,
    ...(certificate.revocation === null
      ? []
      : [`  revoked          ${certificate.revocation.revokedAt} (${printable(certificate.revocation.reason)})`]),
    `  serial           ${facts.serialNumber}`,
    `  key              ${describeKey(certificate)}`,
    `  signature        ${facts.signatureAlgorithm.name}`,
    `  key usage        ${list(facts.keyUsage)}`,
    `  extended usage   ${list(facts.extendedKeyUsage)}`,
    `  CA               ${facts.isCa ? `yes${facts.basicConstraints?.pathLength != null ? `, path length ${facts.basicConstraints.pathLength}` : ''}` : 'no'}`,
    `  AKI / SKI        ${facts.authorityKeyId ?? '—'} / ${facts.subjectKeyId ?? '—'}`,
    `  SHA-256          ${facts.fingerprintSha256}`,
    `  SHA-1            ${facts.fingerprintSha1}`,
    `Metadata`,
    `  owner group      ${metadata.ownerGroup ?? '— (unowned)'}`,
    `  locations        ${list(metadata.locations.map(formatLocation))}`,
    `  contacts         ${list(metadata.contacts)}`,
    `  approvers        ${list(metadata.approvers)}`,
    `  system type      ${metadata.systemType ?? '—'}`,
    `  application      ${metadata.application ?? '—'}`,
    `  regulations      ${list(metadata.regulations)}`,
    `  tags             ${list(metadata.tags)}`,
    `  first / last seen ${certificate.firstSeenAt} / ${certificate.lastSeenAt}`,
    `Policy             ${describeCompliance(certificate)}`,
  ];
  for (const violation of certificate.policy?.violations ?? []) {
    lines.push(`  ${violation.ruleId} ${violation.severity}: ${violation.message}`, `      fix: ${violation.remedy}`);
  }
  return lines;
}

/** Runs `certflow show <fingerprint|id>`: every parsed field, the metadata and the policy result of one certificate. */
export async function runShow(
  idOrPrefix: string,
  options: { json: boolean; pem: boolean },
  certificates: Pick<CertificateStore, 'getCertificate' | 'getCertificateDer'>,
  io: { out: (line: string) => void },
  now: Date,
): Promise<void> {
  const hex = idOrPrefix.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(hex)) {
    throw new UsageError(
      `"${idOrPrefix}" is not a certificate id; give its id or at least 8 hex digits of its SHA-256`,
    );
  }
  const certificate = await certificates.getCertificate(hex);
  if (!certificate) throw new CertificateNotFoundError(`no certificate in the inventory has id or fingerprint ${hex}`);
  if (options.pem) {
    const der = await certificates.getCertificateDer(certificate.facts.fingerprintSha256);
    if (der) io.out(toPem(der));
    return;
  }
  if (options.json) {
    io.out(JSON.stringify(certificate, null, 2));
    return;
  }
  const issuer = certificate.issuerFingerprint
    ? await certificates.getCertificate(certificate.issuerFingerprint)
    : null;
  const issuerName = issuer ? `${issuer.id} in the inventory` : null;
  // Names, paths and metadata come from files and CSVs: a newline or escape in them must not forge a line.
  describe(certificate, now, issuerName).forEach((line) => io.out(printable(line)));
}
