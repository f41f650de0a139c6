/**
 * The notification ports: what certflow tells people and how a message is updated later, in two faces by who uses
 * them: {@link NotificationPort} for the certificate lifecycle, {@link CampaignNotifier} for campaigns. The Slack
 * adapters (adapters/slack) implement them with Block Kit; the recording adapter serves tests and the console adapter
 * `npm start` without Slack credentials, each implementing both faces.
 *
 * Every notification carries an idempotency key (workflow id + step): an adapter that has delivered a key returns
 * the first receipt instead of sending again, so a retried activity never notifies twice. Notifications carry their
 * recipients and the instant they fell due, so an adapter may fold several due together into one digest (R-MON-5).
 */
import type { IssuerChoice } from '../domain/issuers/choose-issuer';
import type { CampaignGroupProgress, CampaignMember, CampaignProgress } from '../domain/campaigns/model';
import type { EndpointFinding } from '../domain/discovery/endpoint-findings';
import type { OwnerGroup, Person } from '../domain/inventory/model';
import type { Actor, CertificateSummary, LifecycleRequest, TicketRef } from '../domain/lifecycle/model';
import type { ReportSummary } from '../domain/reports/monthly-report';
import type { UnownedCertificate } from './discovery-scans';

/** Who a notification is for: people, and the owner group's channel when it has one. */
export interface Audience {
  readonly people: readonly Person[];
  /** Slack channel id of the owner group, when configured. */
  readonly channelId: string | null;
  /**
   * Slack user groups whose members are recipients too (the group's owners' or approvers' user group): members act
   * in the role, so they get its direct messages, each person once. Adapters without Slack ignore them.
   */
  readonly userGroupIds?: readonly string[];
}

/** What every notification has. */
interface NotificationBase {
  /** Same key, same notification: adapters deliver each key once. */
  readonly idempotencyKey: string;
  /** ISO 8601 UTC: when the notification fell due (workflow time), for digests and ordering. */
  readonly dueAt: string;
  readonly certificate: CertificateSummary;
  readonly group: OwnerGroup | null;
  readonly audience: Audience;
  readonly ticket: TicketRef | null;
  /** Link back to certflow (Web UI or API) for this certificate, when configured. */
  readonly link: string | null;
}

/** "N days left": sent to the owners at the schedule's reminder instants (R-MON-1). */
export interface ReminderNotification extends NotificationBase {
  readonly kind: 'reminder';
  /** Whole days left before notAfter at `dueAt`. */
  readonly daysLeft: number;
  readonly renewalDeadline: string;
  /** The CA asked for this renewal early (ACME renewal information, R-REN-3): which issuer, and its explanation. */
  readonly earlyRenewal?: { readonly issuer: string; readonly explanationUrl: string | null };
  /** The issuer a renewal would use and why (issue 19); absent when the lifecycle's context predates issuers. */
  readonly renewalIssuer?: IssuerChoice;
}

/** Asks the approvers to vet a request (R-RA-1); `reminder` > 0 for re-sends (R-RA-3). */
export interface ApprovalRequestNotification extends NotificationBase {
  readonly kind: 'approval-request';
  readonly request: LifecycleRequest;
  /** 0 for the first message, 1 for the first re-send, … */
  readonly reminder: number;
  /** The issuer the renewal will use and why (issue 19); absent for a revocation without replacement. */
  readonly renewalIssuer?: IssuerChoice;
}

/** Tells the requester and owners that a request was approved or rejected. */
export interface DecisionNotification extends NotificationBase {
  readonly kind: 'decision';
  readonly request: LifecycleRequest;
}

/** Management and incident response must act (R-MON-3, R-RA-3, R-REN-2). */
export interface EscalationNotification extends NotificationBase {
  readonly kind: 'escalation';
  /** What is wrong, in one sentence. */
  readonly reason: string;
  /** `not-renewed` at the schedule's escalation instant, `approval-overdue`, `renewal-failed`. */
  readonly cause: 'not-renewed' | 'approval-overdue' | 'renewal-failed';
  readonly daysLeft: number;
}

/** The certificate expired while still in use: an incident (R-MON-3). */
export interface IncidentNotification extends NotificationBase {
  readonly kind: 'incident';
  readonly reason: string;
}

/** A step of a renewal that owners want to know about. */
export interface RenewalProgressNotification extends NotificationBase {
  readonly kind: 'renewal-progress';
  readonly step: 'installed-and-verified' | 'revoked' | 'replaced-outside-certflow' | 'failed';
  readonly detail: string;
  /** The new certificate, after issuance. */
  readonly replacement: CertificateSummary | null;
}

/** Everything the lifecycle sends. */
export type LifecycleNotification =
  | ReminderNotification
  | ApprovalRequestNotification
  | DecisionNotification
  | EscalationNotification
  | IncidentNotification
  | RenewalProgressNotification;

/** Kinds of {@link LifecycleNotification}. */
export type LifecycleNotificationKind = LifecycleNotification['kind'];

/** One message as delivered: Slack's channel and ts, or an adapter's own id in `channel`. */
export interface DeliveredMessage {
  readonly channel: string;
  readonly ts: string;
  /** The person it went to, when it was a direct message. */
  readonly recipient: string | null;
}

/** What an adapter did with a notification; stored by the workflow to update the messages later. */
export interface NotificationReceipt {
  readonly idempotencyKey: string;
  readonly messages: readonly DeliveredMessage[];
  /** Set when the notification joined a digest rather than going out on its own. */
  readonly digest: string | null;
}

/** A decision to show on an approval request already sent, in place of its buttons. */
export interface DecisionUpdate {
  readonly request: LifecycleRequest;
  readonly decidedBy: Actor;
  readonly decidedAt: string;
}

/** Sends lifecycle notifications. Implementations are idempotent per `idempotencyKey`. */
export interface NotificationPort {
  send(notification: LifecycleNotification): Promise<NotificationReceipt>;
  /** Updates the messages of an approval request in place with its decision (buttons removed). */
  showDecision(receipt: NotificationReceipt, update: DecisionUpdate): Promise<void>;
}

/** The Slack side of a campaign: its progress message, the deadline escalation and the final report. */
export interface CampaignNotifier {
  /**
   * Posts the progress message on the first call (receipt null) and updates that same message in place afterwards
   * (chat.update on its ts). Returns the receipt to pass next time.
   */
  publishProgress(input: {
    readonly idempotencyKey: string;
    readonly progress: CampaignProgress;
    readonly receipt: NotificationReceipt | null;
  }): Promise<NotificationReceipt>;
  /**
   * Tells management and incident response of every group not done at the deadline (and the campaign channel)
   * which certificates are left; once per key.
   */
  escalateLaggards(input: {
    readonly idempotencyKey: string;
    readonly progress: CampaignProgress;
    readonly groups: ReadonlyArray<{ readonly progress: CampaignGroupProgress; readonly group: OwnerGroup | null }>;
    /** A few of each group's unfinished members, for the message. */
    readonly examples: readonly CampaignMember[];
  }): Promise<NotificationReceipt>;
  /** Posts the campaign's report (Markdown) to the campaign channel; once per key. */
  postReport(input: {
    readonly idempotencyKey: string;
    readonly progress: CampaignProgress;
    readonly markdown: string;
  }): Promise<NotificationReceipt>;
}

/** One scan's findings on one owner group's certificates (R-MON-6): new and reopened ones, and those resolved. */
export interface FindingDigest {
  /** Scan run + owner group: one digest per group per scan. */
  readonly idempotencyKey: string;
  /** The schedule's name. */
  readonly scan: string;
  /** The run's workflow id, as the Web UI shows it. */
  readonly scanRunId: string;
  readonly group: OwnerGroup;
  /** The group's owners and channel. */
  readonly audience: Audience;
  readonly opened: readonly EndpointFinding[];
  readonly resolved: readonly EndpointFinding[];
  /** Findings of this group left out of the lists above (a scan's deliveries are capped). */
  readonly notListed: number;
}

/** New certificates nobody owns, announced to the security channel and leads once each (R-INV-2). */
export interface UnownedAnnouncement {
  readonly idempotencyKey: string;
  readonly scan: string;
  readonly scanRunId: string;
  /** The security channel and leads, from the worker's configuration. */
  readonly audience: Audience;
  readonly certificates: readonly UnownedCertificate[];
}

/** What a scheduled discovery scan tells people: the owner groups' digests and the unowned certificates. */
export interface DiscoveryNotifier {
  /** Sends one owner group's digest of a scan; once per key. */
  sendFindingDigest(digest: FindingDigest): Promise<NotificationReceipt>;
  /** Announces unowned certificates to the security audience; once per key. */
  announceUnowned(announcement: UnownedAnnouncement): Promise<NotificationReceipt>;
}

/** A monthly report as one message with its CSV attached (R-MON-5): an owner group's, or the organisation's. */
export interface ReportDelivery {
  /** The report's id (month + audience): each is delivered once. */
  readonly idempotencyKey: string;
  /** `YYYY-MM`. */
  readonly month: string;
  /** Whose report: the owner group, or null for the organisation-wide one. */
  readonly group: OwnerGroup | null;
  readonly audience: Audience;
  readonly summary: ReportSummary;
  /** The window's end: certificates expiring before it are listed. */
  readonly windowEnd: string;
  readonly file: { readonly name: string; readonly csv: string };
  /** Where certflow serves the report (the dashboard's link), when certflow's public URL is configured. */
  readonly link: string | null;
}

/** Sends reports as files (Slack: files.getUploadURLExternal + files.completeUploadExternal). */
export interface ReportNotifier {
  /** Sends the report's message and file to each of its audience once per key. */
  sendReport(report: ReportDelivery): Promise<NotificationReceipt>;
}

/** A notification the port refuses for good (unknown channel, invalid audience): retrying cannot help. */
export class NotificationRejectedError extends Error {
  override readonly name = 'NotificationRejectedError';
}

/**
 * An earlier attempt's message may still appear (its post was sent and never answered): the send waits until it has
 * landed or cannot any more, then looks for it instead of posting a second one.
 */
export class NotificationInDoubtError extends Error {
  override readonly name = 'NotificationInDoubtError';
  constructor(
    message: string,
    /** When the look-up can tell: the next attempt should not start before this many milliseconds. */
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}
