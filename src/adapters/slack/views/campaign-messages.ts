/**
 * The Slack side of crypto-agility campaigns (R-CAM-1, R-CAM-3): the progress message updated in place, the
 * deadline escalation, the report, the `/certflow campaign` answers and the start modal. Every builder stays within
 * Slack's limits however many owner groups a campaign has.
 */
import type { Button, KnownBlock, ModalView, SectionBlock } from '@slack/types';
import {
  CAMPAIGN_KINDS,
  CAMPAIGN_MEMBER_STATES,
  type CampaignDefinition,
  type CampaignGroupProgress,
  type CampaignKind,
  type CampaignMember,
  type CampaignMemberState,
  type CampaignPreview,
  type CampaignProgress,
} from '../../../core/domain/campaigns/model';
import type { OwnerGroup } from '../../../core/domain/inventory/model';
import type { StoredCampaign } from '../../../core/ports/campaign-store';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, itemBlockId } from './block-ids';
import { actions, button, context, fallback, header, plainText, section, type EphemeralMessage } from './blocks';
import type { SlackMessage } from './blocks';
import { actorMrkdwn, escapeMrkdwn, isoMinute, personMrkdwn, SLACK_LIMITS, slackDate, userText } from './mrkdwn';
import { DAY_MS } from '../../../core/domain/duration';

/** Characters of one progress bar. */
export const PROGRESS_BAR_WIDTH = 10;
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
/** Days after the start a campaign's deadline defaults to (R-CAM-2). */
export const DEFAULT_DEADLINE_DAYS = 2;
/** Longest reason the start modal accepts. */
export const MAX_CAMPAIGN_REASON = 500;

/** Room left in a section's text for one chunk of lines. */
const SECTION_BUDGET = SLACK_LIMITS.text - 100;

const KIND_LABELS: Readonly<Record<CampaignKind, string>> = {
  'ca-compromise': 'CA compromise',
  'algorithm-deprecation': 'algorithm deprecation',
  'weak-key': 'weak key',
  'key-generation-bug': 'key generation bug',
  other: 'other',
};

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

const STATUS_LABELS: Readonly<Record<CampaignProgress['status'], string>> = {
  running: '▶️ running',
  paused: '⏸️ paused',
  cancelled: '⏹️ cancelled',
  completed: '✅ completed',
  'completed-with-failures': '⚠️ completed with failures',
  failed: '❌ failed: nothing was replaced',
};

/** `▓▓▓▓▓░░░░░ 48% (96/200)`: full only once all is done, so 199/200 never looks finished. */
export function progressBar(done: number, total: number): string {
  const ratio = total === 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled =
    done >= total ? PROGRESS_BAR_WIDTH : Math.min(PROGRESS_BAR_WIDTH - 1, Math.round(ratio * PROGRESS_BAR_WIDTH));
  const percent = done >= total ? 100 : Math.floor(ratio * 100);
  return `${'▓'.repeat(filled)}${'░'.repeat(PROGRESS_BAR_WIDTH - filled)} ${percent}% (${done}/${total})`;
}

/** Lines packed into as few sections as fit Slack's text limit, at most `maxBlocks`; what does not fit is counted. */
function packLines(
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

function ephemeral(text: string, blocks: KnownBlock[]): EphemeralMessage {
  return { response_type: 'ephemeral', text: fallback(text), blocks };
}

function countLines(entries: CampaignPreview['byOwnerGroup'], max: number): string {
  const lines = entries.slice(0, max).map(({ key, count }) => `${userText(key, 120)}: ${count}`);
  if (entries.length > max) lines.push(`… and ${entries.length - max} more`);
  return lines.length > 0 ? lines.join('\n') : '—';
}

/** What the `campaign_start_open` button carries: the selector as typed and the count it previewed. */
export interface CampaignStartRequest {
  readonly selectorText: string;
  readonly count: number;
}

/** The start button's value; null when the selector text is too long for a button (the command still works). */
export function campaignStartButtonValue(request: CampaignStartRequest): string | null {
  const value = JSON.stringify({ selector: request.selectorText, count: request.count });
  return value.length <= SLACK_LIMITS.buttonValue ? value : null;
}

/** Reads a `campaign_start_open` button's value; null when it is not what the button carries. */
export function readCampaignStartButtonValue(value: string): CampaignStartRequest | null {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { selector, count } = parsed as Record<string, unknown>;
    if (typeof selector !== 'string' || typeof count !== 'number' || !Number.isInteger(count) || count < 0) return null;
    return { selectorText: selector, count };
  } catch {
    return null;
  }
}

/** `/certflow campaign preview` (R-CAM-1): counts by owner group, issuer and expiry band, a sample and *Start…*. */
export function campaignPreviewAnswer(input: {
  readonly preview: CampaignPreview;
  readonly selectorText: string;
  /** The selector as people read it. */
  readonly description: string;
}): EphemeralMessage {
  const { preview } = input;
  const title = `Campaign preview: ${preview.total} certificates`;
  const blocks: KnownBlock[] = [
    header(title, BLOCK_IDS.header),
    section(
      `The selector ${userText(input.description, 1500)} selects *${preview.total}* certificates of *${preview.byOwnerGroup.length}* owner groups. Nothing has started.`,
      BLOCK_IDS.summary,
      {
        fields: [
          `*By owner group*\n${countLines(preview.byOwnerGroup, 15)}`,
          `*By issuer*\n${countLines(preview.byIssuer, 5)}`,
          `*By expiry*\n${countLines(preview.byExpiryBand, 5)}`,
        ],
      },
    ),
  ];
  const sample = preview.sample.slice(0, 10);
  if (sample.length > 0) {
    blocks.push(
      section(
        `*For example:*\n${sample
          .map(
            (item) =>
              `• ${userText(item.subject, 150)} (${userText(item.ownerGroup, 60)}, expires ${slackDate(item.notAfter)})`,
          )
          .join('\n')}`,
        BLOCK_IDS.campaignSample,
      ),
    );
  }
  const value = campaignStartButtonValue({ selectorText: input.selectorText, count: preview.total });
  if (preview.total > 0 && value !== null) {
    blocks.push(
      actions(
        [button('Start campaign…', ACTION_IDS.campaignStartOpen, value, { style: 'primary' })],
        BLOCK_IDS.actions,
      ),
    );
  } else if (preview.total > 0) {
    blocks.push(
      context(
        ['The selector is too long for a button: start with `/certflow campaign start <selector>`.'],
        BLOCK_IDS.more,
      ),
    );
  }
  return ephemeral(title, blocks);
}

/** `/certflow campaign status <id>`: the progress message, to the asker only. */
export function campaignStatusAnswer(progress: CampaignProgress): EphemeralMessage {
  const message = campaignProgressMessage(progress);
  return ephemeral(message.text, message.blocks);
}

/** `/certflow campaign list` and `status` without id: campaigns newest first. */
export function campaignListAnswer(campaigns: readonly StoredCampaign[], title: string): EphemeralMessage {
  if (campaigns.length === 0)
    return ephemeral(`${title}: none`, [section(`*${escapeMrkdwn(title)}:* none.`, BLOCK_IDS.summary)]);
  const lines = campaigns.map(
    ({ definition, status }) =>
      `• \`${escapeMrkdwn(definition.id)}\` *${userText(definition.title, 150)}*: ${STATUS_LABELS[status]}, deadline ${slackDate(definition.deadline, true)}`,
  );
  const packed = packLines(lines, BLOCK_IDS.listItem, 10);
  return ephemeral(`${title}: ${campaigns.length}`, [
    header(`${title}: ${campaigns.length}`, BLOCK_IDS.header),
    ...packed.blocks,
    ...(packed.left > 0
      ? [context([`… and ${packed.left} more: \`certflow campaign list\` shows all`], BLOCK_IDS.more)]
      : []),
    context(['`/certflow campaign status <id>` shows one campaign with its buttons.'], BLOCK_IDS.usage),
  ]);
}

/** What the start modal carries between opening and submission. */
export interface CampaignStartMetadata extends CampaignStartRequest {
  /** Where the progress message goes; null for the configured campaign channel. */
  readonly channelId: string | null;
}

/** The start modal (R-CAM-1, R-CAM-2): reason, kind, deadline and emergency pre-approval for the previewed count. */
export function campaignStartModal(input: {
  readonly metadata: CampaignStartMetadata;
  readonly description: string;
  readonly now: string;
}): ModalView {
  const { metadata } = input;
  const deadline = new Date(Date.parse(input.now) + DEFAULT_DEADLINE_DAYS * DAY_MS).toISOString();
  const kindOption = (kind: CampaignKind) => ({ text: plainText(KIND_LABELS[kind], 75), value: kind });
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.campaignStart,
    private_metadata: JSON.stringify(metadata),
    title: plainText('Start campaign', SLACK_LIMITS.modalTitle),
    submit: plainText('Start', SLACK_LIMITS.modalTitle),
    close: plainText('Cancel', SLACK_LIMITS.modalTitle),
    blocks: [
      section(
        `This replaces *${metadata.count}* certificates selected by ${userText(input.description, 1500)}, each through its renewal.\n` +
          `Deadline by default: ${slackDate(deadline, true)} (${DEFAULT_DEADLINE_DAYS} days). The start is refused if the selector no longer selects exactly ${metadata.count}.`,
        BLOCK_IDS.summary,
      ),
      {
        type: 'input',
        block_id: BLOCK_IDS.campaignReason,
        optional: false,
        label: plainText('Why?'),
        hint: plainText('Everyone watching the campaign sees this; it is kept in the audit log.'),
        element: {
          type: 'plain_text_input',
          action_id: ACTION_IDS.campaignReasonInput,
          min_length: 1,
          max_length: MAX_CAMPAIGN_REASON,
          placeholder: plainText('e.g. Old Issuing CA compromised'),
        },
      },
      {
        type: 'input',
        block_id: BLOCK_IDS.campaignKind,
        label: plainText('Kind'),
        hint: plainText('It sets the revocation reason of the replaced certificates.'),
        element: {
          type: 'static_select',
          action_id: ACTION_IDS.campaignKindInput,
          options: CAMPAIGN_KINDS.map(kindOption),
          initial_option: kindOption('ca-compromise'),
        },
      },
      {
        type: 'input',
        block_id: BLOCK_IDS.campaignDeadline,
        label: plainText('Deadline'),
        hint: plainText('A duration such as 2d or 36h, a day (2026-12-03, end of day UTC) or an ISO 8601 instant.'),
        element: {
          type: 'plain_text_input',
          action_id: ACTION_IDS.campaignDeadlineInput,
          initial_value: `${DEFAULT_DEADLINE_DAYS}d`,
          max_length: 40,
        },
      },
      {
        type: 'input',
        block_id: BLOCK_IDS.campaignEmergency,
        optional: true,
        label: plainText('Approval'),
        element: {
          type: 'checkboxes',
          action_id: ACTION_IDS.campaignEmergencyInput,
          options: [
            {
              text: plainText('Emergency: I pre-approve every renewal (audited per certificate)', 75),
              value: 'emergency',
            },
          ],
          initial_options: [
            {
              text: plainText('Emergency: I pre-approve every renewal (audited per certificate)', 75),
              value: 'emergency',
            },
          ],
        },
      },
    ],
  };
}

/** A start modal submission that cannot be acted on; `blockId` names the input to flag. */
export class CampaignStartSubmissionError extends Error {
  override readonly name = 'CampaignStartSubmissionError';
  constructor(
    message: string,
    readonly blockId: string,
  ) {
    super(message);
  }
}

/** What a start modal submission says. */
export interface CampaignStartSubmission extends CampaignStartMetadata {
  readonly reason: string;
  readonly kind: CampaignKind;
  /** ISO 8601 UTC. */
  readonly deadline: string;
  readonly emergency: boolean;
}

/** The state of one input of a submitted view, in the shapes the start modal's elements send. */
interface SubmittedValue {
  readonly value?: string | null;
  readonly selected_option?: { readonly value?: string } | null;
  readonly selected_options?: ReadonlyArray<{ readonly value?: string }>;
}

/** The parts of a `view_submission` view {@link readCampaignStartSubmission} reads. */
export interface SubmittedCampaignView {
  readonly callback_id?: string;
  readonly private_metadata?: string;
  readonly state?: { readonly values?: Record<string, Record<string, SubmittedValue | undefined>> };
}

function readMetadata(text: string | undefined): CampaignStartMetadata | null {
  try {
    const value = JSON.parse(text ?? '') as Record<string, unknown>;
    const { selectorText, count, channelId } = value;
    if (typeof selectorText !== 'string' || typeof count !== 'number' || !Number.isInteger(count)) return null;
    if (channelId !== null && typeof channelId !== 'string') return null;
    return { selectorText, count, channelId };
  } catch {
    return null;
  }
}

const MAX_DEADLINE_MS = 366 * DAY_MS;

/** A deadline as typed (`2d`, `36h`, `2026-12-03`, an ISO instant) as an ISO instant after `now`. */
export function parseCampaignDeadline(text: string, now: string): string {
  const typed = text.trim();
  const nowMs = Date.parse(now);
  const relative = /^(\d{1,4})\s*([dh])$/i.exec(typed);
  let at: number;
  if (relative) at = nowMs + Number(relative[1]) * (relative[2]?.toLowerCase() === 'd' ? DAY_MS : 3_600_000);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(typed)) at = Date.parse(`${typed}T23:59:59Z`);
  else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(typed)) at = Date.parse(typed);
  else at = NaN;
  if (Number.isNaN(at)) {
    throw new CampaignStartSubmissionError(
      `"${typed.slice(0, 40)}" is not a deadline: type 2d, 36h, a day like 2026-12-03 or an ISO 8601 instant`,
      BLOCK_IDS.campaignDeadline,
    );
  }
  if (at <= nowMs || at - nowMs > MAX_DEADLINE_MS) {
    throw new CampaignStartSubmissionError(
      'the deadline must be in the future and within a year',
      BLOCK_IDS.campaignDeadline,
    );
  }
  return new Date(at).toISOString();
}

/**
 * Reads a submitted start modal. Throws {@link CampaignStartSubmissionError} for another modal, metadata it did not
 * write, a blank or over-long reason, an unknown kind or a deadline it cannot read. Inputs the payload leaves out take
 * the modal's defaults.
 */
export function readCampaignStartSubmission(view: SubmittedCampaignView, now: string): CampaignStartSubmission {
  const metadata = view.callback_id === CALLBACK_IDS.campaignStart ? readMetadata(view.private_metadata) : null;
  if (metadata === null) {
    throw new CampaignStartSubmissionError(
      'this form does not say what to start; close it and run `/certflow campaign start <selector>` again',
      BLOCK_IDS.campaignReason,
    );
  }
  const values = view.state?.values ?? {};
  const input = (blockId: string, actionId: string) => values[blockId]?.[actionId];
  const reason = (input(BLOCK_IDS.campaignReason, ACTION_IDS.campaignReasonInput)?.value ?? '').trim();
  if (reason.length === 0) {
    throw new CampaignStartSubmissionError(
      'write why the campaign runs; everyone watching it reads this',
      BLOCK_IDS.campaignReason,
    );
  }
  if (reason.length > MAX_CAMPAIGN_REASON) {
    throw new CampaignStartSubmissionError(
      `the reason is ${reason.length} characters; shorten it to ${MAX_CAMPAIGN_REASON}`,
      BLOCK_IDS.campaignReason,
    );
  }
  const kindValue =
    input(BLOCK_IDS.campaignKind, ACTION_IDS.campaignKindInput)?.selected_option?.value ?? 'ca-compromise';
  const kind = CAMPAIGN_KINDS.find((candidate) => candidate === kindValue);
  if (kind === undefined) {
    throw new CampaignStartSubmissionError(
      `choose one of the kinds: ${CAMPAIGN_KINDS.join(', ')}`,
      BLOCK_IDS.campaignKind,
    );
  }
  const deadlineText =
    input(BLOCK_IDS.campaignDeadline, ACTION_IDS.campaignDeadlineInput)?.value ?? `${DEFAULT_DEADLINE_DAYS}d`;
  const emergencyInput = input(BLOCK_IDS.campaignEmergency, ACTION_IDS.campaignEmergencyInput);
  const emergency =
    emergencyInput?.selected_options === undefined
      ? true
      : emergencyInput.selected_options.some((option) => option.value === 'emergency');
  return { ...metadata, reason, kind, deadline: parseCampaignDeadline(deadlineText, now), emergency };
}

/** What the launcher is told once the campaign started. */
export function campaignStartedAnswer(campaign: CampaignDefinition, count: number): EphemeralMessage {
  return ephemeral(`Campaign ${campaign.id} started`, [
    section(
      `✅ Campaign \`${escapeMrkdwn(campaign.id)}\` started: *${userText(campaign.title, 300)}*, ${count} certificates, deadline ${slackDate(campaign.deadline, true)}.\n` +
        `\`/certflow campaign status ${escapeMrkdwn(campaign.id)}\` shows its progress.`,
      BLOCK_IDS.summary,
    ),
  ]);
}
