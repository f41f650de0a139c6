/**
 * Writes certificates into an inventory migrated only part of the way, as the certflow of that time stored them.
 * Today's store keys `certificate_values` by the certificate's first_seen_at (migration 026); before 026 the table
 * has no such column, so the key is lent for the write and taken back, leaving exactly the older layout.
 */
import { sql, type Kysely } from 'kysely';
import { KyselyInventoryStore, type InventoryDatabase } from '../../src/adapters/database/kysely-inventory-store';
import type { InventoryDialect } from '../../src/adapters/database/migrations';
import type { CertificateUpsert } from '../../src/core/ports/inventory-store';

/** Upserts `items` seen at `at` into an inventory that has not run migration 026. */
export async function upsertBefore026(
  db: Kysely<InventoryDatabase>,
  dialect: InventoryDialect,
  items: readonly CertificateUpsert[],
  at: string,
): Promise<void> {
  await sql`alter table certificate_values add column first_seen_at bigint not null default 0`.execute(db);
  await sql`create unique index lent_first_seen_key on certificate_values (first_seen_at, fingerprint, kind, value)`.execute(
    db,
  );
  await new KyselyInventoryStore(db, dialect).upsertCertificates(items, at);
  await sql`drop index lent_first_seen_key`.execute(db);
  await sql`alter table certificate_values drop column first_seen_at`.execute(db);
}
