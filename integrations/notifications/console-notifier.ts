import { formatPerson } from '../../domain/inventory/person';
import type { DecisionUpdate, LifecycleNotification, NotificationPort, NotificationReceipt } from './notification-port';
import { RecordingNotifier } from './recording-notifier';

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

/**
 * The notification adapter of `npm start` without Slack credentials: one readable log line per notification, once
 * per idempotency key.
 */
export class ConsoleNotifier implements NotificationPort {
  private readonly delivered = new RecordingNotifier();

  constructor(private readonly log: (line: string) => void) {}

  /** Logs the notification with its recipients, once per key. */
  async send(notification: LifecycleNotification): Promise<NotificationReceipt> {
    const before = this.delivered.sent.length;
    const receipt = await this.delivered.send(notification);
    if (this.delivered.sent.length > before) {
      const to = notification.audience.people.map(formatPerson).join(', ') || 'nobody configured';
      this.log(`[notify] ${describe(notification)} (to ${to})`);
    }
    return receipt;
  }

  /** Logs the decision shown on an approval request. */
  async showDecision(receipt: NotificationReceipt, update: DecisionUpdate): Promise<void> {
    await this.delivered.showDecision(receipt, update);
    this.log(`[notify] ${update.request.id} ${update.request.status} by ${update.decidedBy.id} at ${update.decidedAt}`);
  }
}
