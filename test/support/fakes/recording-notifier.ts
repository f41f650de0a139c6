import type {
  DecisionUpdate,
  LifecycleNotification,
  NotificationPort,
  NotificationReceipt,
} from '../../../src/core/ports/notification-port';

/** A decision shown on an approval request, as recorded. */
export interface RecordedDecision {
  readonly receipt: NotificationReceipt;
  readonly update: DecisionUpdate;
}

/**
 * A notification adapter that keeps what it was asked to send, once per idempotency key, in memory: for workflow
 * tests.
 */
export class RecordingNotifier implements NotificationPort {
  /** Every notification delivered, in order; a repeated key is not delivered again. */
  readonly sent: LifecycleNotification[] = [];
  readonly decisions: RecordedDecision[] = [];
  private readonly receipts = new Map<string, NotificationReceipt>();
  private counter = 0;

  /** Delivers a notification once per key and returns its receipt (the first receipt on a repeat). */
  send(notification: LifecycleNotification): Promise<NotificationReceipt> {
    const known = this.receipts.get(notification.idempotencyKey);
    if (known) return Promise.resolve(known);
    this.counter += 1;
    const receipt: NotificationReceipt = {
      idempotencyKey: notification.idempotencyKey,
      messages: [
        { channel: notification.audience.channelId ?? 'direct', ts: `${this.counter}.000000`, recipient: null },
      ],
      digest: null,
    };
    this.receipts.set(notification.idempotencyKey, receipt);
    this.sent.push(notification);
    return Promise.resolve(receipt);
  }

  /** Records the decision once per receipt. */
  showDecision(receipt: NotificationReceipt, update: DecisionUpdate): Promise<void> {
    if (!this.decisions.some((decision) => decision.receipt.idempotencyKey === receipt.idempotencyKey)) {
      this.decisions.push({ receipt, update });
    }
    return Promise.resolve();
  }

  /** The notifications of one kind, in order. */
  ofKind<K extends LifecycleNotification['kind']>(kind: K): Extract<LifecycleNotification, { kind: K }>[] {
    return this.sent.filter((n): n is Extract<LifecycleNotification, { kind: K }> => n.kind === kind);
  }
}
