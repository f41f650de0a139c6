/**
 * The first inventory schema: certificates with their searchable facts, one side table for every multi-valued or
 * free-text field, owner groups, policy results and the append-only audit log. The table layout and the reasons
 * behind it are described at the top of kysely-inventory-store.ts.
 */
import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { InventoryDialect } from './index';

/** Creates every inventory table, index and the audit log's append-only triggers. */
export function inventorySchemaMigration(dialect: InventoryDialect): Migration {
  // SQLite would give a `bytea` column numeric affinity; each database gets its own binary type name.
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  // Small rows keyed by their primary key are stored in that key's B-tree in SQLite: one tree to write, not two.
  const withoutRowId = <T extends CreateTableBuilder<string, string>>(table: T): T =>
    dialect === 'sqlite' ? (table.modifyEnd(sql`without rowid`) as T) : table;
  return {
    // Migrations must not depend on today's table types, so the schema is built untyped.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('certificates')
        .addColumn('fingerprint', 'text', (column) => column.primaryKey())
        .addColumn('id', 'text', (column) => column.notNull())
        .addColumn('subject', 'text', (column) => column.notNull())
        .addColumn('subject_cn', 'text')
        .addColumn('subject_hash', 'text')
        .addColumn('subject_folded', 'text', (column) => column.notNull())
        .addColumn('issuer', 'text', (column) => column.notNull())
        .addColumn('issuer_cn', 'text')
        .addColumn('issuer_hash', 'text', (column) => column.notNull())
        .addColumn('issuer_folded', 'text', (column) => column.notNull())
        .addColumn('serial_number', 'text', (column) => column.notNull())
        .addColumn('not_before', 'bigint', (column) => column.notNull())
        .addColumn('not_after', 'bigint', (column) => column.notNull())
        .addColumn('validity_days', 'integer', (column) => column.notNull())
        .addColumn('key_algorithm', 'text', (column) => column.notNull())
        .addColumn('key_size', 'integer')
        .addColumn('curve', 'text')
        .addColumn('signature_hash', 'text')
        .addColumn('signature_name', 'text', (column) => column.notNull())
        .addColumn('is_ca', 'integer', (column) => column.notNull())
        .addColumn('self_signed', 'integer', (column) => column.notNull())
        .addColumn('role', 'text', (column) => column.notNull())
        .addColumn('authority_key_id', 'text')
        .addColumn('subject_key_id', 'text')
        .addColumn('issuer_fingerprint', 'text')
        .addColumn('owner_group', 'text')
        .addColumn('application', 'text')
        .addColumn('system_type', 'text')
        .addColumn('facts', 'text', (column) => column.notNull())
        .addColumn('der', binary, (column) => column.notNull())
        .addColumn('first_seen_at', 'bigint', (column) => column.notNull())
        .addColumn('last_seen_at', 'bigint', (column) => column.notNull())
        .execute();
      const certificateIndexes = ['not_after', 'not_before', 'serial_number', 'owner_group', 'issuer_fingerprint'];
      for (const column of certificateIndexes) {
        await db.schema.createIndex(`certificates_${column}_idx`).on('certificates').column(column).execute();
      }

      // Only CA certificates can be issuers, and only they carry a subject hash.
      await db.schema
        .createIndex('certificates_subject_hash_idx')
        .on('certificates')
        .column('subject_hash')
        .where(sql.ref('subject_hash'), 'is not', null)
        .execute();

      await db.schema
        .createTable('certificate_values')
        .addColumn('fingerprint', 'text', (column) => column.notNull())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('value', 'text', (column) => column.notNull())
        .addColumn('folded', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('certificate_values_pk', ['fingerprint', 'kind', 'value'])
        .addForeignKeyConstraint(
          'certificate_values_certificate_fk',
          ['fingerprint'],
          'certificates',
          ['fingerprint'],
          (constraint) => constraint.onDelete('cascade'),
        )
        .$call(withoutRowId)
        .execute();
      await db.schema
        .createIndex('certificate_values_kind_folded_idx')
        .on('certificate_values')
        .columns(['kind', 'folded'])
        .execute();

      await db.schema
        .createTable('owner_groups')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('contacts', 'text', (column) => column.notNull())
        .addColumn('approvers', 'text', (column) => column.notNull())
        .addColumn('management_contact', 'text')
        .addColumn('incident_response_contact', 'text')
        .addColumn('slack', 'text', (column) => column.notNull())
        .addColumn('jira', 'text', (column) => column.notNull())
        .addColumn('reminder_days', 'text')
        .execute();

      await db.schema
        .createTable('policy_results')
        .addColumn('fingerprint', 'text', (column) =>
          column.primaryKey().references('certificates.fingerprint').onDelete('cascade'),
        )
        .addColumn('policy_version', 'text', (column) => column.notNull())
        .addColumn('compliant', 'integer', (column) => column.notNull())
        .addColumn('violations', 'text', (column) => column.notNull())
        .addColumn('evaluated_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('policy_rule_violations')
        .addColumn('rule_id', 'text', (column) => column.notNull())
        .addColumn('fingerprint', 'text', (column) =>
          column.notNull().references('policy_results.fingerprint').onDelete('cascade'),
        )
        .addPrimaryKeyConstraint('policy_rule_violations_pk', ['rule_id', 'fingerprint'])
        .$call(withoutRowId)
        .execute();
      await db.schema
        .createIndex('policy_rule_violations_fingerprint_idx')
        .on('policy_rule_violations')
        .column('fingerprint')
        .execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('seq', dialect === 'postgres' ? 'bigint' : 'integer', (column) =>
          dialect === 'postgres'
            ? column.generatedAlwaysAsIdentity().primaryKey()
            : column.primaryKey().autoIncrement(),
        )
        .addColumn('at', 'bigint', (column) => column.notNull())
        .addColumn('actor', 'text', (column) => column.notNull())
        .addColumn('action', 'text', (column) => column.notNull())
        .addColumn('subject', 'text', (column) => column.notNull())
        .addColumn('where', 'text', (column) => column.notNull())
        .addColumn('details', 'text', (column) => column.notNull())
        .execute();
      for (const column of ['at', 'actor', 'action', 'subject']) {
        await db.schema.createIndex(`audit_log_${column}_idx`).on('audit_log').column(column).execute();
      }
      await makeAuditLogAppendOnly(db, dialect);
    },
  };
}

/** R-LOG-1: the database itself refuses to change or remove an audit entry, whoever connects to it. */
async function makeAuditLogAppendOnly(db: Kysely<unknown>, dialect: InventoryDialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`
      create function certflow_audit_log_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_log is append-only (R-LOG-1): % is refused; record a correcting entry instead', tg_op
          using errcode = 'insufficient_privilege';
      end
      $$`.execute(db);
    await sql`
      create trigger audit_log_append_only before update or delete on audit_log
      for each row execute function certflow_audit_log_append_only()`.execute(db);
    await sql`
      create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function certflow_audit_log_append_only()`.execute(db);
    return;
  }
  for (const operation of ['update', 'delete'] as const) {
    await sql`
      create trigger ${sql.raw(`audit_log_no_${operation}`)} before ${sql.raw(operation)} on audit_log
      begin
        select raise(abort, ${sql.lit(
          `audit_log is append-only (R-LOG-1): ${operation.toUpperCase()} is refused; record a correcting entry instead`,
        )});
      end`.execute(db);
  }
}
