/**
 * The lifecycle's notification port on Slack (R-MON-1, R-RA-1, R-MON-3, R-MON-5): each notification goes to the
 * owner group's channel and, as a direct message, to every person of its audience Slack knows. Every delivered
 * message is recorded before the next is posted, so a repeated send returns the first receipt and a send that failed
 * half-way posts only what is missing.
 *
 * Digests (R-MON-5): reminders, escalations and incidents are collected for `digestWindowMs` after the first of
 * them arrives; "within a window" means arriving within that collection window AND falling due (`dueAt`) on the same
 * UTC day. A burst of lifecycles (an import, a worker back after an outage) thus folds into one message per channel
 * and per person, while a backlog keeps one message per day it fell due. When the window closes, or the collection
 * reaches `digestMaxBatch`, every target gets ONE message: the normal one when a single notification is for it, the
 * digest listing them all when several are. Approval requests, decisions and renewal progress go out at once and
 * alone: they carry buttons that are updated in place.
 */
import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { Person } from '../../core/domain/inventory/model';
import { checkMessage } from './views/block-kit-check';
import type { SlackMessage } from './views/blocks';
import { DIGEST_MAX_ITEMS, digestMessage, isDigestible } from './views/digest-message';
import {
  approvalDecisionMessage,
  notificationMessage,
  supersededMessage,
  type SupersedingStep,
} from './views/notification-messages';
import {
  type DecisionUpdate,
  type DeliveredMessage,
  type LifecycleNotification,
  type NotificationPort,
  type NotificationReceipt,
  NotificationInDoubtError,
  NotificationRejectedError,
  type RenewalProgressNotification,
} from '../../core/ports/notification-port';
import { InMemorySlackDeliveryStore, type PostedMember, type SlackDeliveryStore } from './slack-delivery-store';
import { SlackPeopleDirectory, unreachableReason } from './slack-people';
import { deliveryFailure, slackErrorName, stopsWholeSend } from './slack-web-client';
import { type EarlierPosts, earlierPostsOf, findLanded, keysOf, POST_LANDING_MS, postMarked } from './slack-keyed-post';

/** Something the notifier could not do but did not fail for: worth a log line. */
export type SlackNotifierEvent =
  | {
      readonly kind: 'person-skipped';
      readonly idempotencyKey: string;
      readonly person: Person;
      /** Why, e.g. `no slackUserId or email` or Slack's `users_not_found`. */
      readonly reason: string;
    }
  | {
      readonly kind: 'user-group-skipped';
      readonly idempotencyKey: string;
      readonly userGroupId: string;
      /** Slack's reason, e.g. `no_such_subteam`. */
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
  /** How long reminders, escalations and incidents are collected into digests; 5 s by default, 0 sends each alone. */
  readonly digestWindowMs?: number;
  /** A collection goes out as soon as it holds this many notifications; {@link DIGEST_MAX_ITEMS} by default. */
  readonly digestMaxBatch?: number;
  /** Closes collection windows; setTimeout by default, injectable so tests decide when a window closes. */
  readonly schedule?: DigestScheduler;
  /** The clock digests count days left from; the wall clock by default. */
  readonly now?: () => Date;
  /** How long an unanswered post may still appear in Slack; {@link POST_LANDING_MS} by default. */
  readonly postLandingMs?: number;
}

/** Calls `send` after `delayMs` and returns what cancels it. */
export type DigestScheduler = (delayMs: number, send: () => void) => () => void;

/** How long digestible notifications are collected by default: long enough for a burst, short for an activity. */
export const DEFAULT_DIGEST_WINDOW_MS = 5_000;

/** Digest settings the notifier cannot work with; the message names the fix. */
export class InvalidDigestSettingsError extends Error {
  override readonly name = 'InvalidDigestSettingsError';
}

const timerScheduler: DigestScheduler = (delayMs, send) => {
  const timer = setTimeout(send, delayMs);
  return () => clearTimeout(timer);
};

/** Who a person is in logs: their name, e-mail or Slack id. */
function personLabel(person: Person): string {
  return person.name ?? person.email ?? person.slackUserId ?? 'a person without name, e-mail or Slack id';
}

/** A send waiting for its messages. */
interface PendingSend {
  readonly notification: LifecycleNotification;
  readonly resolve: (receipt: NotificationReceipt) => void;
  readonly reject: (error: unknown) => void;
}

/** Digestible sends falling due on one UTC day, collected until their window closes. */
interface Collection {
  readonly sends: PendingSend[];
  readonly cancel: () => void;
}

/** A channel or person a notification goes to. */
interface Target {
  /** `channel:<id>` or `user:<Slack user id>`, the key deliveries are recorded under. */
  readonly key: string;
  /** The Slack user id of a direct message. */
  readonly recipient: string | null;
  /** Who a digest is for, as people read it. */
  readonly label: string;
  /** Where to post; null (logged) when the person cannot be reached. */
  readonly channel: (idempotencyKeys: readonly string[]) => Promise<string | null>;
}

/** A send of a batch with what it has delivered so far. */
interface OpenSend extends PendingSend {
  readonly targets: readonly Target[];
  readonly delivered: Map<string, DeliveredMessage>;
  digest: string | null;
  readonly rejections: NotificationRejectedError[];
  /** When an earlier attempt of the key began posting, whose messages may be in Slack unrecorded; null if none did. */
  readonly earlier: EarlierPosts | null;
}

/** The UTC day a notification fell due on, e.g. `2025-06-01`; digests never mix days. */
function dueDay(notification: LifecycleNotification): string | null {
  const ms = Date.parse(notification.dueAt);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 10);
}

/** Sends lifecycle notifications as Block Kit messages through Slack's Web API, folding bursts into digests. */
export class SlackNotifier implements NotificationPort {
  private readonly client: WebClient;
  private readonly deliveries: SlackDeliveryStore;
  private readonly log: (event: SlackNotifierEvent) => void;
  private readonly digestWindowMs: number;
  private readonly digestMaxBatch: number;
  private readonly schedule: DigestScheduler;
  private readonly now: () => Date;
  private readonly people: SlackPeopleDirectory;
  private readonly postLandingMs: number;
  /** Sends under way, so two concurrent sends of one key post once. */
  private readonly inFlight = new Map<string, Promise<NotificationReceipt>>();
  /** Open collections by due day. */
  private readonly collections = new Map<string, Collection>();
  /** Batches being posted, for {@link SlackNotifier.flush}. */
  private readonly posting = new Set<Promise<void>>();

  constructor(options: SlackNotifierOptions) {
    this.client = options.client;
    this.deliveries = options.deliveries ?? new InMemorySlackDeliveryStore();
    this.log = options.log ?? (() => undefined);
    this.people = new SlackPeopleDirectory({ client: this.client, log: this.log, describe: personLabel });
    this.digestWindowMs = options.digestWindowMs ?? DEFAULT_DIGEST_WINDOW_MS;
    this.digestMaxBatch = options.digestMaxBatch ?? DIGEST_MAX_ITEMS;
    this.schedule = options.schedule ?? timerScheduler;
    this.now = options.now ?? (() => new Date());
    this.postLandingMs = options.postLandingMs ?? POST_LANDING_MS;
    if (!Number.isFinite(this.digestWindowMs) || this.digestWindowMs < 0) {
      throw new InvalidDigestSettingsError(
        `digestWindowMs must be a number of milliseconds ≥ 0 (0 sends every notification alone), not ${this.digestWindowMs}`,
      );
    }
    if (!Number.isInteger(this.digestMaxBatch) || this.digestMaxBatch < 1) {
      throw new InvalidDigestSettingsError(
        `digestMaxBatch must be a whole number ≥ 1 (1 sends every notification alone), not ${this.digestMaxBatch}`,
      );
    }
  }

  /**
   * Posts the notification to the group's channel and each reachable person once per idempotency key; reminders,
   * escalations and incidents wait for their collection window and may go out in a digest.
   */
  send(notification: LifecycleNotification): Promise<NotificationReceipt> {
    const key = notification.idempotencyKey;
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    // The old version's messages say what happened first: a retried send finishes what a failed one left open.
    const sending = (
      supersedes(notification)
        ? this.closeSuperseded(notification).then(() => this.enqueue(notification))
        : this.enqueue(notification)
    ).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, sending);
    return sending;
  }

  /** Posts at once, or collects for a digest. */
  private enqueue(notification: LifecycleNotification): Promise<NotificationReceipt> {
    const key = notification.idempotencyKey;
    return new Promise<NotificationReceipt>((resolve, reject) => {
      const pending: PendingSend = { notification, resolve, reject };
      if (!isDigestible(notification) || this.digestWindowMs === 0 || this.digestMaxBatch === 1) {
        this.post([pending]);
        return;
      }
      const day = dueDay(notification);
      if (day !== null) {
        this.collect(day, pending);
        return;
      }
      reject(
        new NotificationRejectedError(
          `the ${notification.kind} notification ${key} has dueAt "${notification.dueAt}", which is not an ISO 8601 ` +
            "instant: this is a bug in certflow's lifecycle, please report it with the notification kind",
        ),
      );
    });
  }

  /**
   * When a version was renewed, replaced outside certflow or retired, updates its reminders, approval requests,
   * escalations and incidents still showing buttons to say so, without buttons. A message Slack no longer has, or
   * will not let the app edit, is logged and left; Slack being unreachable fails the send, to be retried.
   */
  private async closeSuperseded(notification: RenewalProgressNotification & { step: SupersedingStep }): Promise<void> {
    const { certificate } = notification;
    const open = await this.deliveries.openCertificateMessages(
      certificate.managedCertificateId,
      certificate.fingerprintSha256,
    );
    for (const old of open) {
      const message = supersededMessage({
        certificate,
        kind: old.kind,
        step: notification.step,
        at: notification.dueAt,
        replacement: notification.replacement,
      });
      try {
        await this.client.chat.update({ channel: old.message.channel, ts: old.message.ts, ...message });
      } catch (error) {
        const name = slackErrorName(error);
        if (name === undefined || stopsWholeSend(error)) {
          throw deliveryFailure(
            error,
            old.message.channel,
            `updating message ${old.message.ts} in ${old.message.channel}`,
          );
        }
        this.log({
          kind: 'message-not-updated',
          idempotencyKey: old.idempotencyKey,
          channel: old.message.channel,
          ts: old.message.ts,
          reason: name,
        });
      }
      await this.deliveries.closeCertificateMessages([old]);
    }
  }

  /** Sends every open collection now and waits until every send under way is done: call it before shutting down. */
  async flush(): Promise<void> {
    for (const day of [...this.collections.keys()]) this.close(day);
    await Promise.all([...this.posting]);
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
    // The decision replaced the buttons: a renewal later has nothing left to update there.
    await this.deliveries.closeCertificateMessages([{ idempotencyKey: receipt.idempotencyKey }]);
  }

  /** Adds a send to its day's collection, opening it (and its window) for the first one. */
  private collect(day: string, pending: PendingSend): void {
    let collection = this.collections.get(day);
    if (collection === undefined) {
      const sends: PendingSend[] = [];
      // A window that fires after its collection went out (full, or flushed) must not close the day's next one.
      const cancel = this.schedule(this.digestWindowMs, () => {
        if (this.collections.get(day)?.sends === sends) this.close(day);
      });
      collection = { sends, cancel };
      this.collections.set(day, collection);
    }
    collection.sends.push(pending);
    if (collection.sends.length >= this.digestMaxBatch) this.close(day);
  }

  private close(day: string): void {
    const collection = this.collections.get(day);
    if (collection === undefined) return;
    this.collections.delete(day);
    collection.cancel();
    this.post(collection.sends);
  }

  /** Posts a batch in the background; every send of it is settled by {@link SlackNotifier.deliver}. */
  private post(sends: readonly PendingSend[]): void {
    const posting = this.deliver(sends).finally(() => this.posting.delete(posting));
    this.posting.add(posting);
  }

  /**
   * Posts one message per target of the batch (alone or a digest), recording each before the next; settles every
   * send, and stops at the first failure that would fail every other call too (Slack down, a bad token), failing
   * the sends that still miss a message.
   */
  private async deliver(sends: readonly PendingSend[]): Promise<void> {
    const open: OpenSend[] = [];
    for (const pending of sends) {
      try {
        const opened = await this.open(pending);
        if (opened !== null) open.push(opened);
      } catch (error) {
        pending.reject(error);
      }
    }
    const byTarget = new Map<string, { target: Target; sends: OpenSend[] }>();
    for (const send of open) {
      for (const target of send.targets) {
        if (send.delivered.has(target.key)) continue;
        const group = byTarget.get(target.key) ?? { target, sends: [] };
        group.sends.push(send);
        byTarget.set(target.key, group);
      }
    }
    const digest = `digest-${randomUUID()}`;
    const groups = [...byTarget.values()];
    // After a failure nothing more is posted; only the sends still missing a message fail, the others are done.
    const unfinished = new Set<OpenSend>();
    let failure: unknown;
    for (const [index, { target, sends: members }] of groups.entries()) {
      try {
        await this.postTo(target, members, digest);
      } catch (error) {
        failure = error;
        for (const group of groups.slice(index)) for (const send of group.sends) unfinished.add(send);
        break;
      }
    }
    for (const send of open) {
      try {
        if (unfinished.has(send)) throw failure;
        send.resolve(await this.finish(send));
      } catch (error) {
        send.reject(error);
      }
    }
  }

  /** A send with its progress and targets; null when it was delivered before (and is resolved with that receipt). */
  private async open(pending: PendingSend): Promise<OpenSend | null> {
    const { notification } = pending;
    const progress = await this.deliveries.load(notification.idempotencyKey);
    if (progress?.receipt) {
      pending.resolve(progress.receipt);
      return null;
    }
    checked(notificationMessage(notification), `a ${notification.kind} message`);
    const targets = await this.targets(notification);
    // Where the approval request was updated with the decision, the decision is not posted a second time.
    const shown =
      notification.kind === 'decision' ? await this.deliveries.requestTargets(notification.request.id) : new Set();
    return {
      ...pending,
      targets: targets.filter((target) => !shown.has(target.key)),
      delivered: new Map(progress?.delivered ?? []),
      digest: progress?.digest ?? null,
      rejections: [],
      earlier: earlierPostsOf(progress),
    };
  }

  /**
   * The group's channel, then each person Slack knows once, in audience order, then the members of the audience's
   * Slack user groups (they act in the role, so they get its messages) not reached already.
   */
  private async targets(notification: LifecycleNotification): Promise<Target[]> {
    const key = notification.idempotencyKey;
    const { channelId, people } = notification.audience;
    const targets: Target[] = [];
    if (channelId !== null) {
      const label = notification.group?.name ?? notification.certificate.ownerGroup ?? channelId;
      targets.push({ key: `channel:${channelId}`, recipient: null, label, channel: () => Promise.resolve(channelId) });
    }
    const reached = new Set<string>();
    for (const person of people) {
      const userId = await this.people.userIdOf(person, key);
      if (userId === null || reached.has(userId)) continue;
      reached.add(userId);
      targets.push({
        key: `user:${userId}`,
        recipient: userId,
        label: personLabel(person),
        channel: (keys) => this.directChannel(userId, person, keys),
      });
    }
    for (const userGroupId of notification.audience.userGroupIds ?? []) {
      for (const userId of await this.people.membersOf(userGroupId, key)) {
        if (reached.has(userId)) continue;
        reached.add(userId);
        const member: Person = { slackUserId: userId };
        targets.push({
          key: `user:${userId}`,
          recipient: userId,
          label: personLabel(member),
          channel: (keys) => this.directChannel(userId, member, keys),
        });
      }
    }
    return targets;
  }

  /**
   * Posts one message to a target for its sends: the notification's own for one, a digest for several; first adopts
   * what an earlier attempt of theirs posted there, found by their keys, so no key gets a second message.
   */
  private async postTo(target: Target, sends: readonly OpenSend[], digestId: string): Promise<void> {
    const channel = await target.channel(sends.map((send) => send.notification.idempotencyKey));
    if (channel === null) return;
    const [only] = sends;
    const what =
      sends.length === 1 && only !== undefined
        ? `posting the ${only.notification.kind} message to ${channel}`
        : `posting the digest of ${sends.length} notifications to ${channel}`;
    try {
      const missing = await this.adoptEarlier(target, channel, sends, what);
      if (missing.length > 0) await this.postNew(target, channel, missing, digestId);
    } catch (error) {
      if (error instanceof NotificationRejectedError || error instanceof NotificationInDoubtError) throw error;
      const failure = deliveryFailure(error, channel, what);
      if (!(failure instanceof NotificationRejectedError) || stopsWholeSend(error)) throw failure;
      for (const send of sends) send.rejections.push(failure);
    }
  }

  /**
   * Records the messages an earlier attempt posted in the channel for these sends, once its posts can have appeared;
   * returns the sends still missing one.
   */
  private async adoptEarlier(
    target: Target,
    channel: string,
    sends: readonly OpenSend[],
    what: string,
  ): Promise<OpenSend[]> {
    const earlier = sends.flatMap((send) => (send.earlier === null ? [] : [send.earlier]));
    if (earlier.length === 0) return [...sends];
    const since = Math.min(...earlier.map((posts) => posts.firstBegunAt.getTime()));
    const latest = Math.max(...earlier.map((posts) => posts.lastBegunAt.getTime()));
    const posts = { firstBegunAt: new Date(since), lastBegunAt: new Date(latest) };
    const byKey = new Map(sends.map((send) => [send.notification.idempotencyKey, send]));
    const found = await findLanded(this.client, channel, new Set(byKey.keys()), posts, {
      landingMs: this.postLandingMs,
      what,
    });
    const adopted = new Set<OpenSend>();
    for (const earlier of found) {
      const members = keysOf(earlier.mark).flatMap((key) => {
        const send = byKey.get(key);
        return send === undefined || adopted.has(send) ? [] : [send];
      });
      if (members.length === 0) continue;
      const digest = earlier.mark.members === undefined ? null : earlier.mark.key;
      await this.record(target, { channel, ts: earlier.ts }, digest, members);
      for (const member of members) adopted.add(member);
    }
    return sends.filter((send) => !adopted.has(send));
  }

  /** Posts the sends' message (their own for one, a digest for several), marked with their keys, and records it. */
  private async postNew(target: Target, channel: string, sends: readonly OpenSend[], digestId: string): Promise<void> {
    const [only] = sends;
    const alone = sends.length === 1 && only !== undefined;
    const message = alone ? notificationMessage(only.notification) : this.digestFor(target, sends);
    const keys = sends.map((send) => send.notification.idempotencyKey);
    await this.deliveries.beginPosting(keys);
    const mark = alone ? { key: only.notification.idempotencyKey } : { key: digestId, members: keys };
    const posted = await postMarked(this.client, channel, message, mark);
    await this.record(target, posted, alone ? null : digestId, sends);
  }

  /** Records a message of the target for every send it carries. */
  private async record(
    target: Target,
    posted: { channel: string; ts: string },
    digest: string | null,
    sends: readonly OpenSend[],
  ): Promise<void> {
    const record: DeliveredMessage = { channel: posted.channel, ts: posted.ts, recipient: target.recipient };
    await this.deliveries.saveMessage({
      target: target.key,
      message: record,
      digest,
      members: sends.map((send): PostedMember => ({
        idempotencyKey: send.notification.idempotencyKey,
        certificate: send.notification.certificate,
        ...(digest === null ? buttonsOf(send.notification) : {}),
      })),
    });
    for (const send of sends) {
      send.delivered.set(target.key, record);
      send.digest ??= digest;
    }
  }

  private digestFor(target: Target, sends: readonly OpenSend[]): SlackMessage {
    const notifications = sends.map((send) => send.notification).filter(isDigestible);
    const message = digestMessage({ recipient: target.label, notifications, now: this.now().toISOString() });
    return checked(message, 'a digest message');
  }

  /** The receipt of a send every target was tried for, recorded so a repeated send returns it. */
  private async finish(send: OpenSend): Promise<NotificationReceipt> {
    if (send.rejections.length > 0) throw combined(send.rejections);
    const key = send.notification.idempotencyKey;
    const receipt: NotificationReceipt = {
      idempotencyKey: key,
      messages: [...send.delivered.values()],
      digest: send.digest,
    };
    if (receipt.messages.length === 0) this.log({ kind: 'nobody-reached', idempotencyKey: key });
    await this.deliveries.saveReceipt(receipt, send.notification.certificate);
    return receipt;
  }

  /** The app's DM channel with a user, or null (logged per key) when Slack cannot reach them. */
  private async directChannel(userId: string, person: Person, keys: readonly string[]): Promise<string | null> {
    try {
      return await this.people.directChannelOf(userId);
    } catch (error) {
      return this.unreachable(error, person, keys, `opening a direct message with ${userId}`);
    }
  }

  private unreachable(error: unknown, person: Person, keys: readonly string[], what: string): null {
    const name = unreachableReason(error, what);
    for (const idempotencyKey of keys) this.log({ kind: 'person-skipped', idempotencyKey, person, reason: name });
    return null;
  }
}

/** Whether the notification ends a certificate version: renewed, replaced outside certflow, or retired. */
function supersedes(
  notification: LifecycleNotification,
): notification is RenewalProgressNotification & { step: SupersedingStep } {
  const step = notification.kind === 'renewal-progress' ? notification.step : null;
  return step === 'installed-and-verified' || step === 'replaced-outside-certflow' || step === 'revoked';
}

/** What a message posted alone shows buttons for, when its kind has buttons that act on this certificate version. */
function buttonsOf(notification: LifecycleNotification): Pick<PostedMember, 'buttons'> {
  switch (notification.kind) {
    case 'reminder':
    case 'escalation':
    case 'incident':
      return { buttons: { kind: notification.kind, requestId: null } };
    case 'approval-request':
      return { buttons: { kind: notification.kind, requestId: notification.request.id } };
    default:
      return {};
  }
}

/** The message as built, or a rejection when Slack would refuse it (a bug in certflow's messages). */
function checked(message: SlackMessage, what: string): SlackMessage {
  const problems = checkMessage(message);
  if (problems.length > 0) {
    throw new NotificationRejectedError(
      `certflow built ${what} Slack would refuse (${problems.join('; ')}): ` +
        'this is a bug in its Slack messages, please report it with the notification kind',
    );
  }
  return message;
}

/** One rejection for several refused channels, naming every fix. */
function combined(rejections: readonly NotificationRejectedError[]): NotificationRejectedError {
  const [only] = rejections;
  if (rejections.length === 1 && only !== undefined) return only;
  return new NotificationRejectedError(rejections.map((rejection) => rejection.message).join('; '));
}
