/** Whether a certificate comes from certflow's internal CA, a private CA: the policy's and the CAA check's test. */
import type { CertificateFacts } from '../certificates/certificate-facts';

/**
 * The issuing-CA name certflow's internal CA gives itself (src/adapters/ca/internal-ca-authority.ts: `certflow
 * Internal Issuing CA`, plus ` (<name>)` for a named one).
 */
const CERTFLOW_INTERNAL_ISSUER = /^certflow Internal Issuing CA( \(.+\))?$/;

/** True when `facts` name certflow's internal issuing CA as their issuer (by its common name). */
export function issuedByInternalCa(facts: Pick<CertificateFacts, 'issuer'>): boolean {
  const issuerCn = facts.issuer.attributes.find((attribute) => attribute.oid === '2.5.4.3')?.value ?? '';
  return CERTFLOW_INTERNAL_ISSUER.test(issuerCn);
}
