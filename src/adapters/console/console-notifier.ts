import type { Kysely } from 'kysely';
import { formatPerson } from '../../core/domain/inventory/person';
import type { InventoryDatabase } from '../database/kysely-inventory-store';
import type {
  DecisionUpdate,
  LifecycleNotification,
  NotificationPort,
  NotificationReceipt,
} from '../../core/ports/notification-port';
import { SqlConsoleDeliveryStore } from './sql-console-delivery-store';

function describe(notification: LifecycleNotification): string {
  const name = notification.certificate.commonName ?? notification.certificate.id;
  switch (notification.kind) {
    case 'reminder':
      return `reminder: ${name} expires in ${notification.daysLeft} days; renew by ${notification.renewalDeadline}`;
    case 'approval-request':
      return `approval ${notification.reminder > 0 ? `re-sent (${notification.reminder})` : 'requested'}: ${notification.request.kind} ${notification.request.id} of ${name} by ${notification.request.requestedBy.id} — run: certflow approve ${notification.request.id}`;
    case 'decision':
      return `decision: ${notification.request.id} ${notification.request.status} by ${notification.request.decidedBy?.id ?? '?'}`;
    case 'escalation':
      return `ESCALATION (${notification.cause}) for ${name}: ${notification.reason}`;
    case 'incident':
      return `INCIDENT for ${name}: ${notification.reason}`;
    case 'renewal-progress':
      return `${notification.step}: ${name}: ${notification.detail}`;
  }
}

/** Options of {@link ConsoleNotifier}. */
export interface ConsoleNotifierOptions {
  /** The inventory database, migrated: what was printed outlives the worker. */
  readonly db: Kysely<InventoryDatabase>;
  readonly log: (line: string) => void;
}

/**
 * The notification adapter of `npm start` without Slack credentials: one readable log line per notification, once
 * per idempotency key, also across restarts (the keys and receipts are kept in the inventory database).
 */
export class ConsoleNotifier implements NotificationPort {
  private readonly deliveries: SqlConsoleDeliveryStore;
  private readonly log: (line: string) => void;

  constructor(options: ConsoleNotifierOptions) {
    this.deliveries = new SqlConsoleDeliveryStore(options.db);
    this.log = options.log;
  }

  /** Logs the notification with its recipients, once per key. */
  async send(notification: LifecycleNotification): Promise<NotificationReceipt> {
    const { receipt, delivered } = await this.deliveries.deliverOnce({
      idempotencyKey: notification.idempotencyKey,
      channel: notification.audience.channelId ?? 'direct',
      continues: null,
    });
    if (delivered) {
      const to = notification.audience.people.map(formatPerson).join(', ') || 'nobody configured';
      this.log(`[notify] ${describe(notification)} (to ${to})`);
    }
    return receipt;
  }

  /** Logs the decision shown on an approval request, once per request message. */
  async showDecision(receipt: NotificationReceipt, update: DecisionUpdate): Promise<void> {
    const { delivered } = await this.deliveries.deliverOnce({
      idempotencyKey: `${receipt.idempotencyKey}#decision`,
      channel: receipt.messages[0]?.channel ?? 'direct',
      continues: receipt,
    });
    if (delivered) {
      this.log(
        `[notify] ${update.request.id} ${update.request.status} by ${update.decidedBy.id} at ${update.decidedAt}`,
      );
    }
  }
}
