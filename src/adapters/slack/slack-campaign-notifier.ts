/**
 * The campaign notifier on Slack (R-CAM-3): one progress message in the campaign channel, updated in place with
 * chat.update; the deadline escalation to the campaign channel and, by direct message, to the management and
 * incident-response contacts of every group not done; the report in the campaign channel. Like the lifecycle's
 * notifier it records every message Slack accepted in the delivery store before the next, so a retried call posts
 * only what is missing and a finished key returns its first receipt.
 */
import type { WebClient } from '@slack/web-api';
import type { SlackMessage } from './views/blocks';
import { checkMessage } from './views/block-kit-check';
import {
  campaignEscalationMessage,
  campaignProgressMessage,
  campaignReportMessage,
  type EscalatedGroup,
} from './views/campaign-messages';
import type { Person } from '../../core/domain/inventory/model';
import {
  type CampaignNotifier,
  type DeliveredMessage,
  type NotificationReceipt,
  NotificationRejectedError,
} from '../../core/ports/notification-port';
import { InMemorySlackDeliveryStore, type SlackDeliveryStore } from './slack-delivery-store';
import type { SlackNotifierEvent } from './slack-notifier';
import { SlackPeopleDirectory, unreachableReason } from './slack-people';
import { deliveryFailure, slackErrorName, stopsWholeSend } from './slack-web-client';

/** What the Slack campaign notifier needs; the same client and delivery store as the lifecycle's SlackNotifier. */
export interface SlackCampaignNotifierOptions {
  /** A client made by `createSlackWebClient`. */
  readonly client: WebClient;
  /** In memory by default. */
  readonly deliveries?: SlackDeliveryStore;
  /** Told about skipped people and messages that are gone; ignored by default. */
  readonly log?: (event: SlackNotifierEvent) => void;
}

/** One message to deliver once per key: to a channel, or to a person by direct message. */
interface CampaignTarget {
  /** `channel:<id>` or `user:<Slack user id>`, the key the delivery is recorded under. */
  readonly key: string;
  readonly recipient: string | null;
  readonly message: SlackMessage;
}

/** The message as built, or a rejection when Slack would refuse it (a bug in certflow's messages). */
function checked(message: SlackMessage, what: string): SlackMessage {
  const problems = checkMessage(message);
  if (problems.length > 0) {
    throw new NotificationRejectedError(
      `certflow built ${what} Slack would refuse (${problems.join('; ')}): this is a bug in its Slack messages, ` +
        'please report it with the campaign id',
    );
  }
  return message;
}

/** Sends a campaign's progress, escalation and report through Slack's Web API, once per idempotency key. */
export class SlackCampaignNotifier implements CampaignNotifier {
  private readonly client: WebClient;
  private readonly deliveries: SlackDeliveryStore;
  private readonly log: (event: SlackNotifierEvent) => void;
  private readonly people: SlackPeopleDirectory;
  /** Calls under way, so two concurrent calls with one key post once. */
  private readonly inFlight = new Map<string, Promise<NotificationReceipt>>();

  constructor(options: SlackCampaignNotifierOptions) {
    this.client = options.client;
    this.deliveries = options.deliveries ?? new InMemorySlackDeliveryStore();
    this.log = options.log ?? (() => undefined);
    this.people = new SlackPeopleDirectory({ client: this.client, log: this.log });
  }

  /** Posts the progress message, or updates the receipt's messages in place (posting anew if they were deleted). */
  publishProgress(input: Parameters<CampaignNotifier['publishProgress']>[0]): Promise<NotificationReceipt> {
    return this.once(input.idempotencyKey, async () => {
      const message = checked(campaignProgressMessage(input.progress), 'a campaign progress message');
      const channel = input.progress.campaign.channelId;
      if (input.receipt !== null && input.receipt.messages.length > 0) {
        const updated = await this.update(input.idempotencyKey, input.receipt.messages, message);
        if (updated.length > 0)
          return this.finish({ idempotencyKey: input.idempotencyKey, messages: updated, digest: null });
      }
      const targets = channel === null ? [] : [{ key: `channel:${channel}`, recipient: null, message }];
      return this.deliver(input.idempotencyKey, targets);
    });
  }

  /** Posts the escalation to the campaign channel and to each group's management and incident-response contacts. */
  escalateLaggards(input: Parameters<CampaignNotifier['escalateLaggards']>[0]): Promise<NotificationReceipt> {
    return this.once(input.idempotencyKey, async () => {
      const { progress, examples } = input;
      const targets: CampaignTarget[] = [];
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

  private once(key: string, work: () => Promise<NotificationReceipt>): Promise<NotificationReceipt> {
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const call = (async () => (await this.deliveries.load(key))?.receipt ?? work())().finally(() =>
      this.inFlight.delete(key),
    );
    this.inFlight.set(key, call);
    return call;
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

  /**
   * Posts each target's message unless the store has it, recording each before the next; a refusal for one channel
   * does not keep the others from theirs, and fails the call once every target was tried.
   */
  private async deliver(idempotencyKey: string, targets: readonly CampaignTarget[]): Promise<NotificationReceipt> {
    const delivered = new Map((await this.deliveries.load(idempotencyKey))?.delivered ?? []);
    const rejections: NotificationRejectedError[] = [];
    for (const target of targets) {
      if (delivered.has(target.key)) continue;
      const channel =
        target.recipient === null
          ? target.key.slice('channel:'.length)
          : await this.directChannel(target.recipient, idempotencyKey);
      if (channel === null) continue;
      try {
        const answer = await this.client.chat.postMessage({ channel, ...target.message });
        if (answer.ts === undefined) throw new Error('Slack answered chat.postMessage without a ts');
        const record: DeliveredMessage = {
          channel: answer.channel ?? channel,
          ts: answer.ts,
          recipient: target.recipient,
        };
        await this.deliveries.saveMessage({
          target: target.key,
          message: record,
          digest: null,
          members: [{ idempotencyKey, certificate: null }],
        });
        delivered.set(target.key, record);
      } catch (error) {
        const failure =
          error instanceof NotificationRejectedError
            ? error
            : deliveryFailure(error, channel, `posting the campaign message to ${channel}`);
        if (!(failure instanceof NotificationRejectedError) || stopsWholeSend(error)) throw failure;
        rejections.push(failure);
      }
    }
    if (rejections.length > 0)
      throw new NotificationRejectedError(rejections.map((rejection) => rejection.message).join('; '));
    if (delivered.size === 0) this.log({ kind: 'nobody-reached', idempotencyKey });
    return this.finish({ idempotencyKey, messages: [...delivered.values()], digest: null });
  }

  private async finish(receipt: NotificationReceipt): Promise<NotificationReceipt> {
    await this.deliveries.saveReceipt(receipt, null);
    return receipt;
  }

  /** The app's DM channel with a user, or null (logged) when Slack cannot reach them. */
  private async directChannel(userId: string, idempotencyKey: string): Promise<string | null> {
    try {
      return await this.people.directChannelOf(userId);
    } catch (error) {
      return this.unreachable(
        error,
        { slackUserId: userId },
        idempotencyKey,
        `opening a direct message with ${userId}`,
      );
    }
  }

  private unreachable(error: unknown, person: Person, idempotencyKey: string, what: string): null {
    this.log({ kind: 'person-skipped', idempotencyKey, person, reason: unreachableReason(error, what) });
    return null;
  }
}
