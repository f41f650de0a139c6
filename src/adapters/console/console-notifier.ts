import type { Kysely } from 'kysely';
import type { CampaignProgress } from '../../core/domain/campaigns/model';
import { progressBar } from '../../core/domain/campaigns/progress-bar';
import { formatPerson } from '../../core/domain/inventory/person';
import { describeIssuerChoice, type IssuerChoice } from '../../core/domain/issuers/choose-issuer';
import type { InventoryDatabase } from '../database/kysely-inventory-store';
import { describeLocation } from '../../core/domain/discovery/endpoint-findings';
import type {
  CampaignNotifier,
  DecisionUpdate,
  DiscoveryNotifier,
  FindingDigest,
  UnownedAnnouncement,
  LifecycleNotification,
  NotificationPort,
  NotificationReceipt,
  ReminderNotification,
} from '../../core/ports/notification-port';
import { SqlConsoleDeliveryStore } from './sql-console-delivery-store';

/** Why a reminder comes early: the CA asked (R-REN-3), with its explanation when it gave one. */
function earlyRenewalNote({ earlyRenewal }: ReminderNotification): string {
  if (earlyRenewal === undefined) return '';
  const why = earlyRenewal.explanationUrl === null ? '' : ` (${earlyRenewal.explanationUrl})`;
  return ` — ${earlyRenewal.issuer} asked for early renewal${why}`;
}

/** The issuer a renewal would go through and why (issue 19), when the lifecycle chose one. */
function issuerNote(choice: IssuerChoice | undefined): string {
  return choice === undefined ? '' : `; renews through ${describeIssuerChoice(choice)}`;
}

function describe(notification: LifecycleNotification): string {
  const name = notification.certificate.commonName ?? notification.certificate.id;
  switch (notification.kind) {
    case 'reminder':
      return (
        `reminder: ${name} expires in ${notification.daysLeft} days; renew by ${notification.renewalDeadline}` +
        issuerNote(notification.renewalIssuer) +
        earlyRenewalNote(notification)
      );
    case 'approval-request':
      return `approval ${notification.reminder > 0 ? `re-sent (${notification.reminder})` : 'requested'}: ${notification.request.kind} ${notification.request.id} of ${name} by ${notification.request.requestedBy.id}${issuerNote(notification.renewalIssuer)} — run: certflow approve ${notification.request.id}`;
    case 'decision':
      return `decision: ${notification.request.id} ${notification.request.status} by ${notification.request.decidedBy?.id ?? '?'}`;
    case 'escalation':
      return `ESCALATION (${notification.cause}) for ${name}: ${notification.reason}`;
    case 'incident':
      return `INCIDENT for ${name}: ${notification.reason}`;
    case 'renewal-progress':
      return `${notification.step}: ${name}: ${notification.detail}`;
  }
}

/** Options of {@link ConsoleNotifier}. */
export interface ConsoleNotifierOptions {
  /** The inventory database, migrated: what was printed outlives the worker. */
  readonly db: Kysely<InventoryDatabase>;
  readonly log: (line: string) => void;
}

/**
 * The notification adapter of `npm start` without Slack credentials, for lifecycles and campaigns: one readable log
 * line per notification or campaign message, once per idempotency key, also across restarts (the keys and receipts
 * are kept in the inventory database).
 */
export class ConsoleNotifier implements NotificationPort, CampaignNotifier, DiscoveryNotifier {
  private readonly deliveries: SqlConsoleDeliveryStore;
  private readonly log: (line: string) => void;

  constructor(options: ConsoleNotifierOptions) {
    this.deliveries = new SqlConsoleDeliveryStore(options.db);
    this.log = options.log;
  }

  /** Logs the notification with its recipients, once per key. */
  async send(notification: LifecycleNotification): Promise<NotificationReceipt> {
    const { receipt, delivered } = await this.deliveries.deliverOnce({
      idempotencyKey: notification.idempotencyKey,
      channel: notification.audience.channelId ?? 'direct',
      continues: null,
    });
    if (delivered) {
      const to = notification.audience.people.map(formatPerson).join(', ') || 'nobody configured';
      this.log(`[notify] ${describe(notification)} (to ${to})`);
    }
    return receipt;
  }

  /** Logs the decision shown on an approval request, once per request message. */
  async showDecision(receipt: NotificationReceipt, update: DecisionUpdate): Promise<void> {
    const { delivered } = await this.deliveries.deliverOnce({
      idempotencyKey: `${receipt.idempotencyKey}#decision`,
      channel: receipt.messages[0]?.channel ?? 'direct',
      continues: receipt,
    });
    if (delivered) {
      this.log(
        `[notify] ${update.request.id} ${update.request.status} by ${update.decidedBy.id} at ${update.decidedAt}`,
      );
    }
  }

  /** Logs the campaign's status and progress bar. */
  async publishProgress(input: Parameters<CampaignNotifier['publishProgress']>[0]): Promise<NotificationReceipt> {
    const { progress } = input;
    return this.loggedForCampaign({ idempotencyKey: input.idempotencyKey, progress, continues: input.receipt }, () => {
      const bar = progressBar(progress.done, progress.total);
      return `[campaign] ${progress.campaign.id} ${progress.status}: ${bar}`;
    });
  }

  /** Logs the groups not done at the deadline. */
  async escalateLaggards(input: Parameters<CampaignNotifier['escalateLaggards']>[0]): Promise<NotificationReceipt> {
    const call = { idempotencyKey: input.idempotencyKey, progress: input.progress, continues: null };
    return this.loggedForCampaign(call, () => {
      const groups = input.groups.map(({ progress }) => `${progress.group} ${progress.done}/${progress.total}`);
      return `[campaign] ESCALATION ${input.progress.campaign.id}: deadline passed, not done: ${groups.join(', ') || 'none'}`;
    });
  }

  /** Logs that the report is ready, with its first line. */
  async postReport(input: Parameters<CampaignNotifier['postReport']>[0]): Promise<NotificationReceipt> {
    const call = { idempotencyKey: input.idempotencyKey, progress: input.progress, continues: null };
    return this.loggedForCampaign(call, () => {
      const first = input.markdown.split('\n').find((line) => line.trim() !== '') ?? '';
      return `[campaign] report of ${input.progress.campaign.id}: ${first.replace(/^#+\s*/, '')}`;
    });
  }

  /** Logs an owner group's digest of a discovery scan, one line per finding, once per key. */
  async sendFindingDigest(digest: FindingDigest): Promise<NotificationReceipt> {
    const to = digest.audience.people.map(formatPerson).join(', ') || 'nobody configured';
    return this.loggedOnce(digest.idempotencyKey, digest.audience.channelId ?? 'direct', () => [
      `${digest.scan}: ${digest.opened.length} new finding(s), ${digest.resolved.length} resolved for ${digest.group.id} (to ${to})`,
      ...digest.opened.map(
        (finding) =>
          `  ${finding.severity} ${finding.kind} at ${describeLocation(finding.location)}: ${finding.message}`,
      ),
      ...digest.resolved.map((finding) => `  resolved ${finding.kind} at ${describeLocation(finding.location)}`),
    ]);
  }

  /** Logs the unowned certificates a scan found, with how to assign them, once per key. */
  async announceUnowned(announcement: UnownedAnnouncement): Promise<NotificationReceipt> {
    return this.loggedOnce(announcement.idempotencyKey, announcement.audience.channelId ?? 'security', () => [
      `${announcement.scan}: ${announcement.certificates.length} new certificate(s) nobody owns; ` +
        'assign with certflow import --metadata <csv> (fingerprint,owner_group)',
      ...announcement.certificates.map(
        (certificate) =>
          `  ${certificate.fingerprint.slice(0, 16)} ${certificate.subject} at ${describeLocation(certificate.location)}`,
      ),
    ]);
  }

  /** Logs a discovery message's lines once per key. */
  private async loggedOnce(
    idempotencyKey: string,
    channel: string,
    lines: () => string[],
  ): Promise<NotificationReceipt> {
    const { receipt, delivered } = await this.deliveries.deliverOnce({ idempotencyKey, channel, continues: null });
    if (delivered) lines().forEach((line) => this.log(`[discovery] ${line}`));
    return receipt;
  }

  /** Logs a campaign message once per key, in the campaign's channel. */
  private async loggedForCampaign(
    call: { idempotencyKey: string; progress: CampaignProgress; continues: NotificationReceipt | null },
    line: () => string,
  ): Promise<NotificationReceipt> {
    const { receipt, delivered } = await this.deliveries.deliverOnce({
      idempotencyKey: call.idempotencyKey,
      channel: call.progress.campaign.channelId ?? 'campaign',
      continues: call.continues,
    });
    if (delivered) this.log(line());
    return receipt;
  }
}
