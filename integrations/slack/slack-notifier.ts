/**
 * The lifecycle's notification port on Slack (R-MON-1, R-RA-1, R-MON-3): each notification goes to the owner
 * group's channel and, as a direct message, to every person of its audience Slack knows. Every delivered message is
 * recorded before the next is posted, so a repeated send returns the first receipt and a send that failed half-way
 * posts only what is missing.
 */
import type { WebClient } from '@slack/web-api';
import type { Person } from '../../domain/inventory/model';
import { checkMessage } from '../../bots/slack/views/block-kit-check';
import type { SlackMessage } from '../../bots/slack/views/blocks';
import { approvalDecisionMessage, notificationMessage } from '../../bots/slack/views/notification-messages';
import {
  type DecisionUpdate,
  type DeliveredMessage,
  type LifecycleNotification,
  type NotificationPort,
  type NotificationReceipt,
  NotificationRejectedError,
} from '../notifications/notification-port';
import { InMemorySlackDeliveryStore, type SlackDeliveryStore } from './slack-delivery-store';
import { deliveryFailure, slackErrorName, stopsWholeSend, UNREACHABLE_PERSON_ERRORS } from './slack-web-client';

/** Something the notifier could not do but did not fail for: worth a log line. */
export type SlackNotifierEvent =
  | {
      readonly kind: 'person-skipped';
      readonly idempotencyKey: string;
      readonly person: Person;
      /** Why, e.g. `no slackUserId or email` or Slack's `users_not_found`. */
      readonly reason: string;
    }
  | { readonly kind: 'nobody-reached'; readonly idempotencyKey: string }
  | {
      readonly kind: 'message-not-updated';
      readonly idempotencyKey: string;
      readonly channel: string;
      readonly ts: string;
      readonly reason: string;
    };

/** What the Slack notifier needs. */
export interface SlackNotifierOptions {
  /** A client made by `createSlackWebClient` (waits out 429s, retries 5xx). */
  readonly client: WebClient;
  /** In memory by default. */
  readonly deliveries?: SlackDeliveryStore;
  /** Told about skipped people and messages that are gone; ignored by default. */
  readonly log?: (event: SlackNotifierEvent) => void;
}

/** Who a person is in logs: their name, e-mail or Slack id. */
function personLabel(person: Person): string {
  return person.name ?? person.email ?? person.slackUserId ?? 'a person without name, e-mail or Slack id';
}

/** Sends lifecycle notifications as Block Kit messages through Slack's Web API. */
export class SlackNotifier implements NotificationPort {
  private readonly client: WebClient;
  private readonly deliveries: SlackDeliveryStore;
  private readonly log: (event: SlackNotifierEvent) => void;
  /** Lower-cased e-mail → Slack user id; only hits are kept, so someone who joins Slack later is found then. */
  private readonly userIdsByEmail = new Map<string, string>();
  /** Slack user id → the app's DM channel with them. */
  private readonly directChannels = new Map<string, string>();
  /** Sends under way, so two concurrent sends of one key post once. */
  private readonly inFlight = new Map<string, Promise<NotificationReceipt>>();

  constructor(options: SlackNotifierOptions) {
    this.client = options.client;
    this.deliveries = options.deliveries ?? new InMemorySlackDeliveryStore();
    this.log = options.log ?? (() => undefined);
  }

  /** Posts the notification to the group's channel and each reachable person once per idempotency key. */
  send(notification: LifecycleNotification): Promise<NotificationReceipt> {
    const key = notification.idempotencyKey;
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const sending = this.deliver(notification).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, sending);
    return sending;
  }

  /** Replaces every message of an approval request with its decision, buttons removed. */
  async showDecision(receipt: NotificationReceipt, update: DecisionUpdate): Promise<void> {
    const certificate = (await this.deliveries.load(receipt.idempotencyKey))?.certificate ?? null;
    const message = approvalDecisionMessage(update, certificate);
    const rejections: NotificationRejectedError[] = [];
    for (const delivered of receipt.messages) {
      try {
        await this.client.chat.update({ channel: delivered.channel, ts: delivered.ts, ...message });
      } catch (error) {
        const name = slackErrorName(error);
        if (name === 'message_not_found') {
          this.log({
            kind: 'message-not-updated',
            idempotencyKey: receipt.idempotencyKey,
            channel: delivered.channel,
            ts: delivered.ts,
            reason: name,
          });
          continue;
        }
        const failure = deliveryFailure(
          error,
          delivered.channel,
          `updating message ${delivered.ts} in ${delivered.channel}`,
        );
        if (!(failure instanceof NotificationRejectedError) || stopsWholeSend(error)) throw failure;
        rejections.push(failure);
      }
    }
    if (rejections.length > 0) throw combined(rejections);
  }

  private async deliver(notification: LifecycleNotification): Promise<NotificationReceipt> {
    const key = notification.idempotencyKey;
    const progress = await this.deliveries.load(key);
    if (progress?.receipt) return progress.receipt;
    const message = notificationMessage(notification);
    const problems = checkMessage(message);
    if (problems.length > 0) {
      throw new NotificationRejectedError(
        `certflow built a ${notification.kind} message Slack would refuse (${problems.join('; ')}): ` +
          'this is a bug in its Slack messages, please report it with the notification kind',
      );
    }
    const delivered = new Map(progress?.delivered ?? []);
    const rejections: NotificationRejectedError[] = [];
    const post = async (target: string, channel: () => Promise<string | null>, recipient: string | null) => {
      if (delivered.has(target)) return;
      const id = await channel();
      if (id === null) return;
      const posted = await this.post(id, message, notification.kind, rejections);
      if (posted === null) return;
      const record: DeliveredMessage = { channel: posted.channel, ts: posted.ts, recipient };
      delivered.set(target, record);
      await this.deliveries.saveMessage(key, target, record, notification.certificate);
    };

    const { channelId, people } = notification.audience;
    if (channelId !== null) await post(`channel:${channelId}`, () => Promise.resolve(channelId), null);
    const reached = new Set<string>();
    for (const person of people) {
      const userId = await this.slackUserId(person, key);
      if (userId === null || reached.has(userId)) continue;
      reached.add(userId);
      await post(`user:${userId}`, () => this.directChannel(userId, person, key), userId);
    }
    if (rejections.length > 0) throw combined(rejections);

    const receipt: NotificationReceipt = { idempotencyKey: key, messages: [...delivered.values()], digest: null };
    if (receipt.messages.length === 0) this.log({ kind: 'nobody-reached', idempotencyKey: key });
    await this.deliveries.saveReceipt(receipt, notification.certificate);
    return receipt;
  }

  /** Posts one message; null when Slack refused it for this channel only (the refusal joins `rejections`). */
  private async post(
    channel: string,
    message: SlackMessage,
    kind: string,
    rejections: NotificationRejectedError[],
  ): Promise<{ channel: string; ts: string } | null> {
    try {
      const answer = await this.client.chat.postMessage({ channel, ...message });
      if (answer.ts === undefined) throw new Error('Slack answered chat.postMessage without a ts');
      return { channel: answer.channel ?? channel, ts: answer.ts };
    } catch (error) {
      const failure = deliveryFailure(error, channel, `posting the ${kind} message to ${channel}`);
      if (!(failure instanceof NotificationRejectedError) || stopsWholeSend(error)) throw failure;
      rejections.push(failure);
      return null;
    }
  }

  /** The person's Slack user id, or null (logged) when they have none Slack knows. */
  private async slackUserId(person: Person, idempotencyKey: string): Promise<string | null> {
    if (person.slackUserId) return person.slackUserId;
    if (!person.email) {
      this.log({ kind: 'person-skipped', idempotencyKey, person, reason: 'no slackUserId or email' });
      return null;
    }
    const email = person.email.toLowerCase();
    const known = this.userIdsByEmail.get(email);
    if (known !== undefined) return known;
    try {
      const answer = await this.client.users.lookupByEmail({ email });
      const id = answer.user?.id;
      if (id === undefined) throw new Error('Slack answered users.lookupByEmail without a user id');
      this.userIdsByEmail.set(email, id);
      return id;
    } catch (error) {
      return this.unreachable(error, person, idempotencyKey, `looking up ${personLabel(person)} in Slack`);
    }
  }

  /** The app's DM channel with a user, or null (logged) when Slack cannot reach them. */
  private async directChannel(userId: string, person: Person, idempotencyKey: string): Promise<string | null> {
    const known = this.directChannels.get(userId);
    if (known !== undefined) return known;
    try {
      const answer = await this.client.conversations.open({ users: userId });
      const id = answer.channel?.id;
      if (id === undefined) throw new Error('Slack answered conversations.open without a channel id');
      this.directChannels.set(userId, id);
      return id;
    } catch (error) {
      return this.unreachable(error, person, idempotencyKey, `opening a direct message with ${userId}`);
    }
  }

  private unreachable(error: unknown, person: Person, idempotencyKey: string, what: string): null {
    const name = slackErrorName(error);
    if (name === undefined || !UNREACHABLE_PERSON_ERRORS.has(name)) throw deliveryFailure(error, 'Slack', what);
    this.log({ kind: 'person-skipped', idempotencyKey, person, reason: name });
    return null;
  }
}

/** One rejection for several refused channels, naming every fix. */
function combined(rejections: readonly NotificationRejectedError[]): NotificationRejectedError {
  const [only] = rejections;
  if (rejections.length === 1 && only !== undefined) return only;
  return new NotificationRejectedError(rejections.map((rejection) => rejection.message).join('; '));
}
