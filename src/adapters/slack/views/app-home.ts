/** certflow's App Home: my groups' certificates due soon and the approvals waiting for me, with buttons. */
import type { HomeView, KnownBlock } from '@slack/types';
import { BLOCK_IDS } from './block-ids';
import { context, divider, header, section } from './blocks';
import {
  dueCertificateBlock,
  dueWithin,
  pendingApprovalBlocks,
  uniqueApprovals,
  type DueCertificate,
  type PendingApproval,
} from './certificate-lists';
import { listWithMore } from './certificate-text';
import { userText } from './mrkdwn';

/** Days ahead App Home looks for expiring certificates by default. */
export const HOME_HORIZON_DAYS = 90;
/** Certificates App Home lists before "and N more". */
export const HOME_MAX_DUE = 40;
/** Approvals App Home lists (two blocks each) before "and N more". */
export const HOME_MAX_APPROVALS = 20;

/** Input of {@link appHomeView}. */
export interface AppHomeInput {
  /** ISO 8601. */
  readonly now: string;
  /** Names of the groups I belong to. */
  readonly groups: readonly string[];
  /** Certificates of my groups; those beyond the horizon are left out. */
  readonly certificates: readonly DueCertificate[];
  /** Requests I may decide. */
  readonly approvals: readonly PendingApproval[];
  /** Requests the inventory says wait for approval in my groups but that were not looked at, as they would not fit. */
  readonly uncheckedApprovals?: number;
  readonly horizonDays?: number;
}

/** The App Home view for one person. */
export function appHomeView(input: AppHomeInput): HomeView {
  const horizon = input.horizonDays ?? HOME_HORIZON_DAYS;
  const due = dueWithin(input.certificates, input.now, horizon);
  const approvals = uniqueApprovals(input.approvals);
  const blocks: KnownBlock[] = [
    header('certflow', BLOCK_IDS.header),
    section(
      input.groups.length > 0
        ? `Your groups: ${listWithMore(input.groups, 10)}`
        : 'You are in no owner group yet; ask a certflow admin to add you to one.',
      BLOCK_IDS.summary,
    ),
    divider(),
    header(`Due in the next ${horizon} days (${due.length})`, BLOCK_IDS.dueHeader),
  ];
  if (due.length === 0)
    blocks.push(section(`Nothing of your groups expires in the next ${horizon} days.`, BLOCK_IDS.dueNone));
  blocks.push(...due.slice(0, HOME_MAX_DUE).map((item) => dueCertificateBlock(item, input.now, BLOCK_IDS.homeDueItem)));
  if (due.length > HOME_MAX_DUE) {
    blocks.push(context([`…and ${due.length - HOME_MAX_DUE} more: run \`/certflow expiring\`.`], BLOCK_IDS.dueMore));
  }
  const approvalsTotal = approvals.length + (input.uncheckedApprovals ?? 0);
  blocks.push(divider(), header(`Waiting for your approval (${approvalsTotal})`, BLOCK_IDS.approvalsHeader));
  if (approvalsTotal === 0) blocks.push(section('No request waits for your decision.', BLOCK_IDS.approvalsNone));
  blocks.push(
    ...approvals
      .slice(0, HOME_MAX_APPROVALS)
      .flatMap((item) => pendingApprovalBlocks(item, BLOCK_IDS.homeApproval, BLOCK_IDS.homeApprovalActions)),
  );
  const moreApprovals = approvalsTotal - Math.min(approvals.length, HOME_MAX_APPROVALS);
  if (moreApprovals > 0) {
    blocks.push(context([`…and ${moreApprovals} more: run \`/certflow approvals\`.`], BLOCK_IDS.approvalsMore));
  }
  return { type: 'home', blocks };
}

/** App Home when certflow could not gather it: what failed and what to do, instead of a stale or empty tab. */
export function appHomeErrorView(message: string): HomeView {
  return {
    type: 'home',
    blocks: [
      header('certflow', BLOCK_IDS.header),
      section(`⚠️ *certflow could not show your certificates*: ${userText(message)}`, BLOCK_IDS.summary),
    ],
  };
}
