/** What a lifecycle shows about itself: its state query's answer, with the dated plan, the change gate and the revocation still to do. */
import type { LifecycleEventKind } from '../schedule/lifecycle-schedule';
import type {
  Actor,
  CertificateSummary,
  LifecyclePhase,
  LifecycleRecord,
  LifecycleRequest,
  RevocationReason,
  TicketRef,
} from './model';

/** A revocation still to do: the replaced version, revoked once `dueAt` has passed (R-REV-1). */
export interface PendingRevocation {
  fingerprintSha256: string;
  serialNumber: string;
  issuer: string;
  reason: RevocationReason;
  /** ISO 8601 UTC. */
  dueAt: string;
  /** Key of the replaced version, deleted after revocation. */
  keyRef: string | null;
  /** The change ticket of the renewal that replaced it, to comment the revocation on. */
  ticket: TicketRef | null;
}

/** A step of the dated plan as a query shows it. */
export interface LifecyclePlanEntry {
  kind: LifecycleEventKind;
  /** ISO 8601 UTC. */
  at: string;
  offsetDays: number;
  daysBeforeExpiry: number;
  /** `done` once acted on (or folded into a catch-up step), `planned` until then. */
  status: 'done' | 'planned';
}

/** The change-approval gate as the state query shows it. */
export interface ChangeApprovalView {
  /** The policy requires an approved change before a renewal deploys. */
  required: boolean;
  /** `waiting`: an approved renewal is held for the change approval; otherwise the ticket's latest decision. */
  status: 'waiting' | 'approved' | 'rejected' | null;
  ticketKey: string | null;
  /** ISO 8601 UTC: deployment waits for this instant once the change is approved. */
  changeWindowStart: string | null;
  decidedBy: Actor | null;
  reason: string | null;
}

/** Answer of a lifecycle's state query (`lifecycleState`): everything a person wants to know about a lifecycle. */
export interface LifecycleView {
  managedCertificateId: string;
  workflowId: string;
  cycle: number;
  phase: LifecyclePhase;
  certificate: CertificateSummary | null;
  ownerGroup: string | null;
  renewalDeadline: string | null;
  plan: LifecyclePlanEntry[];
  /** The next step the workflow waits for. */
  next: { at: string; level: LifecycleEventKind } | null;
  request: LifecycleRequest | null;
  ticket: TicketRef | null;
  pendingRevocation: PendingRevocation | null;
  /**
   * Null when the policy requires no change approval and the ticketing system reported no decision; absent in
   * answers from workers older than the gate.
   */
  changeApproval?: ChangeApprovalView | null;
  /** What was sent and done, oldest first (the most recent ones). */
  records: LifecycleRecord[];
  /** The last failure that needs a person, e.g. a failed verification. */
  lastProblem: string | null;
}
