import { getExternalWorkflowHandle } from '@temporalio/workflow';
import type { LifecyclePhase } from '../../domain/lifecycle/model';
import { campaignMemberProgressSignal, campaignWorkflowId, type LifecycleCampaignLink } from '../definitions';
import { acts } from './activity-proxies';
import { failureMessage, nowIso, type CampaignStep, type LifecycleRun } from './state';
import type { StepBookkeeper } from './step-bookkeeping';

/**
 * Moves the run to its next phase and audits the step, after the bookkeeping gathered `along` with it, in the same
 * activity; a campaign member's step is reported twice, in this order: to the store in the same activity, then to the
 * campaign.
 */
export async function setPhase(
  run: LifecycleRun,
  next: LifecyclePhase,
  action: string,
  actor: string,
  details: Record<string, unknown>,
  campaignStep?: CampaignStep,
  along?: StepBookkeeper,
): Promise<void> {
  const { st } = run;
  const bookkeeping = along?.take() ?? [];
  run.phase = next;
  const link = st.campaign ?? null;
  const step = campaignStep && link && link.state !== campaignStep.state ? campaignStep : null;
  await acts.recordLifecycleStep({
    campaignMember:
      step && link
        ? {
            campaignId: link.campaignId,
            fingerprintSha256: link.fingerprintSha256,
            state: step.state,
            detail: step.detail,
            final: step.final ?? false,
            at: nowIso(),
          }
        : undefined,
    ...(bookkeeping.length > 0 ? { along: bookkeeping } : {}),
    managedCertificateId: run.managedId,
    idempotencyKey: run.key(`${action}/${st.request?.id ?? 'schedule'}`),
    actor,
    action,
    subject: run.ctx.certificate.fingerprintSha256,
    details: { workflowId: run.workflowId, cycle: st.cycle, phase: next, ...details },
    phase: {
      phase: next,
      detail: typeof details.detail === 'string' ? details.detail : null,
      ticketKey: st.ticket?.key ?? null,
      ...(next === 'retired' ? { retired: true } : {}),
    },
  });
  if (step && link) await reportToCampaign(run, link, step);
}

/**
 * Tells the campaign the member moved on (after the store has it, so the campaign's counts never run ahead of the
 * rows). A finished or failed member leaves the lifecycle; a campaign that has ended is not an error.
 */
async function reportToCampaign(run: LifecycleRun, link: LifecycleCampaignLink, step: CampaignStep): Promise<void> {
  const leaves = step.state === 'failed' || step.state === 'skipped' || step.state === 'old-revoked';
  run.st.campaign = leaves ? null : { ...link, state: step.state };
  try {
    await getExternalWorkflowHandle(campaignWorkflowId(link.campaignId)).signal(campaignMemberProgressSignal, {
      managedCertificateId: run.managedId,
      fingerprintSha256: link.fingerprintSha256,
      ownerGroup: link.ownerGroup,
      from: link.state,
      to: step.state,
      detail: step.detail,
      at: nowIso(),
    });
  } catch (error) {
    run.record('campaign.unreachable', `${link.campaignId}: ${failureMessage(error)}`);
  }
}
