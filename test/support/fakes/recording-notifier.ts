import type {
  CampaignNotifier,
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

/** One call of the {@link CampaignNotifier} face, as recorded. */
export type RecordedCampaignCall =
  | ({ readonly method: 'publishProgress' } & Parameters<CampaignNotifier['publishProgress']>[0])
  | ({ readonly method: 'escalateLaggards' } & Parameters<CampaignNotifier['escalateLaggards']>[0])
  | ({ readonly method: 'postReport' } & Parameters<CampaignNotifier['postReport']>[0]);

/**
 * A notification adapter of both faces (lifecycle notifications, campaign messages) that keeps what it was asked to
 * send, once per idempotency key, in memory, and returns deterministic receipts: for workflow and activity tests.
 */
export class RecordingNotifier implements NotificationPort, CampaignNotifier {
  /** Every lifecycle notification delivered, in order; a repeated key is not delivered again. */
  readonly sent: LifecycleNotification[] = [];
  readonly decisions: RecordedDecision[] = [];
  /** Every campaign call delivered, in order; a repeated key is not delivered again. */
  readonly campaignCalls: RecordedCampaignCall[] = [];
  private readonly receipts = new Map<string, NotificationReceipt>();
  private counter = 0;

  /** Delivers a notification once per key and returns its receipt (the first receipt on a repeat). */
  send(notification: LifecycleNotification): Promise<NotificationReceipt> {
    return this.deliver(notification.idempotencyKey, notification.audience.channelId ?? 'direct', null, () =>
      this.sent.push(notification),
    );
  }

  /** Records the decision once per receipt. */
  showDecision(receipt: NotificationReceipt, update: DecisionUpdate): Promise<void> {
    if (!this.decisions.some((decision) => decision.receipt.idempotencyKey === receipt.idempotencyKey)) {
      this.decisions.push({ receipt, update });
    }
    return Promise.resolve();
  }

  /** Records the progress; an update that passes the first receipt back keeps its ts. */
  publishProgress(input: Parameters<CampaignNotifier['publishProgress']>[0]): Promise<NotificationReceipt> {
    return this.deliverCampaignCall({ method: 'publishProgress', ...input }, input.receipt);
  }

  /** Records the escalation once per key. */
  escalateLaggards(input: Parameters<CampaignNotifier['escalateLaggards']>[0]): Promise<NotificationReceipt> {
    return this.deliverCampaignCall({ method: 'escalateLaggards', ...input }, null);
  }

  /** Records the report once per key. */
  postReport(input: Parameters<CampaignNotifier['postReport']>[0]): Promise<NotificationReceipt> {
    return this.deliverCampaignCall({ method: 'postReport', ...input }, null);
  }

  /** The lifecycle notifications of one kind, in order. */
  ofKind<K extends LifecycleNotification['kind']>(kind: K): Extract<LifecycleNotification, { kind: K }>[] {
    return this.sent.filter((n): n is Extract<LifecycleNotification, { kind: K }> => n.kind === kind);
  }

  /** The campaign calls of one method, in order. */
  ofMethod<M extends RecordedCampaignCall['method']>(method: M): Extract<RecordedCampaignCall, { method: M }>[] {
    return this.campaignCalls.filter(
      (call): call is Extract<RecordedCampaignCall, { method: M }> => call.method === method,
    );
  }

  private deliverCampaignCall(call: RecordedCampaignCall, previous: NotificationReceipt | null) {
    const channel = call.progress.campaign.channelId ?? 'campaign';
    return this.deliver(call.idempotencyKey, channel, previous, () => this.campaignCalls.push(call));
  }

  /**
   * The key's first receipt, or a new one (numbered, or `previous` for a message updated in place) after `record`
   * keeps what was delivered.
   */
  private deliver(
    idempotencyKey: string,
    channel: string,
    previous: NotificationReceipt | null,
    record: () => void,
  ): Promise<NotificationReceipt> {
    const known = this.receipts.get(idempotencyKey);
    if (known) return Promise.resolve(known);
    let receipt: NotificationReceipt;
    if (previous) {
      receipt = { ...previous, idempotencyKey };
    } else {
      this.counter += 1;
      receipt = {
        idempotencyKey,
        messages: [{ channel, ts: `${this.counter}.000000`, recipient: null }],
        digest: null,
      };
    }
    this.receipts.set(idempotencyKey, receipt);
    record();
    return Promise.resolve(receipt);
  }
}
