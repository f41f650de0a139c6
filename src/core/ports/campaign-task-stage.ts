import type { CampaignGroupProgress } from '../domain/campaigns/model';

/** Where a group task stands: open, in progress once any member moved past pending, done once the group is. */
export type CampaignTaskStage = 'open' | 'in-progress' | 'done';

/** The stages in the order a task moves through them (it never moves back). */
export const CAMPAIGN_TASK_STAGES: readonly CampaignTaskStage[] = ['open', 'in-progress', 'done'];

/** The stage a group task should be in for this progress. */
export function campaignTaskStage(progress: CampaignGroupProgress): CampaignTaskStage {
  if (progress.total > 0 && progress.done >= progress.total) return 'done';
  return progress.counts.pending < progress.total ? 'in-progress' : 'open';
}
