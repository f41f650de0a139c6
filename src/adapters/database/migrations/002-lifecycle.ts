/**
 * Issue 4's schema: managed certificates (what an owner thinks of as one certificate across its renewals) and the
 * versions assigned to them, the owner group's auto-renew switch, revocations, and idempotency keys on the audit log so a retried
 * activity appends its entry once. The layout is described at the top of kysely-inventory-store.ts.
 */
import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Creates the managed-certificate tables and adds the auto-renew, revocation and idempotency-key columns (same SQL in
 * both databases).
 */
export function lifecycleMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('managed_certificates')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('current_fingerprint', 'text', (column) => column.notNull().references('certificates.fingerprint'))
        .addColumn('names_key', 'text', (column) => column.notNull())
        .addColumn('names_hash', 'text', (column) => column.notNull())
        .addColumn('phase', 'text', (column) => column.notNull().defaultTo('monitoring'))
        .addColumn('phase_detail', 'text')
        .addColumn('ticket_key', 'text')
        .addColumn('retired', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .execute();
      // A names key can be thousands of characters (a certificate with hundreds of SANs), more than a PostgreSQL
      // B-tree entry holds; lookups go through its hash and compare the key itself.
      await db.schema
        .createIndex('managed_certificates_names_idx')
        .on('managed_certificates')
        .columns(['names_hash', 'retired'])
        .execute();
      await db.schema
        .createIndex('managed_certificates_current_idx')
        .on('managed_certificates')
        .column('current_fingerprint')
        .execute();

      await db.schema
        .createTable('managed_certificate_versions')
        .addColumn('fingerprint', 'text', (column) =>
          column.primaryKey().references('certificates.fingerprint').onDelete('cascade'),
        )
        .addColumn('managed_id', 'text', (column) => column.notNull().references('managed_certificates.id'))
        .addColumn('assigned_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex('managed_certificate_versions_managed_idx')
        .on('managed_certificate_versions')
        .column('managed_id')
        .execute();

      await db.schema
        .alterTable('owner_groups')
        .addColumn('auto_renew', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();

      // A revoked certificate stays in the inventory (history) but never becomes a managed certificate's version.
      await db.schema.alterTable('certificates').addColumn('revoked_at', 'bigint').execute();
      await db.schema.alterTable('certificates').addColumn('revocation_reason', 'text').execute();

      // Adding a column is no UPDATE or DELETE: the append-only triggers neither fire nor need changing.
      await db.schema.alterTable('audit_log').addColumn('idempotency_key', 'text').execute();
      await db.schema
        .createIndex('audit_log_idempotency_key_idx')
        .on('audit_log')
        .column('idempotency_key')
        .unique()
        .where(sql.ref('idempotency_key'), 'is not', null)
        .execute();
    },
  };
}
