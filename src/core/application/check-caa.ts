/**
 * R-CAA-1 over the inventory: for every active managed certificate, each of its DNS names' relevant CAA set
 * (RFC 8659) judged for the CAA identity of the issuer that would renew it. The resolver is the caller's (a run's
 * cache with bounded concurrency); a name whose lookup fails is a `caa-lookup-failed` finding, never a crash.
 */
import { caaPermits, type CaaVerdict } from '../domain/caa/caa-permits';
import { findRelevantCaaSet } from '../domain/caa/relevant-caa-set';
import type { PolicyViolation } from '../domain/inventory/model';
import { caaNames, caaViolation } from '../domain/policy/caa-rule';
import type { CaaResolver } from '../ports/dns';
import type { ManagedCertificate, ManagedCertificateStore } from '../ports/inventory-store';

/** One managed certificate's name whose CAA set does not let its issuer issue. */
export interface CaaFinding {
  readonly managedCertificateId: string;
  readonly name: string;
  /** The CAA identity checked, e.g. `letsencrypt.org`. */
  readonly identity: string;
  readonly violation: PolicyViolation;
}

/** What a CAA check found. */
export interface CaaCheckSummary {
  /** Managed certificates whose names were checked (those with an issuer that has a CAA identity). */
  readonly certificates: number;
  readonly names: number;
  /** Managed certificates skipped because their issuer has no CAA identity (a private CA). */
  readonly skipped: number;
  readonly findings: readonly CaaFinding[];
}

const BATCH = 200;

/**
 * The CAA verdict for each of `names` and the issuer's CAA `identity`, in order: what an order checks before it is
 * placed (a refusal names the record and the fix) and what `checkCaa` reports.
 */
export function judgeCaaNames(
  names: readonly string[],
  resolver: CaaResolver,
  identity: string,
): Promise<CaaVerdict[]> {
  return Promise.all(
    names.map(async (name) =>
      caaPermits({ found: await findRelevantCaaSet(name, (next) => resolver.caaRecords(next)), identity }),
    ),
  );
}

/**
 * Checks every active managed certificate's DNS names against the CAA identity `identityFor` gives for it (null:
 * its issuer checks no CAA, as a private CA), asking `resolver` for the lookups.
 */
export async function checkCaa(
  store: Pick<ManagedCertificateStore, 'eachManagedCertificate'>,
  resolver: CaaResolver,
  identityFor: (certificate: ManagedCertificate) => string | null,
): Promise<CaaCheckSummary> {
  let certificates = 0;
  let names = 0;
  let skipped = 0;
  const findings: CaaFinding[] = [];
  for await (const batch of store.eachManagedCertificate({}, BATCH)) {
    const checks: Array<Promise<CaaFinding[]>> = [];
    for (const { managed } of batch) {
      const identity = identityFor(managed);
      if (identity === null) {
        skipped += 1;
        continue;
      }
      certificates += 1;
      const dnsNames = caaNames(managed.namesKey);
      names += dnsNames.length;
      checks.push(
        judgeCaaNames(dnsNames, resolver, identity).then((verdicts) =>
          verdicts.flatMap((verdict, index) => {
            const violation = caaViolation(verdict);
            return violation ? [{ managedCertificateId: managed.id, name: dnsNames[index]!, identity, violation }] : [];
          }),
        ),
      );
    }
    findings.push(...(await Promise.all(checks)).flat());
  }
  return { certificates, names, skipped, findings };
}
