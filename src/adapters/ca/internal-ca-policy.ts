/**
 * The internal CA issues only what the policy in force accepts: it caps a lifetime to the policy's maximum and,
 * before signing, evaluates the certificate it would sign with the same policy evaluation an import runs, so every
 * rule (today's and those added later) applies to issuance too. The certificate is evaluated as a preview signed by
 * a throw-away key of the CA's algorithm: the same fields, extensions and signature algorithm, while the CA's own key
 * signs only what passed.
 */
import { webcrypto } from 'node:crypto';
import { parseCertificateDer } from '../../core/domain/certificates/parse-certificate';
import { certificateLabel, evaluateCertificatePolicy, POLICY_RULES } from '../../core/domain/policy/evaluate-policy';
import type { Policy } from '../../core/domain/policy/policy';
import { CaPolicyRejectedError } from '../../core/ports/certificate-authority';
import { x509 } from '../shared/x509';
import { CA_KEY_ALGORITHM } from './internal-ca-authority';
import type { CertificateTemplate, SigningCa } from './internal-ca-issuance';

/** The longest lifetime the CA may issue under `policy`, in days: the CA's own maximum or the policy's if shorter. */
export function issuableValidityDays(requestedDays: number, caMaxDays: number, policy: Policy): number {
  const rule = policy.rules.validityPeriod;
  // The internal CA is a private CA to the policy (evaluate-policy.ts recognises its issuer), so maxDays applies.
  const policyMax = rule.enabled ? rule.maxDays : Number.POSITIVE_INFINITY;
  return Math.min(requestedDays, caMaxDays, policyMax);
}

let previewKey: Promise<webcrypto.CryptoKey> | undefined;

/** A key of the CA's algorithm that signs previews only; it is never stored. */
function previewSigningKey(): Promise<webcrypto.CryptoKey> {
  previewKey ??= webcrypto.subtle
    .generateKey(CA_KEY_ALGORITHM, false, ['sign', 'verify'])
    .then((keys) => keys.privateKey);
  return previewKey;
}

/**
 * Throws a CaPolicyRejectedError naming every rule of `policy` the certificate `template` describes would break, and
 * the fix; returns when it breaks none. Nothing is signed with the CA's key here.
 */
export async function refuseWhatPolicyFlags(
  ca: SigningCa,
  template: CertificateTemplate,
  policy: Policy,
): Promise<void> {
  const preview = await x509.X509CertificateGenerator.create({ ...template, signingKey: await previewSigningKey() });
  const facts = parseCertificateDer(new Uint8Array(preview.rawData), 'certificate to issue').facts;
  const result = evaluateCertificatePolicy(facts, policy, ca.settings.now().toISOString(), {
    issuerFingerprint: ca.authority.issuingFingerprint,
  });
  if (result.compliant) return;
  // The preview's fingerprint names nothing that exists: name the certificate by what was asked for.
  const label = certificateLabel(facts);
  const requested = `the requested certificate "${facts.subject.commonName ?? facts.subject.text}"`;
  const identity =
    `the ${ca.settings.name} CA's issuing CA is "${ca.authority.issuingDn}", ` +
    `issuerKeyId ${ca.authority.issuingKeyId}`;
  const reasons = result.violations.map((violation) => {
    const message = violation.message.replaceAll(label, requested);
    const hint = violation.rule === POLICY_RULES.approvedCa.rule ? ` (${identity})` : '';
    return `${violation.ruleId} ${violation.rule}: ${message} — fix: ${violation.remedy}${hint}`;
  });
  throw new CaPolicyRejectedError(
    `the ${ca.settings.name} CA refuses to issue "${facts.subject.text}" because the policy in force would flag it: ` +
      reasons.join('; '),
    result.violations,
  );
}
