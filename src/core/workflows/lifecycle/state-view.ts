import type { LifecycleSchedule } from '../../domain/schedule/lifecycle-schedule';
import type { LifecycleView } from '../../domain/lifecycle/lifecycle-view';
import { changeApprovalView } from './change-gate';
import type { LifecycleRun } from './state';

/** The state query's answer; before the context is loaded, what the carried state already says. */
export function lifecycleView(run: LifecycleRun): LifecycleView {
  const { input, st, ctx } = run;
  if (!run.loaded) {
    return {
      managedCertificateId: run.managedId,
      workflowId: run.workflowId,
      cycle: input.carried?.cycle ?? 1,
      phase: run.phase,
      certificate: null,
      ownerGroup: null,
      renewalDeadline: null,
      plan: [],
      next: null,
      request: input.carried?.request ?? null,
      ticket: input.carried?.ticket ?? null,
      pendingRevocation: input.carried?.pendingRevocation ?? null,
      changeApproval: null,
      records: input.carried?.records ?? [],
      lastProblem: run.lastProblem,
    };
  }
  let plan: LifecycleSchedule | null;
  try {
    plan = run.schedule();
  } catch {
    plan = null;
  }
  const handled = st.handledUntil === null ? Number.NEGATIVE_INFINITY : Date.parse(st.handledUntil);
  return {
    managedCertificateId: run.managedId,
    workflowId: run.workflowId,
    cycle: st.cycle,
    phase: run.phase,
    certificate: ctx.certificate,
    ownerGroup: ctx.certificate.ownerGroup,
    renewalDeadline: plan?.renewalDeadline ?? null,
    plan: (plan?.events ?? []).map((event) => ({
      ...event,
      status: Date.parse(event.at) <= handled ? 'done' : 'planned',
    })),
    next: plan?.next ? { at: plan.next.at, level: plan.next.level } : null,
    request: st.request,
    ticket: st.ticket,
    pendingRevocation: st.pendingRevocation,
    changeApproval: changeApprovalView(run),
    records: st.records,
    lastProblem: run.lastProblem,
  };
}
