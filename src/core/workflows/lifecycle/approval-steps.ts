import { patched } from '@temporalio/workflow';
import type { Actor, LifecycleRequest } from '../../domain/lifecycle/model';
import { acts } from './activity-proxies';
import { requestCampaignState } from './campaign-link';
import { renewalIssuer } from './issuer';
import { setPhase } from './phase';
import { daysLeft, type LifecycleRun } from './state';
import { commentTicket, ensureTicket, transitionInProgress } from './tickets';

// What the loop does for the requests and decisions the handlers accepted.

/**
 * Runs from this patch on show a decision on the approval request in the same workflow task as its audit step;
 * older runs replay the audit first and the message after it, as their histories recorded.
 */
export const DECISION_SHOWN_WITH_AUDIT_PATCH = 'decision-shown-with-audit';

/** Audits a request an update handler opened (and reports it to its campaign). */
export async function auditNewRequest(run: LifecycleRun, request: LifecycleRequest): Promise<void> {
  run.pendingRequestAudit = null;
  await setPhase(
    run,
    request.status === 'approved' ? run.phase : 'awaiting-approval',
    `${request.kind}.requested`,
    request.requestedBy.id,
    {
      requestId: request.id,
      source: request.source,
      reason: request.reason,
      campaignId: request.campaignId,
      revocationReason: request.revocationReason,
      preApprovedBy: request.status === 'approved' ? request.decidedBy?.id : undefined,
    },
    run.st.campaign?.campaignId === request.campaignId && request.campaignId !== null
      ? { state: requestCampaignState(request), detail: `${request.id} requested` }
      : undefined,
  );
}

/** Asks the approvers (again, for a reminder); the first time, says so on the ticket. */
export async function sendApprovalRequest(run: LifecycleRun, request: LifecycleRequest): Promise<void> {
  const reminder = request.approvalReminders;
  // A revocation without replacement issues nothing: no issuer to show.
  const issuer = request.kind === 'renewal' || request.replace ? renewalIssuer(run) : null;
  run.st.approvalReceipt = await acts.sendLifecycleNotification({
    ...run.notificationBase(run.key(`approval/${request.id}/${reminder}`)),
    kind: 'approval-request',
    request,
    reminder,
    ...(issuer === null ? {} : { renewalIssuer: issuer }),
    audienceRole: 'approvers',
    actor: run.self,
  });
  run.record(reminder === 0 ? 'approval.requested' : 'approval.re-sent', request.id);
  if (reminder === 0) {
    await commentTicket(
      run,
      'approval-requested',
      `approval/${request.id}`,
      `${request.kind} ${request.id} requested by ${request.requestedBy.id}: ${request.reason}. Waiting for an approver.`,
      request.requestedBy.id,
    );
  }
}

/** Reminds the approvers of a waiting request, or escalates it. */
export async function followUpApproval(
  run: LifecycleRun,
  action: 'remind' | 'escalate',
  request: LifecycleRequest,
): Promise<void> {
  if (action === 'remind') {
    await sendApprovalRequest(run, run.updateRequest({ approvalReminders: request.approvalReminders + 1 }));
    return;
  }
  run.updateRequest({ approvalEscalated: true });
  const reason = `${request.kind} ${request.id} has waited for an approver since ${request.requestedAt}`;
  await acts.sendLifecycleNotification({
    ...run.notificationBase(run.key(`approval-overdue/${request.id}`)),
    kind: 'escalation',
    cause: 'approval-overdue',
    reason,
    daysLeft: daysLeft(run.ctx.certificate.notAfter),
    audienceRole: 'escalation',
    actor: run.self,
  });
  run.record('approval.escalated', reason);
  await setPhase(run, run.phase, 'approval.escalated', run.self, { requestId: request.id, reason });
}

/** Shows an approver's decision, or a change rejection (`via: 'change'`), to people and on the ticket. */
export async function discloseDecision(
  run: LifecycleRun,
  request: LifecycleRequest,
  via: 'approver' | 'change',
): Promise<void> {
  const { st } = run;
  const by = request.decidedBy as Actor;
  const approved = request.status === 'approved';
  // A change rejection can follow the approver's approval of the same request: its own keys, so it is not deduped.
  const step = via === 'approver' ? `decision/${request.id}` : `change-decision/${request.id}`;
  const action = approved ? 'request.approved' : via === 'approver' ? 'request.rejected' : 'change.rejected';
  const showDecision = async () => {
    if (st.approvalReceipt) {
      await acts.showApprovalDecision({
        receipt: st.approvalReceipt,
        update: { request, decidedBy: by, decidedAt: request.decidedAt as string },
      });
    }
  };
  const audit = () =>
    setPhase(
      run,
      approved ? run.phase : 'monitoring',
      action,
      by.id,
      { requestId: request.id, reason: request.decisionReason, ticketKey: st.ticket?.key ?? null },
      approved
        ? { state: 'approved', detail: `approved by ${by.id}` }
        : { state: 'failed', detail: `rejected by ${by.id}: ${request.decisionReason ?? ''}`, final: true },
    );
  if (patched(DECISION_SHOWN_WITH_AUDIT_PATCH)) {
    // The approval message shows the decision while the step is audited, not one activity and workflow task after
    // it (issue 20: a click to the decision visible in Slack). Neither reads what the other writes, and each is
    // idempotent by its own key, so a retry of one never repeats the other.
    await Promise.all([audit(), showDecision()]);
  } else {
    await audit();
    await showDecision();
  }
  await acts.sendLifecycleNotification({
    ...run.notificationBase(run.key(step)),
    kind: 'decision',
    request,
    audienceRole: 'owners',
    actor: by.id,
  });
  if (approved && run.gated(request)) {
    // The change is not approved yet: the ticket moves on (to In Progress) only when the gate opens.
    await ensureTicket(run, by.id);
    await commentTicket(
      run,
      'approved',
      step,
      `${request.id} approved by ${by.id}. Deploying waits for this change to be approved.`,
      by.id,
    );
  } else if (approved) {
    await ensureTicket(run, by.id);
    await commentTicket(run, 'approved', step, `${request.id} approved by ${by.id}.`, by.id);
    await transitionInProgress(run, request, by.id);
  } else {
    const what = via === 'approver' ? request.id : `${request.id}: change ${st.ticket?.key ?? ''}`;
    await commentTicket(run, 'rejected', step, `${what} rejected by ${by.id}: ${request.decisionReason ?? ''}`, by.id);
  }
}
