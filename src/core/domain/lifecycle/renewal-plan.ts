/**
 * Pure decisions of a renewal: what the new certificate looks like (names, key, lifetime) and when an unanswered
 * approval is re-sent or escalated. The workflow gathers the inputs through activities and acts on the answers.
 */
import type { KeyAlgorithm } from '../certificates/certificate-facts';
import type { InventoryCertificate } from '../inventory/model';
import type { Policy, RenewalKeyType } from '../policy/policy';
import type { CertificateSummary, KeySpec, LifecycleRequest } from './model';
import { DAY_MS } from '../duration';

/** The summary of one version of a managed certificate, as notifications, tickets and queries show it. */
export function summarizeCertificate(
  managedCertificateId: string,
  certificate: InventoryCertificate,
): CertificateSummary {
  const { facts, metadata } = certificate;
  return {
    managedCertificateId,
    id: certificate.id,
    fingerprintSha256: facts.fingerprintSha256,
    serialNumber: facts.serialNumber,
    subject: facts.subject.text,
    commonName: facts.subject.commonName,
    dnsNames: facts.subjectAltNames.dns,
    ipAddresses: facts.subjectAltNames.ip,
    issuer: facts.issuer.text,
    notBefore: facts.notBefore,
    notAfter: facts.notAfter,
    keyAlgorithm: facts.publicKey.algorithm,
    keySize: facts.publicKey.sizeBits,
    curve: facts.publicKey.curve,
    locations: metadata.locations,
    ownerGroup: metadata.ownerGroup,
    application: metadata.application,
  };
}

/** Every name a certificate must answer to: DNS SANs, IP SANs, and the CN when it is in neither. */
export function certificateNames(
  certificate: Pick<CertificateSummary, 'commonName' | 'dnsNames' | 'ipAddresses'>,
): string[] {
  const names = [...certificate.dnsNames, ...certificate.ipAddresses];
  const cn = certificate.commonName;
  if (cn && !names.some((name) => name.toLowerCase() === cn.toLowerCase())) names.unshift(cn);
  return names;
}

const RSA_SIZES = [2048, 3072, 4096] as const;

/**
 * The key of the renewed certificate (R-REN-1: a new key pair every renewal). `same` keeps the algorithm at a size the
 * policy allows (RSA rounded up to 2048/3072/4096; P-384 stays P-384, every other curve becomes P-256); algorithms
 * certflow cannot generate (Ed25519, DSA …) become ECDSA P-256.
 */
export function chooseRenewalKeySpec(
  keyType: RenewalKeyType,
  current: { readonly keyAlgorithm: KeyAlgorithm; readonly keySize: number | null; readonly curve: string | null },
  policy: Pick<Policy['rules']['keySize'], 'minRsaBits' | 'minEcBits'>,
): KeySpec {
  switch (keyType) {
    case 'EC-P256':
      return { algorithm: 'EC', curve: 'P-256' };
    case 'EC-P384':
      return { algorithm: 'EC', curve: 'P-384' };
    case 'RSA-2048':
    case 'RSA-3072':
    case 'RSA-4096':
      return { algorithm: 'RSA', bits: Number(keyType.slice(4)) as 2048 | 3072 | 4096 };
    case 'same':
      break;
  }
  if (current.keyAlgorithm === 'RSA') {
    const wanted = Math.max(current.keySize ?? 0, policy.minRsaBits, 2048);
    return { algorithm: 'RSA', bits: RSA_SIZES.find((bits) => bits >= wanted) ?? 4096 };
  }
  if (
    current.keyAlgorithm === 'EC' &&
    (current.curve === 'P-384' || current.curve === 'P-521' || policy.minEcBits > 256)
  ) {
    return { algorithm: 'EC', curve: 'P-384' };
  }
  return { algorithm: 'EC', curve: 'P-256' };
}

/**
 * Lifetime of the renewed certificate in days: the policy's `renewal.validityDays`, else the replaced certificate's
 * own lifetime (a short-lived certificate stays short-lived), never more than the validity rule allows.
 */
export function renewalValidityDays(
  policy: Pick<Policy, 'renewal' | 'rules'>,
  current: Pick<CertificateSummary, 'notBefore' | 'notAfter'>,
): number {
  const lifetime = Math.max(1, Math.round((Date.parse(current.notAfter) - Date.parse(current.notBefore)) / DAY_MS));
  const wanted = policy.renewal.validityDays ?? lifetime;
  const limit = policy.rules.validityPeriod.enabled ? policy.rules.validityPeriod.maxDays : Number.POSITIVE_INFINITY;
  return Math.min(wanted, limit);
}

/** What to do about an approval nobody has answered (R-RA-3). */
export interface ApprovalFollowUp {
  /** `remind` re-sends the request to the approvers; `escalate` tells management; null: nothing more to do. */
  readonly action: 'remind' | 'escalate' | null;
  /** ISO 8601 UTC of the next follow-up, null when none is left. */
  readonly at: string | null;
}

/**
 * The next follow-up of an open approval: re-sent `reminderDays` after the request, escalated `reminderDays` after
 * that, then nothing (the schedule's own escalation and expiry still apply). `action` is set when `now` has reached it.
 */
export function nextApprovalFollowUp(
  request: Pick<LifecycleRequest, 'status' | 'requestedAt' | 'approvalReminders' | 'approvalEscalated'>,
  reminderDays: number,
  now: string,
): ApprovalFollowUp {
  if (request.status !== 'awaiting-approval' || request.approvalEscalated) return { action: null, at: null };
  const step = reminderDays * DAY_MS;
  const requested = Date.parse(request.requestedAt);
  const reminding = request.approvalReminders === 0;
  const at = requested + step * (request.approvalReminders + 1);
  const due = Date.parse(now) >= at;
  return { action: due ? (reminding ? 'remind' : 'escalate') : null, at: new Date(at).toISOString() };
}
