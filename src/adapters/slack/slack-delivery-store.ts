/**
 * What the Slack notifier delivered per idempotency key: each message as soon as Slack accepted it (alone or as a
 * digest listing several keys), then the final receipt, so a repeated send returns the first receipt and a send that
 * failed half-way resumes where it stopped.
 */
import type { CertificateSummary } from '../../core/domain/lifecycle/model';
import type { DeliveredMessage, NotificationReceipt } from '../../core/ports/notification-port';

/** The deliveries of one idempotency key so far. */
export interface SlackDelivery {
  /** Delivered messages by target (`channel:<id>` or `user:<Slack user id>`), in delivery order. */
  readonly delivered: ReadonlyMap<string, DeliveredMessage>;
  /** The first digest the key appeared in; null while it went out only on its own. */
  readonly digest: string | null;
  /** Set once every target was tried: a repeated send returns it as it is. */
  readonly receipt: NotificationReceipt | null;
  /** The certificate the notification was about, so a decision shown later can name it. */
  readonly certificate: CertificateSummary | null;
  /** When the key's first post was begun or recorded: a message of an earlier attempt is not older. */
  readonly startedAt: Date;
  /** When the key's latest post was begun (or later): a post Slack never answered may appear until a while after. */
  readonly lastPostBegunAt: Date;
}

/** A key a posted message carries, with the certificate it is about (null for a campaign's messages). */
export interface PostedMember {
  readonly idempotencyKey: string;
  readonly certificate: CertificateSummary | null;
  /**
   * Set when the message, posted alone, shows buttons for this version of the certificate: the notification's kind
   * and its request, so the message can be updated once that version is gone.
   */
  readonly buttons?: { readonly kind: string; readonly requestId: string | null };
}

/** A message of a key, or every message of it when `target` is absent. */
export interface MessageRef {
  readonly idempotencyKey: string;
  readonly target?: string;
}

/** A message still showing buttons for a version of a managed certificate. */
export interface CertificateMessage {
  readonly idempotencyKey: string;
  /** `channel:<id>` or `user:<Slack user id>`. */
  readonly target: string;
  /** The notification's kind: `reminder`, `approval-request`, `escalation`, `incident`. */
  readonly kind: string;
  readonly message: DeliveredMessage;
}

/** One message Slack accepted for one target. */
export interface PostedMessage {
  /** `channel:<id>` or `user:<Slack user id>`. */
  readonly target: string;
  readonly message: DeliveredMessage;
  /** The digest id when the message lists several notifications; null for a notification's own message. */
  readonly digest: string | null;
  /** Every key the message carries: one, or each member of the digest. */
  readonly members: readonly PostedMember[];
}

/** Where the Slack notifier keeps its progress per idempotency key. */
export interface SlackDeliveryStore {
  /** What was delivered for a key so far; undefined when no post of it was ever begun. */
  load(idempotencyKey: string): Promise<SlackDelivery | undefined>;
  /**
   * Records that a post for these keys begins, before it is sent (its first instant kept, its latest updated): if its
   * answer is lost, the key's next attempt knows to look for the message in Slack instead of posting it again, once
   * the post can no longer appear.
   */
  beginPosting(idempotencyKeys: readonly string[]): Promise<void>;
  /** Records one message Slack accepted for every key it carries, at once, before the next one is posted. */
  saveMessage(posted: PostedMessage): Promise<void>;
  /** Records the finished receipt of a key. */
  saveReceipt(receipt: NotificationReceipt, certificate: CertificateSummary | null): Promise<void>;
  /** The messages posted with buttons for this version of the managed certificate and not closed yet. */
  openCertificateMessages(managedCertificateId: string, fingerprintSha256: string): Promise<CertificateMessage[]>;
  /** Marks messages closed (every target of a key when no target is given): they say what happened, or cannot. */
  closeCertificateMessages(messages: readonly MessageRef[]): Promise<void>;
  /** The targets (`channel:<id>`, `user:<id>`) that were sent the approval request of `requestId`. */
  requestTargets(requestId: string): Promise<ReadonlySet<string>>;
}

interface MutableCertificateMessage extends CertificateMessage {
  readonly managedCertificateId: string;
  readonly fingerprintSha256: string;
  readonly requestId: string | null;
  closed: boolean;
}

interface MutableDelivery {
  readonly startedAt: Date;
  lastPostBegunAt: Date;
  readonly delivered: Map<string, DeliveredMessage>;
  digest: string | null;
  receipt: NotificationReceipt | null;
  certificate: CertificateSummary | null;
}

/** Keeps deliveries in process memory: for tests and tools; the worker uses the inventory database's store. */
export class InMemorySlackDeliveryStore implements SlackDeliveryStore {
  private readonly deliveries = new Map<string, MutableDelivery>();
  /** By `<idempotency key> <target>`. */
  private readonly certificateMessages = new Map<string, MutableCertificateMessage>();

  /** The deliveries of a key, as a copy the caller cannot change. */
  load(idempotencyKey: string): Promise<SlackDelivery | undefined> {
    const delivery = this.deliveries.get(idempotencyKey);
    if (delivery === undefined) return Promise.resolve(undefined);
    return Promise.resolve({ ...delivery, delivered: new Map(delivery.delivered) });
  }

  /** Creates the keys' entries, or marks their latest post begun now. */
  beginPosting(idempotencyKeys: readonly string[]): Promise<void> {
    for (const key of idempotencyKeys) this.entry(key).lastPostBegunAt = new Date();
    return Promise.resolve();
  }

  /** Adds the message to every key it carries. */
  saveMessage(posted: PostedMessage): Promise<void> {
    for (const member of posted.members) {
      const delivery = this.entry(member.idempotencyKey);
      if (!delivery.delivered.has(posted.target)) delivery.delivered.set(posted.target, posted.message);
      delivery.digest ??= posted.digest;
      delivery.certificate = member.certificate;
      const id = `${member.idempotencyKey} ${posted.target}`;
      if (member.buttons && member.certificate && posted.digest === null && !this.certificateMessages.has(id)) {
        this.certificateMessages.set(id, {
          idempotencyKey: member.idempotencyKey,
          target: posted.target,
          kind: member.buttons.kind,
          message: posted.message,
          managedCertificateId: member.certificate.managedCertificateId,
          fingerprintSha256: member.certificate.fingerprintSha256,
          requestId: member.buttons.requestId,
          closed: false,
        });
      }
    }
    return Promise.resolve();
  }

  /** Open messages of the version, in posting order. */
  openCertificateMessages(managedCertificateId: string, fingerprintSha256: string): Promise<CertificateMessage[]> {
    const open = [...this.certificateMessages.values()].filter(
      (message) =>
        !message.closed &&
        message.managedCertificateId === managedCertificateId &&
        message.fingerprintSha256 === fingerprintSha256,
    );
    return Promise.resolve(
      open.map(({ idempotencyKey, target, kind, message }) => ({ idempotencyKey, target, kind, message })),
    );
  }

  /** Marks the messages closed. */
  closeCertificateMessages(messages: readonly MessageRef[]): Promise<void> {
    for (const { idempotencyKey, target } of messages) {
      for (const message of this.certificateMessages.values()) {
        if (message.idempotencyKey === idempotencyKey && (target === undefined || message.target === target)) {
          message.closed = true;
        }
      }
    }
    return Promise.resolve();
  }

  /** Targets of the request's approval messages. */
  requestTargets(requestId: string): Promise<ReadonlySet<string>> {
    const targets = [...this.certificateMessages.values()]
      .filter((message) => message.requestId === requestId && message.kind === 'approval-request')
      .map((message) => message.target);
    return Promise.resolve(new Set(targets));
  }

  /** Marks a key finished with its receipt. */
  saveReceipt(receipt: NotificationReceipt, certificate: CertificateSummary | null): Promise<void> {
    const delivery = this.entry(receipt.idempotencyKey);
    delivery.receipt = receipt;
    delivery.certificate = certificate;
    return Promise.resolve();
  }

  private entry(idempotencyKey: string): MutableDelivery {
    let delivery = this.deliveries.get(idempotencyKey);
    if (delivery === undefined) {
      const now = new Date();
      delivery = {
        startedAt: now,
        lastPostBegunAt: now,
        delivered: new Map(),
        digest: null,
        receipt: null,
        certificate: null,
      };
      this.deliveries.set(idempotencyKey, delivery);
    }
    return delivery;
  }
}
