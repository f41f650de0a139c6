/**
 * The inventory store port: everything certflow keeps about certificates, owner groups, policy results and the
 * audit log. One interface, two adapters (SQLite by default, PostgreSQL for scale) built on the same migrations.
 */
import type { CertificateFacts, KeyAlgorithm, SignatureHash } from '../../domain/certificates/certificate-facts';
import type {
  AuditEntry,
  CertificateMetadataPatch,
  InventoryCertificate,
  NewAuditEntry,
  OwnerGroup,
  PolicyResult,
} from '../../domain/inventory/model';

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
}

/** Sort orders for certificate search. */
export type CertificateSort = 'notAfter' | 'subject' | 'firstSeen';

/** Paging by offset; `limit` at most 1000. */
export interface PageRequest {
  readonly limit: number;
  readonly offset?: number;
  readonly sort?: CertificateSort;
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

/** The inventory store. Implementations are safe to call concurrently from one process. */
export interface InventoryStore {
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
  /** Links every certificate whose issuer is in the inventory (issuer DN and AKI/SKI agree); returns how many links changed. */
  linkIssuers(): Promise<number>;
  /** Stores the latest policy results (replacing earlier ones per certificate). */
  savePolicyResults(results: readonly PolicyResult[]): Promise<void>;
  /** Streams every certificate in fingerprint order, in batches, for re-evaluation and exports. */
  eachCertificate(batchSize: number): AsyncIterable<readonly InventoryCertificate[]>;
  upsertOwnerGroup(group: OwnerGroup): Promise<'created' | 'updated'>;
  getOwnerGroup(id: string): Promise<OwnerGroup | null>;
  listOwnerGroups(): Promise<readonly OwnerGroup[]>;
  /** Appends audit entries (never updated or deleted); returns them numbered. */
  appendAudit(entries: readonly NewAuditEntry[]): Promise<readonly AuditEntry[]>;
  queryAudit(filter: AuditFilter, page: { limit: number; offset?: number }): Promise<Page<AuditEntry>>;
  /** Streams the audit log in sequence order, in batches, for export. */
  eachAuditEntry(filter: AuditFilter, batchSize: number): AsyncIterable<readonly AuditEntry[]>;
  close(): Promise<void>;
}
