/**
 * The inventory store port: everything certflow keeps about certificates, owner groups, policy results and the
 * audit log. One narrow port per aggregate, composed into `InventoryStore`; two adapters (SQLite by default,
 * PostgreSQL for scale) built on the same migrations.
 */
import type { CertificateFacts, KeyAlgorithm, SignatureHash } from '../domain/certificates/certificate-facts';
import type {
  AuditEntry,
  CertificateMetadataPatch,
  InventoryCertificate,
  NewAuditEntry,
  OwnerGroup,
  PolicyResult,
} from '../domain/inventory/model';

/** A certificate to record; metadata is merged into what the store already has. */
export interface CertificateUpsert {
  readonly facts: CertificateFacts;
  readonly der: Uint8Array;
  readonly metadata?: CertificateMetadataPatch;
}

/** What an upsert did, by fingerprint. */
export interface UpsertOutcome {
  readonly created: readonly string[];
  readonly updated: readonly string[];
}

/**
 * Filters for certificate search (R-INV-3). Every field is optional; given fields are ANDed. Text matches are
 * case-insensitive substring matches.
 */
export interface CertificateFilter {
  /** Fingerprint or id prefix (hex). */
  readonly fingerprint?: string;
  /** Matches subject DN, SAN DNS names or IPs. */
  readonly text?: string;
  readonly subject?: string;
  readonly issuer?: string;
  /** Exact fingerprint of the issuing certificate. */
  readonly issuerFingerprint?: string;
  readonly serialNumber?: string;
  /** A SAN (DNS, IP, e-mail or URI) containing this text; `*.` matches wildcard entries. */
  readonly san?: string;
  readonly notAfterBefore?: string;
  readonly notAfterFrom?: string;
  readonly notBeforeFrom?: string;
  readonly notBeforeBefore?: string;
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Keys strictly shorter than this many bits. */
  readonly keySizeBelow?: number;
  readonly curve?: string;
  readonly signatureHash?: Exclude<SignatureHash, null>;
  readonly isCa?: boolean;
  readonly selfSigned?: boolean;
  readonly role?: InventoryCertificate['facts']['role'];
  readonly ownerGroup?: string;
  /** Certificates without an owner group. */
  readonly unowned?: boolean;
  readonly application?: string;
  readonly systemType?: string;
  readonly contact?: string;
  readonly approver?: string;
  readonly regulation?: string;
  readonly tag?: string;
  /** Installed at this host (endpoint or file location). */
  readonly host?: string;
  /** Installed at a file path that starts with this folder. */
  readonly folder?: string;
  /** true: at least one policy violation; false: compliant. */
  readonly hasViolations?: boolean;
  /** Has a violation of this rule id (`R-POL-3`). */
  readonly violatesRule?: string;
  /** Weak cryptography: a violation of the key rule (R-POL-3) or the signature rule (R-POL-4). */
  readonly weak?: boolean;
  /** true: recorded revoked (by certflow or the CA's record); false: not revoked. */
  readonly revoked?: boolean;
}

/** Sort orders for certificate search. */
export type CertificateSort = 'notAfter' | 'subject' | 'firstSeen';

/**
 * Where a keyset page starts: after the row with this sort key (the ISO 8601 instant of `notAfter` or `firstSeen`,
 * the subject DN's text) and fingerprint, which breaks ties.
 */
export interface CertificateKeyset {
  readonly sortKey: string;
  readonly fingerprint: string;
}

/** Paging by offset or, with `after`, by keyset (stable while certificates are added); `limit` at most 1000. */
export interface PageRequest {
  readonly limit: number;
  readonly offset?: number;
  readonly sort?: CertificateSort;
  /** Start after this row of the same sort; `offset` then counts from there. */
  readonly after?: CertificateKeyset;
}

/** One page of results and the total matching count. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
  readonly offset: number;
}

/** Fields certificates can be grouped by (R-INV-3). */
export type CertificateGrouping = 'ownerGroup' | 'application' | 'folder' | 'issuer' | 'keyAlgorithm';

/** Filters for the audit log. */
export interface AuditFilter {
  readonly actor?: string;
  /** Exact action or a prefix ending in `.` (`certificate.`). */
  readonly action?: string;
  readonly subject?: string;
  readonly from?: string;
  readonly to?: string;
  readonly afterSeq?: number;
}

/**
 * A managed certificate: what an owner thinks of as "the certificate of api.example.com on the load balancers",
 * across renewals. Its id is the inventory id of its first version and names its lifecycle workflow; its current
 * version changes at every renewal, or when the inventory sees a newer certificate with the same names.
 */
export interface ManagedCertificate {
  readonly id: string;
  readonly currentFingerprint: string;
  /** Identity of the managed certificate: subject CN plus DNS and IP SANs, lower case, sorted, `,`-joined. */
  readonly namesKey: string;
  /** The lifecycle phase last reported by its workflow (`monitoring` until the workflow says otherwise). */
  readonly phase: string;
  readonly phaseDetail: string | null;
  /** Key of the open change ticket, when there is one. */
  readonly ticketKey: string | null;
  /** No longer managed (revoked without replacement). */
  readonly retired: boolean;
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What {@link ManagedCertificateStore.assignManagedCertificates} did. */
export interface ManagedAssignment {
  /** New managed certificates, one per new end-entity certificate whose names no managed certificate has. */
  readonly created: readonly ManagedCertificate[];
  /** Managed certificates whose current version was replaced by a newer certificate with the same names. */
  readonly replaced: ReadonlyArray<{ readonly managed: ManagedCertificate; readonly previousFingerprint: string }>;
}

/** Filters for {@link ManagedCertificateStore.eachManagedCertificate}. */
export interface ManagedCertificateFilter {
  /** Only managed certificates whose current version expires after this instant (ISO 8601). */
  readonly notAfterFrom?: string;
  /** Include retired ones (default false). */
  readonly includeRetired?: boolean;
}

/** Certificates by fingerprint: their facts, DER, metadata, issuer links and revocations, and searches over them. */
export interface CertificateStore {
  /** Records certificates by SHA-256 fingerprint: new ones are created, known ones get metadata merged and lastSeen bumped. */
  upsertCertificates(items: readonly CertificateUpsert[], seenAt: string): Promise<UpsertOutcome>;
  /** Which of these fingerprints are already recorded. */
  knownFingerprints(fingerprints: readonly string[]): Promise<ReadonlySet<string>>;
  /** A certificate by full fingerprint or unique id/fingerprint prefix (≥ 8 hex digits); null when none. Throws AmbiguousIdError on several. */
  getCertificate(idOrPrefix: string): Promise<InventoryCertificate | null>;
  /** The DER bytes of a recorded certificate. */
  getCertificateDer(fingerprint: string): Promise<Uint8Array | null>;
  /** Merges metadata into one certificate; returns the updated record, null when the fingerprint is unknown. */
  mergeMetadata(fingerprint: string, patch: CertificateMetadataPatch): Promise<InventoryCertificate | null>;
  /** Finds certificates installed at host:port. */
  findByEndpoint(host: string, port: number): Promise<readonly InventoryCertificate[]>;
  searchCertificates(filter: CertificateFilter, page: PageRequest): Promise<Page<InventoryCertificate>>;
  countCertificates(filter: CertificateFilter): Promise<number>;
  /** Counts of matching certificates per value of `by` (null key for "none"). */
  groupCertificates(
    by: CertificateGrouping,
    filter: CertificateFilter,
  ): Promise<ReadonlyArray<{ key: string | null; count: number }>>;
  /**
   * Links these certificates to their issuers in the inventory (issuer DN and AKI/SKI agree), and the CA certificates
   * among them to the certificates they issued; returns the certificates whose link changed, for a policy that names
   * CAs by fingerprint to judge again. An import passes the certificates it created.
   */
  linkIssuers(fingerprints: readonly string[]): Promise<readonly string[]>;
  /**
   * Streams every certificate in fingerprint order, in batches, for re-evaluation and exports; with `fingerprints`,
   * only those of them the inventory holds.
   */
  eachCertificate(batchSize: number, fingerprints?: readonly string[]): AsyncIterable<readonly InventoryCertificate[]>;
  /**
   * Records that a certificate was revoked (the first revocation counts): it stays in the inventory, but assignment
   * never makes it a managed certificate's version again. Resolves true when this call recorded it, false when it was
   * already revoked. Throws UnknownCertificateError for an unknown fingerprint.
   */
  recordRevocation(fingerprint: string, revocation: { readonly at: string; readonly reason: string }): Promise<boolean>;
}

/** The latest policy result per certificate (R-POL-6). */
export interface PolicyResultStore {
  /** Stores the latest policy results (replacing earlier ones per certificate). */
  savePolicyResults(results: readonly PolicyResult[]): Promise<void>;
}

/** The lifecycle state a workflow reports for its managed certificate; `ticketKey` undefined leaves the ticket as is. */
export interface ManagedLifecycleState {
  readonly phase: string;
  readonly detail: string | null;
  readonly ticketKey?: string | null;
  readonly retired?: boolean;
}

/** Managed certificates: a certificate across its renewals, with the lifecycle phase its workflow reports. */
export interface ManagedCertificateStore {
  /**
   * Assigns end-entity certificates (CA certificates are ignored) to managed certificates by their names: a certificate
   * whose names no active managed certificate has starts one (id = its inventory id); one newer (later notBefore) than
   * the current version of the managed certificate with its names becomes the current version; an older one is kept
   * as a past version. Idempotent: a certificate already assigned changes nothing.
   */
  assignManagedCertificates(fingerprints: readonly string[], at: string): Promise<ManagedAssignment>;
  getManagedCertificate(id: string): Promise<ManagedCertificate | null>;
  /** The managed certificate a version (current or past) belongs to. */
  findManagedCertificateByFingerprint(fingerprint: string): Promise<ManagedCertificate | null>;
  /** The managed certificate whose open change ticket is `ticketKey` (its lifecycle mirrors the key), if any. */
  findManagedCertificateByTicketKey(ticketKey: string): Promise<ManagedCertificate | null>;
  /**
   * The active managed certificates in lifecycle phase `phase` with a change ticket open, by id: those whose
   * lifecycle waits on its ticket (`awaiting-approval`), for polling Jira where webhooks cannot reach certflow.
   */
  listManagedCertificatesWithTicket(phase: string): Promise<ManagedCertificate[]>;
  /** Makes a recorded certificate the current version of a managed certificate (after certflow renewed it). */
  setManagedCertificateVersion(id: string, fingerprint: string, at: string): Promise<ManagedCertificate>;
  /** Records the lifecycle phase its workflow reports; `ticketKey` undefined leaves the ticket as is. */
  updateManagedLifecycle(id: string, state: ManagedLifecycleState, at: string): Promise<void>;
  /** Streams managed certificates in id order, in batches, for `certflow lifecycle sync`. */
  eachManagedCertificate(
    filter: ManagedCertificateFilter,
    batchSize: number,
  ): AsyncIterable<ReadonlyArray<{ readonly managed: ManagedCertificate; readonly notAfter: string }>>;
}

/** Owner groups (R-OWN-1). */
export interface OwnerGroupStore {
  upsertOwnerGroup(group: OwnerGroup): Promise<'created' | 'updated'>;
  getOwnerGroup(id: string): Promise<OwnerGroup | null>;
  listOwnerGroups(): Promise<readonly OwnerGroup[]>;
}

/** The append-only audit log (R-LOG-1). */
export interface AuditLog {
  /**
   * Appends audit entries (never updated or deleted); returns them numbered. An entry whose `idempotencyKey` is
   * already in the log is not appended again (a retried activity) and the stored one is returned in its place.
   */
  appendAudit(entries: readonly NewAuditEntry[]): Promise<readonly AuditEntry[]>;
  queryAudit(filter: AuditFilter, page: { limit: number; offset?: number }): Promise<Page<AuditEntry>>;
  /** Streams the audit log in sequence order, in batches, for export. */
  eachAuditEntry(filter: AuditFilter, batchSize: number): AsyncIterable<readonly AuditEntry[]>;
}

/**
 * The inventory store: every aggregate's port over one database. Implementations are safe to call concurrently
 * from one process; a caller that needs one aggregate can depend on its narrow port instead.
 */
export interface InventoryStore
  extends CertificateStore, PolicyResultStore, ManagedCertificateStore, OwnerGroupStore, AuditLog {
  /**
   * Runs `work` with a store whose writes all join one transaction: they commit together when it resolves, or none
   * does when it throws. An import writes a batch this way, so each batch costs one commit instead of one per write.
   */
  transaction<T>(work: (store: InventoryStore) => Promise<T>): Promise<T>;
  /** Closes the database connection (the store of a {@link transaction} leaves it to the store that opened it). */
  close(): Promise<void>;
}
