/**
 * Campaign counters (R-CAM-3): exact counts per owner group and state, moved by member transitions, and the progress
 * view built from them. Pure, so the campaign workflow, the client and tests share one definition of "done".
 */
import type { Actor } from '../lifecycle/model';
import { securityRoleRefusal } from '../lifecycle/roles';
import {
  CAMPAIGN_MEMBER_STATES,
  FINISHED_MEMBER_STATES,
  type CampaignDefinition,
  type CampaignGroupProgress,
  type CampaignMemberState,
  type CampaignProgress,
  type CampaignStateCounts,
  type CampaignStatus,
} from './model';

/** Counts with every state at zero. */
export function emptyStateCounts(): CampaignStateCounts {
  return Object.fromEntries(CAMPAIGN_MEMBER_STATES.map((state) => [state, 0])) as CampaignStateCounts;
}

/** Members finished in these counts. */
export function finishedCount(counts: CampaignStateCounts): number {
  return FINISHED_MEMBER_STATES.reduce((sum, state) => sum + counts[state], 0);
}

/** Members in these counts. */
export function memberCount(counts: CampaignStateCounts): number {
  return CAMPAIGN_MEMBER_STATES.reduce((sum, state) => sum + counts[state], 0);
}

/** Renewals under way: asked for and approved, not yet finished (what the campaign's parallelism bounds). */
export function inWorkCount(counts: CampaignStateCounts): number {
  return counts.approved + counts.issued + counts.installed + counts.verified;
}

/** Adds `n` members of `group` in `to`, taken from `from` (null: new members). Mutates `groups`. */
export function moveMembers(
  groups: Record<string, CampaignStateCounts>,
  group: string,
  from: CampaignMemberState | null,
  to: CampaignMemberState,
  n = 1,
): void {
  const counts = (groups[group] ??= emptyStateCounts());
  if (from !== null) counts[from] -= n;
  counts[to] += n;
}

/** Sum of every group's counts. */
export function totalCounts(groups: Record<string, CampaignStateCounts>): CampaignStateCounts {
  const total = emptyStateCounts();
  for (const counts of Object.values(groups)) {
    for (const state of CAMPAIGN_MEMBER_STATES) total[state] += counts[state];
  }
  return total;
}

/** Milestones reached (50 %, 90 %, 100 % of the members finished), recorded once at `now`. */
export function updateMilestones(
  milestones: CampaignProgress['milestones'],
  counts: CampaignStateCounts,
  now: string,
): CampaignProgress['milestones'] {
  const total = memberCount(counts);
  if (total === 0) return milestones;
  const done = finishedCount(counts);
  return {
    p50: milestones.p50 ?? (done * 2 >= total ? now : null),
    p90: milestones.p90 ?? (done * 10 >= total * 9 ? now : null),
    p100: milestones.p100 ?? (done >= total ? now : null),
  };
}

/** Everything the progress view is built from. */
export interface CampaignProgressInput {
  readonly campaign: CampaignDefinition;
  readonly status: CampaignStatus;
  readonly statusReason: string | null;
  readonly groups: Record<string, CampaignStateCounts>;
  readonly failedAttempts: number;
  /** Failed attempts per reason ({@link recordFailureReason}). */
  readonly failureReasons?: Readonly<Record<string, number>>;
  readonly milestones: CampaignProgress['milestones'];
  readonly escalated: boolean;
  readonly now: string;
}

/** Failure reasons a progress view lists, most frequent first. */
export const SHOWN_FAILURE_REASONS = 5;
/** Distinct failure reasons a campaign keeps; later ones are counted under {@link OTHER_FAILURE_REASONS}. */
export const KEPT_FAILURE_REASONS = 20;
/** The reason failures beyond {@link KEPT_FAILURE_REASONS} distinct ones are counted under. */
export const OTHER_FAILURE_REASONS = 'other reasons (the report lists every failed member)';
const MAX_REASON_LENGTH = 300;

/**
 * Counts one failed attempt under its reason (one line, at most 300 characters), keeping at most
 * {@link KEPT_FAILURE_REASONS} distinct reasons so the counters a campaign carries stay small. Mutates `reasons`.
 */
export function recordFailureReason(reasons: Record<string, number>, detail: string | null): void {
  const text = (detail ?? 'no reason given').replace(/\s+/g, ' ').trim() || 'no reason given';
  const reason = text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
  const known = reason in reasons || Object.keys(reasons).length < KEPT_FAILURE_REASONS;
  const key = known ? reason : OTHER_FAILURE_REASONS;
  reasons[key] = (reasons[key] ?? 0) + 1;
}

/** The most frequent failure reasons, most first (then alphabetically), at most {@link SHOWN_FAILURE_REASONS}. */
export function topFailureReasons(
  reasons: Readonly<Record<string, number>>,
): Array<{ readonly reason: string; readonly count: number }> {
  return Object.entries(reasons)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0))
    .slice(0, SHOWN_FAILURE_REASONS);
}

/**
 * How a campaign that has nothing left to do ends: `completed` when no member failed, `completed-with-failures` when
 * some were replaced and some failed, `failed` when members failed and none was replaced (every lifecycle refused,
 * say), so a campaign that replaced nothing never reads as a success.
 */
export function campaignEndStatus(counts: CampaignStateCounts): 'completed' | 'completed-with-failures' | 'failed' {
  if (counts.failed === 0) return 'completed';
  return counts['old-revoked'] > 0 ? 'completed-with-failures' : 'failed';
}

/** The progress view (R-CAM-3): overall and per-group counts, and the laggards, least done first. */
export function buildCampaignProgress(input: CampaignProgressInput): CampaignProgress {
  const groups: CampaignGroupProgress[] = Object.keys(input.groups)
    .sort()
    .map((group) => {
      const counts = { ...(input.groups[group] as CampaignStateCounts) };
      return { group, total: memberCount(counts), counts, done: finishedCount(counts) };
    })
    .filter((group) => group.total > 0);
  const counts = totalCounts(input.groups);
  const laggards = groups
    .filter((group) => group.done < group.total)
    .sort((a, b) => a.done / a.total - b.done / b.total || b.total - b.done - (a.total - a.done));
  return {
    campaign: input.campaign,
    status: input.status,
    statusReason: input.statusReason,
    total: memberCount(counts),
    counts,
    done: finishedCount(counts),
    groups,
    laggards,
    failedAttempts: input.failedAttempts,
    failureReasons: topFailureReasons(input.failureReasons ?? {}),
    milestones: input.milestones,
    escalated: input.escalated,
    asOf: input.now,
  };
}

/** Only security leads and admins run campaigns (R-SEC-2): a refusal sentence, or null when allowed. */
export function campaignRoleRefusal(
  actor: Actor,
  roles: { readonly securityLeads: readonly string[]; readonly admins: readonly string[] },
  action: string,
): string | null {
  return securityRoleRefusal(actor, roles, `${action} campaigns`);
}
