import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { LifecycleContext, ReplacementCertificate } from '../activities/lifecycle';
import type { CampaignMemberState } from '../domain/campaigns/model';
import type { CertificateLocation } from '../domain/inventory/model';
import type {
  Actor,
  CertificateSummary,
  LifecyclePhase,
  LifecycleRecord,
  LifecycleRequest,
  RequestKind,
  TicketRef,
} from '../domain/lifecycle/model';
import {
  certificateNames,
  chooseRenewalKeySpec,
  nextApprovalFollowUp,
  renewalValidityDays,
} from '../domain/lifecycle/renewal-plan';
import {
  checkDecisionAllowed,
  checkRequestAllowed,
  rolesOf,
  samePerson,
  type Refusal,
} from '../domain/lifecycle/roles';
import {
  computeLifecycleSchedule,
  type LifecycleSchedule,
  type LifecycleStep,
} from '../domain/schedule/lifecycle-schedule';
import type { TicketStep } from '../integrations/ticketing/ticketing-port';
import {
  campaignMemberProgressSignal,
  campaignWorkflowId,
  certificateReplacedSignal,
  changeTicketUpdatedSignal,
  decideRequestUpdate,
  LIFECYCLE_REFUSAL,
  lifecycleInputsChangedSignal,
  lifecycleStateQuery,
  requestRenewalUpdate,
  requestRevocationUpdate,
  withdrawCampaignRequestSignal,
  type CertificateLifecycleInput,
  type CertificateLifecycleResult,
  type CertificateReplacedInput,
  type ChangeApprovalView,
  type ChangeTicketUpdatedInput,
  type DecideRequestInput,
  type LifecycleCampaignLink,
  type LifecycleCarryOver,
  type LifecycleView,
  type PendingRevocation,
  type RequestRenewalInput,
  type RequestRevocationInput,
} from './definitions';
import { acts, deploying, issuing } from './lifecycle/activities';
import { notAfterAttribute, ownerGroupAttribute } from './search-attributes';

const DAY_MS = 86_400_000;
/** Records kept for the state query and carried over; older ones live in the audit log. */
const MAX_RECORDS = 50;
/** Continue-as-new well before Temporal's limits, so a lifecycle's history stays small (campaigns need < 10k). */
const DEFAULT_HISTORY_EVENT_BUDGET = 2_000;
/** After expiry a lifecycle still accepts a renewal (to restore service) for this long, then ends. */
const EXPIRED_GRACE_DAYS = 30;
/** A campaign step a lifecycle reports: the member's new state (R-CAM-3). */
interface CampaignStep {
  readonly state: CampaignMemberState;
  readonly detail: string | null;
  /** A failure a retry cannot fix (a person rejected the renewal). */
  readonly final?: boolean;
}

/** Patch id of the change-approval gate (`renewal.requireChangeApproval`), for runs that started without it. */
const CHANGE_APPROVAL_GATE = 'change-approval-gate';
/** Patch id: the expiry and owner search attributes follow the version and group a run watches. */
const SEARCH_ATTRIBUTES_FOLLOW_VERSION = 'search-attributes-follow-version';

function refuse(refusal: Refusal): never {
  throw ApplicationFailure.create({
    type: LIFECYCLE_REFUSAL,
    message: refusal.message,
    details: [refusal.code],
    nonRetryable: true,
  });
}

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

function nowIso(): string {
  return new Date(Date.now()).toISOString();
}

function daysLeft(notAfter: string): number {
  return Math.max(0, Math.floor((Date.parse(notAfter) - Date.now()) / DAY_MS));
}

/**
 * The lifecycle of one managed certificate (R-MON-1 … R-MON-4, R-RA-1 … R-RA-3, R-REN-1, R-REN-2, R-REV-1): timers
 * from the pure schedule send reminders, open the change ticket and escalate; owners request renewals and approvers
 * decide through updates; an approved renewal is issued, installed, verified and the old certificate revoked. One
 * run covers one version of the certificate; it continues as new for the next version, or when its history grows.
 *
 * Gather, decide, act: activities read and act, pure functions decide, the workflow waits. Only key references
 * ever pass through here (R-KEY-1).
 */
export async function certificateLifecycleWorkflow(
  input: CertificateLifecycleInput,
): Promise<CertificateLifecycleResult> {
  const managedId = input.managedCertificateId;
  const historyEventBudget = input.historyEventBudget ?? DEFAULT_HISTORY_EVENT_BUDGET;
  const workflowId = workflowInfo().workflowId;
  const self = `workflow:${workflowId}`;

  // Every handler is registered before the first await (Temporal does not buffer updates), so the context and the
  // carried state are assigned by the time any handler body touches them: queries and updates wait for `loaded`.
  let ctx!: LifecycleContext;
  // eslint-disable-next-line prefer-const -- assigned once, after the handlers that read it are registered
  let st!: LifecycleCarryOver;
  let loaded = false;
  let phase: LifecyclePhase = input.carried?.pendingRevocation ? 'revocation-pending' : 'monitoring';
  let lastProblem: string | null = null;
  let wake = false;
  let reload: string | null = null;
  let replacedBy: CertificateReplacedInput | null = null;
  /** A decision (or pre-approval) not yet shown to people and the ticket. */
  let undisclosedDecision: LifecycleRequest | null = null;
  /** A request opened by an update handler, audited by the main loop (handlers stay free of activities). */
  let pendingRequestAudit: LifecycleRequest | null = null;
  /** The policy requires an approved change before a renewal deploys, and this run may act on it (patched). */
  let changeGateOn = false;
  /** Change decisions accepted by the signal handler, audited by the main loop. */
  const unauditedChanges: ChangeTicketUpdatedInput[] = [];
  /** A request a change rejection ended, not yet shown to people and the ticket. */
  let undisclosedChangeRejection: LifecycleRequest | null = null;
  /** A campaign joined a request already open: the main loop reports the member's state to it. */
  let campaignJoined = false;
  /** A cancelled campaign withdrew the request it asked for: the main loop reports the member skipped. */
  let campaignWithdrawn: { reason: string; by: string } | null = null;
  /**
   * This run's certificate has been replaced and the run is handing over to the next cycle: a request now would be
   * about a certificate that is no longer in service, so it is refused before it is accepted, never accepted and lost.
   */
  let closing: Refusal | null = null;
  const replacedRefusal = (replacement: string, how: string): Refusal => ({
    code: 'already-replaced',
    message: `this certificate was just ${how}: ${replacement.slice(0, 16)} replaces it, so there is nothing to request for it`,
  });

  const key = (step: string) => `${workflowId}/c${st.cycle}/${step}`;
  /** Work a handler accepted that only this run knows of: the loop must do it before the run may end. */
  const handlerWorkPending = () =>
    reload !== null ||
    replacedBy !== null ||
    pendingRequestAudit !== null ||
    campaignJoined ||
    campaignWithdrawn !== null ||
    undisclosedDecision !== null ||
    undisclosedChangeRejection !== null ||
    unauditedChanges.length > 0;
  const requestOpen = () => st.request?.status === 'awaiting-approval' || st.request?.status === 'approved';
  // Revocations are not gated: they answer a compromise or a retirement, which must not wait for a change board.
  const gated = (request: LifecycleRequest | null) => changeGateOn && request?.kind === 'renewal';
  const gatePassed = (request: LifecycleRequest) => st.changeGate?.requestId === request.id && st.changeGate.passed;
  /** An open renewal that has not started deploying: a change rejection still ends it. */
  const stoppableByChange = () => requestOpen() && gated(st.request) && !gatePassed(st.request as LifecycleRequest);
  const heldAtGate = () => st.request?.status === 'approved' && stoppableByChange();
  const record = (kind: string, detail: string) => {
    const entry: LifecycleRecord = { at: nowIso(), kind, detail };
    st.records = [...st.records, entry].slice(-MAX_RECORDS);
  };
  const schedule = (): LifecycleSchedule =>
    computeLifecycleSchedule({
      notBefore: ctx.certificate.notBefore,
      notAfter: ctx.certificate.notAfter,
      now: nowIso(),
      settings: ctx.schedule,
      groupReminderDays: ctx.groupReminderDays,
      handledUntil: st.handledUntil,
    });
  const notificationBase = (idempotencyKey: string) => ({
    idempotencyKey,
    dueAt: nowIso(),
    certificate: ctx.certificate,
    group: ctx.group,
    ticket: st.ticket,
    link: ctx.link,
  });

  async function setPhase(
    next: LifecyclePhase,
    action: string,
    actor: string,
    details: Record<string, unknown>,
    campaignStep?: CampaignStep,
  ) {
    phase = next;
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
      managedCertificateId: managedId,
      idempotencyKey: key(`${action}/${st.request?.id ?? 'schedule'}`),
      actor,
      action,
      subject: ctx.certificate.fingerprintSha256,
      details: { workflowId, cycle: st.cycle, phase: next, ...details },
      phase: {
        phase: next,
        detail: typeof details.detail === 'string' ? details.detail : null,
        ticketKey: st.ticket?.key ?? null,
        ...(next === 'retired' ? { retired: true } : {}),
      },
    });
    if (step && link) await reportToCampaign(link, step);
  }

  /**
   * Tells the campaign the member moved on (after the store has it, so the campaign's counts never run ahead of the
   * rows). A finished or failed member leaves the lifecycle; a campaign that has ended is not an error.
   */
  async function reportToCampaign(link: LifecycleCampaignLink, step: CampaignStep): Promise<void> {
    const leaves = step.state === 'failed' || step.state === 'skipped' || step.state === 'old-revoked';
    st.campaign = leaves ? null : { ...link, state: step.state };
    try {
      await getExternalWorkflowHandle(campaignWorkflowId(link.campaignId)).signal(campaignMemberProgressSignal, {
        managedCertificateId: managedId,
        fingerprintSha256: link.fingerprintSha256,
        ownerGroup: link.ownerGroup,
        from: link.state,
        to: step.state,
        detail: step.detail,
        at: nowIso(),
      });
    } catch (error) {
      record('campaign.unreachable', `${link.campaignId}: ${failureMessage(error)}`);
    }
  }

  /** The member state an open request puts a campaign member in. */
  const requestCampaignState = (request: LifecycleRequest): CampaignMemberState =>
    request.status === 'approved' ? 'approved' : 'awaiting-approval';

  async function ensureTicket(actor: string): Promise<TicketRef> {
    if (st.ticket) return st.ticket;
    const plan = schedule();
    st.ticket = await acts.ensureChangeTicket({
      idempotencyKey: key('ticket'),
      certificate: ctx.certificate,
      group: ctx.group,
      renewalDeadline: plan.renewalDeadline,
      violations: [...ctx.violations],
      link: ctx.link,
      actor,
    });
    record('ticket.opened', `${st.ticket.key} ${st.ticket.url}`);
    return st.ticket;
  }

  async function commentTicket(step: TicketStep, stepKey: string, body: string, actor: string, ticket = st.ticket) {
    if (!ticket) return;
    await acts.commentOnTicket({
      ticket,
      idempotencyKey: key(`comment/${stepKey}`),
      step,
      body,
      actor,
      subject: ctx.certificate.fingerprintSha256,
    });
  }

  function openRequest(
    kind: RequestKind,
    fields: Pick<LifecycleRequest, 'source' | 'requestedBy' | 'reason' | 'campaignId' | 'revocationReason' | 'replace'>,
    preApprovedBy: Actor | null,
  ): LifecycleRequest {
    st.requestSequence += 1;
    const at = nowIso();
    const request: LifecycleRequest = {
      id: `${managedId}.${st.cycle}.${st.requestSequence}`,
      kind,
      ...fields,
      requestedAt: at,
      status: preApprovedBy ? 'approved' : 'awaiting-approval',
      decidedBy: preApprovedBy,
      decidedAt: preApprovedBy ? at : null,
      decisionReason: preApprovedBy ? 'approved in advance' : null,
      approvalReminders: 0,
      approvalEscalated: false,
      failure: null,
    };
    st.request = request;
    st.approvalReceipt = null;
    undisclosedDecision = null;
    pendingRequestAudit = request;
    if (preApprovedBy) undisclosedDecision = request;
    record(`${kind}.requested`, `${request.id} by ${fields.requestedBy.id}: ${fields.reason}`);
    wake = true;
    return request;
  }

  function updateRequest(patch: Partial<LifecycleRequest>): LifecycleRequest {
    const request = { ...(st.request as LifecycleRequest), ...patch };
    st.request = request;
    return request;
  }

  // ---- messages ------------------------------------------------------------------------------------------------
  const view = (): LifecycleView => {
    if (!loaded) {
      return {
        managedCertificateId: managedId,
        workflowId,
        cycle: input.carried?.cycle ?? 1,
        phase,
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
        lastProblem,
      };
    }
    let plan: LifecycleSchedule | null;
    try {
      plan = schedule();
    } catch {
      plan = null;
    }
    const handled = st.handledUntil === null ? Number.NEGATIVE_INFINITY : Date.parse(st.handledUntil);
    return {
      managedCertificateId: managedId,
      workflowId,
      cycle: st.cycle,
      phase,
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
      changeApproval: changeApprovalView(),
      records: st.records,
      lastProblem,
    };
  };
  const changeApprovalView = (): ChangeApprovalView | null => {
    const decision = st.changeDecision ?? null;
    if (!changeGateOn && decision === null) return null;
    const approved = decision?.decision === 'approved';
    return {
      required: changeGateOn,
      status:
        heldAtGate() && !approved ? 'waiting' : decision?.decision === 'pending' ? null : (decision?.decision ?? null),
      ticketKey: st.ticket?.key ?? null,
      changeWindowStart: approved ? decision.changeWindowStart : null,
      decidedBy: decision?.decision === 'pending' ? null : (decision?.changedBy ?? null),
      reason: decision?.reason ?? null,
    };
  };
  setHandler(lifecycleStateQuery, view);

  setHandler(lifecycleInputsChangedSignal, ({ reason, by }) => {
    reload = `${reason} changed (${by})`;
    wake = true;
  });

  setHandler(certificateReplacedSignal, (replaced) => {
    replacedBy = replaced;
    wake = true;
  });

  setHandler(changeTicketUpdatedSignal, async (update) => {
    if (!loaded) await condition(() => loaded);
    const about = `${update.ticketKey} ${update.decision} by ${update.changedBy.id} at ${update.at}`;
    const ticketKey = st.ticket?.key ?? null;
    if (ticketKey === null || update.ticketKey.trim().toUpperCase() !== ticketKey.toUpperCase()) {
      record('change.ignored', `${about}: not this cycle's ticket (${ticketKey ?? 'none opened yet'})`);
      return;
    }
    const windowStart = update.changeWindowStart === null ? null : Date.parse(update.changeWindowStart);
    if (Number.isNaN(Date.parse(update.at)) || Number.isNaN(windowStart)) {
      record('change.ignored', `${about}: at or changeWindowStart is not an ISO 8601 instant`);
      return;
    }
    const known = st.changeDecision ?? null;
    // Webhooks can arrive out of order and polling repeats what it saw: only a newer, different state counts.
    if (known !== null && Date.parse(update.at) < Date.parse(known.at)) {
      record('change.ignored', `${about}: older than the ${known.decision} decision of ${known.at}`);
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
    record(`change.${update.decision}`, `${about}${update.reason ? `: ${update.reason}` : ''}${window}`);
    if (update.decision === 'rejected' && stoppableByChange()) {
      const rejected = updateRequest({
        status: 'rejected',
        decidedBy: update.changedBy,
        decidedAt: update.at,
        decisionReason: update.reason?.trim() || `change ${ticketKey} was rejected without a reason`,
      });
      // The rejection is the decision people must see; an owner's approval not yet shown is overtaken by it.
      if (undisclosedDecision?.id === rejected.id) undisclosedDecision = null;
      undisclosedChangeRejection = rejected;
    } else {
      unauditedChanges.push(update);
    }
    wake = true;
  });

  function checkRenewalRequest(request: RequestRenewalInput): void {
    assertActive();
    const refusal = checkRequestAllowed(
      { actor: request.requestedBy, kind: 'renewal', source: request.source ?? 'owner' },
      ctx.roster,
    );
    if (refusal) refuse(refusal);
    const member = request.campaignMember;
    if (member && request.campaignId) {
      if (member.fingerprintSha256 !== st.fingerprintSha256) {
        refuse({
          code: 'already-replaced',
          message: `the campaign selected ${member.fingerprintSha256.slice(0, 16)}, but this certificate is now ${st.fingerprintSha256.slice(0, 16)}`,
        });
      }
      if (st.campaign && st.campaign.campaignId !== request.campaignId) {
        refuse({
          code: 'in-other-campaign',
          message: `campaign ${st.campaign.campaignId} is already replacing this certificate`,
        });
      }
    }
    if (request.preApprovedBy) {
      if (samePerson(request.preApprovedBy, request.requestedBy)) {
        refuse({
          code: 'self-approval',
          message: 'a request cannot be approved in advance by its own requester; another approver must decide',
        });
      }
      const roles = rolesOf(request.preApprovedBy, ctx.roster);
      if (!roles.includes('security-lead') && !roles.includes('admin') && !roles.includes('approver')) {
        refuse({
          code: 'not-approver',
          message: `${request.preApprovedBy.id} is neither an approver nor a security lead and cannot approve in advance`,
        });
      }
    }
  }

  function checkRevocationRequest(request: RequestRevocationInput): void {
    assertActive();
    const refusal = checkRequestAllowed(
      { actor: request.requestedBy, kind: 'revocation', source: 'owner' },
      ctx.roster,
    );
    if (refusal) refuse(refusal);
    if (!request.reason.trim()) {
      refuse({ code: 'reason-required', message: 'a revocation needs a reason (what happened to the key)' });
    }
    if (st.request?.status === 'approved' && !heldAtGate()) {
      refuse({
        code: 'request-pending',
        message: `renewal ${st.request.id} is under way; once it is installed the old certificate is revoked, then request revocation of the new one if needed`,
      });
    }
  }

  function checkDecision(decision: DecideRequestInput): void {
    const refusal = checkDecisionAllowed(
      {
        actor: decision.decidedBy,
        requestId: decision.requestId,
        decision: decision.decision,
        reason: decision.reason,
      },
      st.request,
      ctx.roster,
    );
    if (refusal) refuse(refusal);
  }

  const assertActive = () => {
    if (phase === 'retired') refuse({ code: 'not-active', message: 'this certificate is retired; nothing to renew' });
    if (closing !== null) refuse(closing);
  };

  setHandler(
    requestRenewalUpdate,
    async (request) => {
      if (!loaded) await condition(() => loaded);
      checkRenewalRequest(request);
      const member = request.campaignMember;
      if (member && request.campaignId && st.campaign?.campaignId !== request.campaignId) {
        st.campaign = {
          campaignId: request.campaignId,
          fingerprintSha256: member.fingerprintSha256,
          ownerGroup: member.ownerGroup,
          state: 'pending',
          revocationReason: member.revocationReason,
        };
        if (requestOpen()) return joinOpenRequest(request);
      }
      if (requestOpen()) return st.request as LifecycleRequest;
      return openRequest(
        'renewal',
        {
          source: request.source ?? 'owner',
          requestedBy: request.requestedBy,
          reason: request.reason,
          campaignId: request.campaignId ?? null,
          revocationReason: null,
          replace: true,
        },
        request.preApprovedBy ?? null,
      );
    },
    { validator: (request: RequestRenewalInput) => loaded && checkRenewalRequest(request) },
  );

  /** A campaign asks for the renewal an owner already requested: it becomes the campaign's, approved in advance if so. */
  function joinOpenRequest(request: RequestRenewalInput): LifecycleRequest {
    const open = st.request as LifecycleRequest;
    const joined = updateRequest({ campaignId: request.campaignId ?? null });
    record('campaign.joined', `${open.id} is now part of campaign ${request.campaignId}`);
    campaignJoined = true;
    wake = true;
    if (open.status !== 'awaiting-approval' || !request.preApprovedBy) return joined;
    const at = nowIso();
    const approved = updateRequest({
      status: 'approved',
      decidedBy: request.preApprovedBy,
      decidedAt: at,
      decisionReason: `approved in advance for campaign ${request.campaignId}`,
    });
    record('request.approved', `${approved.id} by ${request.preApprovedBy.id} (campaign ${request.campaignId})`);
    undisclosedDecision = approved;
    return approved;
  }

  setHandler(withdrawCampaignRequestSignal, async ({ campaignId, reason, by }) => {
    if (!loaded) await condition(() => loaded);
    if (st.campaign?.campaignId !== campaignId) return;
    if (st.request?.status === 'awaiting-approval' && st.request.campaignId === campaignId) {
      updateRequest({ status: 'superseded', failure: `withdrawn: campaign ${campaignId} was cancelled (${reason})` });
      record('campaign.withdrawn', `${st.request.id} withdrawn by ${by}: ${reason}`);
      campaignWithdrawn = { reason, by };
      wake = true;
    }
  });

  setHandler(
    requestRevocationUpdate,
    async (request) => {
      if (!loaded) await condition(() => loaded);
      checkRevocationRequest(request);
      if (st.request?.status === 'awaiting-approval' || heldAtGate()) {
        updateRequest({ status: 'superseded', failure: 'superseded by a revocation request' });
      }
      return openRequest(
        'revocation',
        {
          source: 'owner',
          requestedBy: request.requestedBy,
          reason: request.reason,
          campaignId: null,
          revocationReason: request.revocationReason,
          replace: request.replace ?? true,
        },
        null,
      );
    },
    { validator: (request: RequestRevocationInput) => loaded && checkRevocationRequest(request) },
  );

  setHandler(
    decideRequestUpdate,
    async (decision) => {
      if (!loaded) await condition(() => loaded);
      checkDecision(decision);
      const at = nowIso();
      const decided = updateRequest({
        status: decision.decision === 'approve' ? 'approved' : 'rejected',
        decidedBy: decision.decidedBy,
        decidedAt: at,
        decisionReason: decision.reason?.trim() || null,
      });
      record(
        decided.status === 'approved' ? 'request.approved' : 'request.rejected',
        `${decided.id} by ${decision.decidedBy.id}`,
      );
      undisclosedDecision = decided;
      wake = true;
      return decided;
    },
    { validator: (decision: DecideRequestInput) => loaded && checkDecision(decision) },
  );

  // ---- acting on the plan ----------------------------------------------------------------------------------------
  async function actOnScheduleStep(step: LifecycleStep): Promise<void> {
    const serious = step.events.filter((event) => event.kind !== 'reminder');
    const stepKey = `${step.level}-${Math.min(...step.events.map((event) => event.offsetDays))}`;
    const left = daysLeft(ctx.certificate.notAfter);
    if (ctx.group?.autoRenew && !requestOpen() && serious.length > 0 && step.level !== 'expiry') {
      openRequest(
        'renewal',
        {
          source: 'schedule',
          requestedBy: { id: self, displayName: 'certflow schedule' },
          reason: `auto-renew of group ${ctx.group.id}: ${left} days left`,
          campaignId: null,
          revocationReason: null,
          replace: true,
        },
        { id: `group:${ctx.group.id}`, displayName: `auto-renew setting of group ${ctx.group.id}` },
      );
    }
    if (serious.length > 0) await ensureTicket(self);
    switch (step.level) {
      case 'reminder':
      case 'ticket':
      case 'renewal-deadline': {
        if (requestOpen()) return;
        const plan = schedule();
        await acts.sendLifecycleNotification({
          ...notificationBase(key(stepKey)),
          kind: 'reminder',
          daysLeft: left,
          renewalDeadline: plan.renewalDeadline,
          audienceRole: 'owners',
          actor: self,
        });
        record('reminder', `${left} days left (${stepKey})`);
        await commentTicket('reminder', stepKey, `Reminder sent to the owners: ${left} days left.`, self);
        return;
      }
      case 'escalation': {
        const reason = `not renewed and replaced ${left} days before expiry (${ctx.certificate.notAfter})`;
        await acts.sendLifecycleNotification({
          ...notificationBase(key(stepKey)),
          kind: 'escalation',
          cause: 'not-renewed',
          reason,
          daysLeft: left,
          audienceRole: 'escalation',
          actor: self,
        });
        await acts.escalateTicket({
          ticket: await ensureTicket(self),
          idempotencyKey: key(`escalate/${stepKey}`),
          level: 'escalation',
          reason,
          group: ctx.group,
          actor: self,
          subject: ctx.certificate.fingerprintSha256,
        });
        record('escalation', reason);
        await setPhase(phase, 'lifecycle.escalated', self, { reason });
        return;
      }
      case 'expiry': {
        const reason = `expired at ${ctx.certificate.notAfter} and was not replaced`;
        await acts.sendLifecycleNotification({
          ...notificationBase(key(stepKey)),
          kind: 'incident',
          reason,
          audienceRole: 'incident',
          actor: self,
        });
        await acts.escalateTicket({
          ticket: await ensureTicket(self),
          idempotencyKey: key(`incident/${stepKey}`),
          level: 'incident',
          reason,
          group: ctx.group,
          actor: self,
          subject: ctx.certificate.fingerprintSha256,
        });
        record('incident', reason);
        await setPhase('expired', 'lifecycle.expired', self, { reason });
        return;
      }
    }
  }

  // ---- approvals ---------------------------------------------------------------------------------------------------
  async function auditNewRequest(request: LifecycleRequest): Promise<void> {
    pendingRequestAudit = null;
    await setPhase(
      request.status === 'approved' ? phase : 'awaiting-approval',
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
      st.campaign?.campaignId === request.campaignId && request.campaignId !== null
        ? { state: requestCampaignState(request), detail: `${request.id} requested` }
        : undefined,
    );
  }

  /** Reports the open request a campaign joined (its state) to the campaign. */
  async function auditCampaignJoin(request: LifecycleRequest): Promise<void> {
    campaignJoined = false;
    await setPhase(
      phase,
      'campaign.joined',
      request.requestedBy.id,
      { requestId: request.id, campaignId: request.campaignId, status: request.status },
      { state: requestCampaignState(request), detail: `joined ${request.id} (${request.status})` },
    );
  }

  /** Reports a withdrawn campaign request: the member is skipped. */
  async function auditCampaignWithdrawal(withdrawal: { reason: string; by: string }): Promise<void> {
    campaignWithdrawn = null;
    await setPhase(
      'monitoring',
      'campaign.withdrawn',
      withdrawal.by,
      { requestId: st.request?.id ?? null, reason: withdrawal.reason },
      { state: 'skipped', detail: `campaign cancelled: ${withdrawal.reason}` },
    );
  }

  async function sendApprovalRequest(request: LifecycleRequest): Promise<void> {
    const reminder = request.approvalReminders;
    st.approvalReceipt = await acts.sendLifecycleNotification({
      ...notificationBase(key(`approval/${request.id}/${reminder}`)),
      kind: 'approval-request',
      request,
      reminder,
      audienceRole: 'approvers',
      actor: self,
    });
    record(reminder === 0 ? 'approval.requested' : 'approval.re-sent', request.id);
    if (reminder === 0) {
      await commentTicket(
        'approval-requested',
        `approval/${request.id}`,
        `${request.kind} ${request.id} requested by ${request.requestedBy.id}: ${request.reason}. Waiting for an approver.`,
        request.requestedBy.id,
      );
    }
  }

  async function followUpApproval(action: 'remind' | 'escalate', request: LifecycleRequest): Promise<void> {
    if (action === 'remind') {
      await sendApprovalRequest(updateRequest({ approvalReminders: request.approvalReminders + 1 }));
      return;
    }
    updateRequest({ approvalEscalated: true });
    const reason = `${request.kind} ${request.id} has waited for an approver since ${request.requestedAt}`;
    await acts.sendLifecycleNotification({
      ...notificationBase(key(`approval-overdue/${request.id}`)),
      kind: 'escalation',
      cause: 'approval-overdue',
      reason,
      daysLeft: daysLeft(ctx.certificate.notAfter),
      audienceRole: 'escalation',
      actor: self,
    });
    record('approval.escalated', reason);
    await setPhase(phase, 'approval.escalated', self, { requestId: request.id, reason });
  }

  /** Shows an approver's decision, or a change rejection (`via: 'change'`), to people and on the ticket. */
  async function discloseDecision(request: LifecycleRequest, via: 'approver' | 'change'): Promise<void> {
    const by = request.decidedBy as Actor;
    const approved = request.status === 'approved';
    // A change rejection can follow the approver's approval of the same request: its own keys, so it is not deduped.
    const step = via === 'approver' ? `decision/${request.id}` : `change-decision/${request.id}`;
    const action = approved ? 'request.approved' : via === 'approver' ? 'request.rejected' : 'change.rejected';
    await setPhase(
      approved ? phase : 'monitoring',
      action,
      by.id,
      { requestId: request.id, reason: request.decisionReason, ticketKey: st.ticket?.key ?? null },
      approved
        ? { state: 'approved', detail: `approved by ${by.id}` }
        : { state: 'failed', detail: `rejected by ${by.id}: ${request.decisionReason ?? ''}`, final: true },
    );
    if (st.approvalReceipt) {
      await acts.showApprovalDecision({
        receipt: st.approvalReceipt,
        update: { request, decidedBy: by, decidedAt: request.decidedAt as string },
      });
    }
    await acts.sendLifecycleNotification({
      ...notificationBase(key(step)),
      kind: 'decision',
      request,
      audienceRole: 'owners',
      actor: by.id,
    });
    if (approved && gated(request)) {
      // The change is not approved yet: the ticket moves on (to In Progress) only when the gate opens.
      await ensureTicket(by.id);
      await commentTicket(
        'approved',
        step,
        `${request.id} approved by ${by.id}. Deploying waits for this change to be approved.`,
        by.id,
      );
    } else if (approved) {
      await ensureTicket(by.id);
      await commentTicket('approved', step, `${request.id} approved by ${by.id}.`, by.id);
      await transitionInProgress(request, by.id);
    } else {
      const what = via === 'approver' ? request.id : `${request.id}: change ${st.ticket?.key ?? ''}`;
      await commentTicket('rejected', step, `${what} rejected by ${by.id}: ${request.decisionReason ?? ''}`, by.id);
    }
  }

  async function transitionInProgress(request: LifecycleRequest, actor: string): Promise<void> {
    await acts.transitionTicket({
      ticket: st.ticket as TicketRef,
      idempotencyKey: key(`transition/in-progress/${request.id}`),
      to: 'in-progress',
      actor,
      subject: ctx.certificate.fingerprintSha256,
    });
  }

  // ---- the change-approval gate ------------------------------------------------------------------------------------
  /** Audits a change decision the signal handler accepted (R-LOG-1); rejections that end a request are disclosed. */
  async function auditChange(update: ChangeTicketUpdatedInput): Promise<void> {
    await acts.recordLifecycleStep({
      managedCertificateId: managedId,
      idempotencyKey: key(`change/${update.decision}/${update.at}`),
      actor: update.changedBy.id,
      action: `change.${update.decision}`,
      subject: ctx.certificate.fingerprintSha256,
      details: {
        workflowId,
        cycle: st.cycle,
        ticketKey: update.ticketKey,
        reason: update.reason,
        changeWindowStart: update.changeWindowStart,
        at: update.at,
        requestId: st.request?.id ?? null,
      },
    });
  }

  /**
   * Holds an approved renewal until its change ticket is approved and the change window has started: returns the
   * instant to look again (infinite: until a signal), or null once the renewal may deploy. Issuing waits too, so a
   * rejected change leaves no certificate to revoke and an approved one is not issued days before it is installed.
   */
  async function holdForChange(request: LifecycleRequest): Promise<number | null> {
    const ticket = await ensureTicket(self);
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
        record('change.window-waited', detail);
        await setPhase(phase, 'change.window-waited', self, { requestId: request.id, ticketKey: ticket.key, detail });
      }
      await transitionInProgress(request, decision?.changedBy.id ?? self);
      return null;
    }
    const forWindow = holdUntil !== Number.POSITIVE_INFINITY;
    const windowHeldSince = forWindow ? (gate?.windowHeldSince ?? nowIso()) : null;
    // Announced once per hold (for the approval, then for the window); the phase again after a continue-as-new.
    const newHold = gate === null || gate.passed || (gate.windowHeldSince === null) !== (windowHeldSince === null);
    if (newHold || phase !== 'awaiting-approval') {
      st.changeGate = { requestId: request.id, heldSince: gate?.heldSince ?? nowIso(), windowHeldSince, passed: false };
      const detail = forWindow
        ? `${request.id} waits for the change window of ${ticket.key} to start at ${decision?.changeWindowStart}`
        : `${request.id} waits for change ${ticket.key} to be approved`;
      if (newHold) record('change.waiting', detail);
      await setPhase('awaiting-approval', forWindow ? 'change.window-waiting' : 'change.waiting', self, {
        requestId: request.id,
        ticketKey: ticket.key,
        detail,
      });
    }
    return holdUntil;
  }

  // ---- renewal -----------------------------------------------------------------------------------------------------
  async function failRequest(request: LifecycleRequest, problem: string, stepKey: string): Promise<void> {
    lastProblem = problem;
    updateRequest({ status: 'failed', failure: problem });
    record('renewal.failed', problem);
    await setPhase(
      'monitoring',
      'renewal.failed',
      self,
      { requestId: request.id, detail: problem },
      { state: 'failed', detail: problem },
    );
    await acts.sendLifecycleNotification({
      ...notificationBase(key(`failed/${request.id}/${stepKey}`)),
      kind: 'escalation',
      cause: 'renewal-failed',
      reason: problem,
      daysLeft: daysLeft(ctx.certificate.notAfter),
      audienceRole: 'escalation',
      actor: self,
    });
    if (st.ticket) {
      await commentTicket('renewal-failed', `failed/${request.id}`, `Renewal failed: ${problem}`, self);
      await acts.escalateTicket({
        ticket: st.ticket,
        idempotencyKey: key(`escalate/failed/${request.id}`),
        level: 'escalation',
        reason: problem,
        group: ctx.group,
        actor: self,
        subject: ctx.certificate.fingerprintSha256,
      });
    }
  }

  async function revokeNow(revocation: PendingRevocation, actor: string): Promise<string> {
    const outcome = await issuing.revokeCertificate({
      idempotencyKey: `${workflowId}/revoke/${revocation.fingerprintSha256}`,
      fingerprintSha256: revocation.fingerprintSha256,
      serialNumber: revocation.serialNumber,
      issuer: revocation.issuer,
      reason: revocation.reason,
      keyRef: revocation.keyRef,
      actor,
    });
    record(`revocation.${outcome.outcome}`, `${revocation.serialNumber}: ${outcome.detail}`);
    return outcome.detail;
  }

  /**
   * Puts back what an installation replaced and revokes the certificate that never went into service, so it can
   * never become the current version. Returns what to tell people about the certificate in service: still the old
   * one, or the rollback's failure.
   */
  async function discardReplacement(
    fresh: CertificateSummary,
    keyRef: string,
    installKey: string,
    locations: CertificateLocation[],
    actor: string,
  ): Promise<string> {
    let inService = 'the old certificate stays in place';
    try {
      await acts.rollbackInstallation({
        idempotencyKey: key(installKey),
        locations,
        actor,
        subject: fresh.fingerprintSha256,
      });
    } catch (error) {
      inService = `putting the old certificate back failed too (${failureMessage(error)}): check what is served`;
      record('rollback.failed', inService);
    }
    await revokeNow(
      {
        fingerprintSha256: fresh.fingerprintSha256,
        serialNumber: fresh.serialNumber,
        issuer: fresh.issuer,
        reason: 'cessationOfOperation',
        dueAt: nowIso(),
        keyRef,
        ticket: st.ticket,
      },
      self,
    );
    return inService;
  }

  /** Issues, installs, verifies; on success continues as new for the new version (this call does not return). */
  async function renew(request: LifecycleRequest): Promise<void> {
    const actor = request.decidedBy?.id ?? self;
    const replacing = ctx.certificate;
    await ensureTicket(actor);
    await setPhase('issuing', 'renewal.started', actor, { requestId: request.id });
    let issued: ReplacementCertificate;
    try {
      issued = await issuing.issueReplacementCertificate({
        idempotencyKey: key(`issue/${request.id}`),
        managedCertificateId: managedId,
        replacing,
        keyRef: `${managedId}/c${st.cycle + 1}-${request.id.split('.').pop() ?? '1'}`,
        keySpec: chooseRenewalKeySpec(ctx.renewal.keyType, replacing, ctx.keySizeRule),
        validityDays: renewalValidityDays(ctx.policy, replacing),
        actor,
      });
    } catch (error) {
      await failRequest(request, `the CA did not issue a certificate: ${failureMessage(error)}`, 'issue');
      return;
    }
    const fresh = issued.certificate;
    record('certificate.issued', `${fresh.id} valid until ${fresh.notAfter}`);
    await commentTicket(
      'issued',
      `issued/${request.id}`,
      `Issued ${fresh.id} (serial ${fresh.serialNumber}), valid until ${fresh.notAfter}.`,
      actor,
    );

    const locations = [...replacing.locations];
    await setPhase(
      'installing',
      'renewal.installing',
      actor,
      { requestId: request.id, certificate: fresh.fingerprintSha256 },
      { state: 'issued', detail: `issued ${fresh.id}` },
    );
    try {
      await deploying.installCertificate({
        idempotencyKey: key(`install/${request.id}`),
        locations,
        certificatePem: issued.certificatePem,
        chainPems: [...issued.chainPems],
        keyRef: issued.keyRef,
        fingerprintSha256: fresh.fingerprintSha256,
        actor,
      });
    } catch (error) {
      const inService = await discardReplacement(fresh, issued.keyRef, `install/${request.id}`, locations, actor);
      await failRequest(request, `installation failed, ${inService}: ${failureMessage(error)}`, 'install');
      return;
    }
    await commentTicket(
      'installed',
      `installed/${request.id}`,
      `Installed ${fresh.id} at ${locations.length} location(s).`,
      actor,
    );

    await setPhase(
      'verifying',
      'renewal.verifying',
      actor,
      { requestId: request.id },
      { state: 'installed', detail: `installed at ${locations.length} location(s)` },
    );
    const results = await deploying.verifyInstallation({
      idempotencyKey: key(`verify/${request.id}`),
      locations,
      expectedFingerprint: fresh.fingerprintSha256,
      trustAnchorPems: [issued.rootPem],
      names: certificateNames(fresh),
      actor,
    });
    const problems = results.flatMap((result) => result.problems);
    if (results.some((result) => !result.ok)) {
      await commentTicket(
        'verification-failed',
        `verify/${request.id}`,
        `Verification failed: ${problems.join('; ')}`,
        actor,
      );
      const inService = await discardReplacement(fresh, issued.keyRef, `install/${request.id}`, locations, actor);
      await failRequest(request, `verification failed, ${inService}: ${problems.join('; ')}`, 'verify');
      return;
    }

    await acts.activateCertificateVersion({
      managedCertificateId: managedId,
      fingerprintSha256: fresh.fingerprintSha256,
    });
    await commentTicket(
      'verified',
      `verified/${request.id}`,
      `Verified: every location serves ${fresh.id} with a complete chain.`,
      actor,
    );
    const ticket = st.ticket;
    if (ticket) {
      await acts.transitionTicket({
        ticket,
        idempotencyKey: key(`transition/done/${request.id}`),
        to: 'done',
        actor,
        subject: ctx.certificate.fingerprintSha256,
      });
    }
    // A campaign replaces certificates that must not stay trusted (a compromised CA, a weak key): revoked at once.
    const campaign = st.campaign ?? null;
    const revokeAfterMs =
      request.kind === 'revocation' || campaign !== null ? 0 : ctx.renewal.revocationDelayDays * DAY_MS;
    const revocation: PendingRevocation = {
      fingerprintSha256: replacing.fingerprintSha256,
      serialNumber: replacing.serialNumber,
      issuer: replacing.issuer,
      reason: request.revocationReason ?? campaign?.revocationReason ?? 'superseded',
      dueAt: new Date(Date.now() + revokeAfterMs).toISOString(),
      keyRef: st.keyRef,
      ticket,
    };
    await acts.sendLifecycleNotification({
      ...notificationBase(key(`renewed/${request.id}`)),
      kind: 'renewal-progress',
      step: 'installed-and-verified',
      detail: `${fresh.id} installed and verified; the old certificate is revoked at ${revocation.dueAt}`,
      replacement: fresh,
      audienceRole: 'owners',
      actor,
    });
    updateRequest({ status: 'completed' });
    closing = replacedRefusal(fresh.fingerprintSha256, `renewed (request ${request.id})`);
    record('renewal.completed', `${fresh.id} replaces ${replacing.id}`);
    // A version replaced earlier and still waiting for its revocation is superseded twice now: revoke it before the
    // next cycle carries only the version just replaced.
    if (st.pendingRevocation) await revokePrevious(st.pendingRevocation);
    await setPhase(
      'revocation-pending',
      'renewal.completed',
      actor,
      { requestId: request.id, replacement: fresh.fingerprintSha256, revokeOldAt: revocation.dueAt },
      { state: 'verified', detail: `${fresh.id} verified` },
    );
    await nextCycle(fresh.fingerprintSha256, issued.keyRef, revocation);
  }

  async function nextCycle(fingerprint: string, keyRef: string | null, revocation: PendingRevocation | null) {
    await condition(allHandlersFinished);
    const carried: LifecycleCarryOver = {
      cycle: st.cycle + 1,
      fingerprintSha256: fingerprint,
      keyRef,
      handledUntil: null,
      requestSequence: 0,
      request: null,
      approvalReceipt: null,
      ticket: null,
      pendingRevocation: revocation,
      records: st.records,
      changeDecision: null,
      changeGate: null,
      campaign: st.campaign ?? null,
    };
    return await continueAsNew<typeof certificateLifecycleWorkflow>({
      managedCertificateId: managedId,
      carried,
      historyEventBudget: input.historyEventBudget,
    });
  }

  async function retire(request: LifecycleRequest): Promise<CertificateLifecycleResult> {
    const actor = request.decidedBy?.id ?? self;
    await ensureTicket(actor);
    if (st.pendingRevocation) await revokePrevious(st.pendingRevocation);
    const detail = await revokeNow(
      {
        fingerprintSha256: ctx.certificate.fingerprintSha256,
        serialNumber: ctx.certificate.serialNumber,
        issuer: ctx.certificate.issuer,
        reason: request.revocationReason ?? 'unspecified',
        dueAt: nowIso(),
        keyRef: st.keyRef,
        ticket: st.ticket,
      },
      actor,
    );
    updateRequest({ status: 'completed' });
    closing = { code: 'not-active', message: `this certificate was just revoked without replacement (${request.id})` };
    await commentTicket('revoked', `revoked/${request.id}`, `Revoked without replacement: ${detail}`, actor);
    await acts.sendLifecycleNotification({
      ...notificationBase(key(`retired/${request.id}`)),
      kind: 'renewal-progress',
      step: 'revoked',
      detail: `revoked without replacement (${request.revocationReason}): ${detail}`,
      replacement: null,
      audienceRole: 'owners',
      actor,
    });
    await setPhase(
      'retired',
      'lifecycle.retired',
      actor,
      { requestId: request.id, detail },
      { state: 'skipped', detail: `revoked without replacement: ${detail}` },
    );
    await condition(allHandlersFinished);
    return { managedCertificateId: managedId, outcome: 'retired', cycle: st.cycle, records: st.records };
  }

  async function revokePrevious(revocation: PendingRevocation): Promise<void> {
    const detail = await revokeNow(revocation, self);
    await commentTicket(
      'revoked',
      `revoked/${revocation.fingerprintSha256}`,
      `The replaced certificate (serial ${revocation.serialNumber}) is revoked: ${detail}`,
      self,
      revocation.ticket,
    );
    st.pendingRevocation = null;
    await setPhase(
      'monitoring',
      'lifecycle.old-certificate-revoked',
      self,
      { serialNumber: revocation.serialNumber, detail },
      st.campaign?.fingerprintSha256 === revocation.fingerprintSha256
        ? { state: 'old-revoked', detail: `old certificate revoked (${revocation.reason})` }
        : undefined,
    );
  }

  async function adoptOutsideReplacement(replaced: CertificateReplacedInput): Promise<void> {
    replacedBy = null;
    closing = replacedRefusal(replaced.fingerprintSha256, 'replaced outside certflow');
    const detail = `replaced outside certflow by ${replaced.fingerprintSha256.slice(0, 16)} (seen by ${replaced.detectedBy})`;
    if (requestOpen()) updateRequest({ status: 'superseded', failure: detail });
    record('certificate.replaced-outside-certflow', detail);
    await acts.sendLifecycleNotification({
      ...notificationBase(key(`replaced/${replaced.fingerprintSha256}`)),
      kind: 'renewal-progress',
      step: 'replaced-outside-certflow',
      detail,
      replacement: null,
      audienceRole: 'owners',
      actor: self,
    });
    if (st.ticket) {
      await commentTicket(
        'replaced-outside-certflow',
        `replaced/${replaced.fingerprintSha256}`,
        `Certificate ${detail}.`,
        self,
      );
      await acts.transitionTicket({
        ticket: st.ticket,
        idempotencyKey: key(`transition/done/replaced`),
        to: 'done',
        actor: self,
        subject: ctx.certificate.fingerprintSha256,
      });
    }
    const linked = st.campaign ?? null;
    await setPhase(
      phase === 'revocation-pending' ? phase : 'monitoring',
      'lifecycle.replaced-outside-certflow',
      self,
      { detail },
      linked && linked.state !== 'verified' ? { state: 'skipped', detail } : undefined,
    );
    await nextCycle(replaced.fingerprintSha256, null, st.pendingRevocation);
  }

  /**
   * Keeps CertflowNotAfter and CertflowOwnerGroup true to the version and group this run watches (continue-as-new
   * carries the previous run's values). A lifecycle started without certflow's search attributes (a server where they
   * are not registered) has none to keep.
   */
  function followVersionInSearchAttributes(): void {
    const indexed = workflowInfo().typedSearchAttributes;
    const notAfter = indexed.get(notAfterAttribute);
    if (notAfter === undefined) return;
    const updates: SearchAttributeUpdatePair[] = [];
    if (notAfter.getTime() !== Date.parse(ctx.certificate.notAfter)) {
      updates.push({ key: notAfterAttribute, value: new Date(ctx.certificate.notAfter) });
    }
    const group = ctx.group?.id ?? null;
    if (group !== null && indexed.get(ownerGroupAttribute) !== group) {
      updates.push({ key: ownerGroupAttribute, value: group });
    }
    if (updates.length > 0 && patched(SEARCH_ATTRIBUTES_FOLLOW_VERSION)) upsertSearchAttributes(updates);
  }

  // ---- the loop ----------------------------------------------------------------------------------------------------
  ctx = await acts.loadLifecycleContext({
    managedCertificateId: managedId,
    fingerprint: input.carried?.fingerprintSha256 ?? null,
  });
  st = input.carried ?? {
    cycle: 1,
    fingerprintSha256: ctx.certificate.fingerprintSha256,
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
  // Before `loaded`, so the handlers see it; patched only when the policy asks, so older histories replay as they ran.
  changeGateOn = ctx.renewal.requireChangeApproval && patched(CHANGE_APPROVAL_GATE);
  loaded = true;
  followVersionInSearchAttributes();
  if (ctx.retired) {
    phase = 'retired';
    return { managedCertificateId: managedId, outcome: 'retired', cycle: st.cycle, records: st.records };
  }
  if (replacedBy === null && ctx.currentFingerprint !== st.fingerprintSha256) {
    replacedBy = { fingerprintSha256: ctx.currentFingerprint, detectedBy: 'inventory' };
  }
  for (;;) {
    if (reload !== null) {
      const why = reload;
      reload = null;
      ctx = await acts.loadLifecycleContext({ managedCertificateId: managedId, fingerprint: st.fingerprintSha256 });
      changeGateOn = ctx.renewal.requireChangeApproval && patched(CHANGE_APPROVAL_GATE);
      record('re-planned', why);
      followVersionInSearchAttributes();
      if (ctx.currentFingerprint !== st.fingerprintSha256 && replacedBy === null) {
        replacedBy = { fingerprintSha256: ctx.currentFingerprint, detectedBy: 'inventory' };
      }
      continue;
    }
    if (replacedBy !== null && replacedBy.fingerprintSha256 === st.fingerprintSha256) replacedBy = null;
    if (replacedBy !== null) {
      await adoptOutsideReplacement(replacedBy);
      continue;
    }
    if (pendingRequestAudit !== null) {
      await auditNewRequest(pendingRequestAudit);
      continue;
    }
    if (campaignJoined && st.request) {
      await auditCampaignJoin(st.request);
      continue;
    }
    if (campaignWithdrawn !== null) {
      await auditCampaignWithdrawal(campaignWithdrawn);
      continue;
    }
    if (undisclosedDecision !== null) {
      const decided = undisclosedDecision;
      undisclosedDecision = null;
      await discloseDecision(decided, 'approver');
      continue;
    }
    if (undisclosedChangeRejection !== null) {
      const rejected = undisclosedChangeRejection;
      undisclosedChangeRejection = null;
      await discloseDecision(rejected, 'change');
      continue;
    }
    const unaudited = unauditedChanges.shift();
    if (unaudited !== undefined) {
      await auditChange(unaudited);
      continue;
    }
    const request = st.request;
    let changeHoldUntil = Number.POSITIVE_INFINITY;
    if (request?.status === 'approved') {
      if (request.kind === 'revocation' && !request.replace) return await retire(request);
      const hold = gated(request) ? await holdForChange(request) : null;
      if (hold === null) {
        await renew(request);
        continue;
      }
      // Held at the change gate: the plan (reminders, escalation, expiry) goes on while the renewal waits.
      changeHoldUntil = hold;
    }
    const revocation = st.pendingRevocation;
    if (revocation !== null && Date.parse(revocation.dueAt) <= Date.now()) {
      await revokePrevious(revocation);
      continue;
    }
    if (request?.status === 'awaiting-approval') {
      if (st.approvalReceipt === null) {
        await sendApprovalRequest(request);
        continue;
      }
      const followUp = nextApprovalFollowUp(request, ctx.renewal.approvalReminderDays, nowIso());
      if (followUp.action !== null) {
        await followUpApproval(followUp.action, request);
        continue;
      }
    }
    const plan = schedule();
    if (plan.due !== null) {
      const handled = nowIso();
      await actOnScheduleStep(plan.due);
      st.handledUntil = handled;
      continue;
    }
    const graceEnd = Date.parse(ctx.certificate.notAfter) + EXPIRED_GRACE_DAYS * DAY_MS;
    if (plan.next === null && Date.now() >= graceEnd && !requestOpen() && st.pendingRevocation === null) {
      await condition(allHandlersFinished);
      // A request accepted while the handlers finished restores service: the loop serves it instead of ending.
      if (requestOpen() || handlerWorkPending()) continue;
      return { managedCertificateId: managedId, outcome: 'expired', cycle: st.cycle, records: st.records };
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > historyEventBudget) {
      await condition(allHandlersFinished);
      // Handlers that finished meanwhile may have left work only this run knows of: do it first, then continue.
      if (handlerWorkPending()) continue;
      await nextCycleInPlace();
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
    wake = false;
    await condition(() => wake, Math.max(1, wakeAt - Date.now()));
  }

  /** Continues as new within the same cycle, carrying everything, to keep the history short. */
  async function nextCycleInPlace(): Promise<never> {
    return await continueAsNew<typeof certificateLifecycleWorkflow>({
      managedCertificateId: managedId,
      carried: st,
      historyEventBudget: input.historyEventBudget,
    });
  }
}
