/**
 * Issue 14's published roles (src/adapters/database/sql-published-roles.ts): the security leads and admins a certflow
 * worker runs with, written when it starts, so the CLI and other clients decide roles as the worker does instead of
 * reading role variables of their own.
 */
import type { Kysely, Migration } from 'kysely';

/** Creates `published_roles`, one row per task queue (same SQL in both databases). */
export function publishedRolesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('published_roles')
        .addColumn('task_queue', 'text', (column) => column.primaryKey())
        .addColumn('security_leads', 'text', (column) => column.notNull())
        .addColumn('admins', 'text', (column) => column.notNull())
        .addColumn('published_by', 'text', (column) => column.notNull())
        .addColumn('published_at', 'bigint', (column) => column.notNull())
        .execute();
    },
  };
}
