/**
 * What the console notifier (no Slack credentials) delivered, per idempotency key, in the inventory database: a
 * restarted worker returns the first receipt for a key it already printed instead of printing it again, and numbers
 * receipts from a database sequence so two deliveries never share a message ts.
 *
 * Table `console_deliveries` (created by src/adapters/database/migrations/007-console-adapters.ts): one row per key,
 * its channel, and the receipt when it continues an earlier message (a campaign's progress updated in place); other
 * receipts are built from the row id.
 */
import type { Generated, Kysely, Selectable } from 'kysely';
import type { InventoryDatabase } from '../database/kysely-inventory-store';
import type { NotificationReceipt } from '../../core/ports/notification-port';

interface ConsoleDeliveriesTable {
  id: Generated<number>;
  idempotency_key: string;
  channel: string;
  receipt: string | null;
  created_at: number;
}

interface ConsoleDeliveryTables {
  console_deliveries: ConsoleDeliveriesTable;
}

/** Keeps the console notifier's deliveries in the inventory database. */
export class SqlConsoleDeliveryStore {
  private readonly db: Kysely<ConsoleDeliveryTables>;

  constructor(
    db: Kysely<InventoryDatabase>,
    private readonly nowMs: () => number = Date.now,
  ) {
    // Migration 007 created this table in the inventory database; its own type does not list it.
    this.db = db as unknown as Kysely<ConsoleDeliveryTables>;
  }

  /**
   * Records the key's delivery once and returns its receipt; `delivered` is true only the first time, when the
   * caller prints it. `continues` is the receipt of the message this one updates in place, if any.
   */
  async deliverOnce(input: {
    readonly idempotencyKey: string;
    readonly channel: string;
    readonly continues: NotificationReceipt | null;
  }): Promise<{ readonly receipt: NotificationReceipt; readonly delivered: boolean }> {
    const receipt = input.continues === null ? null : { ...input.continues, idempotencyKey: input.idempotencyKey };
    const inserted = await this.db
      .insertInto('console_deliveries')
      .values({
        idempotency_key: input.idempotencyKey,
        channel: input.channel,
        receipt: receipt === null ? null : JSON.stringify(receipt),
        created_at: this.nowMs(),
      })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    const row = await this.db
      .selectFrom('console_deliveries')
      .selectAll()
      .where('idempotency_key', '=', input.idempotencyKey)
      .executeTakeFirstOrThrow();
    return { receipt: receiptOf(row), delivered: inserted !== undefined };
  }
}

function receiptOf(row: Selectable<ConsoleDeliveriesTable>): NotificationReceipt {
  if (row.receipt !== null) return JSON.parse(row.receipt) as NotificationReceipt;
  return {
    idempotencyKey: row.idempotency_key,
    messages: [{ channel: row.channel, ts: `${row.id}.000000`, recipient: null }],
    digest: null,
  };
}
