/**
 * Imports a CA's issuance record (R-INV-2, CA import) through the ordinary import, so reports, policy, issuer links
 * and lifecycles behave as for files, and records the CA's revocations in the inventory on the way.
 */
import type { CaRecordCounts, CaRecordSource } from '../ports/ca-record-source';
import type { InventoryStore } from '../ports/inventory-store';
import { importCertificates, type ImportOptions, type ImportReport } from './import-certificates';

/** What a CA import did: the import's report and the record's entries imported, by the CA's status. */
export interface CaImportReport extends ImportReport {
  readonly caRecord: CaRecordCounts & { readonly name: string };
}

/**
 * Imports every certificate of the record. A revoked one is recorded as revoked (date and reason, the first
 * revocation counts, audited once) right after it is stored and before managed certificates are assigned, so it
 * never becomes a managed certificate's version and no lifecycle starts for it.
 */
export async function importCaRecord(record: CaRecordSource, options: ImportOptions): Promise<CaImportReport> {
  const target = options.store;
  // The import stores a batch, then assigns it: revocations go in between, so assignment already skips them.
  const assignAfterRevocations: InventoryStore['assignManagedCertificates'] = async (fingerprints, at) => {
    const revoked = fingerprints.flatMap((fingerprint) => {
      const revocation = record.revocationOf(fingerprint);
      return revocation === undefined ? [] : [{ fingerprint, revocation }];
    });
    if (revoked.length === 0) return target.assignManagedCertificates(fingerprints, at);
    for (const { fingerprint, revocation } of revoked) await target.recordRevocation(fingerprint, revocation);
    await target.appendAudit(
      revoked.map(({ fingerprint, revocation }) => ({
        at,
        actor: options.actor,
        action: 'certificate.revocation-imported',
        subject: fingerprint,
        where: options.where,
        details: { revokedAt: revocation.at, reason: revocation.reason, source: record.name },
        idempotencyKey: `certificate.revocation-imported:${fingerprint}`,
      })),
    );
    return target.assignManagedCertificates(fingerprints, at);
  };
  const store = new Proxy(target, {
    get(object, property) {
      if (property === 'assignManagedCertificates') return assignAfterRevocations;
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
  const report = await importCertificates(record.certificates, { ...options, store });
  return { ...report, caRecord: { name: record.name, ...record.counts() } };
}
