/**
 * The campaign notifier on Slack (R-CAM-3): one progress message in the campaign channel, updated in place with
 * chat.update; the deadline escalation to the campaign channel and, by direct message, to the management and
 * incident-response contacts of every group not done; the report in the campaign channel. Like the lifecycle's
 * notifier it records every message Slack accepted in the delivery store before the next, so a retried call posts
 * only what is missing and a finished key returns its first receipt.
 */
import type { SlackMessage } from './views/blocks';
import {
  campaignEscalationMessage,
  campaignProgressMessage,
  campaignReportMessage,
  type EscalatedGroup,
} from './views/campaign-messages';
import {
  type CampaignNotifier,
  type DeliveredMessage,
  type NotificationReceipt,
} from '../../core/ports/notification-port';
import { checked, SlackOnceSender, type SlackOnceSenderOptions, type SlackTarget } from './slack-once-sender';
import { deliveryFailure, slackErrorName } from './slack-web-client';

/** What the Slack campaign notifier needs; the same client and delivery store as the lifecycle's SlackNotifier. */
export type SlackCampaignNotifierOptions = SlackOnceSenderOptions;

/** Sends a campaign's progress, escalation and report through Slack's Web API, once per idempotency key. */
export class SlackCampaignNotifier extends SlackOnceSender implements CampaignNotifier {
  /**
   * Posts the progress message, or updates the receipt's messages in place (posting anew if they were deleted). Until
   * a publication has a receipt, every one posts under the campaign's one progress-message key: a post whose answer
   * was lost is found and brought up to date by the next publication instead of showing a second, stale progress.
   */
  publishProgress(input: Parameters<CampaignNotifier['publishProgress']>[0]): Promise<NotificationReceipt> {
    return this.once(input.idempotencyKey, async () => {
      const message = checked(campaignProgressMessage(input.progress), 'a campaign progress message');
      const channel = input.progress.campaign.channelId;
      const targets = channel === null ? [] : [{ key: `channel:${channel}`, recipient: null, message }];
      if (input.receipt !== null && input.receipt.messages.length > 0) {
        const updated = await this.update(input.idempotencyKey, input.receipt.messages, message);
        if (updated.length > 0)
          return this.finish({ idempotencyKey: input.idempotencyKey, messages: updated, digest: null });
        // Deleted by someone: a new one is posted for this publication.
        return this.deliver(input.idempotencyKey, targets);
      }
      const messageKey = `campaign/${input.progress.campaign.id}/progress-message`;
      const before = await this.deliveries.load(messageKey);
      const first = await this.deliver(messageKey, targets);
      // An earlier publication's message (found in Slack or recorded) still shows what it knew then.
      const messages = before === undefined ? first.messages : await this.update(messageKey, first.messages, message);
      if (messages.length === 0 && first.messages.length > 0) return this.deliver(input.idempotencyKey, targets);
      return this.finish({ idempotencyKey: input.idempotencyKey, messages, digest: null });
    });
  }

  /** Posts the escalation to the campaign channel and to each group's management and incident-response contacts. */
  escalateLaggards(input: Parameters<CampaignNotifier['escalateLaggards']>[0]): Promise<NotificationReceipt> {
    return this.once(input.idempotencyKey, async () => {
      const { progress, examples } = input;
      const targets: SlackTarget[] = [];
      const channel = progress.campaign.channelId;
      if (channel !== null) {
        const message = campaignEscalationMessage({ progress, groups: input.groups, examples });
        targets.push({
          key: `channel:${channel}`,
          recipient: null,
          message: checked(message, 'a campaign escalation'),
        });
      }
      const groupsByUser = new Map<string, EscalatedGroup[]>();
      for (const escalated of input.groups) {
        const people = [escalated.group?.managementContact, escalated.group?.incidentResponseContact];
        for (const person of people) {
          if (person === null || person === undefined) continue;
          const userId = await this.people.userIdOf(person, input.idempotencyKey);
          if (userId === null) continue;
          const theirs = groupsByUser.get(userId) ?? [];
          if (!theirs.includes(escalated)) theirs.push(escalated);
          groupsByUser.set(userId, theirs);
        }
      }
      for (const [userId, groups] of groupsByUser) {
        const names = new Set(groups.map(({ progress: group }) => group.group));
        const message = campaignEscalationMessage({
          progress,
          groups,
          examples: examples.filter((member) => names.has(member.ownerGroup)),
        });
        targets.push({ key: `user:${userId}`, recipient: userId, message: checked(message, 'a campaign escalation') });
      }
      return this.deliver(input.idempotencyKey, targets);
    });
  }

  /** Posts the report to the campaign channel. */
  postReport(input: Parameters<CampaignNotifier['postReport']>[0]): Promise<NotificationReceipt> {
    return this.once(input.idempotencyKey, () => {
      const channel = input.progress.campaign.channelId;
      const message = checked(campaignReportMessage(input.progress, input.markdown), 'a campaign report');
      return this.deliver(
        input.idempotencyKey,
        channel === null ? [] : [{ key: `channel:${channel}`, recipient: null, message }],
      );
    });
  }

  /** Updates each message in place; returns the ones that still exist. */
  private async update(
    idempotencyKey: string,
    messages: readonly DeliveredMessage[],
    message: SlackMessage,
  ): Promise<DeliveredMessage[]> {
    const updated: DeliveredMessage[] = [];
    for (const delivered of messages) {
      try {
        await this.client.chat.update({ channel: delivered.channel, ts: delivered.ts, ...message });
        updated.push(delivered);
      } catch (error) {
        const name = slackErrorName(error);
        if (name !== 'message_not_found') {
          throw deliveryFailure(
            error,
            delivered.channel,
            `updating campaign message ${delivered.ts} in ${delivered.channel}`,
          );
        }
        this.log({
          kind: 'message-not-updated',
          idempotencyKey,
          channel: delivered.channel,
          ts: delivered.ts,
          reason: name,
        });
      }
    }
    return updated;
  }
}
