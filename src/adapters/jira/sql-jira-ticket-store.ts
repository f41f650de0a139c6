/**
 * The Jira ticket store in the inventory database (SQLite or PostgreSQL), so a restarted worker finds the ticket of a
 * renewal cycle without searching Jira and never applies a comment, transition or escalation twice.
 *
 * Tables (created by src/adapters/database/migrations/004-jira-tickets.ts):
 * - `jira_tickets`: one row per renewal-cycle key: the ticket's key and browser URL. The first row written wins.
 * - `jira_applied_keys`: one row per applied comment, transition or escalation key, with the ticket and the action;
 *   also the first attempt to create a cycle's ticket, as action `create-attempt` under `<cycle key>#create` with an
 *   empty ticket key.
 * Instants are epoch milliseconds in a bigint, like the inventory's.
 */
import type { Kysely } from 'kysely';
import type { TicketRef } from '../../core/domain/lifecycle/model';
import type { InventoryDatabase } from '../database/kysely-inventory-store';
import type { JiraTicketAction, JiraTicketStore } from './jira-ticket-store';

/** Row of `jira_tickets`. */
interface JiraTicketsTable {
  idempotency_key: string;
  ticket_key: string;
  url: string;
  created_at: number;
}

/** Row of `jira_applied_keys`. */
interface JiraAppliedKeysTable {
  idempotency_key: string;
  ticket_key: string;
  action: string;
  applied_at: number;
}

/** The tables of this store. */
interface JiraTicketTables {
  jira_tickets: JiraTicketsTable;
  jira_applied_keys: JiraAppliedKeysTable;
}

/** Options of {@link SqlJiraTicketStore}. */
export interface SqlJiraTicketStoreOptions {
  /** The inventory database, migrated (`openInventoryDatabase` hands it out). */
  readonly db: Kysely<InventoryDatabase>;
  /** The clock of `created_at` and `applied_at`; `Date.now` by default. */
  readonly nowMs?: () => number;
}

/** Keeps the Jira adapter's tickets and applied keys in the inventory database. */
export class SqlJiraTicketStore implements JiraTicketStore {
  private readonly db: Kysely<JiraTicketTables>;
  private readonly nowMs: () => number;

  constructor(options: SqlJiraTicketStoreOptions) {
    // Migration 004 created these tables in the inventory database; its own type does not list them.
    this.db = options.db as unknown as Kysely<JiraTicketTables>;
    this.nowMs = options.nowMs ?? Date.now;
  }

  async findTicket(idempotencyKey: string): Promise<TicketRef | undefined> {
    const row = await this.db
      .selectFrom('jira_tickets')
      .select(['ticket_key', 'url'])
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
    return row === undefined ? undefined : { key: row.ticket_key, url: row.url };
  }

  async saveTicket(idempotencyKey: string, ticket: TicketRef): Promise<TicketRef> {
    await this.db
      .insertInto('jira_tickets')
      .values({ idempotency_key: idempotencyKey, ticket_key: ticket.key, url: ticket.url, created_at: this.nowMs() })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .execute();
    // Another worker may have recorded the key first: its ticket is the cycle's.
    return (await this.findTicket(idempotencyKey)) ?? ticket;
  }

  async isApplied(idempotencyKey: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('jira_applied_keys')
      .select('idempotency_key')
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
    return row !== undefined;
  }

  async markApplied(idempotencyKey: string, ticketKey: string, action: JiraTicketAction): Promise<void> {
    await this.db
      .insertInto('jira_applied_keys')
      .values({ idempotency_key: idempotencyKey, ticket_key: ticketKey, action, applied_at: this.nowMs() })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .execute();
  }

  async noteCreateAttempt(idempotencyKey: string, nowMs: number): Promise<number> {
    const key = `${idempotencyKey}#create`;
    await this.db
      .insertInto('jira_applied_keys')
      .values({ idempotency_key: key, ticket_key: '', action: 'create-attempt', applied_at: nowMs })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('jira_applied_keys')
      .select('applied_at')
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return Number(row?.applied_at ?? nowMs);
  }
}
