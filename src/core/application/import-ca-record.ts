/**
 * Imports a CA's issuance record (R-INV-2, CA import) through the ordinary import, so reports, policy, issuer links
 * and lifecycles behave as for files, and records the CA's revocations in the inventory on the way.
 */
import type { CaRecordCounts, CaRecordSource } from '../ports/ca-record-source';
import type { InventoryStore } from '../ports/inventory-store';
import { type ImportActor, importCertificates, type ImportOptions, type ImportReport } from './import-certificates';

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
  const report = await importCertificates(record.certificates, {
    ...options,
    store: recordingRevocations(options.store, record, options),
  });
  return { ...report, caRecord: { name: record.name, ...record.counts() } };
}

/**
 * The store the import writes through: it assigns managed certificates only after recording the revocations among
 * them, and so does every store it opens for a transaction, whose writes the revocations then join.
 */
function recordingRevocations(store: InventoryStore, record: CaRecordSource, actor: ImportActor): InventoryStore {
  const assignAfterRevocations: InventoryStore['assignManagedCertificates'] = async (fingerprints, at) => {
    const revoked = fingerprints.flatMap((fingerprint) => {
      const revocation = record.revocationOf(fingerprint);
      return revocation === undefined ? [] : [{ fingerprint, revocation }];
    });
    for (const { fingerprint, revocation } of revoked) await store.recordRevocation(fingerprint, revocation);
    if (revoked.length > 0) {
      await store.appendAudit(
        revoked.map(({ fingerprint, revocation }) => ({
          at,
          actor: actor.actor,
          action: 'certificate.revocation-imported',
          subject: fingerprint,
          where: actor.where,
          details: { revokedAt: revocation.at, reason: revocation.reason, source: record.name },
          idempotencyKey: `certificate.revocation-imported:${fingerprint}`,
        })),
      );
    }
    return store.assignManagedCertificates(fingerprints, at);
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'assignManagedCertificates') return assignAfterRevocations;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'transaction') {
        return (work: (inner: InventoryStore) => Promise<unknown>) =>
          (value as (work: (inner: InventoryStore) => Promise<unknown>) => Promise<unknown>).call(target, (inner) =>
            work(recordingRevocations(inner, record, actor)),
          );
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
}
