/**
 * R-CAA-1 over the inventory: for every active managed certificate, each of its DNS names' relevant CAA set
 * (RFC 8659) judged for the CAA identity of the issuer that will renew it (chooseIssuer, per certificate: its owner
 * group's, the policy's, the one that issued it, the default). The resolver is the caller's (a run's cache with
 * bounded concurrency); a name whose lookup fails is a `caa-lookup-failed` finding, never a crash. A certificate of
 * certflow's internal CA that the internal CA renews is private: CAA governs public CAs only, so it is counted apart
 * and never checked, even against an identity imposed on every certificate. The findings replace the last check's in
 * the store, so the inventory's searches (`list --violations`) show them.
 */
import { caaPermits, type CaaVerdict } from '../domain/caa/caa-permits';
import { findRelevantCaaSet } from '../domain/caa/relevant-caa-set';
import { caaNames, caaViolation } from '../domain/policy/caa-rule';
import { chooseIssuer, type IssuerSettings } from '../domain/issuers/choose-issuer';
import { issuedByInternalCa } from '../domain/issuers/internal-ca-issued';
import { INTERNAL_ISSUER } from '../ports/certificate-authorities';
import type { CaaFinding, CaaResultStore } from '../ports/caa-results';
import type { CaaResolver } from '../ports/dns';
import type { CertificateStore, ManagedCertificateStore, OwnerGroupStore } from '../ports/inventory-store';

/** What a CAA check found. */
export interface CaaCheckSummary {
  /** Managed certificates whose names were checked (those with an issuer that has a CAA identity). */
  readonly certificates: number;
  readonly names: number;
  /** Managed certificates skipped because their renewing issuer has no CAA identity. */
  readonly skipped: number;
  /** Managed certificates issued and renewed by certflow's internal CA, a private CA: CAA does not apply to them. */
  readonly privateCa: number;
  /** Checked certificates by the issuer that will renew them. */
  readonly byIssuer: Readonly<Record<string, number>>;
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

/** Which issuer renews a certificate and its CAA identity: what the check asks per managed certificate. */
export interface CaaIssuers {
  /** Everything chooseIssuer needs but the owner group's setting and the current issuer. */
  readonly settings: Pick<IssuerSettings, 'policyIssuer' | 'defaultIssuer' | 'configured'>;
  /** The configured issuer whose chain has this issuer DN, or null. */
  issuerOf(issuerDn: string): Promise<string | null>;
  /** The issuer's CAA identity, or null when it checks no CAA (the internal CA). */
  identityOf(issuer: string): string | null;
}

/**
 * Checks every active managed certificate's DNS names against the CAA identity of the issuer that will renew it,
 * asking `resolver` for the lookups, and replaces the stored findings with what it found.
 */
export async function checkCaa(
  store: Pick<ManagedCertificateStore, 'eachManagedCertificate'> &
    Pick<CertificateStore, 'getCertificate'> &
    Pick<OwnerGroupStore, 'getOwnerGroup'>,
  resolver: CaaResolver,
  issuers: CaaIssuers,
  results: CaaResultStore,
  now: () => Date = () => new Date(),
): Promise<CaaCheckSummary> {
  let certificates = 0;
  let names = 0;
  let skipped = 0;
  let privateCa = 0;
  const byIssuer: Record<string, number> = {};
  const findings: CaaFinding[] = [];
  const groupIssuers = new Map<string, string | null>();
  const groupIssuer = async (id: string | null): Promise<string | null> => {
    if (id === null) return null;
    if (!groupIssuers.has(id)) groupIssuers.set(id, (await store.getOwnerGroup(id))?.issuer ?? null);
    return groupIssuers.get(id) ?? null;
  };
  for await (const batch of store.eachManagedCertificate({}, BATCH)) {
    const checks: Array<Promise<CaaFinding[]>> = [];
    for (const { managed } of batch) {
      const certificate = await store.getCertificate(managed.currentFingerprint);
      const choice =
        certificate === null
          ? null
          : chooseIssuer({
              ...issuers.settings,
              campaignIssuer: null,
              groupIssuer: await groupIssuer(certificate.metadata.ownerGroup ?? null),
              currentIssuer: await issuers.issuerOf(certificate.facts.issuer.text),
            });
      const issuer = choice?.issuer ?? null;
      if (issuer === INTERNAL_ISSUER && certificate !== null && issuedByInternalCa(certificate.facts)) {
        privateCa += 1;
        continue;
      }
      const identity = issuer === null ? null : issuers.identityOf(issuer);
      if (issuer === null || identity === null) {
        skipped += 1;
        continue;
      }
      certificates += 1;
      byIssuer[issuer] = (byIssuer[issuer] ?? 0) + 1;
      const dnsNames = caaNames(managed.namesKey);
      names += dnsNames.length;
      checks.push(
        judgeCaaNames(dnsNames, resolver, identity).then((verdicts) =>
          verdicts.flatMap((verdict, index) => {
            const violation = caaViolation(verdict);
            if (violation === null) return [];
            const name = dnsNames[index]!;
            const { id: managedCertificateId, currentFingerprint: fingerprintSha256 } = managed;
            return [{ managedCertificateId, fingerprintSha256, name, issuer, identity, violation }];
          }),
        ),
      );
    }
    findings.push(...(await Promise.all(checks)).flat());
  }
  await results.replaceCaaResults(findings, now().toISOString());
  return { certificates, names, skipped, privateCa, byIssuer, findings };
}
