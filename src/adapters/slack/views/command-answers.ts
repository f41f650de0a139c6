/** The ephemeral answers of `/certflow`: help, status of one lifecycle, expiring certificates, my approvals, refusals. */
import type { KnownBlock } from '@slack/types';
import type { LifecyclePhase, LifecycleRequest } from '../../../core/domain/lifecycle/model';
import { parseRequestId } from '../../../core/domain/lifecycle/request-id';
import type { LifecycleView } from '../../../core/domain/lifecycle/lifecycle-view';
import { BLOCK_IDS } from './block-ids';
import { actions, context, fallback, header, section, type EphemeralMessage } from './blocks';
import {
  dueCertificateBlock,
  dueWithin,
  pendingApprovalBlocks,
  uniqueApprovals,
  type DueCertificate,
  type PendingApproval,
} from './certificate-lists';
import { certificateName, keyText, locationsText, namesText, ticketText } from './certificate-text';
import { actorMrkdwn, daysFrom, daysPhrase, escapeMrkdwn, slackDate, SLACK_LIMITS, userText } from './mrkdwn';
import { decisionButtons } from './notification-messages';

/** Days `/certflow expiring` looks ahead when not told. */
export const DEFAULT_EXPIRING_DAYS = 30;
/** Certificates an expiring answer lists before "and N more" (header, intro and the last line take three blocks). */
export const EXPIRING_MAX_ITEMS = SLACK_LIMITS.messageBlocks - 3;
/** Approvals an approvals answer lists (two blocks each) before "and N more". */
export const APPROVALS_MAX_ITEMS = Math.floor((SLACK_LIMITS.messageBlocks - 3) / 2);
/** Records a status answer shows, newest last. */
const STATUS_RECORDS = 5;

function ephemeral(text: string, blocks: KnownBlock[]): EphemeralMessage {
  return { response_type: 'ephemeral', text: fallback(text), blocks };
}

/** `/certflow help`. */
export function helpAnswer(): EphemeralMessage {
  const lines = [
    "`/certflow status <name|fingerprint|managed id>`: where a certificate's lifecycle stands",
    '`/certflow expiring [30d]`: certificates of your groups expiring soon',
    '`/certflow renew <name>`: ask for a renewal (approvers of the group decide)',
    '`/certflow approvals`: requests waiting for your decision',
    '`/certflow campaign preview <selector>`: what a crypto-agility campaign would replace (security leads)',
    '`/certflow campaign start <selector>`: start one, after confirming the count (security leads)',
    '`/certflow campaign status [id]` · `/certflow campaign list`: where campaigns stand',
    '`/certflow help`: this list',
  ];
  return ephemeral('certflow commands: status, expiring, renew, approvals, campaign, help', [
    header('certflow commands', BLOCK_IDS.header),
    section(lines.join('\n'), BLOCK_IDS.summary),
    context(
      ["App Home lists your groups' certificates due in the next 90 days and your pending approvals."],
      BLOCK_IDS.more,
    ),
  ]);
}

const PHASES: Record<LifecyclePhase, string> = {
  monitoring: 'monitoring',
  'awaiting-approval': 'waiting for approval',
  issuing: 'issuing the new certificate',
  installing: 'installing',
  verifying: 'verifying the installation',
  'revocation-pending': 'old certificate waiting for revocation',
  expired: 'expired',
  retired: 'retired',
};

/** `/certflow status`: the lifecycle's phase, dates, next step, open request (with buttons), ticket and records. */
export function lifecycleStatusAnswer(view: LifecycleView, now: string): EphemeralMessage {
  const name = view.certificate ? certificateName(view.certificate) : view.managedCertificateId;
  const phase = PHASES[view.phase];
  const fields = [
    `*Phase*\n${phase}`,
    `*Cycle*\n${view.cycle}`,
    `*Owner group*\n${view.ownerGroup ? escapeMrkdwn(view.ownerGroup) : 'none assigned'}`,
    `*Ticket*\n${ticketText(view.ticket)}`,
    `*Renewal deadline*\n${view.renewalDeadline ? slackDate(view.renewalDeadline) : '—'}`,
    `*Next step*\n${view.next ? `${escapeMrkdwn(view.next.level)} ${slackDate(view.next.at, true)}` : '—'}`,
  ];
  if (view.certificate) {
    const days = daysFrom(now, view.certificate.notAfter);
    fields.unshift(
      `*Expires*\n${slackDate(view.certificate.notAfter)} (${daysPhrase(days)})`,
      `*Names*\n${namesText(view.certificate, 5)}`,
      `*Key*\n${keyText(view.certificate)}`,
      `*Installed at*\n${locationsText(view.certificate, 3)}`,
    );
  }
  const blocks: KnownBlock[] = [
    header(`Status: ${name}`, BLOCK_IDS.header),
    section(`*${userText(name, 300)}* is ${phase}.`, BLOCK_IDS.summary, { fields }),
  ];
  const { request } = view;
  if (request) {
    blocks.push(
      section(
        `Request \`${escapeMrkdwn(request.id)}\`: *${escapeMrkdwn(request.kind)}* asked by ${actorMrkdwn(request.requestedBy)}, ${escapeMrkdwn(request.status)}${request.decidedBy ? ` (by ${actorMrkdwn(request.decidedBy)})` : ''}\n>${userText(request.reason || 'no reason given', 1000)}`,
        BLOCK_IDS.request,
      ),
    );
    if (request.status === 'awaiting-approval') blocks.push(actions(decisionButtons(request), BLOCK_IDS.actions));
  }
  if (view.lastProblem) blocks.push(section(`⚠️ ${userText(view.lastProblem, 2000)}`, BLOCK_IDS.problem));
  const records = view.records.slice(-STATUS_RECORDS);
  if (records.length > 0) {
    blocks.push(
      context(
        records.map(
          (record) => `${slackDate(record.at, true)} · ${escapeMrkdwn(record.kind)}: ${userText(record.detail, 500)}`,
        ),
        BLOCK_IDS.records,
      ),
    );
  }
  return ephemeral(`${escapeMrkdwn(name)}: ${phase}`, blocks);
}

/** Input of {@link expiringAnswer}. */
export interface ExpiringAnswerInput {
  /** ISO 8601. */
  readonly now: string;
  readonly withinDays: number;
  /** Certificates of the asker's groups. */
  readonly certificates: readonly DueCertificate[];
  /** Whether the asker is in no owner group, which is worth saying instead of "nothing expires". */
  readonly inNoGroup?: boolean;
}

/** `/certflow expiring [Nd]`: my groups' certificates expiring within N days, with *Request renewal*. */
export function expiringAnswer(input: ExpiringAnswerInput): EphemeralMessage {
  const due = dueWithin(input.certificates, input.now, input.withinDays);
  const title = `Expiring within ${input.withinDays} days: ${due.length}`;
  if (due.length === 0) {
    const why = input.inNoGroup
      ? 'You are in no owner group yet, so no certificate is yours; ask a certflow admin to add you to one.'
      : `Nothing of your groups expires within ${input.withinDays} days.`;
    return ephemeral(title, [section(why, BLOCK_IDS.summary)]);
  }
  const blocks: KnownBlock[] = [
    header(title, BLOCK_IDS.header),
    section("Soonest first. A button asks for a renewal; the group's approvers decide.", BLOCK_IDS.summary),
    ...due.slice(0, EXPIRING_MAX_ITEMS).map((item) => dueCertificateBlock(item, input.now, BLOCK_IDS.listItem)),
  ];
  if (due.length > EXPIRING_MAX_ITEMS) {
    blocks.push(
      context(
        [`…and ${due.length - EXPIRING_MAX_ITEMS} more: narrow it with \`/certflow expiring 7d\` or use the CLI.`],
        BLOCK_IDS.more,
      ),
    );
  }
  return ephemeral(title, blocks);
}

/**
 * `/certflow approvals`: requests waiting for my decision, each with *Approve* / *Reject*. `unchecked` counts
 * requests the inventory says wait for approval but that were not asked for, because they would not fit.
 */
export function approvalsAnswer(approvals: readonly PendingApproval[], unchecked = 0): EphemeralMessage {
  const pending = uniqueApprovals(approvals);
  const total = pending.length + unchecked;
  const title = `Waiting for your approval: ${total}`;
  if (total === 0) {
    return ephemeral(title, [section('No request waits for your decision.', BLOCK_IDS.summary)]);
  }
  const blocks: KnownBlock[] = [
    header(title, BLOCK_IDS.header),
    ...pending
      .slice(0, APPROVALS_MAX_ITEMS)
      .flatMap((item) => pendingApprovalBlocks(item, BLOCK_IDS.listItem, BLOCK_IDS.listItemActions)),
  ];
  const more = total - Math.min(pending.length, APPROVALS_MAX_ITEMS);
  if (more > 0) {
    blocks.push(
      context([`…and ${more} more: decide these first, then run \`/certflow approvals\` again.`], BLOCK_IDS.more),
    );
  }
  return ephemeral(title, blocks);
}

/** `/certflow renew`: the renewal was requested (or was open already) and where it stands. */
export function renewalRequestedAnswer(request: LifecycleRequest): EphemeralMessage {
  const managedId = parseRequestId(request.id)?.managedCertificateId ?? request.id;
  const next =
    request.status === 'awaiting-approval' ? 'now waits for an approver of the group' : `is ${request.status}`;
  return ephemeral(`Renewal requested: request ${escapeMrkdwn(request.id)} ${next}.`, [
    section(
      `✅ *Renewal requested*: request \`${escapeMrkdwn(request.id)}\` ${escapeMrkdwn(next)}; \`/certflow status ${escapeMrkdwn(managedId)}\` shows where it stands.`,
      BLOCK_IDS.summary,
    ),
  ]);
}

/** A `/certflow` command certflow could not read: what was wrong and how to type it. */
export function usageAnswer(message: string, usage: string): EphemeralMessage {
  return ephemeral(`certflow did not understand that: ${escapeMrkdwn(message)}`, [
    section(`🤔 ${userText(message)}`, BLOCK_IDS.summary),
    section(`*Usage*\n\`\`\`${escapeMrkdwn(usage)}\`\`\``, BLOCK_IDS.usage),
  ]);
}

/** Why an action was refused (R-RA-2: not an approver, own request …), for the clicker only. */
export function refusalAnswer(message: string): EphemeralMessage {
  return ephemeral(`Not done: ${escapeMrkdwn(message)}`, [
    section(`🚫 *Not done*: ${userText(message)}`, BLOCK_IDS.summary),
  ]);
}

/** Something failed; says what and what to do, for the asker only. */
export function errorAnswer(message: string): EphemeralMessage {
  return ephemeral(`certflow could not do that: ${escapeMrkdwn(message)}`, [
    section(`⚠️ *certflow could not do that*: ${userText(message)}`, BLOCK_IDS.summary),
  ]);
}
