/**
 * Issue 7's campaign store (src/adapters/database/sql-campaign-store.ts): crypto-agility campaigns and the
 * certificate versions each one replaces, with their state, attempts and enrolment order.
 */
import type { Kysely, Migration } from 'kysely';

/** Creates `campaigns` and `campaign_members` with their claim, managed-id and group indexes (same SQL in both). */
export function campaignsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('campaigns')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('definition', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('campaign_members')
        .addColumn('campaign_id', 'text', (column) => column.notNull().references('campaigns.id'))
        .addColumn('fingerprint', 'text', (column) => column.notNull())
        .addColumn('managed_certificate_id', 'text', (column) => column.notNull())
        .addColumn('ordinal', 'bigint', (column) => column.notNull())
        .addColumn('owner_group', 'text', (column) => column.notNull())
        .addColumn('subject', 'text', (column) => column.notNull())
        .addColumn('not_after', 'bigint', (column) => column.notNull())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('detail', 'text')
        .addColumn('final', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('claim_key', 'text')
        .addColumn('enrolled_at', 'bigint', (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .addColumn('finished_at', 'bigint')
        .addPrimaryKeyConstraint('campaign_members_pk', ['campaign_id', 'fingerprint'])
        .execute();
      // Claims walk one campaign's members of one state in enrolment order.
      await db.schema
        .createIndex('campaign_members_claim_idx')
        .on('campaign_members')
        .columns(['campaign_id', 'state', 'ordinal'])
        .execute();
      await db.schema
        .createIndex('campaign_members_managed_idx')
        .on('campaign_members')
        .columns(['campaign_id', 'managed_certificate_id'])
        .execute();
      await db.schema
        .createIndex('campaign_members_group_idx')
        .on('campaign_members')
        .columns(['campaign_id', 'owner_group', 'state'])
        .execute();
      await db.schema
        .createIndex('campaign_members_claim_key_idx')
        .on('campaign_members')
        .columns(['campaign_id', 'claim_key'])
        .execute();
    },
  };
}
