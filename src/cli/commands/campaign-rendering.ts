/** What `certflow campaign` prints: counts, progress bars, the preview, a campaign's progress and its launch. */
import { formatElapsed } from '../../core/domain/campaigns/campaign-report';
import {
  NO_OWNER_GROUP,
  type CampaignDefinition,
  type CampaignPreview,
  type CampaignProgress,
} from '../../core/domain/campaigns/model';
import { inWorkCount } from '../../core/domain/campaigns/progress';
import { describeCampaignSelector } from '../../core/domain/campaigns/selector';
import { renderTable } from '../format/table';

/** A number with thousands separators, as every count prints. */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** A count and its noun, singular for one: `1 certificate`, `2 certificates`. */
export function plural(value: number, one: string, many = `${one}s`): string {
  return `${count(value)} ${value === 1 ? one : many}`;
}

/** `█████░░░░░  50% 5/10`: a text bar of finished members. */
export function progressBar(done: number, total: number, width = 30): string {
  const fraction = total === 0 ? 1 : Math.min(done / total, 1);
  const filled = Math.round(fraction * width);
  const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${String(percent).padStart(3)}% ${count(done)}/${count(total)}`;
}

function countsTable(rows: readonly { key: string; count: number }[], header: string): string[] {
  return renderTable(rows, [
    { header, cell: (row) => row.key, maxWidth: 70 },
    { header: 'CERTIFICATES', cell: (row) => count(row.count), align: 'right' },
  ])
    .split('\n')
    .map((line) => `  ${line}`);
}

/** What a selector would select, by owner group, issuer and expiry, with examples. */
export function describePreview(preview: CampaignPreview, issuer: string | null = null): string[] {
  const lines = [`Campaign preview: ${describeCampaignSelector(preview.selector)}`, campaignIssuerLine(issuer)];
  if (preview.total === 0) {
    lines.push('Selects no certificate: nothing would start. Widen the selector.');
    return lines;
  }
  const owners = preview.byOwnerGroup.filter((group) => group.key !== NO_OWNER_GROUP).length;
  const unowned = preview.byOwnerGroup.find((group) => group.key === NO_OWNER_GROUP)?.count ?? 0;
  lines.push(
    `Selects ${plural(preview.total, 'certificate')} of ${plural(owners, 'owner group')}` +
      `${unowned > 0 ? ` (${count(unowned)} without a group)` : ''}; nothing has started.`,
    'By owner group',
    ...countsTable(preview.byOwnerGroup, 'OWNER GROUP'),
    'By issuer',
    ...countsTable(preview.byIssuer, 'ISSUER'),
    'By expiry',
    ...countsTable(preview.byExpiryBand, 'EXPIRES IN'),
  );
  if (preview.sample.length > 0) {
    lines.push(`Examples (${count(preview.sample.length)} of ${count(preview.total)})`);
    const table = renderTable(preview.sample, [
      { header: 'ID', cell: (row) => row.managedCertificateId },
      { header: 'SUBJECT', cell: (row) => row.subject, maxWidth: 50 },
      { header: 'OWNER GROUP', cell: (row) => row.ownerGroup, maxWidth: 24 },
      { header: 'EXPIRES', cell: (row) => row.notAfter.slice(0, 10) },
    ]);
    lines.push(...table.split('\n').map((line) => `  ${line}`));
  }
  return lines;
}

function relative(at: string, from: string): string {
  const ms = Date.parse(at) - Date.parse(from);
  return ms >= 0 ? `in ${formatElapsed(ms)}` : `${formatElapsed(-ms)} ago`;
}

function describeStatus(progress: CampaignProgress): string {
  return progress.statusReason ? `${progress.status} (${progress.statusReason})` : progress.status;
}

/** The one line `status --watch` redraws. */
export function progressLine(progress: CampaignProgress): string {
  const failed = progress.counts.failed > 0 ? `, ${count(progress.counts.failed)} failed` : '';
  return (
    `${progress.campaign.id} ${progressBar(progress.done, progress.total)} finished, ` +
    `${count(inWorkCount(progress.counts))} in work${failed}, ${progress.status}`
  );
}

/** A campaign's progress in full: status, settings, member states, failures, milestones, groups, laggards. */
export function describeProgress(progress: CampaignProgress): string[] {
  const { campaign, counts } = progress;
  const milestone = (share: string, at: string | null) =>
    `${share} ${at === null ? '—' : `${at} (${formatElapsed(Date.parse(at) - Date.parse(campaign.launchedAt))})`}`;
  const lines = [
    `Campaign ${campaign.id}: ${campaign.title}`,
    `  status       ${describeStatus(progress)}`,
    `  kind         ${campaign.kind}: "${campaign.reason}"`,
    `  launched     ${campaign.launchedAt} by ${campaign.launchedBy.displayName ?? campaign.launchedBy.id}`,
    `  deadline     ${campaign.deadline} (${relative(campaign.deadline, progress.asOf)})` +
      `${progress.escalated ? ', passed: laggards escalated' : ''}`,
    `  selector     ${describeCampaignSelector(campaign.selector)}`,
    `  renewals     ${count(campaign.parallelism)} at once, ${plural(campaign.maxAttempts, 'attempt')} each, ` +
      `${campaign.emergency ? 'pre-approved by the launching security lead' : 'approved by each owner group'}`,
    `  progress     ${progressBar(progress.done, progress.total)} finished`,
    `  states       pending ${count(counts.pending)}, awaiting approval ${count(counts['awaiting-approval'])}, ` +
      `approved ${count(counts.approved)}, issued ${count(counts.issued)}, installed ${count(counts.installed)}, ` +
      `verified ${count(counts.verified)}, revoked ${count(counts['old-revoked'])}, failed ${count(counts.failed)}, ` +
      `skipped ${count(counts.skipped)}`,
    `  failures     ${plural(progress.failedAttempts, 'failed attempt')} so far` +
      (progress.counts.failed > 0 ? `; ${plural(progress.counts.failed, 'member')} failed` : ''),
    ...(progress.failureReasons ?? []).map((failure) => `    ${count(failure.count)} × ${failure.reason}`),
    `  milestones   ${milestone('50 %', progress.milestones.p50)}, ${milestone('90 %', progress.milestones.p90)}, ` +
      milestone('100 %', progress.milestones.p100),
    `  as of        ${progress.asOf}`,
  ];
  if (progress.groups.length > 0) {
    lines.push('Owner groups');
    const table = renderTable(progress.groups, [
      { header: 'GROUP', cell: (group) => group.group, maxWidth: 30 },
      { header: 'DONE', cell: (group) => `${count(group.done)}/${count(group.total)}`, align: 'right' },
      { header: 'PENDING', cell: (group) => count(group.counts.pending), align: 'right' },
      { header: 'AWAITING', cell: (group) => count(group.counts['awaiting-approval']), align: 'right' },
      { header: 'IN WORK', cell: (group) => count(inWorkCount(group.counts)), align: 'right' },
      { header: 'REVOKED', cell: (group) => count(group.counts['old-revoked']), align: 'right' },
      { header: 'FAILED', cell: (group) => count(group.counts.failed), align: 'right' },
      { header: 'SKIPPED', cell: (group) => count(group.counts.skipped), align: 'right' },
    ]);
    lines.push(...table.split('\n').map((line) => `  ${line}`));
  }
  if (progress.laggards.length > 0) {
    lines.push('Laggards (least done first)');
    for (const group of progress.laggards.slice(0, 10)) {
      lines.push(`  ${group.group}: ${count(group.total - group.done)} of ${count(group.total)} left`);
    }
    if (progress.laggards.length > 10) lines.push(`  … and ${count(progress.laggards.length - 10)} more groups`);
  }
  return lines;
}

/** What a started campaign will do, and how to follow it. */
export function describeLaunch(definition: CampaignDefinition, selected: number): string[] {
  return [
    `Started campaign ${definition.id}: ${definition.title}`,
    `  certificates ${count(selected)}`,
    `  deadline     ${definition.deadline} (${relative(definition.deadline, definition.launchedAt)})`,
    `  renewals     ${count(definition.parallelism)} at once, ${plural(definition.maxAttempts, 'attempt')} each, ` +
      `${definition.emergency ? 'pre-approved by you (emergency)' : 'approved by each owner group'}`,
    `  Slack        ${definition.channelId ?? 'no progress channel'}`,
    `  ${campaignIssuerLine(definition.issuer ?? null)}`,
    `Follow it with: certflow campaign status ${definition.id} --watch`,
  ];
}

/** Where a campaign renews its members (issue 19): its `--issuer` for every one, or each certificate's usual issuer. */
export function campaignIssuerLine(issuer: string | null): string {
  return issuer === null
    ? "Renewed through: each certificate's usual issuer (its owner group's, the policy's, else the one that issued it)"
    : `Renewed through: ${issuer} for every selected certificate (the campaign's target issuer)`;
}
