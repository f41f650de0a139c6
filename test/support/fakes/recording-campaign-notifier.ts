import type { CampaignNotifier, NotificationReceipt } from '../../../src/core/ports/notification-port';

/** One call of a {@link CampaignNotifier}, as recorded. */
export type RecordedCampaignCall =
  | ({ readonly method: 'publishProgress' } & Parameters<CampaignNotifier['publishProgress']>[0])
  | ({ readonly method: 'escalateLaggards' } & Parameters<CampaignNotifier['escalateLaggards']>[0])
  | ({ readonly method: 'postReport' } & Parameters<CampaignNotifier['postReport']>[0]);

/**
 * A campaign notifier that keeps what it was asked to do, once per idempotency key, in memory, and returns
 * deterministic receipts: for workflow and activity tests.
 */
export class RecordingCampaignNotifier implements CampaignNotifier {
  /** Every call delivered, in order; a repeated key is not delivered again. */
  readonly calls: RecordedCampaignCall[] = [];
  private readonly receipts = new Map<string, NotificationReceipt>();
  private counter = 0;

  /** Records the progress; an update that passes the first receipt back keeps its ts. */
  publishProgress(input: Parameters<CampaignNotifier['publishProgress']>[0]): Promise<NotificationReceipt> {
    return this.deliver({ method: 'publishProgress', ...input }, input.progress.campaign.channelId, input.receipt);
  }

  /** Records the escalation once per key. */
  escalateLaggards(input: Parameters<CampaignNotifier['escalateLaggards']>[0]): Promise<NotificationReceipt> {
    return this.deliver({ method: 'escalateLaggards', ...input }, input.progress.campaign.channelId, null);
  }

  /** Records the report once per key. */
  postReport(input: Parameters<CampaignNotifier['postReport']>[0]): Promise<NotificationReceipt> {
    return this.deliver({ method: 'postReport', ...input }, input.progress.campaign.channelId, null);
  }

  /** The calls of one method, in order. */
  ofMethod<M extends RecordedCampaignCall['method']>(method: M): Extract<RecordedCampaignCall, { method: M }>[] {
    return this.calls.filter((call): call is Extract<RecordedCampaignCall, { method: M }> => call.method === method);
  }

  private deliver(
    call: RecordedCampaignCall,
    channelId: string | null,
    previous: NotificationReceipt | null,
  ): Promise<NotificationReceipt> {
    const known = this.receipts.get(call.idempotencyKey);
    if (known) return Promise.resolve(known);
    let receipt: NotificationReceipt;
    if (previous) {
      receipt = { ...previous, idempotencyKey: call.idempotencyKey };
    } else {
      this.counter += 1;
      receipt = {
        idempotencyKey: call.idempotencyKey,
        messages: [{ channel: channelId ?? 'campaign', ts: `${this.counter}.000000`, recipient: null }],
        digest: null,
      };
    }
    this.receipts.set(call.idempotencyKey, receipt);
    this.calls.push(call);
    return Promise.resolve(receipt);
  }
}
