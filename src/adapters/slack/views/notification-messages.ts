/**
 * Block Kit messages for every lifecycle notification (R-MON-1 reminders, R-RA-1 approval requests and their
 * decisions, R-MON-3 escalations and incidents, renewal progress). Pure: the Slack adapter posts what they return.
 */
import { describeIssuerChoice } from '../../../core/domain/issuers/choose-issuer';
import type { Button, KnownBlock } from '@slack/types';
import type { OwnerGroup } from '../../../core/domain/inventory/model';
import type { CertificateSummary, LifecycleRequest, TicketRef } from '../../../core/domain/lifecycle/model';
import type {
  ApprovalRequestNotification,
  DecisionNotification,
  DecisionUpdate,
  EscalationNotification,
  IncidentNotification,
  LifecycleNotification,
  RenewalProgressNotification,
  ReminderNotification,
} from '../../../core/ports/notification-port';
import { ACTION_IDS, BLOCK_IDS } from './block-ids';
import { actions, button, context, fallback, header, section, type SlackMessage } from './blocks';
import {
  certificateName,
  keyText,
  knownAddresses,
  locationsText,
  namesText,
  nameIsKnown,
  ownerGroupText,
  ticketText,
  validityDays,
} from './certificate-text';
import { actorMrkdwn, actorPlain, daysFrom, escapeMrkdwn, link, slackDate, userText } from './mrkdwn';

/** How many names an approval request lists one by one before saying "and N more". */
const MAX_VETTED_NAMES = 20;
/** Room for the vetted names in their section, below Slack's 3000 characters with the heading. */
const VETTED_NAMES_CHARS = 2400;

/**
 * The *Request renewal* button of a certificate. Its value names the managed certificate and the version the message
 * shows (`<managed id>:<first 16 hex digits of its SHA-256>`), so a click on a message whose version was renewed
 * since is answered with what happened instead of renewing the new version.
 */
export function requestRenewalButton(certificate: CertificateSummary, primary = true): Button {
  const version = certificate.fingerprintSha256 ? `:${certificate.fingerprintSha256.slice(0, 16)}` : '';
  return button('Request renewal', ACTION_IDS.requestRenewal, `${certificate.managedCertificateId}${version}`, {
    ...(primary ? { style: 'primary' as const } : {}),
  });
}

/** The *View details* button: opens certflow's page when a link is configured, else asks the bot. */
export function viewDetailsButton(certificate: CertificateSummary, url: string | null): Button {
  return button('View details', ACTION_IDS.viewDetails, certificate.managedCertificateId, { url });
}

/** *Approve* (primary) and *Reject* (danger) for a request; both carry only the request id. */
export function decisionButtons(request: LifecycleRequest): Button[] {
  return [
    button('Approve', ACTION_IDS.approveRequest, request.id, { style: 'primary' }),
    button('Reject', ACTION_IDS.rejectRequest, request.id, { style: 'danger' }),
  ];
}

function certificateFields(certificate: CertificateSummary, group: OwnerGroup | null, ticket: TicketRef | null) {
  return [
    `*Names*\n${namesText(certificate)}`,
    `*Issuer*\n${escapeMrkdwn(certificate.issuer)}`,
    `*Key*\n${keyText(certificate)}`,
    `*Installed at*\n${locationsText(certificate)}`,
    `*Owner group*\n${ownerGroupText(certificate, group?.name ?? null)}`,
    `*Ticket*\n${ticketText(ticket)}`,
  ];
}

function fingerprintContext(certificate: CertificateSummary): KnownBlock {
  return context(
    [
      `Managed certificate \`${escapeMrkdwn(certificate.managedCertificateId)}\` · SHA-256 \`${escapeMrkdwn(certificate.fingerprintSha256.slice(0, 16))}…\``,
    ],
    BLOCK_IDS.certificate,
  );
}

function requestVerb(request: LifecycleRequest): string {
  return request.kind === 'revocation' ? 'revocation' : 'renewal';
}

/** Why the deadline came early: the CA asked (R-REN-3), linking its explanation when it gave one. */
function earlyRenewalSentence({ earlyRenewal }: ReminderNotification): string {
  if (earlyRenewal === undefined) return '';
  const asked = `${escapeMrkdwn(earlyRenewal.issuer)} asked for this certificate to be renewed early`;
  return ` ${asked}${earlyRenewal.explanationUrl === null ? '' : ` (${link(earlyRenewal.explanationUrl, 'why')})`}.`;
}

/** R-MON-1: "N days left", with what the owners need to act and *Request renewal* / *View details*. */
export function reminderMessage(notification: ReminderNotification): SlackMessage {
  const { certificate } = notification;
  const name = certificateName(certificate);
  const days = `${notification.daysLeft} day${notification.daysLeft === 1 ? '' : 's'}`;
  return {
    text: fallback(`${escapeMrkdwn(name)} expires in ${days}; renew by ${slackDate(notification.renewalDeadline)}`),
    blocks: [
      header(`⏳ ${name} expires in ${days}`, BLOCK_IDS.header),
      section(
        `*${userText(name, 500)}* expires ${slackDate(certificate.notAfter)}: *${days} left*. ` +
          `Renewal must be complete by ${slackDate(notification.renewalDeadline)}.` +
          earlyRenewalSentence(notification),
        BLOCK_IDS.summary,
        {
          fields: [
            ...certificateFields(certificate, notification.group, notification.ticket),
            ...(notification.renewalIssuer === undefined
              ? []
              : [`*Renews through*\n${escapeMrkdwn(describeIssuerChoice(notification.renewalIssuer))}`]),
          ],
        },
      ),
      actions(
        [requestRenewalButton(certificate), viewDetailsButton(certificate, notification.link)],
        BLOCK_IDS.actions,
      ),
      fingerprintContext(certificate),
    ],
  };
}

/** Options of {@link approvalRequestMessage}. */
export interface ApprovalRequestOptions {
  /** Addresses the application is known at beyond the certificate's locations (e.g. from its CMDB entry). */
  readonly knownAddresses?: readonly string[];
}

function vettedNames(certificate: CertificateSummary, extra: readonly string[]): string {
  const known = knownAddresses(certificate, extra);
  const names = [...certificate.dnsNames, ...certificate.ipAddresses];
  if (names.length === 0) return 'The certificate has no subject alternative names.';
  const lines: string[] = [];
  let length = 0;
  for (const name of names.slice(0, MAX_VETTED_NAMES)) {
    const line = nameIsKnown(name, known)
      ? `✓ ${userText(name, 300)}`
      : `⚠️ ${userText(name, 300)}: not among the application's known addresses`;
    if (length + line.length > VETTED_NAMES_CHARS) break;
    lines.push(line);
    length += line.length + 1;
  }
  if (names.length > lines.length) lines.push(`and ${names.length - lines.length} more`);
  return lines.join('\n');
}

/**
 * R-RA-1: asks the owning group's approvers to vet a request, with everything they check (names against the
 * application's addresses, requester and reason, key, CA, validity) and *Approve* / *Reject*. A re-send (R-RA-3)
 * says it is a reminder.
 */
export function approvalRequestMessage(
  notification: ApprovalRequestNotification,
  options: ApprovalRequestOptions = {},
): SlackMessage {
  const { certificate, request } = notification;
  const name = certificateName(certificate);
  const what = requestVerb(request);
  const resend = notification.reminder > 0 ? `Reminder ${notification.reminder}: ` : '';
  const application = certificate.application ? userText(certificate.application, 300) : 'no application recorded';
  const blocks: KnownBlock[] = [header(`${resend}approval needed: ${what} of ${name}`, BLOCK_IDS.header)];
  if (notification.reminder > 0) {
    blocks.push(
      section(
        `🔁 *This is reminder ${notification.reminder}*: the request has waited for a decision since ${slackDate(request.requestedAt, true)}.`,
        BLOCK_IDS.summary,
      ),
    );
  }
  const requestFields = [
    `*Request*\n\`${escapeMrkdwn(request.id)}\``,
    `*Requested*\n${slackDate(request.requestedAt, true)} (${escapeMrkdwn(request.source)})`,
    `*CA (issuer)*\n${escapeMrkdwn(certificate.issuer)}`,
    `*Key*\n${keyText(certificate)} (a new key pair is generated)`,
    `*Current validity*\n${slackDate(certificate.notBefore)} → ${slackDate(certificate.notAfter)} (${validityDays(certificate)} days)`,
    `*Owner group*\n${ownerGroupText(certificate, notification.group?.name ?? null)}`,
    `*Installed at*\n${locationsText(certificate)}`,
    `*Ticket*\n${ticketText(notification.ticket)}`,
  ];
  if (notification.renewalIssuer !== undefined) {
    requestFields.push(`*Renews through*\n${escapeMrkdwn(describeIssuerChoice(notification.renewalIssuer))}`);
  }
  if (request.kind === 'revocation') {
    requestFields.push(
      `*Revocation*\n${escapeMrkdwn(request.revocationReason ?? 'unspecified')}${request.replace ? ', after a replacement is installed' : ', without replacement'}`,
    );
  }
  blocks.push(
    section(
      `${actorMrkdwn(request.requestedBy)} asks for the *${what}* of *${userText(name, 500)}*.\n>${userText(request.reason || 'no reason given', 1500)}`,
      BLOCK_IDS.request,
      { fields: requestFields },
    ),
    section(
      `*Names vs. the application* (${application})\n${vettedNames(certificate, options.knownAddresses ?? [])}`,
      BLOCK_IDS.names,
    ),
    actions([...decisionButtons(request), viewDetailsButton(certificate, notification.link)], BLOCK_IDS.actions),
    context(
      ['Only approvers of the owning group may decide, and never the person who asked. Reject asks for a reason.'],
      BLOCK_IDS.more,
    ),
  );
  return {
    text: fallback(
      `${resend}approval needed: ${what} of ${escapeMrkdwn(name)} requested by ${escapeMrkdwn(actorPlain(request.requestedBy))}`,
    ),
    blocks,
  };
}

function decisionBlocks(
  request: LifecycleRequest,
  decidedBy: DecisionUpdate['decidedBy'] | null,
  decidedAt: string | null,
  certificate: CertificateSummary | null,
): SlackMessage {
  const approved = request.status !== 'rejected';
  const verdict = request.status === 'rejected' ? 'Rejected' : request.status === 'approved' ? 'Approved' : 'Decided';
  const name = certificate ? certificateName(certificate) : request.id;
  const by = decidedBy ? ` by ${actorMrkdwn(decidedBy)}` : '';
  const when = decidedAt ? ` on ${slackDate(decidedAt, true)}` : '';
  const reason = request.decisionReason ? `\n>${userText(request.decisionReason, 1500)}` : '';
  const blocks: KnownBlock[] = [
    header(`${approved ? '✅' : '❌'} ${verdict}: ${requestVerb(request)} of ${name}`, BLOCK_IDS.header),
    section(`*${verdict}*${by}${when}.${reason}`, BLOCK_IDS.decision),
    section(
      `Requested by ${actorMrkdwn(request.requestedBy)} on ${slackDate(request.requestedAt, true)}:\n>${userText(request.reason || 'no reason given', 1500)}`,
      BLOCK_IDS.request,
    ),
    context([`Request \`${escapeMrkdwn(request.id)}\``], BLOCK_IDS.more),
  ];
  const text = `${verdict}: ${requestVerb(request)} of ${escapeMrkdwn(name)}${decidedBy ? ` by ${escapeMrkdwn(actorPlain(decidedBy))}` : ''}`;
  return { text: fallback(text), blocks };
}

/** The approval request message as it reads once decided: who decided, when and why; no buttons. */
export function approvalDecisionMessage(update: DecisionUpdate, certificate: CertificateSummary | null): SlackMessage {
  return decisionBlocks(update.request, update.decidedBy, update.decidedAt, certificate);
}

/** Tells the requester and owners that their request was approved or rejected; no buttons. */
export function decisionMessage(notification: DecisionNotification): SlackMessage {
  const { request } = notification;
  return decisionBlocks(request, request.decidedBy, request.decidedAt, notification.certificate);
}

const ESCALATION_CAUSES: Record<EscalationNotification['cause'], string> = {
  'not-renewed': 'not renewed in time',
  'approval-overdue': 'approval overdue',
  'renewal-failed': 'renewal failed',
};

/** R-MON-3: management and incident response must act; says why and how many days are left. */
export function escalationMessage(notification: EscalationNotification): SlackMessage {
  const { certificate } = notification;
  const name = certificateName(certificate);
  const cause = ESCALATION_CAUSES[notification.cause];
  const buttons =
    notification.cause === 'approval-overdue'
      ? [viewDetailsButton(certificate, notification.link)]
      : [requestRenewalButton(certificate), viewDetailsButton(certificate, notification.link)];
  return {
    text: fallback(
      `Escalation: ${escapeMrkdwn(name)} ${cause}, ${notification.daysLeft} days left: ${escapeMrkdwn(notification.reason)}`,
    ),
    blocks: [
      header(`🚨 Escalation: ${name} ${cause}`, BLOCK_IDS.header),
      section(
        `${userText(notification.reason, 1500)}\n*${notification.daysLeft} days left*: expires ${slackDate(certificate.notAfter)}.`,
        BLOCK_IDS.summary,
        { fields: [`*Cause*\n${cause}`, ...certificateFields(certificate, notification.group, notification.ticket)] },
      ),
      actions(buttons, BLOCK_IDS.actions),
      fingerprintContext(certificate),
    ],
  };
}

/** R-MON-3: the certificate expired while in use; expiry itself is an incident. */
export function incidentMessage(notification: IncidentNotification): SlackMessage {
  const { certificate } = notification;
  const name = certificateName(certificate);
  const ago = Math.max(0, -daysFrom(notification.dueAt, certificate.notAfter));
  return {
    text: fallback(`Incident: ${escapeMrkdwn(name)} expired: ${escapeMrkdwn(notification.reason)}`),
    blocks: [
      header(`🔥 Incident: ${name} expired`, BLOCK_IDS.header),
      section(
        `${userText(notification.reason, 1500)}\nExpired ${slackDate(certificate.notAfter, true)}${ago > 0 ? ` (${ago} days ago)` : ''}.`,
        BLOCK_IDS.summary,
        { fields: certificateFields(certificate, notification.group, notification.ticket) },
      ),
      actions(
        [requestRenewalButton(certificate), viewDetailsButton(certificate, notification.link)],
        BLOCK_IDS.actions,
      ),
      fingerprintContext(certificate),
    ],
  };
}

const PROGRESS_STEPS: Record<RenewalProgressNotification['step'], string> = {
  'installed-and-verified': '🟢 Renewed, installed and verified',
  revoked: '🗑️ Old certificate revoked',
  'replaced-outside-certflow': '🔄 Replaced outside certflow',
  failed: '⚠️ Renewal failed',
};

/** A renewal step owners want to know about, with the replacement certificate once issued. */
export function renewalProgressMessage(notification: RenewalProgressNotification): SlackMessage {
  const { certificate, replacement } = notification;
  const name = certificateName(certificate);
  const step = PROGRESS_STEPS[notification.step];
  const fields = replacement
    ? [
        `*New certificate valid until*\n${slackDate(replacement.notAfter)}`,
        `*New key*\n${keyText(replacement)}`,
        `*New SHA-256*\n\`${escapeMrkdwn(replacement.fingerprintSha256.slice(0, 16))}…\``,
        `*Installed at*\n${locationsText(replacement)}`,
      ]
    : [`*Installed at*\n${locationsText(certificate)}`, `*Ticket*\n${ticketText(notification.ticket)}`];
  return {
    text: fallback(`${step}: ${escapeMrkdwn(name)}: ${escapeMrkdwn(notification.detail)}`),
    blocks: [
      header(`${step}: ${name}`, BLOCK_IDS.header),
      section(userText(notification.detail || step, 2000), BLOCK_IDS.summary, { fields }),
      actions([viewDetailsButton(replacement ?? certificate, notification.link)], BLOCK_IDS.actions),
      fingerprintContext(certificate),
    ],
  };
}

/** What ended a certificate version's reminders and requests: the step of its renewal-progress notification. */
export type SupersedingStep = 'installed-and-verified' | 'replaced-outside-certflow' | 'revoked';

const SUPERSEDED: Record<SupersedingStep, { readonly header: string; readonly verb: string }> = {
  'installed-and-verified': { header: '✅ Renewed', verb: 'was renewed' },
  'replaced-outside-certflow': { header: '🔄 Replaced outside certflow', verb: 'was replaced outside certflow' },
  revoked: { header: '🗑️ Retired', verb: 'was revoked and retired' },
};

const MESSAGE_KINDS: Record<string, string> = {
  reminder: 'reminder',
  'approval-request': 'approval request',
  escalation: 'escalation',
  incident: 'incident',
};

/** Input of {@link supersededMessage}. */
export interface SupersededInput {
  /** The version the old message was about. */
  readonly certificate: CertificateSummary;
  /** The old message's notification kind. */
  readonly kind: string;
  readonly step: SupersedingStep;
  /** ISO 8601: when it happened. */
  readonly at: string;
  readonly replacement: CertificateSummary | null;
}

/**
 * An old reminder, approval request, escalation or incident, updated in place once its certificate version was
 * renewed, replaced or retired: what happened, and no buttons, so nobody asks again for a version that is gone.
 */
export function supersededMessage(input: SupersededInput): SlackMessage {
  const { certificate, replacement } = input;
  const name = certificateName(certificate);
  const { header: title, verb } = SUPERSEDED[input.step];
  const what = MESSAGE_KINDS[input.kind] ?? 'message';
  const next = replacement
    ? ` The new certificate is valid until ${slackDate(replacement.notAfter)} (SHA-256 \`${escapeMrkdwn(replacement.fingerprintSha256.slice(0, 16))}…\`).`
    : '';
  return {
    text: fallback(`${escapeMrkdwn(name)} ${verb}: this ${what} needs nothing more`),
    blocks: [
      header(`${title}: ${name}`, BLOCK_IDS.header),
      section(
        `This ${what} was about *${userText(name, 500)}*, valid until ${slackDate(certificate.notAfter)}. It ${verb} ` +
          `on ${slackDate(input.at, true)}.${next} Nothing is left to do here.`,
        BLOCK_IDS.summary,
      ),
      fingerprintContext(certificate),
    ],
  };
}

/** The message of any lifecycle notification sent on its own (not folded into a digest). */
export function notificationMessage(
  notification: LifecycleNotification,
  options: ApprovalRequestOptions = {},
): SlackMessage {
  switch (notification.kind) {
    case 'reminder':
      return reminderMessage(notification);
    case 'approval-request':
      return approvalRequestMessage(notification, options);
    case 'decision':
      return decisionMessage(notification);
    case 'escalation':
      return escalationMessage(notification);
    case 'incident':
      return incidentMessage(notification);
    case 'renewal-progress':
      return renewalProgressMessage(notification);
  }
}
