/**
 * Imports a CA's issuance record (R-INV-2, CA import) through the ordinary import, so reports, policy, issuer links,
 * revocations and lifecycles behave as for files.
 */
import type { CaRecordCounts, CaRecordSource } from '../ports/ca-record-source';
import { importCertificates, type ImportOptions, type ImportReport } from './import-certificates';

/** What a CA import did: the import's report and the record's entries imported, by the CA's status. */
export interface CaImportReport extends ImportReport {
  readonly caRecord: CaRecordCounts & { readonly name: string };
}

/**
 * Imports every certificate of the record; a revoked one is recorded as revoked (date and reason, the first
 * revocation counts, audited once) before managed certificates are assigned, so no lifecycle starts for it.
 */
export async function importCaRecord(record: CaRecordSource, options: ImportOptions): Promise<CaImportReport> {
  const report = await importCertificates(record.certificates, options);
  return { ...report, caRecord: { name: record.name, ...record.counts() } };
}
