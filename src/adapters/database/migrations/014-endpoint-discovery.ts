/**
 * Issue 18's discovery store (src/adapters/database/sql-discovery-store.ts): the last observation of every scanned
 * TLS location (host, port, SNI name; `''` for none) and the findings of the re-check rules at those locations.
 */
import type { Kysely, Migration } from 'kysely';

/** Creates `endpoint_observations` and `endpoint_findings` with the findings' listing index (same SQL in both). */
export function endpointDiscoveryMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('endpoint_observations')
        .addColumn('host', 'text', (column) => column.notNull())
        .addColumn('port', 'integer', (column) => column.notNull())
        .addColumn('sni', 'text', (column) => column.notNull())
        .addColumn('fingerprint', 'text')
        .addColumn('first_seen_at', 'bigint', (column) => column.notNull())
        .addColumn('last_seen_at', 'bigint')
        .addColumn('serving_since', 'bigint')
        .addColumn('last_scanned_at', 'bigint', (column) => column.notNull())
        .addColumn('last_outcome', 'text', (column) => column.notNull())
        .addColumn('last_message', 'text')
        .addColumn('protocol', 'text')
        .addColumn('cipher', 'text')
        .addPrimaryKeyConstraint('endpoint_observations_pk', ['host', 'port', 'sni'])
        .execute();
      await db.schema
        .createTable('endpoint_findings')
        .addColumn('host', 'text', (column) => column.notNull())
        .addColumn('port', 'integer', (column) => column.notNull())
        .addColumn('sni', 'text', (column) => column.notNull())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('fingerprint', 'text', (column) => column.notNull())
        .addColumn('severity', 'text', (column) => column.notNull())
        .addColumn('message', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('first_seen_at', 'bigint', (column) => column.notNull())
        .addColumn('last_seen_at', 'bigint', (column) => column.notNull())
        .addColumn('resolved_at', 'bigint')
        .addPrimaryKeyConstraint('endpoint_findings_pk', ['host', 'port', 'sni', 'kind', 'fingerprint'])
        .execute();
      // `list --findings` walks the open (or resolved) ones, newest first.
      await db.schema
        .createIndex('endpoint_findings_status_idx')
        .on('endpoint_findings')
        .columns(['status', 'last_seen_at'])
        .execute();
      await db.schema
        .createIndex('endpoint_findings_fingerprint_idx')
        .on('endpoint_findings')
        .column('fingerprint')
        .execute();
    },
  };
}
