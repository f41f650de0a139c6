import type {
  DiscoveryNotifier,
  FindingDigest,
  NotificationReceipt,
  UnownedAnnouncement,
} from '../../../src/core/ports/notification-port';

/** A discovery notifier that keeps what it was asked to send, once per idempotency key, in memory. */
export class RecordingDiscoveryNotifier implements DiscoveryNotifier {
  readonly digests: FindingDigest[] = [];
  readonly announcements: UnownedAnnouncement[] = [];
  private readonly keys = new Set<string>();

  sendFindingDigest(digest: FindingDigest): Promise<NotificationReceipt> {
    if (this.first(digest.idempotencyKey)) this.digests.push(digest);
    return this.receipt(digest.idempotencyKey, digest.audience.channelId);
  }

  announceUnowned(announcement: UnownedAnnouncement): Promise<NotificationReceipt> {
    if (this.first(announcement.idempotencyKey)) this.announcements.push(announcement);
    return this.receipt(announcement.idempotencyKey, announcement.audience.channelId);
  }

  private first(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }

  private receipt(idempotencyKey: string, channel: string | null): Promise<NotificationReceipt> {
    return Promise.resolve({
      idempotencyKey,
      messages: [{ channel: channel ?? 'direct', ts: idempotencyKey, recipient: null }],
      digest: null,
    });
  }
}
