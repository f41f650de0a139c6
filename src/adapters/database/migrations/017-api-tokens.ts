/**
 * Issue 20's API tokens (src/adapters/database/sql-api-token-store.ts): the SHA-256 hash of each secret, never the
 * secret, unique so a bearer token is found by its hash; the name is the key the CLI and the audit log use.
 */
import type { Kysely, Migration } from 'kysely';

/** Creates `api_tokens` (same SQL in both databases; instants are epoch milliseconds). */
export function apiTokensMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('api_tokens')
        .addColumn('name', 'text', (column) => column.primaryKey())
        .addColumn('actor', 'text', (column) => column.notNull())
        .addColumn('secret_hash', 'text', (column) => column.notNull().unique())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  };
}
