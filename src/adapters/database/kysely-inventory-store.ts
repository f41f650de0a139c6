/**
 * The inventory store on Kysely, one implementation for SQLite and PostgreSQL: a facade over one store per
 * aggregate, which share one database and its transactions.
 *
 * - certificates, their values and issuer links: `sql-certificate-store.ts` (rows from `certificate-rows.ts`,
 *   filters from `certificate-filter.ts`);
 * - policy results: `sql-policy-result-store.ts`;
 * - managed certificates and their lifecycle phase: `sql-managed-certificate-store.ts`;
 * - owner groups: `sql-owner-group-store.ts`;
 * - the audit log: `sql-audit-log.ts`.
 *
 * The tables are described in `inventory-schema.ts`.
 */
import type SqliteDatabase from 'better-sqlite3';
import type {
  AuditEntry,
  CertificateMetadataPatch,
  InventoryCertificate,
  NewAuditEntry,
  OwnerGroup,
  PolicyResult,
} from '../../core/domain/inventory/model';
import type { InventoryDb } from './inventory-schema';
import { InventorySql } from './inventory-sql';
import type {
  ManagedLifecycleState,
  AuditFilter,
  CertificateFilter,
  CertificateGrouping,
  CertificateUpsert,
  InventoryStore,
  ManagedAssignment,
  ManagedCertificate,
  ManagedCertificateFilter,
  Page,
  PageRequest,
  UpsertOutcome,
} from '../../core/ports/inventory-store';
import type { InventoryDialect } from './migrations';
import { SqlAuditLog } from './sql-audit-log';
import { SqlCertificateStore } from './sql-certificate-store';
import { SqlManagedCertificateStore } from './sql-managed-certificate-store';
import { SqlOwnerGroupStore } from './sql-owner-group-store';
import { SqlPolicyResultStore } from './sql-policy-result-store';

// Callers that build their own stores on the inventory database name its schema from here.
export type { InventoryDatabase } from './inventory-schema';

/** The inventory store on a migrated Kysely database; build it with `openInventoryStore`. */
export class KyselyInventoryStore implements InventoryStore {
  private readonly inventory: InventorySql;
  private readonly certificates: SqlCertificateStore;
  private readonly policyResults: SqlPolicyResultStore;
  private readonly managed: SqlManagedCertificateStore;
  private readonly ownerGroups: SqlOwnerGroupStore;
  private readonly audit: SqlAuditLog;

  /**
   * @param native the better-sqlite3 handle under a SQLite `db`, which the import's prepared INSERTs run on.
   * @param inventory the view of an open transaction, for the store that {@link transaction} hands out.
   */
  constructor(
    db: InventoryDb,
    dialect: InventoryDialect,
    native?: SqliteDatabase.Database,
    inventory = new InventorySql(db, dialect, native),
  ) {
    this.inventory = inventory;
    this.certificates = new SqlCertificateStore(this.inventory);
    this.policyResults = new SqlPolicyResultStore(this.inventory);
    this.managed = new SqlManagedCertificateStore(this.inventory);
    this.ownerGroups = new SqlOwnerGroupStore(this.inventory);
    this.audit = new SqlAuditLog(this.inventory);
  }

  async transaction<T>(work: (store: InventoryStore) => Promise<T>): Promise<T> {
    return await this.inventory.transaction(
      async (inner) => await work(new KyselyInventoryStore(inner.db, inner.dialect, undefined, inner)),
    );
  }

  upsertCertificates(items: readonly CertificateUpsert[], seenAt: string): Promise<UpsertOutcome> {
    return this.certificates.upsertCertificates(items, seenAt);
  }

  knownFingerprints(fingerprints: readonly string[]): Promise<ReadonlySet<string>> {
    return this.certificates.knownFingerprints(fingerprints);
  }

  getCertificate(idOrPrefix: string): Promise<InventoryCertificate | null> {
    return this.certificates.getCertificate(idOrPrefix);
  }

  getCertificateDer(fingerprint: string): Promise<Uint8Array | null> {
    return this.certificates.getCertificateDer(fingerprint);
  }

  mergeMetadata(fingerprint: string, patch: CertificateMetadataPatch): Promise<InventoryCertificate | null> {
    return this.certificates.mergeMetadata(fingerprint, patch);
  }

  findByEndpoint(host: string, port: number): Promise<readonly InventoryCertificate[]> {
    return this.certificates.findByEndpoint(host, port);
  }

  searchCertificates(filter: CertificateFilter, page: PageRequest): Promise<Page<InventoryCertificate>> {
    return this.certificates.searchCertificates(filter, page);
  }

  countCertificates(filter: CertificateFilter): Promise<number> {
    return this.certificates.countCertificates(filter);
  }

  groupCertificates(
    by: CertificateGrouping,
    filter: CertificateFilter,
  ): Promise<ReadonlyArray<{ key: string | null; count: number }>> {
    return this.certificates.groupCertificates(by, filter);
  }

  linkIssuers(fingerprints: readonly string[]): Promise<readonly string[]> {
    return this.certificates.linkIssuers(fingerprints);
  }

  eachCertificate(batchSize: number, fingerprints?: readonly string[]): AsyncIterable<readonly InventoryCertificate[]> {
    return this.certificates.eachCertificate(batchSize, fingerprints);
  }

  recordRevocation(
    fingerprint: string,
    revocation: { readonly at: string; readonly reason: string },
  ): Promise<boolean> {
    return this.certificates.recordRevocation(fingerprint, revocation);
  }

  savePolicyResults(results: readonly PolicyResult[]): Promise<void> {
    return this.policyResults.savePolicyResults(results);
  }

  assignManagedCertificates(fingerprints: readonly string[], at: string): Promise<ManagedAssignment> {
    return this.managed.assignManagedCertificates(fingerprints, at);
  }

  getManagedCertificate(id: string): Promise<ManagedCertificate | null> {
    return this.managed.getManagedCertificate(id);
  }

  findManagedCertificateByFingerprint(fingerprint: string): Promise<ManagedCertificate | null> {
    return this.managed.findManagedCertificateByFingerprint(fingerprint);
  }

  findManagedCertificateByTicketKey(ticketKey: string): Promise<ManagedCertificate | null> {
    return this.managed.findManagedCertificateByTicketKey(ticketKey);
  }

  listManagedCertificatesWithTicket(phase: string): Promise<ManagedCertificate[]> {
    return this.managed.listManagedCertificatesWithTicket(phase);
  }

  setManagedCertificateVersion(id: string, fingerprint: string, at: string): Promise<ManagedCertificate> {
    return this.managed.setManagedCertificateVersion(id, fingerprint, at);
  }

  updateManagedLifecycle(id: string, state: ManagedLifecycleState, at: string): Promise<void> {
    return this.managed.updateManagedLifecycle(id, state, at);
  }

  eachManagedCertificate(
    filter: ManagedCertificateFilter,
    batchSize: number,
  ): AsyncIterable<ReadonlyArray<{ readonly managed: ManagedCertificate; readonly notAfter: string }>> {
    return this.managed.eachManagedCertificate(filter, batchSize);
  }

  upsertOwnerGroup(group: OwnerGroup): Promise<'created' | 'updated'> {
    return this.ownerGroups.upsertOwnerGroup(group);
  }

  getOwnerGroup(id: string): Promise<OwnerGroup | null> {
    return this.ownerGroups.getOwnerGroup(id);
  }

  listOwnerGroups(): Promise<readonly OwnerGroup[]> {
    return this.ownerGroups.listOwnerGroups();
  }

  appendAudit(entries: readonly NewAuditEntry[]): Promise<readonly AuditEntry[]> {
    return this.audit.appendAudit(entries);
  }

  queryAudit(filter: AuditFilter, page: { limit: number; offset?: number }): Promise<Page<AuditEntry>> {
    return this.audit.queryAudit(filter, page);
  }

  eachAuditEntry(filter: AuditFilter, batchSize: number): AsyncIterable<readonly AuditEntry[]> {
    return this.audit.eachAuditEntry(filter, batchSize);
  }

  async close(): Promise<void> {
    // The store of a transaction shares the connection of the store that opened it, which closes it.
    if (this.inventory.within) return;
    await this.inventory.db.destroy();
  }
}
