/**
 * Issue 16 corrected the parser (years 0001–9999 exactly, negative serials as OpenSSL shows them with their DER
 * octets kept, malformed extensions recorded, explicit-parameter EC key sizes). Certificates imported before keep
 * the old facts, which the new RFC-5280 rules skip: this re-parses every stored certificate's DER.
 */
import type { Kysely, Migration } from 'kysely';
import type { InventoryDatabase } from '../inventory-schema';
import { reparseStoredCertificates } from '../reparse-stored-certificates';

/** Rewrites the stored certificates' facts and parse-derived columns from their DER (same code in both databases). */
export function reparseCertificatesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await reparseStoredCertificates(db as Kysely<InventoryDatabase>);
    },
  };
}
