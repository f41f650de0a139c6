/**
 * What a scheduled discovery scan asks of the runtime (R-INV-2, R-MON-6): run one scan definition through the
 * discovery use case, and tell which change ticket a managed certificate's lifecycle has open. The runtime implements
 * it with the application layer, as it implements LifecyclePort for campaigns: an activity never calls a use case.
 */
import type { EndpointFinding, EndpointLocation } from '../domain/discovery/endpoint-findings';
import type { CertificateSummary, TicketRef } from '../domain/lifecycle/model';
import type { ScanLimits } from './network-scanner';

/** One scan as a schedule keeps it: targets already validated, read again by the worker at every run. */
export interface ScanDefinition {
  /** Target texts as `certflow discover` takes them (`host:ports[/protocol][=SNI names]`, CIDR ranges). */
  readonly targets: readonly string[];
  readonly limits: ScanLimits;
  /** Addresses the scan may cover at most; a range over it is refused when the schedule is created. */
  readonly maxAddresses: number;
  /** PEM bundle the served chains are verified against, on the worker's disk; null: the system's roots. */
  readonly trustStore: string | null;
}

/** A new end-entity certificate discovery found that nobody owns, listed for assignment. */
export interface UnownedCertificate {
  readonly fingerprint: string;
  readonly subject: string;
  readonly location: EndpointLocation;
}

/** What one scheduled scan did, small enough for a workflow's history: counts, and the first of each list. */
export interface ScanSummary {
  readonly endpoints: { readonly scanned: number; readonly served: number; readonly failed: number };
  readonly certificates: { readonly read: number; readonly new: number; readonly known: number };
  readonly findings: {
    readonly opened: number;
    readonly resolved: number;
    readonly stillOpen: number;
    readonly incidents: number;
  };
  readonly unowned: number;
  /** Lifecycles started or told of a version found renewed outside certflow. */
  readonly lifecycles: { readonly started: number; readonly told: number };
  /** Endpoints that served nothing, each with why: the first ones. */
  readonly failures: readonly string[];
}

/** A scan's summary and the changes to deliver, each list capped at {@link DELIVERED_AT_MOST} (counts are whole). */
export interface ScanOutcome {
  readonly summary: ScanSummary;
  /** Findings new or reopened at this scan. */
  readonly opened: readonly EndpointFinding[];
  /** Open findings this scan no longer found. */
  readonly resolved: readonly EndpointFinding[];
  readonly unowned: readonly UnownedCertificate[];
}

/** Entries of each list a scan hands to its deliveries; a larger scan's digests say how many more there are. */
export const DELIVERED_AT_MOST = 500;

/** Who answers for a certificate a finding is about, as the inventory and its lifecycle know it. */
export interface FindingOwner {
  readonly fingerprint: string;
  /** The owner group named in the certificate's metadata; null when nobody owns it. */
  readonly ownerGroup: string | null;
  readonly managedCertificateId: string | null;
  /** The managed certificate's current version, for notifications; null when it is not managed. */
  readonly certificate: CertificateSummary | null;
  /** The change ticket the lifecycle has open; null when none is, or no lifecycle runs. */
  readonly ticket: TicketRef | null;
}

/** Runs scheduled scans and looks into lifecycles for them. */
export interface DiscoveryScans {
  /** Scans the definition's targets and records what they serve, then starts or tells lifecycles as import does. */
  run(input: {
    readonly definition: ScanDefinition;
    /** Who the audit log names, e.g. `schedule:discovery:nightly`. */
    readonly actor: string;
    /** Where, e.g. the run's workflow id. */
    readonly where: string;
    /** Called as endpoints complete: a long scan heartbeats here. */
    readonly onProgress: (scanned: number) => void;
  }): Promise<ScanOutcome>;
  /** The change ticket open in a managed certificate's lifecycle; null when none is or no lifecycle runs. */
  openTicket(
    managedCertificateId: string,
  ): Promise<{ readonly ticket: TicketRef | null; readonly certificate: CertificateSummary | null }>;
}
