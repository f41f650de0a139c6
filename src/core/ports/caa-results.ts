/**
 * R-CAA-1 results per certificate (issue 19): each managed name whose CAA set does not let the issuer that will renew
 * it issue, kept by `certflow policy check` (each check replaces the last one's) so the inventory's searches find them.
 */
import type { PolicyViolation } from '../domain/inventory/model';

/** One managed certificate's name whose CAA set does not let its renewing issuer issue. */
export interface CaaFinding {
  readonly managedCertificateId: string;
  /** The current version checked. */
  readonly fingerprintSha256: string;
  readonly name: string;
  /** The issuer that will renew it (chooseIssuer), e.g. `acme:letsencrypt`. */
  readonly issuer: string;
  /** That issuer's CAA identity, e.g. `letsencrypt.org`. */
  readonly identity: string;
  readonly violation: PolicyViolation;
}

/** Where CAA findings are kept. */
export interface CaaResultStore {
  /** Replaces every stored finding with these, checked at `checkedAt` (ISO 8601), in one transaction. */
  replaceCaaResults(findings: readonly CaaFinding[], checkedAt: string): Promise<void>;
}
