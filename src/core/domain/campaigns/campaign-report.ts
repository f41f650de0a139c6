/**
 * Campaign reports (R-CAM-3): what a campaign achieved and what is left, from its progress and every member. Pure, so
 * the CLI, Slack and tests render the same Markdown and CSV from the same data.
 */
import { toCsv } from '../reports/csv';
import {
  CAMPAIGN_MEMBER_STATES,
  FINISHED_MEMBER_STATES,
  type CampaignDefinition,
  type CampaignMember,
  type CampaignMemberState,
  type CampaignProgress,
  type CampaignStateCounts,
  type CampaignStatus,
} from './model';

/** What a report is built from: the campaign's progress and every member (as `CampaignReportData` of the client). */
export interface CampaignReportInput {
  readonly progress: CampaignProgress;
  readonly members: readonly CampaignMember[];
}

/** When a share of the members was finished, counted from the members' own `finishedAt`. */
export interface CampaignMilestone {
  /** ISO 8601 UTC when the member that reached the share finished. */
  readonly at: string;
  /** Milliseconds from the launch to `at`. */
  readonly afterLaunchMs: number;
}

/** One owner group's line of a report. */
export interface CampaignReportGroup {
  readonly group: string;
  readonly total: number;
  readonly finished: number;
  readonly counts: CampaignStateCounts;
}

/** A member that failed, with why. */
export interface CampaignReportFailure {
  readonly managedCertificateId: string;
  readonly fingerprintSha256: string;
  readonly ownerGroup: string;
  readonly subject: string;
  readonly attempts: number;
  readonly detail: string | null;
}

/** One owner group's members not finished yet. */
export interface CampaignReportLaggard {
  readonly group: string;
  readonly members: readonly CampaignMember[];
}

/** Everything a report says, computed exactly from the members. */
export interface CampaignReportSummary {
  readonly campaign: CampaignDefinition;
  readonly status: CampaignStatus;
  readonly statusReason: string | null;
  readonly asOf: string;
  readonly escalated: boolean;
  readonly total: number;
  readonly finished: number;
  readonly counts: CampaignStateCounts;
  readonly failedAttempts: number;
  /** Time from the launch to 50 %, 90 % and 100 % of the members finished; null until reached. */
  readonly timings: {
    readonly p50: CampaignMilestone | null;
    readonly p90: CampaignMilestone | null;
    readonly p100: CampaignMilestone | null;
  };
  /** Sorted by group id. */
  readonly groups: readonly CampaignReportGroup[];
  /** Members in state `failed`, in enrolment order. */
  readonly failures: readonly CampaignReportFailure[];
  /** Groups with members not finished, most left first (then by group id); members in enrolment order. */
  readonly laggards: readonly CampaignReportLaggard[];
}

/** Failures and laggards listed in Markdown at most; the CSV lists every member. */
export const MARKDOWN_LIST_LIMIT = 50;

function isFinished(state: CampaignMemberState): boolean {
  return FINISHED_MEMBER_STATES.includes(state);
}

function zeroCounts(): CampaignStateCounts {
  return Object.fromEntries(CAMPAIGN_MEMBER_STATES.map((state) => [state, 0])) as CampaignStateCounts;
}

/**
 * The instant the `needed`-th member finished (members sorted by finishedAt), or null when fewer finished. Shares
 * round up as the campaign's own milestones do: 50 % of 3 members is 2.
 */
function milestone(finishedAt: readonly number[], needed: number, launchedAt: number): CampaignMilestone | null {
  if (needed === 0 || finishedAt.length < needed) return null;
  const at = finishedAt[needed - 1] as number;
  return { at: new Date(at).toISOString(), afterLaunchMs: at - launchedAt };
}

/** Summarises a campaign for its report (R-CAM-3): timings, counts, groups, failures and laggards. */
export function summarizeCampaign(data: CampaignReportInput): CampaignReportSummary {
  const { progress, members } = data;
  const counts = zeroCounts();
  const groups = new Map<string, { total: number; finished: number; counts: CampaignStateCounts }>();
  const laggards = new Map<string, CampaignMember[]>();
  const finishedAt: number[] = [];
  for (const member of members) {
    counts[member.state] += 1;
    let group = groups.get(member.ownerGroup);
    if (group === undefined) {
      group = { total: 0, finished: 0, counts: zeroCounts() };
      groups.set(member.ownerGroup, group);
    }
    group.total += 1;
    group.counts[member.state] += 1;
    if (isFinished(member.state)) {
      group.finished += 1;
      if (member.finishedAt !== null) finishedAt.push(Date.parse(member.finishedAt));
    } else {
      const unfinished = laggards.get(member.ownerGroup);
      if (unfinished === undefined) laggards.set(member.ownerGroup, [member]);
      else unfinished.push(member);
    }
  }
  finishedAt.sort((a, b) => a - b);
  const total = members.length;
  const launchedAt = Date.parse(progress.campaign.launchedAt);
  return {
    campaign: progress.campaign,
    status: progress.status,
    statusReason: progress.statusReason,
    asOf: progress.asOf,
    escalated: progress.escalated,
    total,
    finished: FINISHED_MEMBER_STATES.reduce((sum, state) => sum + counts[state], 0),
    counts,
    failedAttempts: progress.failedAttempts,
    timings: {
      p50: milestone(finishedAt, Math.ceil(total / 2), launchedAt),
      p90: milestone(finishedAt, Math.ceil((total * 9) / 10), launchedAt),
      p100: milestone(finishedAt, total, launchedAt),
    },
    groups: [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([group, line]) => ({ group, ...line })),
    failures: members
      .filter((member) => member.state === 'failed')
      .map((member) => ({
        managedCertificateId: member.managedCertificateId,
        fingerprintSha256: member.fingerprintSha256,
        ownerGroup: member.ownerGroup,
        subject: member.subject,
        attempts: member.attempts,
        detail: member.detail,
      })),
    laggards: [...laggards.entries()]
      .sort(([a, left], [b, right]) => right.length - left.length || (a < b ? -1 : a > b ? 1 : 0))
      .map(([group, unfinished]) => ({ group, members: unfinished })),
  };
}

/** "3 d 4 h", "2 h 5 min", "4 min 10 s", "12 s": how long after the launch. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${seconds % 60} s`;
  return `${seconds} s`;
}

/** Text on one line, safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${Math.floor((part * 100) / whole)} %`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${right.map((alignRight) => (alignRight ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

function describeMilestone(share: string, reached: CampaignMilestone | null): string[] {
  return [share, reached === null ? 'not reached' : `${reached.at} (${formatElapsed(reached.afterLaunchMs)})`];
}

function more(shown: number, total: number): string[] {
  return total > shown ? [`- … and ${total - shown} more (the CSV report lists every member)`] : [];
}

/** The report as Markdown (R-CAM-3): a summary, the states, the owner groups, failures and laggards. */
export function renderCampaignReportMarkdown(data: CampaignReportInput): string {
  const summary = summarizeCampaign(data);
  const { campaign } = summary;
  const status = summary.statusReason ? `${summary.status} (${summary.statusReason})` : summary.status;
  const lines = [
    `# Campaign ${campaign.id}: ${cell(campaign.title)}`,
    '',
    ...table(
      ['Summary', 'Value'],
      [
        ['Status', status],
        ['Kind', campaign.kind],
        ['Reason', campaign.reason],
        ['Launched', `${campaign.launchedAt} by ${campaign.launchedBy.displayName ?? campaign.launchedBy.id}`],
        ['Deadline', `${campaign.deadline}${summary.escalated ? ' (passed, laggards escalated)' : ''}`],
        ['Members', String(summary.total)],
        ['Finished', `${summary.finished} (${percent(summary.finished, summary.total)})`],
        ['Failed attempts', String(summary.failedAttempts)],
        describeMilestone('50 % finished after', summary.timings.p50),
        describeMilestone('90 % finished after', summary.timings.p90),
        describeMilestone('100 % finished after', summary.timings.p100),
        ['As of', summary.asOf],
      ],
      [false, false],
    ),
    '',
    '## Members by state',
    '',
    ...table(
      ['State', 'Members'],
      CAMPAIGN_MEMBER_STATES.map((state) => [state, String(summary.counts[state])]),
      [false, true],
    ),
    '',
    '## Owner groups',
    '',
    ...table(
      ['Group', 'Total', 'Finished', ...CAMPAIGN_MEMBER_STATES],
      summary.groups.map((group) => [
        group.group,
        String(group.total),
        `${group.finished} (${percent(group.finished, group.total)})`,
        ...CAMPAIGN_MEMBER_STATES.map((state) => String(group.counts[state])),
      ]),
      [false, true, true, ...CAMPAIGN_MEMBER_STATES.map(() => true)],
    ),
    '',
    `## Failures (${summary.failures.length})`,
    '',
  ];
  if (summary.failures.length === 0) lines.push('None.');
  for (const failure of summary.failures.slice(0, MARKDOWN_LIST_LIMIT)) {
    const attempts = `${failure.attempts} attempt${failure.attempts === 1 ? '' : 's'}`;
    lines.push(
      `- \`${failure.managedCertificateId}\` ${cell(failure.subject)} (${cell(failure.ownerGroup)}), ${attempts}: ` +
        cell(failure.detail ?? 'no detail recorded'),
    );
  }
  lines.push(...more(Math.min(summary.failures.length, MARKDOWN_LIST_LIMIT), summary.failures.length));
  const left = summary.total - summary.finished;
  lines.push('', `## Laggards (${left} not finished)`, '');
  if (summary.laggards.length === 0) lines.push('None.');
  for (const laggard of summary.laggards) {
    lines.push(`### ${cell(laggard.group)}: ${laggard.members.length} left`, '');
    for (const member of laggard.members.slice(0, MARKDOWN_LIST_LIMIT)) {
      const detail = member.detail ? `: ${cell(member.detail)}` : '';
      lines.push(`- \`${member.managedCertificateId}\` ${cell(member.subject)}, ${member.state}${detail}`);
    }
    lines.push(...more(Math.min(laggard.members.length, MARKDOWN_LIST_LIMIT), laggard.members.length), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Columns of the CSV report, one row per member. */
export const CAMPAIGN_REPORT_CSV_COLUMNS = [
  'campaign_id',
  'managed_certificate_id',
  'fingerprint_sha256',
  'owner_group',
  'subject',
  'not_after',
  'state',
  'attempts',
  'detail',
  'enrolled_at',
  'updated_at',
  'finished_at',
] as const;

/** The report as CSV (RFC 4180, CRLF line ends): a header and one row per member, in enrolment order. */
export function renderCampaignReportCsv(data: CampaignReportInput): string {
  const rows = data.members.map((member) => [
    member.campaignId,
    member.managedCertificateId,
    member.fingerprintSha256,
    member.ownerGroup,
    member.subject,
    member.notAfter,
    member.state,
    String(member.attempts),
    member.detail ?? '',
    member.enrolledAt,
    member.updatedAt,
    member.finishedAt ?? '',
  ]);
  return toCsv(CAMPAIGN_REPORT_CSV_COLUMNS, rows);
}
