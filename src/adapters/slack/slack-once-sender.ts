/**
 * What the Slack notifiers of campaigns and scheduled discovery share: one message per target (a channel, or a person
 * by direct message), each recorded in the delivery store before the next, so a retried call posts only what is
 * missing and a finished key returns its first receipt; concurrent calls with one key post once.
 */
import type { WebClient } from '@slack/web-api';
import type { SlackMessage } from './views/blocks';
import { checkMessage } from './views/block-kit-check';
import type { Person } from '../../core/domain/inventory/model';
import {
  type DeliveredMessage,
  NotificationInDoubtError,
  type NotificationReceipt,
  NotificationRejectedError,
} from '../../core/ports/notification-port';
import { InMemorySlackDeliveryStore, type SlackDeliveryStore } from './slack-delivery-store';
import type { SlackNotifierEvent } from './slack-notifier';
import { SlackPeopleDirectory, unreachableReason } from './slack-people';
import { deliveryFailure, stopsWholeSend } from './slack-web-client';
import { earlierPostsOf, POST_LANDING_MS, postOnce } from './slack-keyed-post';

/** What a Slack sender needs; the same client and delivery store as the lifecycle's SlackNotifier. */
export interface SlackOnceSenderOptions {
  /** A client made by `createSlackWebClient`. */
  readonly client: WebClient;
  /** In memory by default. */
  readonly deliveries?: SlackDeliveryStore;
  /** Told about skipped people and messages that are gone; ignored by default. */
  readonly log?: (event: SlackNotifierEvent) => void;
  /** How long an unanswered post may still appear in Slack; {@link POST_LANDING_MS} by default. */
  readonly postLandingMs?: number;
}

/** One message to deliver once per key: to a channel, or to a person by direct message. */
export interface SlackTarget {
  /** `channel:<id>` or `user:<Slack user id>`, the key the delivery is recorded under. */
  readonly key: string;
  readonly recipient: string | null;
  readonly message: SlackMessage;
}

/** The message as built, or a rejection when Slack would refuse it (a bug in certflow's messages). */
export function checked(message: SlackMessage, what: string): SlackMessage {
  const problems = checkMessage(message);
  if (problems.length > 0) {
    throw new NotificationRejectedError(
      `certflow built ${what} Slack would refuse (${problems.join('; ')}): this is a bug in its Slack messages, ` +
        'please report it with the campaign id',
    );
  }
  return message;
}

/** Posts messages to Slack channels and people once per idempotency key, recording each before the next. */
export class SlackOnceSender {
  protected readonly client: WebClient;
  protected readonly deliveries: SlackDeliveryStore;
  protected readonly log: (event: SlackNotifierEvent) => void;
  protected readonly people: SlackPeopleDirectory;
  protected readonly postLandingMs: number;
  /** Calls under way, so two concurrent calls with one key post once. */
  protected readonly inFlight = new Map<string, Promise<NotificationReceipt>>();

  constructor(options: SlackOnceSenderOptions) {
    this.client = options.client;
    this.deliveries = options.deliveries ?? new InMemorySlackDeliveryStore();
    this.log = options.log ?? (() => undefined);
    this.people = new SlackPeopleDirectory({ client: this.client, log: this.log });
    this.postLandingMs = options.postLandingMs ?? POST_LANDING_MS;
  }

  protected once(key: string, work: () => Promise<NotificationReceipt>): Promise<NotificationReceipt> {
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const call = (async () => (await this.deliveries.load(key))?.receipt ?? work())().finally(() =>
      this.inFlight.delete(key),
    );
    this.inFlight.set(key, call);
    return call;
  }
  /**
   * Posts each target's message unless the store has it, recording each before the next; a refusal for one channel
   * does not keep the others from theirs, and fails the call once every target was tried.
   */
  protected async deliver(idempotencyKey: string, targets: readonly SlackTarget[]): Promise<NotificationReceipt> {
    const progress = await this.deliveries.load(idempotencyKey);
    const delivered = new Map(progress?.delivered ?? []);
    // Only a key whose post was begun before can have a message Slack posted but certflow never heard of.
    const earlier = earlierPostsOf(progress);
    const rejections: NotificationRejectedError[] = [];
    for (const target of targets) {
      if (delivered.has(target.key)) continue;
      const channel =
        target.recipient === null
          ? target.key.slice('channel:'.length)
          : await this.directChannel(target.recipient, idempotencyKey);
      if (channel === null) continue;
      try {
        const posted = await postOnce(this.client, {
          channel,
          message: target.message,
          key: idempotencyKey,
          earlier,
          landingMs: this.postLandingMs,
          beforePost: () => this.deliveries.beginPosting([idempotencyKey]),
        });
        const record: DeliveredMessage = { channel: posted.channel, ts: posted.ts, recipient: target.recipient };
        await this.deliveries.saveMessage({
          target: target.key,
          message: record,
          digest: null,
          members: [{ idempotencyKey, certificate: null }],
        });
        delivered.set(target.key, record);
      } catch (error) {
        if (error instanceof NotificationInDoubtError) throw error;
        const failure =
          error instanceof NotificationRejectedError
            ? error
            : deliveryFailure(error, channel, `posting ${target.key} to ${channel}`);
        if (!(failure instanceof NotificationRejectedError) || stopsWholeSend(error)) throw failure;
        rejections.push(failure);
      }
    }
    if (rejections.length > 0)
      throw new NotificationRejectedError(rejections.map((rejection) => rejection.message).join('; '));
    if (delivered.size === 0) this.log({ kind: 'nobody-reached', idempotencyKey });
    return this.finish({ idempotencyKey, messages: [...delivered.values()], digest: null });
  }

  protected async finish(receipt: NotificationReceipt): Promise<NotificationReceipt> {
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
