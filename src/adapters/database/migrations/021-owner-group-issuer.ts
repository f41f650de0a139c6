/**
 * Issue 19: an owner group names the issuer that renews its certificates (`certflow groups update <id> --issuer
 * acme:<name>`). Null in every existing row: the policy's issuer, the current one's, or the default decides.
 */
import type { Kysely, Migration } from 'kysely';

/** Adds `owner_groups.issuer` (same SQL in both databases). */
export function ownerGroupIssuerMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('owner_groups').addColumn('issuer', 'text').execute();
    },
  };
}
