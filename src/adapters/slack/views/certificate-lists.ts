/** Lists of certificates and approvals shared by App Home and the `/certflow` answers. */
import type { KnownBlock } from '@slack/types';
import type { CertificateSummary, LifecycleRequest } from '../../../core/domain/lifecycle/model';
import { itemBlockId } from './block-ids';
import { actions, section } from './blocks';
import { certificateName, keyText, locationsText, ownerGroupText } from './certificate-text';
import { actorMrkdwn, daysFrom, daysPhrase, escapeMrkdwn, slackDate, userText } from './mrkdwn';
import { decisionButtons, requestRenewalButton } from './notification-messages';

/** A certificate of one of my groups, with its open request if any. */
export interface DueCertificate {
  readonly certificate: CertificateSummary;
  readonly openRequest: LifecycleRequest | null;
}

/** A request waiting for my decision, with the certificate it is about. */
export interface PendingApproval {
  readonly request: LifecycleRequest;
  readonly certificate: CertificateSummary;
}

/** Certificates expiring within `withinDays` of `now` (expired ones too), one per managed id, soonest first. */
export function dueWithin(items: readonly DueCertificate[], now: string, withinDays: number): DueCertificate[] {
  const unique = new Map<string, DueCertificate>();
  for (const item of items) {
    if (daysFrom(now, item.certificate.notAfter) <= withinDays) {
      unique.set(item.certificate.managedCertificateId, item);
    }
  }
  return [...unique.values()].sort((a, b) => Date.parse(a.certificate.notAfter) - Date.parse(b.certificate.notAfter));
}

/** Pending approvals, one per request id, oldest request first. */
export function uniqueApprovals(items: readonly PendingApproval[]): PendingApproval[] {
  const unique = new Map(items.map((item) => [item.request.id, item]));
  return [...unique.values()].sort((a, b) => Date.parse(a.request.requestedAt) - Date.parse(b.request.requestedAt));
}

/** One block per due certificate: what and when, and *Request renewal* unless a request is open. */
export function dueCertificateBlock(item: DueCertificate, now: string, blockIdBase: string): KnownBlock {
  const { certificate, openRequest } = item;
  const days = daysFrom(now, certificate.notAfter);
  const state = openRequest
    ? `${escapeMrkdwn(openRequest.kind)} request \`${escapeMrkdwn(openRequest.id)}\` ${escapeMrkdwn(openRequest.status)}`
    : 'no renewal requested yet';
  const text = [
    `*${userText(certificateName(certificate), 300)}* ${days < 0 ? 'expired' : 'expires'} ${slackDate(certificate.notAfter)} (${daysPhrase(days)})`,
    `${ownerGroupText(certificate)} · ${keyText(certificate)} · ${locationsText(certificate, 3)}`,
    state,
  ].join('\n');
  return section(text, itemBlockId(blockIdBase, certificate.managedCertificateId), {
    ...(openRequest ? {} : { accessory: requestRenewalButton(certificate, false) }),
  });
}

/** Two blocks per pending approval: what is asked, then *Approve* / *Reject*. */
export function pendingApprovalBlocks(
  item: PendingApproval,
  textBlockBase: string,
  actionsBlockBase: string,
): KnownBlock[] {
  const { request, certificate } = item;
  return [
    section(
      [
        `*${escapeMrkdwn(request.kind)}* of *${userText(certificateName(certificate), 300)}* (expires ${slackDate(certificate.notAfter)})`,
        `asked by ${actorMrkdwn(request.requestedBy)} on ${slackDate(request.requestedAt, true)}: ${userText(request.reason || 'no reason given', 1000)}`,
        `Request \`${escapeMrkdwn(request.id)}\``,
      ].join('\n'),
      itemBlockId(textBlockBase, request.id),
    ),
    actions(decisionButtons(request), itemBlockId(actionsBlockBase, request.id)),
  ];
}
