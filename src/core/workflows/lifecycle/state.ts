import { ActivityFailure, ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { LifecycleContext } from '../../activities/lifecycle';
import type { CampaignMemberState } from '../../domain/campaigns/model';
import type { SuggestedRenewalWindow } from '../../domain/lifecycle/ca-renewal-window';
import type {
  Actor,
  LifecyclePhase,
  LifecycleRecord,
  LifecycleRequest,
  RequestKind,
} from '../../domain/lifecycle/model';
import type { Refusal } from '../../domain/lifecycle/roles';
import { computeLifecycleSchedule, type LifecycleSchedule } from '../../domain/schedule/lifecycle-schedule';
import {
  LIFECYCLE_REFUSAL,
  type CertificateLifecycleInput,
  type CertificateReplacedInput,
  type LifecycleCarryOver,
} from '../definitions';
import type { ChangeTicketUpdate } from '../../ports/ticketing-port';
import { DAY_MS } from '../../domain/duration';

/** Records kept for the state query and carried over; older ones live in the audit log. */
const MAX_RECORDS = 50;
/** Continue-as-new well before Temporal's limits, so a lifecycle's history stays small (campaigns need < 10k). */
const DEFAULT_HISTORY_EVENT_BUDGET = 2_000;

/** A campaign step a lifecycle reports: the member's new state (R-CAM-3). */
export interface CampaignStep {
  readonly state: CampaignMemberState;
  readonly detail: string | null;
  /** A failure a retry cannot fix (a person rejected the renewal). */
  readonly final?: boolean;
}

/** Refuses an update with the refusal's code, so the caller shows it to the person who asked. */
export function refuse(refusal: Refusal): never {
  throw ApplicationFailure.create({
    type: LIFECYCLE_REFUSAL,
    message: refusal.message,
    details: [refusal.code],
    nonRetryable: true,
  });
}

/** The message a person should read for a failed activity: its cause, not Temporal's wrapper. */
export function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The workflow's deterministic now, as ISO 8601. */
export function nowIso(): string {
  return new Date(Date.now()).toISOString();
}

/** Whole days until notAfter, never negative. */
export function daysLeft(notAfter: string): number {
  return Math.max(0, Math.floor((Date.parse(notAfter) - Date.now()) / DAY_MS));
}

/** The refusal for requests about a certificate this run has just seen replaced. */
export function replacedRefusal(replacement: string, how: string): Refusal {
  return {
    code: 'already-replaced',
    message: `this certificate was just ${how}: ${replacement.slice(0, 16)} replaces it, so there is nothing to request for it`,
  };
}

/**
 * What one lifecycle run knows: the context it loaded, the state it carries over (`st`) and the run-local flags by
 * which handlers hand work to the loop (handlers only change state; the loop does every side effect).
 */
export class LifecycleRun {
  readonly managedId: string;
  /** History events after which the run continues as new. */
  readonly historyEventBudget: number;
  readonly workflowId = workflowInfo().workflowId;
  /** The actor for steps certflow takes by itself. */
  readonly self = `workflow:${this.workflowId}`;

  // Every handler is registered before the first await (Temporal does not buffer updates), so the context and the
  // carried state are assigned by the time any handler body touches them: queries and updates wait for `loaded`.
  /** What the context activity read: the certificate, its group, the policy and the roster. */
  ctx!: LifecycleContext;
  /** The state continue-as-new carries to the next run. */
  st!: LifecycleCarryOver;
  /** `ctx` and `st` are assigned. */
  loaded = false;
  phase: LifecyclePhase;
  /** The last failure, for the state query. */
  lastProblem: string | null = null;
  /** A handler changed something: the loop looks again before its timer fires. */
  wake = false;
  /** Why the context must be read again (a policy or group changed), until the loop has. */
  reload: string | null = null;
  /** Another certificate is in service, until the loop hands over to the next cycle. */
  replacedBy: CertificateReplacedInput | null = null;
  /** A decision (or pre-approval) not yet shown to people and the ticket. */
  undisclosedDecision: LifecycleRequest | null = null;
  /** A request opened by an update handler, audited by the main loop (handlers stay free of activities). */
  pendingRequestAudit: LifecycleRequest | null = null;
  /** The policy requires an approved change before a renewal deploys, and this run may act on it (patched). */
  changeGateOn = false;
  /** Change decisions accepted by the signal handler, audited by the main loop. */
  readonly unauditedChanges: ChangeTicketUpdate[] = [];
  /** A request a change rejection ended, not yet shown to people and the ticket. */
  undisclosedChangeRejection: LifecycleRequest | null = null;
  /** A campaign joined a request already open: the main loop reports the member's state to it. */
  campaignJoined = false;
  /** A cancelled campaign withdrew the request it asked for: the main loop reports the member skipped. */
  campaignWithdrawn: { reason: string; by: string } | null = null;
  /** The latest renewal window a CA suggested (R-REN-3), until the loop has weighed it. */
  suggestedWindow: SuggestedRenewalWindow | null = null;
  /**
   * This run's certificate has been replaced and the run is handing over to the next cycle: a request now would be
   * about a certificate that is no longer in service, so it is refused before it is accepted, never accepted and lost.
   */
  closing: Refusal | null = null;

  constructor(readonly input: CertificateLifecycleInput) {
    this.managedId = input.managedCertificateId;
    this.historyEventBudget = input.historyEventBudget ?? DEFAULT_HISTORY_EVENT_BUDGET;
    this.phase = input.carried?.pendingRevocation ? 'revocation-pending' : 'monitoring';
  }

  /** The idempotency key of a step in this cycle. */
  key(step: string): string {
    return `${this.workflowId}/c${this.st.cycle}/${step}`;
  }

  /** Work a handler accepted that only this run knows of: the loop must do it before the run may end. */
  handlerWorkPending(): boolean {
    return (
      this.reload !== null ||
      this.replacedBy !== null ||
      this.pendingRequestAudit !== null ||
      this.campaignJoined ||
      this.campaignWithdrawn !== null ||
      this.suggestedWindow !== null ||
      this.undisclosedDecision !== null ||
      this.undisclosedChangeRejection !== null ||
      this.unauditedChanges.length > 0
    );
  }

  /** A request awaits approval or is approved and not yet done. */
  requestOpen(): boolean {
    return this.st.request?.status === 'awaiting-approval' || this.st.request?.status === 'approved';
  }

  /** Whether the request must pass the change gate before it deploys. */
  gated(request: LifecycleRequest | null): boolean {
    // Revocations are not gated: they answer a compromise or a retirement, which must not wait for a change board.
    return this.changeGateOn && request?.kind === 'renewal';
  }

  /** The request has passed the change gate. */
  gatePassed(request: LifecycleRequest): boolean {
    return this.st.changeGate?.requestId === request.id && this.st.changeGate.passed;
  }

  /** An open renewal that has not started deploying: a change rejection still ends it. */
  stoppableByChange(): boolean {
    return this.requestOpen() && this.gated(this.st.request) && !this.gatePassed(this.st.request as LifecycleRequest);
  }

  /** An approved renewal waiting at the change gate. */
  heldAtGate(): boolean {
    return this.st.request?.status === 'approved' && this.stoppableByChange();
  }

  /** Keeps a record for the state query, the newest MAX_RECORDS only. */
  record(kind: string, detail: string): void {
    const entry: LifecycleRecord = { at: nowIso(), kind, detail };
    this.st.records = [...this.st.records, entry].slice(-MAX_RECORDS);
  }

  /** The dated plan for the version this run watches, from now. */
  schedule(): LifecycleSchedule {
    return computeLifecycleSchedule({
      notBefore: this.ctx.certificate.notBefore,
      notAfter: this.ctx.certificate.notAfter,
      now: nowIso(),
      settings: this.ctx.schedule,
      groupReminderDays: this.ctx.groupReminderDays,
      handledUntil: this.st.handledUntil,
      renewBy:
        this.st.caRenewal?.window.fingerprintSha256 === this.st.fingerprintSha256 ? this.st.caRenewal.deadline : null,
    });
  }

  /** The fields every lifecycle notification carries. */
  notificationBase(idempotencyKey: string) {
    return {
      idempotencyKey,
      dueAt: nowIso(),
      certificate: this.ctx.certificate,
      group: this.ctx.group,
      ticket: this.st.ticket,
      link: this.ctx.link,
    };
  }

  /** Refuses requests once the certificate is retired or the run is handing over. */
  assertActive(): void {
    if (this.phase === 'retired')
      refuse({ code: 'not-active', message: 'this certificate is retired; nothing to renew' });
    if (this.closing !== null) refuse(this.closing);
  }

  /** Opens a request (approved at once when pre-approved); the loop audits it. */
  openRequest(
    kind: RequestKind,
    fields: Pick<LifecycleRequest, 'source' | 'requestedBy' | 'reason' | 'campaignId' | 'revocationReason' | 'replace'>,
    preApprovedBy: Actor | null,
  ): LifecycleRequest {
    this.st.requestSequence += 1;
    const at = nowIso();
    const request: LifecycleRequest = {
      id: `${this.managedId}.${this.st.cycle}.${this.st.requestSequence}`,
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
    this.st.request = request;
    this.st.approvalReceipt = null;
    this.undisclosedDecision = null;
    this.pendingRequestAudit = request;
    if (preApprovedBy) this.undisclosedDecision = request;
    this.record(`${kind}.requested`, `${request.id} by ${fields.requestedBy.id}: ${fields.reason}`);
    this.wake = true;
    return request;
  }

  /** Replaces the open request with a patched copy. */
  updateRequest(patch: Partial<LifecycleRequest>): LifecycleRequest {
    const request = { ...(this.st.request as LifecycleRequest), ...patch };
    this.st.request = request;
    return request;
  }
}
