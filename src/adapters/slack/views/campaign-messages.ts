/**
 * The Slack side of crypto-agility campaigns (R-CAM-1, R-CAM-3) in the campaign channel: the progress message
 * updated in place, the deadline escalation and the report. Every builder stays within Slack's limits however many
 * owner groups a campaign has. The `/certflow campaign` answers are in campaign-answers.ts, the start modal in
 * campaign-start-modal.ts.
 */
import type { Button, KnownBlock, SectionBlock } from '@slack/types';
import {
  CAMPAIGN_MEMBER_STATES,
  type CampaignDefinition,
  type CampaignGroupProgress,
  type CampaignKind,
  type CampaignMember,
  type CampaignMemberState,
  type CampaignProgress,
} from '../../../core/domain/campaigns/model';
import type { OwnerGroup } from '../../../core/domain/inventory/model';
import { ACTION_IDS, BLOCK_IDS, itemBlockId } from './block-ids';
import { actions, button, context, fallback, header, section } from './blocks';
import type { SlackMessage } from './blocks';
import { actorMrkdwn, escapeMrkdwn, isoMinute, personMrkdwn, SLACK_LIMITS, slackDate, userText } from './mrkdwn';
import { progressBar } from '../../../core/domain/campaigns/progress-bar';

/** Owner group lines a progress message shows before "… and N more groups". */
export const MAX_GROUP_LINES = 40;
/** Laggard lines a progress message shows. */
export const MAX_LAGGARD_LINES = 15;
/** Groups an escalation lists. */
export const MAX_ESCALATED_GROUPS = 20;
/** Example certificates an escalation lists. */
export const MAX_ESCALATION_EXAMPLES = 10;
/** Section blocks a report takes at most (its header and the truncation note take two more). */
export const MAX_REPORT_SECTIONS = 45;

/** Room left in a section's text for one chunk of lines. */
const SECTION_BUDGET = SLACK_LIMITS.text - 100;

/** Campaign kinds as people read them. */
export const KIND_LABELS: Readonly<Record<CampaignKind, string>> = {
  'ca-compromise': 'CA compromise',
  'algorithm-deprecation': 'algorithm deprecation',
  'weak-key': 'weak key',
  'key-generation-bug': 'key generation bug',
  other: 'other',
};

/** Member states as people read them. */
const STATE_LABELS: Readonly<Record<CampaignMemberState, string>> = {
  pending: 'Pending',
  'awaiting-approval': 'Awaiting approval',
  approved: 'Approved',
  issued: 'Issued',
  installed: 'Installed',
  verified: 'Verified',
  'old-revoked': 'Old revoked',
  failed: 'Failed',
  skipped: 'Skipped',
};

/** Campaign statuses as people read them, with their emoji. */
export const STATUS_LABELS: Readonly<Record<CampaignProgress['status'], string>> = {
  running: '▶️ running',
  paused: '⏸️ paused',
  cancelled: '⏹️ cancelled',
  completed: '✅ completed',
  'completed-with-failures': '⚠️ completed with failures',
  failed: '❌ failed: nothing was replaced',
};

/** Lines packed into as few sections as fit Slack's text limit, at most `maxBlocks`; what does not fit is counted. */
export function packLines(
  lines: readonly string[],
  blockIdBase: string,
  maxBlocks: number,
): { blocks: SectionBlock[]; left: number } {
  const chunks: string[][] = [];
  let size = 0;
  let shown = 0;
  for (const line of lines) {
    const current = chunks.at(-1);
    if (current !== undefined && size + line.length + 1 <= SECTION_BUDGET) {
      current.push(line);
      size += line.length + 1;
    } else if (chunks.length < maxBlocks) {
      chunks.push([line]);
      size = line.length + 1;
    } else {
      break;
    }
    shown += 1;
  }
  return {
    blocks: chunks.map((chunk, index) => section(chunk.join('\n'), itemBlockId(blockIdBase, String(index)))),
    left: lines.length - shown,
  };
}

/** `1 group`, `3 groups`. */
function groupsPhrase(count: number): string {
  return `${count} ${count === 1 ? 'group' : 'groups'}`;
}

function groupLine(group: CampaignGroupProgress): string {
  return `${progressBar(group.done, group.total)} *${userText(group.group, 100)}*`;
}

function moreGroups(left: number, blockId: string): KnownBlock[] {
  return left > 0
    ? [context([`… and ${left} more groups: \`certflow campaign status <id>\` lists every one`], blockId)]
    : [];
}

function stateFields(counts: CampaignProgress['counts']): string[] {
  return CAMPAIGN_MEMBER_STATES.map((state) => `*${STATE_LABELS[state]}*\n${counts[state]}`);
}

/** Pause, Resume and Cancel for what the campaign's status allows; none once it ended. */
export function campaignControls(progress: CampaignProgress): Button[] {
  const id = progress.campaign.id;
  const buttons: Button[] = [];
  if (progress.status === 'running') buttons.push(button('Pause', ACTION_IDS.campaignPause, id));
  if (progress.status === 'paused') buttons.push(button('Resume', ACTION_IDS.campaignResume, id, { style: 'primary' }));
  if (progress.status === 'running' || progress.status === 'paused') {
    buttons.push(button('Cancel', ACTION_IDS.campaignCancel, id, { style: 'danger' }));
  }
  return buttons;
}

function definitionFields(campaign: CampaignDefinition, progress: CampaignProgress): string[] {
  const status = `${STATUS_LABELS[progress.status]}${progress.statusReason ? `: ${userText(progress.statusReason, 300)}` : ''}`;
  return [
    `*Kind*\n${KIND_LABELS[campaign.kind]}`,
    `*Deadline*\n${slackDate(campaign.deadline, true)}`,
    `*Status*\n${status}`,
    `*Launched by*\n${actorMrkdwn(campaign.launchedBy)}${campaign.emergency ? ' (emergency pre-approval)' : ''}`,
  ];
}

/** The campaign's one progress message (R-CAM-3), posted once and updated in place. */
export function campaignProgressMessage(progress: CampaignProgress): SlackMessage {
  const { campaign } = progress;
  const bar = progressBar(progress.done, progress.total);
  const blocks: KnownBlock[] = [
    header(`Campaign: ${campaign.title}`, BLOCK_IDS.header),
    section(`*Reason:* ${userText(campaign.reason, 1000)}\n\`${escapeMrkdwn(campaign.id)}\``, BLOCK_IDS.summary, {
      fields: definitionFields(campaign, progress),
    }),
    section(`*Progress* ${bar}`, BLOCK_IDS.campaignCounts, { fields: stateFields(progress.counts) }),
  ];
  const groups = packLines(progress.groups.slice(0, MAX_GROUP_LINES).map(groupLine), BLOCK_IDS.campaignGroups, 3);
  blocks.push(
    ...groups.blocks,
    ...moreGroups(groups.left + Math.max(0, progress.groups.length - MAX_GROUP_LINES), BLOCK_IDS.more),
  );
  const pastDeadline = Date.parse(progress.asOf) > Date.parse(campaign.deadline);
  if (pastDeadline && progress.laggards.length > 0) {
    const lines = progress.laggards
      .slice(0, MAX_LAGGARD_LINES)
      .map((group) => `${groupLine(group)}: ${group.total - group.done} left`);
    const laggards = packLines(lines, BLOCK_IDS.campaignLaggards, 1);
    const left = laggards.left + Math.max(0, progress.laggards.length - MAX_LAGGARD_LINES);
    blocks.push(
      section(`⚠️ *${groupsPhrase(progress.laggards.length)} not done after the deadline*`, BLOCK_IDS.problem),
    );
    blocks.push(...laggards.blocks, ...moreGroups(left, itemBlockId(BLOCK_IDS.more, 'laggards')));
  }
  const reasons = progress.failureReasons ?? [];
  if (reasons.length > 0) {
    const lines = reasons.map((failure) => `• ${failure.count} × ${userText(failure.reason, 300)}`);
    const headline =
      progress.counts.failed > 0
        ? `❌ *${progress.counts.failed} failed* (${progress.failedAttempts} failed attempts)`
        : `*${progress.failedAttempts} failed attempts, retried*`;
    blocks.push(section(`${headline}, why:\n${lines.join('\n')}`, itemBlockId(BLOCK_IDS.problem, 'failures')));
  }
  const milestones = (['p50', 'p90', 'p100'] as const)
    .filter((key) => progress.milestones[key] !== null)
    .map((key) => `${key.slice(1)}% at ${isoMinute(progress.milestones[key] ?? '')}`);
  blocks.push(
    context(
      [
        `As of ${slackDate(progress.asOf, true)} · ${progress.failedAttempts} failed attempts${milestones.length > 0 ? ` · ${milestones.join(', ')}` : ''}`,
      ],
      BLOCK_IDS.records,
    ),
  );
  const controls = campaignControls(progress);
  if (controls.length > 0) blocks.push(actions(controls, BLOCK_IDS.actions));
  return {
    text: fallback(`Campaign ${campaign.title}: ${STATUS_LABELS[progress.status]}, ${bar}`),
    blocks,
  };
}

/** One escalated group with who must act for it. */
export interface EscalatedGroup {
  readonly progress: CampaignGroupProgress;
  readonly group: OwnerGroup | null;
}

/** The deadline escalation (R-CAM-3): the groups not done, their counts and a few of their certificates. */
export function campaignEscalationMessage(input: {
  readonly progress: CampaignProgress;
  readonly groups: readonly EscalatedGroup[];
  readonly examples: readonly CampaignMember[];
}): SlackMessage {
  const { campaign } = input.progress;
  const lines = input.groups.slice(0, MAX_ESCALATED_GROUPS).map(({ progress, group }) => {
    const who = [group?.managementContact, group?.incidentResponseContact]
      .filter((person) => person !== null && person !== undefined)
      .map(personMrkdwn);
    const failed = progress.counts.failed > 0 ? `, ${progress.counts.failed} failed` : '';
    return `• *${userText(group?.name ?? progress.group, 100)}*: ${progress.total - progress.done} of ${progress.total} left${failed}${who.length > 0 ? ` (${[...new Set(who)].join(', ')})` : ''}`;
  });
  const packed = packLines(lines, BLOCK_IDS.campaignLaggards, 2);
  const blocks: KnownBlock[] = [
    header(`Deadline passed: ${campaign.title}`, BLOCK_IDS.header),
    section(
      `🚨 The campaign's deadline ${slackDate(campaign.deadline, true)} has passed and *${groupsPhrase(input.groups.length)}* still have certificates to replace. Reason: ${userText(campaign.reason, 500)}`,
      BLOCK_IDS.summary,
    ),
    ...packed.blocks,
    ...moreGroups(packed.left + Math.max(0, input.groups.length - MAX_ESCALATED_GROUPS), BLOCK_IDS.more),
  ];
  const examples = input.examples.slice(0, MAX_ESCALATION_EXAMPLES);
  if (examples.length > 0) {
    blocks.push(
      section(
        `*For example:*\n${examples
          .map(
            (member) =>
              `• ${userText(member.subject, 150)} (${userText(member.ownerGroup, 60)}, ${STATE_LABELS[member.state].toLowerCase()}, expires ${slackDate(member.notAfter)})`,
          )
          .join('\n')}`,
        BLOCK_IDS.campaignSample,
      ),
    );
  }
  blocks.push(context([`Campaign \`${escapeMrkdwn(campaign.id)}\``], BLOCK_IDS.records));
  return {
    text: fallback(`Deadline passed for campaign ${campaign.title}: ${groupsPhrase(input.groups.length)} not done`),
    blocks,
  };
}

/** Inline Markdown as mrkdwn: bold, links and inline code; the text is escaped first. */
function inlineMrkdwn(line: string): string {
  return escapeMrkdwn(line)
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/__(.+?)__/g, '*$1*')
    .replace(
      /\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g,
      (_, label: string, url: string) => `<${url}|${label.replace(/\|/g, '¦')}>`,
    );
}

/**
 * Markdown as Slack mrkdwn: headings become bold lines, `**bold**` `*bold*`, links `<url|label>`, list items
 * bullets; code blocks stay, and tables become code blocks, since mrkdwn has no tables.
 */
export function markdownToMrkdwn(markdown: string): string {
  const out: string[] = [];
  let fence = false;
  let table = false;
  for (const raw of markdown.replace(/\r\n/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('```')) {
      fence = !fence;
      out.push('```');
      continue;
    }
    if (fence) {
      out.push(escapeMrkdwn(line));
      continue;
    }
    const isTableRow = line.trimStart().startsWith('|');
    if (isTableRow !== table) {
      out.push('```');
      table = isTableRow;
    }
    if (isTableRow) {
      if (!/^\s*\|[\s|:-]+\|\s*$/.test(line)) out.push(escapeMrkdwn(line));
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) out.push(`*${inlineMrkdwn(heading[1] ?? '').replace(/\*/g, '')}*`);
    else out.push(inlineMrkdwn(line).replace(/^(\s*)[-*+]\s+/, '$1• '));
  }
  if (table || fence) out.push('```');
  return out.join('\n');
}

/** Splits mrkdwn into chunks of at most `max` characters at line ends, closing and reopening code blocks it cuts. */
function chunkMrkdwn(text: string, max: number): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  let fence = false;
  for (const line of text
    .split('\n')
    .map((candidate) => (candidate.length > max - 10 ? `${candidate.slice(0, max - 11)}…` : candidate))) {
    if (size + line.length + 1 > max - 4 && current.length > 0) {
      chunks.push([...current, ...(fence ? ['```'] : [])].join('\n'));
      current = fence ? ['```'] : [];
      size = current.join('\n').length;
    }
    current.push(line);
    size += line.length + 1;
    if (line === '```') fence = !fence;
  }
  if (current.some((line) => line.trim() !== '')) chunks.push(current.join('\n'));
  return chunks;
}

/** The campaign report (Markdown) as a message in the campaign channel; a long report ends with where to read all. */
export function campaignReportMessage(progress: CampaignProgress, markdown: string): SlackMessage {
  const { campaign } = progress;
  const chunks = chunkMrkdwn(markdownToMrkdwn(markdown), SECTION_BUDGET).filter((chunk) => chunk.trim() !== '');
  const blocks: KnownBlock[] = [
    header(`Report: ${campaign.title}`, BLOCK_IDS.header),
    ...chunks
      .slice(0, MAX_REPORT_SECTIONS)
      .map((chunk, index) => section(chunk, itemBlockId(BLOCK_IDS.campaignReport, String(index)))),
  ];
  if (chunks.length > MAX_REPORT_SECTIONS) {
    blocks.push(
      context(
        [
          `The report is longer than Slack shows: \`certflow campaign report ${escapeMrkdwn(campaign.id)}\` prints all of it.`,
        ],
        BLOCK_IDS.more,
      ),
    );
  }
  if (chunks.length === 0) blocks.push(section('_The report is empty._', BLOCK_IDS.summary));
  return {
    text: fallback(`Report of campaign ${campaign.title}: ${progressBar(progress.done, progress.total)}`),
    blocks,
  };
}
