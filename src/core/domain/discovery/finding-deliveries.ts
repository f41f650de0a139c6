/**
 * Who hears of a scan's findings (R-MON-6, R-MON-3): one digest per owner group per scan, one comment per managed
 * certificate on its open change ticket, and an incident for every managed certificate found expired yet still
 * served. Pure: the discovery workflow gathers the owners, these rules decide, activities deliver.
 */
import type { EndpointFinding } from './endpoint-findings';

/** Whose certificate a finding is about, as the inventory knows it. */
export interface FindingOwnership {
  readonly fingerprint: string;
  readonly ownerGroup: string | null;
  readonly managedCertificateId: string | null;
}

/** One owner group's digest of one scan. */
export interface PlannedDigest {
  readonly idempotencyKey: string;
  readonly ownerGroup: string;
  readonly opened: readonly EndpointFinding[];
  readonly resolved: readonly EndpointFinding[];
  /** The group's findings past {@link DeliveryPlanInput.listedAtMost}, counted but not listed. */
  readonly notListed: number;
}

/** A managed certificate's findings of one scan, for its lifecycle's open ticket and, when expired, its incident. */
export interface PlannedCertificateDelivery {
  readonly idempotencyKey: string;
  readonly managedCertificateId: string;
  readonly ownerGroup: string | null;
  readonly opened: readonly EndpointFinding[];
  /** The expired certificate still served (R-MON-3), when this scan found one. */
  readonly incident: EndpointFinding | null;
}

/** What a scan delivers. */
export interface DeliveryPlan {
  readonly digests: readonly PlannedDigest[];
  readonly certificates: readonly PlannedCertificateDelivery[];
}

/** Inputs of {@link planFindingDeliveries}. */
export interface DeliveryPlanInput {
  /** The scan run's workflow id: every key starts with it, so a retried run delivers nothing twice. */
  readonly scanRunId: string;
  /** New and reopened findings: ones already announced are not in it, so they are not announced again. */
  readonly opened: readonly EndpointFinding[];
  readonly resolved: readonly EndpointFinding[];
  readonly owners: readonly FindingOwnership[];
  /** Findings one digest lists; the rest are counted. */
  readonly listedAtMost: number;
}

/** Decides the digests, ticket comments and incidents of one scan's findings; findings nobody owns go to none. */
export function planFindingDeliveries(input: DeliveryPlanInput): DeliveryPlan {
  const owners = new Map(input.owners.map((owner) => [owner.fingerprint, owner]));
  const groups = new Map<string, { opened: EndpointFinding[]; resolved: EndpointFinding[]; total: number }>();
  const byGroup = (finding: EndpointFinding, list: 'opened' | 'resolved') => {
    const group = owners.get(finding.fingerprint)?.ownerGroup;
    if (group === null || group === undefined) return;
    const entry = groups.get(group) ?? { opened: [], resolved: [], total: 0 };
    entry.total += 1;
    // Opened findings come first: a capped digest keeps what needs doing over what was done.
    if (entry.opened.length + entry.resolved.length < input.listedAtMost) entry[list].push(finding);
    groups.set(group, entry);
  };
  input.opened.forEach((finding) => byGroup(finding, 'opened'));
  input.resolved.forEach((finding) => byGroup(finding, 'resolved'));
  const digests = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ownerGroup, entry]) => ({
      idempotencyKey: `${input.scanRunId}/digest/${ownerGroup}`,
      ownerGroup,
      opened: entry.opened,
      resolved: entry.resolved,
      notListed: entry.total - entry.opened.length - entry.resolved.length,
    }));

  const managed = new Map<string, { ownerGroup: string | null; opened: EndpointFinding[] }>();
  for (const finding of input.opened) {
    const owner = owners.get(finding.fingerprint);
    if (!owner?.managedCertificateId) continue;
    const entry = managed.get(owner.managedCertificateId) ?? { ownerGroup: owner.ownerGroup, opened: [] };
    entry.opened.push(finding);
    managed.set(owner.managedCertificateId, entry);
  }
  const certificates = [...managed.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([managedCertificateId, entry]) => ({
      idempotencyKey: `${input.scanRunId}/certificate/${managedCertificateId}`,
      managedCertificateId,
      ownerGroup: entry.ownerGroup,
      opened: entry.opened,
      incident: entry.opened.find((finding) => finding.severity === 'incident') ?? null,
    }));
  return { digests, certificates };
}
