/**
 * Issue 19's ACME state (src/adapters/acme/sql-acme-state.ts): the HTTP-01 answers certflow's HTTP server serves
 * (the worker that orders and the `certflow start` process that serves may be two processes, so they share the
 * inventory database), and each order by the idempotency key of the issuance that placed it, so a retried issuance
 * returns the first certificate, and revocation finds the certificate by its serial number.
 */
import type { Kysely, Migration } from 'kysely';

/** Creates `acme_http01_challenges` and `acme_orders` (same SQL in both databases). */
export function acmeStateMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('acme_http01_challenges')
        .addColumn('token', 'text', (column) => column.primaryKey())
        .addColumn('key_authorization', 'text', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('acme_orders')
        .addColumn('issuer', 'text', (column) => column.notNull())
        .addColumn('idempotency_key', 'text', (column) => column.notNull())
        .addColumn('order_url', 'text', (column) => column.notNull())
        .addColumn('certificate_pem', 'text')
        .addColumn('serial_number', 'text')
        .addColumn('issuer_dn', 'text')
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addPrimaryKeyConstraint('acme_orders_pk', ['issuer', 'idempotency_key'])
        .execute();
      await db.schema
        .createIndex('acme_orders_serial')
        .on('acme_orders')
        .columns(['issuer', 'serial_number'])
        .execute();
    },
  };
}
