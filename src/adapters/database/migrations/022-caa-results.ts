/**
 * R-CAA-1 per certificate (issue 19): what the last `certflow policy check` found for each managed name whose CAA set
 * does not let the issuer that will renew it issue, by certificate version, so `certflow list --violations` and
 * `--rule R-CAA-1` find them until the next check replaces them.
 */
import type { Kysely, Migration } from 'kysely';

/** Creates `caa_results` (same SQL in both databases). */
export function caaResultsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('caa_results')
        .addColumn('fingerprint', 'text', (column) => column.notNull())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('managed_certificate_id', 'text', (column) => column.notNull())
        .addColumn('issuer', 'text', (column) => column.notNull())
        .addColumn('identity', 'text', (column) => column.notNull())
        .addColumn('rule_id', 'text', (column) => column.notNull())
        .addColumn('rule', 'text', (column) => column.notNull())
        .addColumn('severity', 'text', (column) => column.notNull())
        .addColumn('message', 'text', (column) => column.notNull())
        .addColumn('remedy', 'text', (column) => column.notNull())
        .addColumn('checked_at', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('caa_results_pk', ['fingerprint', 'name'])
        .execute();
      await db.schema.createIndex('caa_results_rule').on('caa_results').columns(['rule_id', 'fingerprint']).execute();
    },
  };
}
