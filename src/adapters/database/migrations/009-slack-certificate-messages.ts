/**
 * Issue 14's stale Slack buttons (src/adapters/slack/sql-slack-delivery-store.ts): every message the Slack notifier
 * posted with buttons for one version of a managed certificate (reminders, approval requests, escalations,
 * incidents), so when that version is renewed, replaced outside certflow or retired the messages are updated in place
 * to say so, and a decision is not posted again where its approval request already shows it.
 */
import type { Kysely, Migration } from 'kysely';

/** Creates `slack_certificate_messages` with its lookups by certificate and by request (same SQL in both databases). */
export function slackCertificateMessagesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('slack_certificate_messages')
        .addColumn('idempotency_key', 'text', (column) => column.notNull())
        .addColumn('target', 'text', (column) => column.notNull())
        .addColumn('channel', 'text', (column) => column.notNull())
        .addColumn('ts', 'text', (column) => column.notNull())
        .addColumn('recipient', 'text')
        .addColumn('managed_certificate_id', 'text', (column) => column.notNull())
        .addColumn('fingerprint_sha256', 'text', (column) => column.notNull())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('request_id', 'text')
        .addColumn('posted_at', 'bigint', (column) => column.notNull())
        .addColumn('closed_at', 'bigint')
        .addPrimaryKeyConstraint('slack_certificate_messages_pk', ['idempotency_key', 'target'])
        .execute();
      await db.schema
        .createIndex('slack_certificate_messages_certificate_idx')
        .on('slack_certificate_messages')
        .columns(['managed_certificate_id', 'fingerprint_sha256'])
        .execute();
      await db.schema
        .createIndex('slack_certificate_messages_request_idx')
        .on('slack_certificate_messages')
        .column('request_id')
        .execute();
    },
  };
}
