/**
 * Issue 20's dashboard sessions (src/adapters/database/sql-web-session-store.ts): the SHA-256 hash of each session's
 * cookie secret, never the secret, and the API token the session was opened with, so a revoked token ends it.
 */
import type { Kysely, Migration } from 'kysely';

/** Creates `web_sessions` (same SQL in both databases; instants are epoch milliseconds). */
export function webSessionsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('web_sessions')
        .addColumn('secret_hash', 'text', (column) => column.primaryKey())
        .addColumn('token_name', 'text', (column) => column.notNull())
        .addColumn('token_secret_hash', 'text', (column) => column.notNull())
        .addColumn('actor', 'text', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('expires_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('web_sessions_expires_idx').on('web_sessions').column('expires_at').execute();
    },
  };
}
