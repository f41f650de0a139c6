import { condition, setHandler } from '@temporalio/workflow';
import type { CampaignMemberState } from '../../domain/campaigns/model';
import type { LifecycleRequest } from '../../domain/lifecycle/model';
import { withdrawCampaignRequestSignal } from '../definitions';
import type { RequestRenewalInput } from '../../ports/lifecycle-port';
import { setPhase } from './phase';
import { nowIso, type LifecycleRun } from './state';

/** The member state an open request puts a campaign member in. */
export const requestCampaignState = (request: LifecycleRequest): CampaignMemberState =>
  request.status === 'approved' ? 'approved' : 'awaiting-approval';

/** A campaign asks for the renewal an owner already requested: it becomes the campaign's, approved in advance if so. */
export function joinOpenRequest(run: LifecycleRun, request: RequestRenewalInput): LifecycleRequest {
  const open = run.st.request as LifecycleRequest;
  const joined = run.updateRequest({ campaignId: request.campaignId ?? null });
  run.record('campaign.joined', `${open.id} is now part of campaign ${request.campaignId}`);
  run.campaignJoined = true;
  run.wake = true;
  if (open.status !== 'awaiting-approval' || !request.preApprovedBy) return joined;
  const at = nowIso();
  const approved = run.updateRequest({
    status: 'approved',
    decidedBy: request.preApprovedBy,
    decidedAt: at,
    decisionReason: `approved in advance for campaign ${request.campaignId}`,
  });
  run.record('request.approved', `${approved.id} by ${request.preApprovedBy.id} (campaign ${request.campaignId})`);
  run.undisclosedDecision = approved;
  return approved;
}

/** Registers the signal by which a cancelled campaign withdraws the request it asked for, if still unapproved. */
export function setCampaignWithdrawalHandler(run: LifecycleRun): void {
  setHandler(withdrawCampaignRequestSignal, async ({ campaignId, reason, by }) => {
    if (!run.loaded) await condition(() => run.loaded);
    const { st } = run;
    if (st.campaign?.campaignId !== campaignId) return;
    if (st.request?.status === 'awaiting-approval' && st.request.campaignId === campaignId) {
      run.updateRequest({
        status: 'superseded',
        failure: `withdrawn: campaign ${campaignId} was cancelled (${reason})`,
      });
      run.record('campaign.withdrawn', `${st.request.id} withdrawn by ${by}: ${reason}`);
      run.campaignWithdrawn = { reason, by };
      run.wake = true;
    }
  });
}

/** Reports the open request a campaign joined (its state) to the campaign. */
export async function auditCampaignJoin(run: LifecycleRun, request: LifecycleRequest): Promise<void> {
  run.campaignJoined = false;
  await setPhase(
    run,
    run.phase,
    'campaign.joined',
    request.requestedBy.id,
    { requestId: request.id, campaignId: request.campaignId, status: request.status },
    { state: requestCampaignState(request), detail: `joined ${request.id} (${request.status})` },
  );
}

/** Reports a withdrawn campaign request: the member is skipped. */
export async function auditCampaignWithdrawal(
  run: LifecycleRun,
  withdrawal: { reason: string; by: string },
): Promise<void> {
  run.campaignWithdrawn = null;
  await setPhase(
    run,
    'monitoring',
    'campaign.withdrawn',
    withdrawal.by,
    { requestId: run.st.request?.id ?? null, reason: withdrawal.reason },
    { state: 'skipped', detail: `campaign cancelled: ${withdrawal.reason}` },
  );
}
