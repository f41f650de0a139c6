/**
 * Campaign counters (R-CAM-3): exact counts per owner group and state, moved by member transitions, and the progress
 * view built from them. Pure, so the campaign workflow, the client and tests share one definition of "done".
 */
import type { Actor } from '../lifecycle/model';
import { buildRoster, rolesOf } from '../lifecycle/roles';
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
  readonly milestones: CampaignProgress['milestones'];
  readonly escalated: boolean;
  readonly now: string;
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
  const roster = buildRoster({
    group: null,
    metadata: { contacts: [], approvers: [], ownerGroup: null },
    securityLeads: roles.securityLeads,
    admins: roles.admins,
  });
  const held = rolesOf(actor, roster);
  if (held.includes('security-lead') || held.includes('admin')) return null;
  return `${actor.displayName ?? actor.id} is not a security lead and cannot ${action} campaigns; security leads are set in CERTFLOW_SECURITY_LEADS`;
}
