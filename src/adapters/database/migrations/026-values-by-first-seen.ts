/**
 * Issue 16: `certificate_values` was keyed by (fingerprint, kind, value), and fingerprints are random, so each new
 * certificate's subject alternative names landed on their own page of that B-tree: 5,000 new certificates into an
 * inventory of 100,000 dirtied 8,252 of its pages, a third of all the import wrote, and the share grew with the
 * inventory. The key now starts with the certificate's `first_seen_at`, which an import sets to its own time and
 * nothing changes afterwards: a new certificate's values go to the end of the B-tree, next to those of the others
 * imported with it. Readers join on `(first_seen_at, fingerprint)`; filters still find values by kind and text.
 */
import { sql, type Kysely, type Migration, type SqlBool } from 'kysely';
import type { InventoryDialect } from './index';
import { METADATA_VALUE_CONDITION } from './011-metadata-value-index';

/** Rebuilds `certificate_values` keyed by `(first_seen_at, fingerprint, kind, value)`, its rows kept. */
export function valuesByFirstSeenMigration(dialect: InventoryDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('certificate_values_by_first_seen')
        .addColumn('first_seen_at', 'bigint', (column) => column.notNull())
        .addColumn('fingerprint', 'text', (column) => column.notNull())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('value', 'text', (column) => column.notNull())
        .addColumn('folded', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('certificate_values_first_seen_pk', ['first_seen_at', 'fingerprint', 'kind', 'value'])
        .addForeignKeyConstraint(
          'certificate_values_first_seen_certificate_fk',
          ['fingerprint'],
          'certificates',
          ['fingerprint'],
          (constraint) => constraint.onDelete('cascade'),
        )
        // Rows of about 150 bytes stored in their key's B-tree: one tree to write, not two (as 001 did).
        .$call((table) => (dialect === 'sqlite' ? table.modifyEnd(sql`without rowid`) : table))
        .execute();
      await sql`
        insert into certificate_values_by_first_seen (first_seen_at, fingerprint, kind, value, folded)
        select c.first_seen_at, v.fingerprint, v.kind, v.value, v.folded
        from certificate_values v join certificates c on c.fingerprint = v.fingerprint`.execute(db);
      await db.schema.dropTable('certificate_values').execute();
      await db.schema.alterTable('certificate_values_by_first_seen').renameTo('certificate_values').execute();
      await db.schema
        .createIndex('certificate_values_metadata_idx')
        .on('certificate_values')
        .columns(['kind', 'folded'])
        .where(sql.raw<SqlBool>(METADATA_VALUE_CONDITION))
        .execute();
    },
  };
}
