/**
 * Issue 16: the `(kind, folded)` index on `certificate_values` held every subject alternative name, 98 % of its
 * entries, though SAN filters are substring searches (`like '%…%'`) that read the whole kind range anyway; only the
 * metadata kinds (host, endpoint, tag, regulation, …) are looked up by equality. At 100,000 certificates each
 * imported DNS name dirtied its own page of that index. The index now covers the metadata kinds only; SAN searches
 * read the table itself, the same number of pages as the index range they read before.
 */
import { sql, type Kysely, type Migration, type SqlBool } from 'kysely';

/**
 * Which `certificate_values` rows the metadata index holds. A query uses the partial index only when its WHERE has
 * this very term, so valueCondition writes it verbatim.
 */
export const METADATA_VALUE_CONDITION = "substr(kind, 1, 4) <> 'san:'";

/** Replaces `certificate_values_kind_folded_idx` with a partial index of the metadata kinds (same SQL in both). */
export function metadataValueIndexMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('certificate_values_kind_folded_idx').execute();
      await db.schema
        .createIndex('certificate_values_metadata_idx')
        .on('certificate_values')
        .columns(['kind', 'folded'])
        .where(sql.raw<SqlBool>(METADATA_VALUE_CONDITION))
        .execute();
    },
  };
}
