/**
 * What network discovery remembers between scans (R-INV-2, R-MON-6): the last observation of every scanned location,
 * never deleted (a location that stops answering keeps what it last served and when), and the findings of the
 * re-check rules, open until a later scan of their location no longer finds them.
 */
import type { EndpointFinding, EndpointLocation, FindingKind } from '../domain/discovery/endpoint-findings';
import type { Page } from './inventory-store';

/** What one location answered at one scan. */
export interface ObservationWrite {
  readonly location: EndpointLocation;
  /** `served`, or why nothing was: `refused`, `timeout` … */
  readonly outcome: string;
  /** ISO 8601 instant of the observation. */
  readonly observedAt: string;
  /** Fingerprint of the leaf served; null when nothing was. */
  readonly fingerprint: string | null;
  readonly protocol: string | null;
  readonly cipher: string | null;
  /** For people: why nothing was served, or the problems reading what was. */
  readonly message: string | null;
}

/** A location as the store remembers it. */
export interface EndpointRecord {
  readonly location: EndpointLocation;
  /** Fingerprint of the leaf it last served, kept when it stops answering; null when it never served one. */
  readonly fingerprint: string | null;
  /** When this location was first scanned. */
  readonly firstSeenAt: string;
  /** When it last served a certificate; null when it never did. */
  readonly lastSeenAt: string | null;
  /** Since when it serves `fingerprint`. */
  readonly servingSince: string | null;
  readonly lastScannedAt: string;
  readonly lastOutcome: string;
  readonly lastMessage: string | null;
  readonly protocol: string | null;
  readonly cipher: string | null;
}

/** A finding as the store keeps it. */
export interface StoredFinding extends EndpointFinding {
  readonly status: 'open' | 'resolved';
  readonly firstSeenAt: string;
  /** The last scan that found it. */
  readonly lastSeenAt: string;
  /** The scan that no longer found it; null while open. */
  readonly resolvedAt: string | null;
}

/** What {@link DiscoveryStore.recordScans} changed among findings. */
export interface FindingChanges {
  /** Findings new at this scan. */
  readonly opened: readonly EndpointFinding[];
  /** Open findings at the scanned locations that this scan no longer found. */
  readonly resolved: readonly StoredFinding[];
  /** Open findings this scan found again (not duplicated: their last seen moves). */
  readonly stillOpen: number;
}

/** Filters of {@link DiscoveryStore.listFindings}; given fields are ANDed. */
export interface FindingFilter {
  /** Default `open`. */
  readonly status?: 'open' | 'resolved' | 'all';
  /** Exact host (lower case) of the location. */
  readonly host?: string;
  readonly kind?: FindingKind;
  /** Findings about this certificate (full fingerprint). */
  readonly fingerprint?: string;
  /** Findings about certificates of this owner group. */
  readonly ownerGroup?: string;
}

/** Observations and findings of network discovery, in the inventory database. */
export interface DiscoveryStore {
  /** What these locations served at their last scan, by `locationKey`; locations never scanned are absent. */
  endpointRecords(locations: readonly EndpointLocation[]): Promise<ReadonlyMap<string, EndpointRecord>>;
  /**
   * Records one batch of observations and the findings that hold at those locations now, in one transaction: a
   * finding already open has its last seen moved, a new one is opened, and an open one at a scanned location that is
   * not among `findings` is resolved. Idempotent: recording the same batch again changes only instants.
   */
  recordScans(observations: readonly ObservationWrite[], findings: readonly EndpointFinding[]): Promise<FindingChanges>;
  /** Findings, most urgent and most recent first. */
  listFindings(filter: FindingFilter, page: { limit: number; offset?: number }): Promise<Page<StoredFinding>>;
}
