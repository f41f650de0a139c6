/**
 * Issue 5's Slack delivery store (src/adapters/slack/sql-slack-delivery-store.ts): what the Slack notifier posted per
 * idempotency key, so a restarted worker never posts a notification again and a half-finished send resumes. The layout
 * is described at the top of that module.
 */
import type { Kysely, Migration } from 'kysely';

/** Creates `slack_deliveries` and `slack_delivered_messages` (same SQL in both databases). */
export function slackDeliveriesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('slack_deliveries')
        .addColumn('idempotency_key', 'text', (column) => column.primaryKey())
        .addColumn('certificate', 'text', (column) => column.notNull())
        .addColumn('digest_id', 'text')
        .addColumn('receipt', 'text')
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('slack_delivered_messages')
        .addColumn('idempotency_key', 'text', (column) =>
          column.notNull().references('slack_deliveries.idempotency_key').onDelete('cascade'),
        )
        .addColumn('target', 'text', (column) => column.notNull())
        .addColumn('position', 'integer', (column) => column.notNull())
        .addColumn('channel', 'text', (column) => column.notNull())
        .addColumn('ts', 'text', (column) => column.notNull())
        .addColumn('recipient', 'text')
        .addColumn('digest_id', 'text')
        .addColumn('delivered_at', 'bigint', (column) => column.notNull())
        .addPrimaryKeyConstraint('slack_delivered_messages_pk', ['idempotency_key', 'target'])
        .execute();
    },
  };
}
