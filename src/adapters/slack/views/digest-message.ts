/**
 * One message listing every due notification for one recipient (R-MON-5: a digest, not one message per
 * certificate), with a *Request renewal* button per certificate, within Slack's limits.
 */
import type { KnownBlock } from '@slack/types';
import type {
  EscalationNotification,
  IncidentNotification,
  LifecycleNotification,
  LifecycleNotificationKind,
  ReminderNotification,
} from '../../../core/ports/notification-port';
import { BLOCK_IDS, itemBlockId } from './block-ids';
import { context, fallback, header, section, type SlackMessage } from './blocks';
import { certificateName, ownerGroupText, ticketText } from './certificate-text';
import { daysFrom, daysPhrase, escapeMrkdwn, slackDate, SLACK_LIMITS, userText } from './mrkdwn';
import { requestRenewalButton } from './notification-messages';

/** Notifications that may be folded into a digest: those about certificates falling due, not approvals. */
export type DigestNotification = ReminderNotification | EscalationNotification | IncidentNotification;

const DIGEST_KINDS: ReadonlySet<LifecycleNotificationKind> = new Set(['reminder', 'escalation', 'incident']);

/** Whether a notification may join a digest: approval requests and decisions carry buttons updated in place. */
export function isDigestible(notification: LifecycleNotification): notification is DigestNotification {
  return DIGEST_KINDS.has(notification.kind);
}

/** Input of {@link digestMessage}. */
export interface DigestInput {
  /** Who the digest is for, as people read it: a person's or a group's name. */
  readonly recipient: string;
  readonly notifications: readonly DigestNotification[];
  /** ISO 8601: when the digest is sent, to count the days left. */
  readonly now: string;
}

/** A digest was asked for with nothing in it. */
export class EmptyDigestError extends Error {
  override readonly name = 'EmptyDigestError';
  constructor(recipient: string) {
    super(`the digest for ${recipient} has no notifications; send nothing instead of an empty digest`);
  }
}

/** Header, intro, and the "and N more" line leave this many blocks for certificates. */
export const DIGEST_MAX_ITEMS = SLACK_LIMITS.messageBlocks - 3;

const URGENCY: Record<DigestNotification['kind'], number> = { incident: 0, escalation: 1, reminder: 2 };

/** The most urgent notification per certificate, most urgent and soonest-expiring first. */
function mostUrgentPerCertificate(notifications: readonly DigestNotification[]): DigestNotification[] {
  const byCertificate = new Map<string, DigestNotification>();
  for (const notification of notifications) {
    const key = notification.certificate.managedCertificateId;
    const seen = byCertificate.get(key);
    if (!seen || URGENCY[notification.kind] < URGENCY[seen.kind]) byCertificate.set(key, notification);
  }
  return [...byCertificate.values()].sort(
    (a, b) =>
      URGENCY[a.kind] - URGENCY[b.kind] ||
      Date.parse(a.certificate.notAfter) - Date.parse(b.certificate.notAfter) ||
      a.certificate.managedCertificateId.localeCompare(b.certificate.managedCertificateId),
  );
}

function itemText(notification: DigestNotification, now: string): string {
  const { certificate } = notification;
  const days = daysFrom(now, certificate.notAfter);
  const badge =
    notification.kind === 'incident'
      ? `🔥 *expired*: ${userText(notification.reason, 500)}`
      : notification.kind === 'escalation'
        ? `🚨 *escalated*: ${userText(notification.reason, 500)}`
        : `⏳ renew by ${slackDate(notification.renewalDeadline)}`;
  return [
    `*${userText(certificateName(certificate), 300)}* expires ${slackDate(certificate.notAfter)} (${daysPhrase(days)})`,
    badge,
    `Group ${ownerGroupText(certificate, notification.group?.name ?? null)} · ticket ${ticketText(notification.ticket)}`,
  ].join('\n');
}

/** R-MON-5: the digest message for one recipient; beyond {@link DIGEST_MAX_ITEMS} certificates it says how many more. */
export function digestMessage(input: DigestInput): SlackMessage {
  const items = mostUrgentPerCertificate(input.notifications);
  if (items.length === 0) throw new EmptyDigestError(input.recipient);
  const shown = items.slice(0, DIGEST_MAX_ITEMS);
  const hidden = items.length - shown.length;
  const expired = items.filter((item) => item.kind === 'incident').length;
  const escalated = items.filter((item) => item.kind === 'escalation').length;
  const counts = [
    expired > 0 ? `${expired} expired` : '',
    escalated > 0 ? `${escalated} escalated` : '',
    `${items.length - expired - escalated} due for renewal`,
  ].filter(Boolean);
  const plural = items.length === 1 ? 'certificate needs' : 'certificates need';
  const blocks: KnownBlock[] = [
    header(`${items.length} ${plural} attention`, BLOCK_IDS.header),
    section(
      `Digest for *${userText(input.recipient, 300)}*: ${counts.join(', ')}. Request a renewal with the buttons; approvers of each group are asked next.`,
      BLOCK_IDS.summary,
    ),
    ...shown.map((item) =>
      section(itemText(item, input.now), itemBlockId(BLOCK_IDS.digestItem, item.certificate.managedCertificateId), {
        accessory: requestRenewalButton(item.certificate, false),
      }),
    ),
  ];
  if (hidden > 0) {
    blocks.push(
      context(
        [`…and ${hidden} more. Run \`/certflow expiring\` or open certflow's App Home to see them all.`],
        BLOCK_IDS.more,
      ),
    );
  }
  const names = shown.slice(0, 5).map((item) => escapeMrkdwn(certificateName(item.certificate)));
  const rest = items.length - names.length;
  return {
    text: fallback(`${items.length} ${plural} attention: ${names.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`),
    blocks,
  };
}
