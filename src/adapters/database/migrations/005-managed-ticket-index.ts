/**
 * Issue 6's Jira webhook finds the lifecycle waiting on a change ticket by the ticket's key, which the managed
 * certificate mirrors (`ticket_key`): an index keeps that lookup off a table scan.
 */
import type { Kysely, Migration } from 'kysely';

/** Indexes `managed_certificates.ticket_key` (same SQL in both databases). */
export function managedTicketIndexMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('managed_certificates_ticket_key_idx')
        .on('managed_certificates')
        .column('ticket_key')
        .execute();
    },
  };
}
