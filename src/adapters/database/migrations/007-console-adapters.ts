/**
 * Issue 14's console adapters (`CERTFLOW_JIRA=off`, no Slack credentials) keep what they did in the inventory
 * database instead of worker memory, so a restarted worker finds its `LOCAL-n` tickets, campaign epics and tasks,
 * never hands out a ticket key twice and applies every idempotency key once.
 */
import type { Kysely, Migration } from 'kysely';
import type { InventoryDialect } from './index';

/** Creates `console_tickets`, `console_applied_keys` and `console_deliveries`. */
export function consoleAdaptersMigration(dialect: InventoryDialect): Migration {
  // The row id numbers the tickets (LOCAL-<id>): a database sequence never hands out the same number twice.
  const id = (table: ReturnType<Kysely<unknown>['schema']['createTable']>) =>
    dialect === 'postgres'
      ? table.addColumn('id', 'serial', (column) => column.primaryKey())
      : table.addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement());
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await id(db.schema.createTable('console_tickets'))
        .addColumn('idempotency_key', 'text', (column) => column.notNull().unique())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('parent_key', 'text')
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('console_applied_keys')
        .addColumn('idempotency_key', 'text', (column) => column.primaryKey())
        .addColumn('ticket_key', 'text', (column) => column.notNull())
        .addColumn('action', 'text', (column) => column.notNull())
        .addColumn('applied_at', 'bigint', (column) => column.notNull())
        .execute();
      await id(db.schema.createTable('console_deliveries'))
        .addColumn('idempotency_key', 'text', (column) => column.notNull().unique())
        .addColumn('channel', 'text', (column) => column.notNull())
        .addColumn('receipt', 'text')
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .execute();
    },
  };
}
