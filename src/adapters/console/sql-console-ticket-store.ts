/**
 * The console ticketing adapter's tickets in the inventory database (SQLite or PostgreSQL), so that with
 * `CERTFLOW_JIRA=off` a restarted worker finds the change tickets, campaign epics and group tasks it opened, never
 * hands out a `LOCAL-n` key twice and applies every comment, transition and escalation key once.
 *
 * Tables (created by src/adapters/database/migrations/007-console-adapters.ts):
 * - `console_tickets`: one row per idempotency key; the row id is the ticket's number (`LOCAL-<id>`), its kind, the
 *   epic of a task, and its state (a change ticket's logical state, a task's stage).
 * - `console_applied_keys`: one row per applied comment, transition or escalation key.
 */
import type { Generated, Kysely, Selectable } from 'kysely';
import type { TicketRef } from '../../core/domain/lifecycle/model';
import type { InventoryDatabase } from '../database/kysely-inventory-store';

/** What a console ticket is. */
export type ConsoleTicketKind = 'change' | 'epic' | 'task';

/** A console ticket as the store holds it. */
export interface ConsoleTicket {
  readonly ref: TicketRef;
  readonly kind: ConsoleTicketKind;
  /** The epic of a campaign task; null otherwise. */
  readonly parentKey: string | null;
  readonly state: string;
}

interface ConsoleTicketsTable {
  id: Generated<number>;
  idempotency_key: string;
  kind: string;
  parent_key: string | null;
  state: string;
  created_at: number;
}

interface ConsoleAppliedKeysTable {
  idempotency_key: string;
  ticket_key: string;
  action: string;
  applied_at: number;
}

interface ConsoleTicketTables {
  console_tickets: ConsoleTicketsTable;
  console_applied_keys: ConsoleAppliedKeysTable;
}

/** Options of {@link SqlConsoleTicketStore}. */
export interface SqlConsoleTicketStoreOptions {
  /** The inventory database, migrated (`openInventoryDatabase` hands it out). */
  readonly db: Kysely<InventoryDatabase>;
  /** The clock of `created_at` and `applied_at`; `Date.now` by default. */
  readonly nowMs?: () => number;
}

/** The project key of console tickets. */
export const CONSOLE_PROJECT = 'LOCAL';

const KEY_PATTERN = new RegExp(`^${CONSOLE_PROJECT}-(\\d+)$`);

function refOf(id: number | string): TicketRef {
  const key = `${CONSOLE_PROJECT}-${id}`;
  return { key, url: `local://tickets/${key}` };
}

/** Keeps the console adapters' tickets and applied keys in the inventory database. */
export class SqlConsoleTicketStore {
  private readonly db: Kysely<ConsoleTicketTables>;
  private readonly nowMs: () => number;

  constructor(options: SqlConsoleTicketStoreOptions) {
    // Migration 007 created these tables in the inventory database; its own type does not list them.
    this.db = options.db as unknown as Kysely<ConsoleTicketTables>;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** The ticket opened for the key, opening it (numbered by the row id) on the first call; `created` tells which. */
  async ensureTicket(input: {
    readonly idempotencyKey: string;
    readonly kind: ConsoleTicketKind;
    readonly parentKey: string | null;
    readonly state: string;
  }): Promise<{ readonly ticket: ConsoleTicket; readonly created: boolean }> {
    const inserted = await this.db
      .insertInto('console_tickets')
      .values({
        idempotency_key: input.idempotencyKey,
        kind: input.kind,
        parent_key: input.parentKey,
        state: input.state,
        created_at: this.nowMs(),
      })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    const row = await this.db
      .selectFrom('console_tickets')
      .selectAll()
      .where('idempotency_key', '=', input.idempotencyKey)
      .executeTakeFirstOrThrow();
    return { ticket: ticketOf(row), created: inserted !== undefined };
  }

  /** The ticket with this key, or undefined for a key this inventory never handed out. */
  async findTicket(ref: TicketRef): Promise<ConsoleTicket | undefined> {
    const id = KEY_PATTERN.exec(ref.key)?.[1];
    if (id === undefined) return undefined;
    const row = await this.db.selectFrom('console_tickets').selectAll().where('id', '=', Number(id)).executeTakeFirst();
    return row === undefined ? undefined : ticketOf(row);
  }

  /** Moves the ticket from `from` to `to`; false when it was no longer in `from` (another call moved it). */
  async moveTicket(ref: TicketRef, from: string, to: string): Promise<boolean> {
    const id = KEY_PATTERN.exec(ref.key)?.[1];
    if (id === undefined) return false;
    const result = await this.db
      .updateTable('console_tickets')
      .set({ state: to })
      .where('id', '=', Number(id))
      .where('state', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Records an applied key; true the first time only, so the caller acts once per key across restarts. */
  async applyOnce(idempotencyKey: string, ticketKey: string, action: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto('console_applied_keys')
      .values({ idempotency_key: idempotencyKey, ticket_key: ticketKey, action, applied_at: this.nowMs() })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .returning('idempotency_key')
      .executeTakeFirst();
    return inserted !== undefined;
  }
}

function ticketOf(row: Selectable<ConsoleTicketsTable>): ConsoleTicket {
  return {
    ref: refOf(row.id),
    kind: row.kind as ConsoleTicketKind,
    parentKey: row.parent_key,
    state: row.state,
  };
}
