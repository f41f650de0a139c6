import { allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { nextApprovalFollowUp } from '../domain/lifecycle/renewal-plan';
import {
  certificateReplacedSignal,
  lifecycleInputsChangedSignal,
  lifecycleStateQuery,
  type CertificateLifecycleInput,
  type CertificateLifecycleResult,
} from './definitions';
import { acts } from './lifecycle/activity-proxies';
import { auditNewRequest, discloseDecision, followUpApproval, sendApprovalRequest } from './lifecycle/approval-steps';
import { setRenewalWindowHandler, weighRenewalWindow } from './lifecycle/ca-renewal-window';
import { setDecisionHandler, setRenewalRequestHandler, setRevocationRequestHandler } from './lifecycle/approvals';
import { auditCampaignJoin, auditCampaignWithdrawal, setCampaignWithdrawalHandler } from './lifecycle/campaign-link';
import { auditChange, changeGateApplies, holdForChange, setChangeTicketHandler } from './lifecycle/change-gate';
import { adoptOutsideReplacement, nextCycleInPlace } from './lifecycle/handover';
import { renew } from './lifecycle/renewal';
import { retire, revokePrevious } from './lifecycle/revocation';
import { actOnScheduleStep } from './lifecycle/schedule-steps';
import { DAY_MS } from '../domain/duration';
import { LifecycleRun, nowIso } from './lifecycle/state';
import { lifecycleView } from './lifecycle/state-view';
import { followVersionInSearchAttributes } from './lifecycle/version-attributes';

/** After expiry a lifecycle still accepts a renewal (to restore service) for this long, then ends. */
const EXPIRED_GRACE_DAYS = 30;

/**
 * The lifecycle of one managed certificate (R-MON-1 … R-MON-4, R-RA-1 … R-RA-3, R-REN-1, R-REN-2, R-REV-1): timers
 * from the pure schedule send reminders, open the change ticket and escalate; owners request renewals and approvers
 * decide through updates; an approved renewal is issued, installed, verified and the old certificate revoked. One
 * run covers one version of the certificate; it continues as new for the next version, or when its history grows.
 *
 * Gather, decide, act: activities read and act, pure functions decide, the workflow waits. Only key references
 * ever pass through here (R-KEY-1). Handlers only change the run's state (`lifecycle/state.ts`) and wake the loop
 * below, which does every side effect in a fixed order, so the commands stay deterministic.
 */
export async function certificateLifecycleWorkflow(
  input: CertificateLifecycleInput,
): Promise<CertificateLifecycleResult> {
  const run = new LifecycleRun(input);
  const { managedId } = run;

  // Every handler is registered before the first await (Temporal does not buffer updates), in this order.
  setHandler(lifecycleStateQuery, () => lifecycleView(run));
  setHandler(lifecycleInputsChangedSignal, ({ reason, by }) => {
    run.reload = `${reason} changed (${by})`;
    run.wake = true;
  });
  setHandler(certificateReplacedSignal, (replaced) => {
    run.replacedBy = replaced;
    run.wake = true;
  });
  setChangeTicketHandler(run);
  setRenewalRequestHandler(run);
  setCampaignWithdrawalHandler(run);
  setRevocationRequestHandler(run);
  setDecisionHandler(run);
  setRenewalWindowHandler(run);

  // A renewal hands its next run the new version's context, gathered with its last step (issue 21).
  run.ctx =
    input.context ??
    (await acts.loadLifecycleContext({
      managedCertificateId: managedId,
      fingerprint: input.carried?.fingerprintSha256 ?? null,
    }));
  run.st = input.carried ?? {
    cycle: 1,
    fingerprintSha256: run.ctx.certificate.fingerprintSha256,
    keyRef: null,
    handledUntil: null,
    requestSequence: 0,
    request: null,
    approvalReceipt: null,
    ticket: null,
    pendingRevocation: null,
    records: [],
    changeDecision: null,
    changeGate: null,
  };
  // Before `loaded`, so the handlers see it.
  run.changeGateOn = changeGateApplies(run);
  run.loaded = true;
  const { st } = run;
  followVersionInSearchAttributes(run);
  if (run.ctx.retired) {
    run.phase = 'retired';
    return { managedCertificateId: managedId, outcome: 'retired', cycle: st.cycle, records: st.records };
  }
  if (run.replacedBy === null && run.ctx.currentFingerprint !== st.fingerprintSha256) {
    run.replacedBy = { fingerprintSha256: run.ctx.currentFingerprint, detectedBy: 'inventory' };
  }
  for (;;) {
    if (await doHandlerWork(run)) continue;
    const { ctx } = run;
    const request = st.request;
    let changeHoldUntil = Number.POSITIVE_INFINITY;
    if (request?.status === 'approved') {
      if (request.kind === 'revocation' && !request.replace) return await retire(run, request);
      const hold = run.gated(request) ? await holdForChange(run, request) : null;
      if (hold === null) {
        await renew(run, request);
        continue;
      }
      // Held at the change gate: the plan (reminders, escalation, expiry) goes on while the renewal waits.
      changeHoldUntil = hold;
    }
    const revocation = st.pendingRevocation;
    if (revocation !== null && Date.parse(revocation.dueAt) <= Date.now()) {
      await revokePrevious(run, revocation);
      continue;
    }
    if (request?.status === 'awaiting-approval') {
      if (st.approvalReceipt === null) {
        await sendApprovalRequest(run, request);
        continue;
      }
      const followUp = nextApprovalFollowUp(request, ctx.renewal.approvalReminderDays, nowIso());
      if (followUp.action !== null) {
        await followUpApproval(run, followUp.action, request);
        continue;
      }
    }
    const plan = run.schedule();
    if (plan.due !== null) {
      const handled = nowIso();
      await actOnScheduleStep(run, plan.due);
      st.handledUntil = handled;
      continue;
    }
    const graceEnd = Date.parse(ctx.certificate.notAfter) + EXPIRED_GRACE_DAYS * DAY_MS;
    if (plan.next === null && Date.now() >= graceEnd && !run.requestOpen() && st.pendingRevocation === null) {
      await condition(allHandlersFinished);
      // A request accepted while the handlers finished restores service: the loop serves it instead of ending.
      if (run.requestOpen() || run.handlerWorkPending()) continue;
      return { managedCertificateId: managedId, outcome: 'expired', cycle: st.cycle, records: st.records };
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > run.historyEventBudget) {
      await condition(allHandlersFinished);
      // Handlers that finished meanwhile may have left work only this run knows of: do it first, then continue.
      if (run.handlerWorkPending()) continue;
      await nextCycleInPlace(run);
    }

    const followUpAt =
      request?.status === 'awaiting-approval'
        ? nextApprovalFollowUp(request, ctx.renewal.approvalReminderDays, nowIso()).at
        : null;
    const wakeAt = Math.min(
      plan.next ? Date.parse(plan.next.at) : graceEnd,
      st.pendingRevocation ? Date.parse(st.pendingRevocation.dueAt) : Number.POSITIVE_INFINITY,
      followUpAt ? Date.parse(followUpAt) : Number.POSITIVE_INFINITY,
      changeHoldUntil,
    );
    run.wake = false;
    await condition(() => run.wake, Math.max(1, wakeAt - Date.now()));
  }
}

/** Does the first piece of work a handler left for the loop, in a fixed order; false when none was left. */
async function doHandlerWork(run: LifecycleRun): Promise<boolean> {
  const { st } = run;
  if (run.reload !== null) {
    const why = run.reload;
    run.reload = null;
    run.ctx = await acts.loadLifecycleContext({
      managedCertificateId: run.managedId,
      fingerprint: st.fingerprintSha256,
    });
    run.changeGateOn = changeGateApplies(run);
    run.record('re-planned', why);
    followVersionInSearchAttributes(run);
    if (run.ctx.currentFingerprint !== st.fingerprintSha256 && run.replacedBy === null) {
      run.replacedBy = { fingerprintSha256: run.ctx.currentFingerprint, detectedBy: 'inventory' };
    }
    return true;
  }
  if (run.replacedBy !== null && run.replacedBy.fingerprintSha256 === st.fingerprintSha256) run.replacedBy = null;
  if (run.replacedBy !== null) {
    await adoptOutsideReplacement(run, run.replacedBy);
    return true;
  }
  if (run.suggestedWindow !== null) {
    const offered = run.suggestedWindow;
    run.suggestedWindow = null;
    await weighRenewalWindow(run, offered);
    return true;
  }
  if (run.pendingRequestAudit !== null) {
    await auditNewRequest(run, run.pendingRequestAudit);
    return true;
  }
  if (run.campaignJoined && st.request) {
    await auditCampaignJoin(run, st.request);
    return true;
  }
  if (run.campaignWithdrawn !== null) {
    await auditCampaignWithdrawal(run, run.campaignWithdrawn);
    return true;
  }
  if (run.undisclosedDecision !== null) {
    const decided = run.undisclosedDecision;
    run.undisclosedDecision = null;
    await discloseDecision(run, decided, 'approver');
    return true;
  }
  if (run.undisclosedChangeRejection !== null) {
    const rejected = run.undisclosedChangeRejection;
    run.undisclosedChangeRejection = null;
    await discloseDecision(run, rejected, 'change');
    return true;
  }
  const unaudited = run.unauditedChanges.shift();
  if (unaudited !== undefined) {
    await auditChange(run, unaudited);
    return true;
  }
  return false;
}
