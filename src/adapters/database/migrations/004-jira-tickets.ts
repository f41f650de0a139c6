/**
 * Issue 6's Jira ticket store (src/adapters/jira/sql-jira-ticket-store.ts): the change ticket opened per renewal-cycle
 * key and the comment, transition and escalation keys applied, so a restarted worker never opens a second ticket for
 * a cycle nor comments twice.
 */
import type { Kysely, Migration } from 'kysely';

/** Creates `jira_tickets` and `jira_applied_keys` (same SQL in both databases). */
export function jiraTicketsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('jira_tickets')
        .addColumn('idempotency_key', 'text', (column) => column.primaryKey())
        .addColumn('ticket_key', 'text', (column) => column.notNull())
        .addColumn('url', 'text', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('jira_applied_keys')
        .addColumn('idempotency_key', 'text', (column) => column.primaryKey())
        .addColumn('ticket_key', 'text', (column) => column.notNull())
        .addColumn('action', 'text', (column) => column.notNull())
        .addColumn('applied_at', 'bigint', (column) => column.notNull())
        .execute();
    },
  };
}
