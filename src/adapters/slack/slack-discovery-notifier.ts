/**
 * Scheduled discovery on Slack (R-MON-6, R-INV-2): an owner group's digest of a scan in the group's channel and, by
 * direct message, to its owners; the unowned certificates in the security channel and to the security leads. Once
 * per key, as every certflow Slack message.
 */
import type {
  Audience,
  DiscoveryNotifier,
  FindingDigest,
  NotificationReceipt,
  UnownedAnnouncement,
} from '../../core/ports/notification-port';
import { checked, SlackOnceSender, type SlackTarget } from './slack-once-sender';
import type { SlackMessage } from './views/blocks';
import { findingDigestMessage, unownedAnnouncementMessage } from './views/discovery-messages';

/** Sends discovery's digests and announcements through Slack's Web API, once per idempotency key. */
export class SlackDiscoveryNotifier extends SlackOnceSender implements DiscoveryNotifier {
  /** Posts the digest to the group's channel and its owners. */
  sendFindingDigest(digest: FindingDigest): Promise<NotificationReceipt> {
    return this.post(digest.idempotencyKey, digest.audience, () =>
      checked(findingDigestMessage(digest), 'a discovery digest'),
    );
  }

  /** Posts the unowned certificates to the security channel and leads. */
  announceUnowned(announcement: UnownedAnnouncement): Promise<NotificationReceipt> {
    return this.post(announcement.idempotencyKey, announcement.audience, () =>
      checked(unownedAnnouncementMessage(announcement), 'an unowned-certificate announcement'),
    );
  }

  /** Posts one message to an audience once per key. */
  private post(idempotencyKey: string, audience: Audience, message: () => SlackMessage): Promise<NotificationReceipt> {
    return this.once(idempotencyKey, async () =>
      this.deliver(idempotencyKey, await this.targetsOf(audience, message(), idempotencyKey)),
    );
  }

  /** The audience's channel, and each person Slack can reach once. */
  private async targetsOf(audience: Audience, message: SlackMessage, idempotencyKey: string): Promise<SlackTarget[]> {
    const targets: SlackTarget[] = [];
    if (audience.channelId !== null) targets.push({ key: `channel:${audience.channelId}`, recipient: null, message });
    const users = new Set<string>();
    for (const person of audience.people) {
      const userId = await this.people.userIdOf(person, idempotencyKey);
      if (userId !== null) users.add(userId);
    }
    for (const userId of users) targets.push({ key: `user:${userId}`, recipient: userId, message });
    return targets;
  }
}
