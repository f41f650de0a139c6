import { getExternalWorkflowHandle } from '@temporalio/workflow';
import type { LifecycleContext, LifecycleStepInput } from '../../activities/lifecycle';
import type { LifecyclePhase } from '../../domain/lifecycle/model';
import { campaignMemberProgressSignal, campaignWorkflowId, type LifecycleCampaignLink } from '../definitions';
import { acts } from './activity-proxies';
import { failureMessage, nowIso, type CampaignStep, type LifecycleRun } from './state';
import type { StepBookkeeper } from './step-bookkeeping';

/** The audit row of a step that moves the run to `next` and, when its state changes, its campaign member. */
function stepRecord(
  run: LifecycleRun,
  next: LifecyclePhase,
  action: string,
  actor: string,
  details: Record<string, unknown>,
  campaignStep: CampaignStep | null,
  bookkeeping: LifecycleStepInput['along'] = [],
): LifecycleStepInput {
  const { st } = run;
  const link = st.campaign ?? null;
  return {
    campaignMember:
      campaignStep && link
        ? {
            campaignId: link.campaignId,
            fingerprintSha256: link.fingerprintSha256,
            state: campaignStep.state,
            detail: campaignStep.detail,
            final: campaignStep.final ?? false,
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
  };
}

/**
 * Moves the run to its next phase and audits the step, after the bookkeeping gathered `along` with it, in the same
 * activity; a campaign member's step is reported twice, in this order: to the store in the same activity, then to the
 * campaign. With `contextAfter` (a version's fingerprint), the same activity gathers that version's context after the
 * step and it is returned; otherwise null.
 */
export async function setPhase(
  run: LifecycleRun,
  next: LifecyclePhase,
  action: string,
  actor: string,
  details: Record<string, unknown>,
  campaignStep?: CampaignStep,
  along?: StepBookkeeper,
  contextAfter?: string,
): Promise<LifecycleContext | null> {
  const link = run.st.campaign ?? null;
  const step = campaignStep && link && link.state !== campaignStep.state ? campaignStep : null;
  const record = stepRecord(run, next, action, actor, details, step, along?.take());
  run.phase = next;
  const context = await acts.recordLifecycleStep({
    ...record,
    ...(contextAfter === undefined
      ? {}
      : { contextAfter: { managedCertificateId: run.managedId, fingerprint: contextAfter } }),
  });
  if (step && link) await reportToCampaign(run, link, step);
  return context ?? null;
}

/**
 * Moves the run to its next phase and returns the step's audit row for the activity that does the step's work to
 * record first (issue 21: one activity and one workflow task fewer); only for steps no campaign member moves on with,
 * since the campaign hears of a member's step only after the store has it.
 */
export function phaseRecordedBy(
  run: LifecycleRun,
  next: LifecyclePhase,
  action: string,
  actor: string,
  details: Record<string, unknown>,
): LifecycleStepInput {
  const record = stepRecord(run, next, action, actor, details, null);
  run.phase = next;
  return record;
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
