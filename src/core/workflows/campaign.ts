import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { CampaignActivities } from '../activities/campaign';
import { campaignEnded, type CampaignProgress, type CampaignStatus } from '../domain/campaigns/model';
import {
  buildCampaignProgress,
  campaignEndStatus,
  campaignRoleRefusal,
  finishedCount,
  inWorkCount,
  memberCount,
  moveMembers,
  recordFailureReason,
  totalCounts,
  updateMilestones,
} from '../domain/campaigns/progress';
import {
  CAMPAIGN_REFUSAL,
  cancelCampaignUpdate,
  campaignInventoryChangedSignal,
  campaignMemberProgressSignal,
  campaignProgressQuery,
  pauseCampaignUpdate,
  resumeCampaignUpdate,
  type CampaignCarryOver,
  type CampaignControlInput,
  type CampaignTimings,
  type CampaignWorkflowInput,
} from './definitions';

/** Production timings (R-CAM-2, R-CAM-3). */
const DEFAULT_TIMINGS: CampaignTimings = {
  progressEveryMs: 10_000,
  rescanEveryMs: 10 * 60_000,
  retryAfterMs: 5 * 60_000,
};
/** Continue-as-new well below Temporal's limits: every campaign history stays under 10,000 events (R-CAM-4). */
const DEFAULT_HISTORY_EVENT_BUDGET = 4_000;
/** Members asked for per dispatch activity: one activity, many lifecycle updates in flight. */
const DISPATCH_BATCH = 100;

/** The store and the lifecycles: quick, retried patiently, idempotent per key. */
const store = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 20 },
});

/** Asking lifecycles for renewals: a batch of updates, heartbeating per member. */
const dispatching = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 },
});

/**
 * Slack and Jira retried for up to about 4 minutes: every publication in runs from before best-effort publication
 * (patched), and a campaign's last words, the final progress and the report (see PATIENT_LAST_WORDS_PATCH).
 */
const telling = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 4 },
});

/**
 * Slack and Jira, best effort: shown to people, never allowed to hold the campaign, so each call is tried twice at
 * most; a failure is audited and the next publication (after a backoff) carries the latest state anyway. An attempt
 * outlasts one Slack or Jira call's 30 s timeout: one cut off earlier could still post after its retry looked.
 */
const showing = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 2 },
});

/**
 * Publication runs beside dispatch instead of in front of it, and completion and continue-as-new no longer wait for
 * a due publication (issue 14): runs started before this patch replay the earlier command order.
 */
export const BEST_EFFORT_PUBLICATION_PATCH = 'campaign-best-effort-publication';
/**
 * The loop's wake-up timers are never cancelled (see armWakeTimer): runs started before this patch replay their
 * cancelled condition timeouts.
 */
export const UNCANCELLED_WAKE_TIMERS_PATCH = 'campaign-uncancelled-wake-timers';
/**
 * The final progress and the report are retried patiently: a post given up while still in flight (held past the
 * client's timeout, or its worker killed) lands later, and after the last publication nothing adopts it, so it would
 * stay in the channel under no delivery key. Runs completed before this patch replay their best-effort last words.
 */
export const PATIENT_LAST_WORDS_PATCH = 'campaign-patient-last-words';
/** After a failed publication the next one waits this long, doubled per failure in a row up to the maximum. */
const PUBLICATION_BACKOFF_MS = 30_000;
const MAX_PUBLICATION_BACKOFF_MS = 10 * 60_000;

function refuse(code: string, message: string): never {
  throw ApplicationFailure.create({ type: CAMPAIGN_REFUSAL, message, details: [code], nonRetryable: true });
}

function nowIso(): string {
  return new Date(Date.now()).toISOString();
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * A crypto-agility campaign (R-CAM-1 … R-CAM-4, NIST SP 1800-16B 3.3): enrols the certificates its selector selects
 * (again every `rescanEveryMs`, so later imports join), asks each one's lifecycle for a renewal through the same
 * renewal path as owners use (pre-approved by the launching security lead under the emergency policy), a bounded
 * number under way at once, retries failed ones, and keeps exact counts per owner group and state from what the
 * lifecycles report. Progress goes to one Slack message updated in place and a Jira epic with a task per group; at
 * the deadline the groups not done are escalated; at the end a report is posted.
 *
 * The history stays small however many certificates there are: members live in the campaign store, the workflow
 * carries only counters through continue-as-new.
 */
export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignProgress> {
  const bestEffort = patched(BEST_EFFORT_PUBLICATION_PATCH);
  const uncancelledWakeTimers = bestEffort && patched(UNCANCELLED_WAKE_TIMERS_PATCH);
  const campaign = input.definition;
  const timings: CampaignTimings = { ...DEFAULT_TIMINGS, ...input.timings };
  const historyEventBudget = input.historyEventBudget ?? DEFAULT_HISTORY_EVENT_BUDGET;
  const deadlineMs = Date.parse(campaign.deadline);
  const firstRun = input.carried === undefined;
  const st: CampaignCarryOver = input.carried ?? {
    status: 'running',
    statusReason: null,
    cancelApplied: false,
    groups: {},
    unacknowledged: 0,
    failedAttempts: 0,
    milestones: { p50: null, p90: null, p100: null },
    escalated: false,
    progressReceipt: null,
    epic: null,
    groupTasks: {},
    claims: 0,
    lastRescanAt: null,
    nextRetryAt: null,
    publications: 0,
  };
  let roles: { securityLeads: readonly string[]; admins: readonly string[] } | null = null;
  let wake = false;
  /** Counts changed since the last publication. */
  let dirty = true;
  let lastPublishedAt = Number.NEGATIVE_INFINITY;
  /** Groups whose counts changed since their Jira task was last synced. */
  const changedGroups = new Set<string>(Object.keys(st.groups));
  /** The store has nothing to claim now: don't ask again until something changes (a failure, an enrolment, time). */
  let claimIdle = false;
  let rescanRequested = st.rescanRequested ?? false;
  const failureReasons: Record<string, number> = { ...(st.failureReasons ?? {}) };
  /** The publication under way beside the loop (best effort), or null. */
  let publishing: Promise<void> | null = null;
  /** When the next publication may start: a failed one backs off. */
  let nextPublicationAt = Number.NEGATIVE_INFINITY;
  /** When the earliest wake-up timer still pending fires (uncancelled wake timers), or +Infinity. */
  let wakeTimerAt = Number.POSITIVE_INFINITY;
  /** Status changes for the audit log and the store, applied by the loop (handlers run no activities). */
  const statusChanges: { status: CampaignStatus; action: string; actor: string; reason: string | null }[] = [];

  const progress = (): CampaignProgress =>
    buildCampaignProgress({
      campaign,
      status: st.status,
      statusReason: st.statusReason,
      groups: st.groups,
      failedAttempts: st.failedAttempts,
      failureReasons,
      milestones: st.milestones,
      escalated: st.escalated,
      now: nowIso(),
    });
  const changed = (group: string) => {
    dirty = true;
    changedGroups.add(group);
    st.milestones = updateMilestones(st.milestones, totalCounts(st.groups), nowIso());
    wake = true;
  };
  const key = (step: string) => `campaign/${campaign.id}/${step}`;

  // ---- messages ------------------------------------------------------------------------------------------------
  setHandler(campaignProgressQuery, progress);

  setHandler(campaignMemberProgressSignal, (report) => {
    if (report.from === 'pending') st.unacknowledged = Math.max(0, st.unacknowledged - 1);
    if (report.to === 'failed') {
      st.failedAttempts += 1;
      recordFailureReason(failureReasons, report.detail);
      claimIdle = false;
    }
    moveMembers(st.groups, report.ownerGroup, report.from, report.to);
    changed(report.ownerGroup);
  });

  setHandler(campaignInventoryChangedSignal, () => {
    rescanRequested = true;
    wake = true;
  });

  const checkControl = (control: CampaignControlInput, action: string, needsReason: boolean) => {
    const refusal = roles === null ? null : campaignRoleRefusal(control.actor, roles, action);
    if (refusal) refuse('not-security-lead', refusal);
    if (needsReason && !control.reason?.trim()) {
      refuse('reason-required', `say why you ${action} the campaign (a reason is required and audited)`);
    }
    if (campaignEnded(st.status)) {
      refuse('not-running', `campaign ${campaign.id} is ${st.status}`);
    }
  };
  const control = (status: CampaignStatus, input: CampaignControlInput) => {
    st.status = status;
    st.statusReason = status === 'running' ? null : `${input.reason?.trim() ?? ''} (${input.actor.id})`;
    const action = status === 'running' ? 'campaign.resumed' : `campaign.${status}`;
    statusChanges.push({ status, action, actor: input.actor.id, reason: input.reason?.trim() ?? null });
    claimIdle = false;
    dirty = true;
    wake = true;
    return progress();
  };
  /** Registers pause, resume or cancel: validated (a security lead, a reason), then applied unless already so. */
  const controlUpdate = (
    update: typeof pauseCampaignUpdate,
    action: 'pause' | 'resume' | 'cancel',
    status: CampaignStatus,
  ) => {
    const needsReason = action !== 'resume';
    setHandler(
      update,
      async (input) => {
        if (roles === null) await condition(() => roles !== null);
        checkControl(input, action, needsReason);
        if (st.status === status) return progress();
        return control(status, input);
      },
      { validator: (input: CampaignControlInput) => checkControl(input, action, needsReason) },
    );
  };
  controlUpdate(pauseCampaignUpdate, 'pause', 'paused');
  controlUpdate(resumeCampaignUpdate, 'resume', 'running');
  controlUpdate(cancelCampaignUpdate, 'cancel', 'cancelled');

  // ---- acting ----------------------------------------------------------------------------------------------------
  async function enrol(): Promise<void> {
    rescanRequested = false;
    const at = nowIso();
    const result = await store.enrolCampaignMembers({ campaignId: campaign.id, selector: campaign.selector, at });
    st.lastRescanAt = at;
    for (const { group, count } of result.byOwnerGroup) {
      moveMembers(st.groups, group, null, 'pending', count);
      changed(group);
    }
    if (result.enrolled > 0) claimIdle = false;
  }

  /** Claims and asks for renewals while fewer than `parallelism` are under way. */
  async function dispatch(): Promise<boolean> {
    const counts = totalCounts(st.groups);
    const room = campaign.parallelism - inWorkCount(counts) - st.unacknowledged;
    if (room <= 0 || claimIdle) return false;
    st.claims += 1;
    const claimed = await store.claimCampaignMembers({
      campaignId: campaign.id,
      claimKey: key(`claim/${st.claims}`),
      limit: Math.min(room, DISPATCH_BATCH),
      maxAttempts: campaign.maxAttempts,
      retryAfterMs: timings.retryAfterMs,
      now: nowIso(),
    });
    st.nextRetryAt = claimed.nextRetryAt;
    if (claimed.members.length === 0) {
      claimIdle = true;
      return false;
    }
    for (const member of claimed.members) {
      if (member.previousState !== 'pending')
        moveMembers(st.groups, member.ownerGroup, member.previousState, 'pending');
    }
    st.unacknowledged += claimed.members.length;
    const outcomes = await dispatching.dispatchCampaignRenewals({
      campaign: {
        id: campaign.id,
        title: campaign.title,
        kind: campaign.kind,
        reason: campaign.reason,
        launchedBy: campaign.launchedBy,
        emergency: campaign.emergency,
        ...(campaign.issuer ? { issuer: campaign.issuer } : {}),
      },
      members: [...claimed.members],
      at: nowIso(),
    });
    for (const outcome of outcomes) {
      if (outcome.outcome !== 'skipped' && outcome.outcome !== 'failed') continue;
      st.unacknowledged = Math.max(0, st.unacknowledged - 1);
      moveMembers(st.groups, outcome.ownerGroup, 'pending', outcome.outcome);
      if (outcome.outcome === 'failed') {
        st.failedAttempts += 1;
        recordFailureReason(failureReasons, outcome.detail);
      }
      changed(outcome.ownerGroup);
    }
    return true;
  }

  async function applyCancel(): Promise<void> {
    st.cancelApplied = true;
    const reason = st.statusReason ?? 'cancelled';
    const skipped = await store.skipPendingCampaignMembers({
      campaignId: campaign.id,
      detail: `campaign cancelled: ${reason}`,
      at: nowIso(),
    });
    for (const { group, count } of skipped) {
      moveMembers(st.groups, group, 'pending', 'skipped', count);
      changed(group);
    }
    await store.withdrawCampaignRequests({ campaignId: campaign.id, reason, by: `campaign:${campaign.id}` });
  }

  /** Publishes the progress to Slack and the changed groups to Jira; true when both went through. */
  async function publish(people = bestEffort ? showing : telling): Promise<boolean> {
    dirty = false;
    lastPublishedAt = Date.now();
    st.publications += 1;
    const view = progress();
    let succeeded = true;
    try {
      st.progressReceipt = await people.publishCampaignProgress({
        idempotencyKey: key(`progress/${st.publications}`),
        progress: view,
        receipt: st.progressReceipt,
      });
    } catch (error) {
      dirty = true;
      succeeded = false;
      await recordProblem('slack', messageOf(error));
    }
    const groups = view.groups.filter((group) => changedGroups.has(group.group));
    if (groups.length === 0 && st.epic !== null) return succeeded;
    try {
      const synced = await people.syncCampaignTickets({
        campaign,
        epic: st.epic,
        groupTasks: st.groupTasks,
        groups,
      });
      st.epic = synced.epic;
      st.groupTasks = synced.groupTasks;
      for (const group of groups) changedGroups.delete(group.group);
    } catch (error) {
      dirty = true;
      succeeded = false;
      await recordProblem('jira', messageOf(error));
    }
    return succeeded;
  }

  /** Starts a publication beside the loop; a failure backs the next one off, a success resets the backoff. */
  function startPublication(): void {
    publishing = publish()
      // Only the audit of a failure can throw, after its own retries: the next publication tries again.
      .catch(() => false)
      .then((succeeded) => {
        st.publicationFailures = succeeded ? 0 : (st.publicationFailures ?? 0) + 1;
        const backoff = succeeded
          ? timings.progressEveryMs
          : Math.min(PUBLICATION_BACKOFF_MS * 2 ** ((st.publicationFailures ?? 1) - 1), MAX_PUBLICATION_BACKOFF_MS);
        nextPublicationAt = lastPublishedAt + Math.max(timings.progressEveryMs, backoff);
      })
      .finally(() => {
        publishing = null;
        wake = true;
      });
  }

  /** Waits for the publication under way, if any (bounded: its activities are short and tried twice at most). */
  async function publicationSettled(): Promise<void> {
    while (publishing !== null) await publishing;
  }

  /**
   * Wakes the loop at `at` with a timer that is never cancelled: a publication settling or a member's report wakes the
   * loop at any moment, and cancelling a timer in the workflow task in which it fires is refused by the Java
   * time-skipping server ("invalid history builder state for action"), which then never completes that task and stops
   * its clock. A timer that fires after the loop moved on only wakes it once more to find nothing due.
   */
  function armWakeTimer(at: number): void {
    if (at >= wakeTimerAt) return;
    wakeTimerAt = at;
    sleep(Math.max(1, at - Date.now())).then(
      () => {
        if (wakeTimerAt === at) wakeTimerAt = Number.POSITIVE_INFINITY;
        wake = true;
      },
      // Cancelled with the workflow: the loop's own condition reports that.
      () => undefined,
    );
  }

  async function recordProblem(where: string, problem: string): Promise<void> {
    await store.recordCampaignStep({
      campaignId: campaign.id,
      idempotencyKey: key(`problem/${where}/${st.publications}`),
      actor: `campaign:${campaign.id}`,
      action: `campaign.${where}-failed`,
      details: { problem },
    });
  }

  async function escalate(): Promise<void> {
    st.escalated = true;
    dirty = true;
    const view = progress();
    await (bestEffort ? showing : telling)
      .escalateCampaignLaggards({ idempotencyKey: key('deadline'), progress: view, groupTasks: st.groupTasks })
      .catch((error: unknown) => recordProblem('escalation', messageOf(error)));
  }

  async function applyStatusChange(change: {
    status: CampaignStatus;
    action: string;
    actor: string;
    reason: string | null;
  }) {
    await store.recordCampaignStatus({
      campaignId: campaign.id,
      status: change.status,
      action: change.action,
      idempotencyKey: key(`status/${change.status}/${nowIso()}`),
      actor: change.actor,
      reason: change.reason,
    });
  }

  const finished = (): boolean => {
    const counts = totalCounts(st.groups);
    if (inWorkCount(counts) > 0 || st.unacknowledged > 0) return false;
    if (st.status === 'cancelled') return st.cancelApplied;
    if (st.status !== 'running') return false;
    return (
      counts.pending === 0 &&
      counts['awaiting-approval'] === 0 &&
      claimIdle &&
      st.nextRetryAt === null &&
      memberCount(counts) === finishedCount(counts) + counts.failed
    );
  };

  // ---- the loop ----------------------------------------------------------------------------------------------------
  const context = await store.loadCampaignContext({ campaignId: campaign.id });
  roles = { securityLeads: context.securityLeads, admins: context.admins };
  if (firstRun) {
    await store.recordCampaignStatus({
      campaignId: campaign.id,
      status: 'running',
      action: 'campaign.started',
      idempotencyKey: key('started'),
      actor: campaign.launchedBy.id,
      reason: campaign.reason,
    });
    await enrol();
  }
  for (;;) {
    const change = statusChanges.shift();
    if (change !== undefined) {
      await applyStatusChange(change);
      continue;
    }
    if (st.status === 'cancelled' && !st.cancelApplied) {
      await applyCancel();
      continue;
    }
    const rescanDue =
      st.status === 'running' &&
      (rescanRequested ||
        st.lastRescanAt === null ||
        Date.now() >= Date.parse(st.lastRescanAt) + timings.rescanEveryMs);
    if (rescanDue) {
      await enrol();
      continue;
    }
    if (st.status === 'running' && st.nextRetryAt !== null && Date.now() >= Date.parse(st.nextRetryAt)) {
      claimIdle = false;
    }
    if (st.status === 'running' && (await dispatch())) continue;
    if (
      !st.escalated &&
      Date.now() >= deadlineMs &&
      finishedCount(totalCounts(st.groups)) < memberCount(totalCounts(st.groups))
    ) {
      await escalate();
      continue;
    }
    if (bestEffort) {
      if (dirty && publishing === null && Date.now() >= nextPublicationAt) startPublication();
    } else if (dirty && Date.now() >= lastPublishedAt + timings.progressEveryMs) {
      await publish();
      continue;
    }
    if (finished()) {
      if (st.status === 'running') {
        const status = campaignEndStatus(totalCounts(st.groups));
        st.status = status;
        await applyStatusChange({
          status,
          action: `campaign.${status}`,
          actor: `campaign:${campaign.id}`,
          reason: null,
        });
      }
      // The final state is published once more, retried for minutes, not forever: a failing Slack or Jira never
      // keeps a campaign open.
      const lastWords = !bestEffort || patched(PATIENT_LAST_WORDS_PATCH) ? telling : showing;
      await publicationSettled();
      await publish(lastWords);
      const view = progress();
      await lastWords
        .postCampaignReport({ idempotencyKey: key('report'), progress: view })
        .catch((error: unknown) => recordProblem('report', messageOf(error)));
      await condition(allHandlersFinished);
      return view;
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > historyEventBudget) {
      if (bestEffort) {
        // A publication's receipt and a status change accepted meanwhile must reach the next run.
        await publicationSettled();
        await condition(allHandlersFinished);
        if (statusChanges.length > 0) continue;
      } else {
        await condition(allHandlersFinished);
      }
      return await continueAsNew<typeof campaignWorkflow>({
        definition: campaign,
        carried: { ...st, failureReasons, rescanRequested },
        ...(input.timings ? { timings: input.timings } : {}),
        ...(input.historyEventBudget ? { historyEventBudget: input.historyEventBudget } : {}),
      });
    }
    const publicationAt = bestEffort
      ? dirty && publishing === null
        ? nextPublicationAt
        : Number.POSITIVE_INFINITY
      : dirty
        ? lastPublishedAt + timings.progressEveryMs
        : Number.POSITIVE_INFINITY;
    const wakeAt = Math.min(
      publicationAt,
      st.status === 'running' && st.lastRescanAt !== null
        ? Date.parse(st.lastRescanAt) + timings.rescanEveryMs
        : Number.POSITIVE_INFINITY,
      st.escalated ? Number.POSITIVE_INFINITY : deadlineMs,
      st.nextRetryAt !== null && st.status === 'running' ? Date.parse(st.nextRetryAt) : Number.POSITIVE_INFINITY,
    );
    wake = false;
    if (uncancelledWakeTimers) {
      // Publications settle at any moment, so a timeout timer would often be cancelled as it fires (see armWakeTimer);
      // runs from before the patch replay their cancelled condition timers below.
      if (wakeAt !== Number.POSITIVE_INFINITY) armWakeTimer(wakeAt);
      await condition(() => wake);
    } else if (wakeAt === Number.POSITIVE_INFINITY) await condition(() => wake);
    else await condition(() => wake, Math.max(1, wakeAt - Date.now()));
  }
}
