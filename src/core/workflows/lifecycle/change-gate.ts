import { condition, patched, setHandler } from '@temporalio/workflow';
import type { LifecycleRequest } from '../../domain/lifecycle/model';
import { changeTicketUpdatedSignal } from '../definitions';
import type { ChangeApprovalView } from '../../domain/lifecycle/lifecycle-view';
import type { ChangeTicketUpdate } from '../../ports/ticketing-port';
import { acts } from './activity-proxies';
import { setPhase } from './phase';
import { nowIso, type LifecycleRun } from './state';
import { ensureTicket, transitionInProgress } from './tickets';

/** Patch id of the change-approval gate (`renewal.requireChangeApproval`), for runs that started without it. */
const CHANGE_APPROVAL_GATE = 'change-approval-gate';

/** The policy requires an approved change before a renewal deploys, and this run may act on it. */
export function changeGateApplies(run: LifecycleRun): boolean {
  // Patched only when the policy asks, so older histories replay as they ran.
  return run.ctx.renewal.requireChangeApproval && patched(CHANGE_APPROVAL_GATE);
}

/** Registers the change ticket's decisions (webhook or poller): the newest different one for this cycle's ticket counts. */
export function setChangeTicketHandler(run: LifecycleRun): void {
  setHandler(changeTicketUpdatedSignal, async (update) => {
    if (!run.loaded) await condition(() => run.loaded);
    const { st } = run;
    const about = `${update.ticketKey} ${update.decision} by ${update.changedBy.id} at ${update.at}`;
    const ticketKey = st.ticket?.key ?? null;
    if (ticketKey === null || update.ticketKey.trim().toUpperCase() !== ticketKey.toUpperCase()) {
      run.record('change.ignored', `${about}: not this cycle's ticket (${ticketKey ?? 'none opened yet'})`);
      return;
    }
    const windowStart = update.changeWindowStart === null ? null : Date.parse(update.changeWindowStart);
    if (Number.isNaN(Date.parse(update.at)) || Number.isNaN(windowStart)) {
      run.record('change.ignored', `${about}: at or changeWindowStart is not an ISO 8601 instant`);
      return;
    }
    const known = st.changeDecision ?? null;
    // Webhooks can arrive out of order and polling repeats what it saw: only a newer, different state counts.
    if (known !== null && Date.parse(update.at) < Date.parse(known.at)) {
      run.record('change.ignored', `${about}: older than the ${known.decision} decision of ${known.at}`);
      return;
    }
    if (
      known !== null &&
      known.decision === update.decision &&
      known.changeWindowStart === update.changeWindowStart &&
      known.reason === update.reason
    ) {
      return;
    }
    st.changeDecision = update;
    const window =
      update.decision === 'approved' && update.changeWindowStart ? `, window ${update.changeWindowStart}` : '';
    run.record(`change.${update.decision}`, `${about}${update.reason ? `: ${update.reason}` : ''}${window}`);
    if (update.decision === 'rejected' && run.stoppableByChange()) {
      const rejected = run.updateRequest({
        status: 'rejected',
        decidedBy: update.changedBy,
        decidedAt: update.at,
        decisionReason: update.reason?.trim() || `change ${ticketKey} was rejected without a reason`,
      });
      // The rejection is the decision people must see; an owner's approval not yet shown is overtaken by it.
      if (run.undisclosedDecision?.id === rejected.id) run.undisclosedDecision = null;
      run.undisclosedChangeRejection = rejected;
    } else {
      run.unauditedChanges.push(update);
    }
    run.wake = true;
  });
}

/** The change approval as the state query shows it, or null when no change approval is involved. */
export function changeApprovalView(run: LifecycleRun): ChangeApprovalView | null {
  const decision = run.st.changeDecision ?? null;
  if (!run.changeGateOn && decision === null) return null;
  const approved = decision?.decision === 'approved';
  return {
    required: run.changeGateOn,
    status:
      run.heldAtGate() && !approved
        ? 'waiting'
        : decision?.decision === 'pending'
          ? null
          : (decision?.decision ?? null),
    ticketKey: run.st.ticket?.key ?? null,
    changeWindowStart: approved ? decision.changeWindowStart : null,
    decidedBy: decision?.decision === 'pending' ? null : (decision?.changedBy ?? null),
    reason: decision?.reason ?? null,
  };
}

/** Audits a change decision the signal handler accepted (R-LOG-1); rejections that end a request are disclosed. */
export async function auditChange(run: LifecycleRun, update: ChangeTicketUpdate): Promise<void> {
  await acts.recordLifecycleStep({
    managedCertificateId: run.managedId,
    idempotencyKey: run.key(`change/${update.decision}/${update.at}`),
    actor: update.changedBy.id,
    action: `change.${update.decision}`,
    subject: run.ctx.certificate.fingerprintSha256,
    details: {
      workflowId: run.workflowId,
      cycle: run.st.cycle,
      ticketKey: update.ticketKey,
      reason: update.reason,
      changeWindowStart: update.changeWindowStart,
      at: update.at,
      requestId: run.st.request?.id ?? null,
    },
  });
}

/**
 * Holds an approved renewal until its change ticket is approved and the change window has started: returns the
 * instant to look again (infinite: until a signal), or null once the renewal may deploy. Issuing waits too, so a
 * rejected change leaves no certificate to revoke and an approved one is not issued days before it is installed.
 */
export async function holdForChange(run: LifecycleRun, request: LifecycleRequest): Promise<number | null> {
  const { st } = run;
  const ticket = await ensureTicket(run, run.self);
  const decision = st.changeDecision?.ticketKey === ticket.key ? st.changeDecision : null;
  const windowStart =
    decision?.decision === 'approved' && decision.changeWindowStart !== null
      ? Date.parse(decision.changeWindowStart)
      : null;
  const holdUntil =
    decision?.decision !== 'approved'
      ? Number.POSITIVE_INFINITY
      : windowStart !== null && windowStart > Date.now()
        ? windowStart
        : null;
  const gate = st.changeGate?.requestId === request.id ? st.changeGate : null;
  if (holdUntil === null) {
    st.changeGate = {
      requestId: request.id,
      heldSince: gate?.heldSince ?? nowIso(),
      windowHeldSince: null,
      passed: true,
    };
    if (gate?.windowHeldSince) {
      const detail = `${request.id} waited from ${gate.windowHeldSince} for the change window of ${ticket.key} (${decision?.changeWindowStart})`;
      run.record('change.window-waited', detail);
      await setPhase(run, run.phase, 'change.window-waited', run.self, {
        requestId: request.id,
        ticketKey: ticket.key,
        detail,
      });
    }
    await transitionInProgress(run, request, decision?.changedBy.id ?? run.self);
    return null;
  }
  const forWindow = holdUntil !== Number.POSITIVE_INFINITY;
  const windowHeldSince = forWindow ? (gate?.windowHeldSince ?? nowIso()) : null;
  // Announced once per hold (for the approval, then for the window); the phase again after a continue-as-new.
  const newHold = gate === null || gate.passed || (gate.windowHeldSince === null) !== (windowHeldSince === null);
  if (newHold || run.phase !== 'awaiting-approval') {
    st.changeGate = { requestId: request.id, heldSince: gate?.heldSince ?? nowIso(), windowHeldSince, passed: false };
    const detail = forWindow
      ? `${request.id} waits for the change window of ${ticket.key} to start at ${decision?.changeWindowStart}`
      : `${request.id} waits for change ${ticket.key} to be approved`;
    if (newHold) run.record('change.waiting', detail);
    await setPhase(run, 'awaiting-approval', forWindow ? 'change.window-waiting' : 'change.waiting', run.self, {
      requestId: request.id,
      ticketKey: ticket.key,
      detail,
    });
  }
  return holdUntil;
}
