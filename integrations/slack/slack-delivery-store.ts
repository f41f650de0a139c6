/**
 * What the Slack notifier delivered per idempotency key: each message as soon as Slack accepted it, then the final
 * receipt, so a repeated send returns the first receipt and a send that failed half-way resumes where it stopped.
 */
import type { CertificateSummary } from '../../domain/lifecycle/model';
import type { DeliveredMessage, NotificationReceipt } from '../notifications/notification-port';

/** The deliveries of one idempotency key so far. */
export interface SlackDelivery {
  /** Delivered messages by target (`channel:<id>` or `user:<Slack user id>`), in delivery order. */
  readonly delivered: ReadonlyMap<string, DeliveredMessage>;
  /** Set once every target was tried: a repeated send returns it as it is. */
  readonly receipt: NotificationReceipt | null;
  /** The certificate the notification was about, so a decision shown later can name it. */
  readonly certificate: CertificateSummary | null;
}

/** Where the Slack notifier keeps its progress per idempotency key. */
export interface SlackDeliveryStore {
  /** What was delivered for a key so far; undefined when nothing was. */
  load(idempotencyKey: string): Promise<SlackDelivery | undefined>;
  /** Records one message Slack accepted, before the next one is posted. */
  saveMessage(
    idempotencyKey: string,
    target: string,
    message: DeliveredMessage,
    certificate: CertificateSummary,
  ): Promise<void>;
  /** Records the finished receipt of a key. */
  saveReceipt(receipt: NotificationReceipt, certificate: CertificateSummary): Promise<void>;
}

interface MutableDelivery {
  readonly delivered: Map<string, DeliveredMessage>;
  receipt: NotificationReceipt | null;
  certificate: CertificateSummary | null;
}

/**
 * Keeps deliveries in process memory: enough while a worker lives. A durable store (the inventory database) comes
 * with the worker wiring, so that a restarted worker does not post again either.
 */
export class InMemorySlackDeliveryStore implements SlackDeliveryStore {
  private readonly deliveries = new Map<string, MutableDelivery>();

  /** The deliveries of a key, as a copy the caller cannot change. */
  load(idempotencyKey: string): Promise<SlackDelivery | undefined> {
    const delivery = this.deliveries.get(idempotencyKey);
    if (delivery === undefined) return Promise.resolve(undefined);
    return Promise.resolve({ ...delivery, delivered: new Map(delivery.delivered) });
  }

  /** Adds one delivered message to its key. */
  saveMessage(
    idempotencyKey: string,
    target: string,
    message: DeliveredMessage,
    certificate: CertificateSummary,
  ): Promise<void> {
    const delivery = this.entry(idempotencyKey);
    delivery.delivered.set(target, message);
    delivery.certificate = certificate;
    return Promise.resolve();
  }

  /** Marks a key finished with its receipt. */
  saveReceipt(receipt: NotificationReceipt, certificate: CertificateSummary): Promise<void> {
    const delivery = this.entry(receipt.idempotencyKey);
    delivery.receipt = receipt;
    delivery.certificate = certificate;
    return Promise.resolve();
  }

  private entry(idempotencyKey: string): MutableDelivery {
    let delivery = this.deliveries.get(idempotencyKey);
    if (delivery === undefined) {
      delivery = { delivered: new Map(), receipt: null, certificate: null };
      this.deliveries.set(idempotencyKey, delivery);
    }
    return delivery;
  }
}
