/**
 * Inputs, results and messages (signals, queries, updates) of certflow's workflows: the one module that workflows,
 * the worker, the Slack bot and the CLI share, so a message's name and type are declared once.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor, LifecycleRecord, LifecycleRequest, RevocationReason, TicketRef } from '../domain/lifecycle/model';
import type {
  CampaignDefinition,
  CampaignMemberState,
  CampaignProgress,
  CampaignStateCounts,
  CampaignStatus,
} from '../domain/campaigns/model';
import type { CaRenewalDeadline, SuggestedRenewalWindow } from '../domain/lifecycle/ca-renewal-window';
import type { LifecycleView, PendingRevocation } from '../domain/lifecycle/lifecycle-view';
import type { RequestRenewalInput, WithdrawCampaignRequestInput } from '../ports/lifecycle-port';
import type { NotificationReceipt } from '../ports/notification-port';
import type { ChangeTicketUpdate } from '../ports/ticketing-port';
import type { LifecycleContext } from '../activities/lifecycle';

/** Input of {@link timerCanaryWorkflow}: how long the durable timer runs before the canary reports. */
export interface TimerCanaryInput {
  /** Timer length in milliseconds (>= 0). */
  sleepMs: number;
  /** Free text shown in the report, e.g. who started the canary and why. */
  label?: string;
}

/** Where a running timer canary is. */
export type TimerCanaryPhase = 'sleeping' | 'reporting' | 'done';

/** Answer of {@link timerCanaryStateQuery}. */
export interface TimerCanaryState {
  phase: TimerCanaryPhase;
  startedAt: string;
  dueAt: string;
}

/** Result of a timer canary: when its timer was due, when the server actually fired it, and who observed it. */
export interface TimerCanaryReport {
  label: string;
  startedAt: string;
  dueAt: string;
  /** Server time at which the activity after the timer was scheduled (the skipped clock on a time-skipping server). */
  firedAt: string;
  /** firedAt - dueAt: how late the timer fired, in milliseconds. */
  lateByMs: number;
  /** Identity of the worker that ran the activity. */
  observedBy: string;
}

/** Query: the canary's phase and its dates. */
export const timerCanaryStateQuery = defineQuery<TimerCanaryState>('timerCanaryState');

/** Workflow type name of {@link certificateLifecycleWorkflow}, for clients that start it by name. */
export const LIFECYCLE_WORKFLOW_TYPE = 'certificateLifecycleWorkflow';

/** The lifecycle workflow of a managed certificate has this id: starting it twice finds the running one. */
export function lifecycleWorkflowId(managedCertificateId: string): string {
  return `certflow-lifecycle-${managedCertificateId}`;
}

/** Where the current renewal stands at the change-approval gate (policy `renewal.requireChangeApproval`). */
export interface ChangeGateState {
  /** The approved request held at the gate. */
  requestId: string;
  /** ISO 8601 UTC: when it reached the gate. */
  heldSince: string;
  /** ISO 8601 UTC: when it began waiting for the change window to start, if it did. */
  windowHeldSince: string | null;
  /** The gate opened and deployment began: a later change decision no longer ends this request. */
  passed: boolean;
}

/** State a lifecycle carries into its next run (continue-as-new): nothing else survives. */
export interface LifecycleCarryOver {
  /** Renewal cycle, 1 for the version the lifecycle started with. */
  cycle: number;
  /** Fingerprint of the version this cycle is about. */
  fingerprintSha256: string;
  /** Key of that version, when certflow generated it. */
  keyRef: string | null;
  /** Schedule steps at or before this instant were acted on. */
  handledUntil: string | null;
  /** Requests opened in this cycle so far (for request ids). */
  requestSequence: number;
  request: LifecycleRequest | null;
  /** Receipt of the approval request message, to show the decision in place. */
  approvalReceipt: NotificationReceipt | null;
  ticket: TicketRef | null;
  pendingRevocation: PendingRevocation | null;
  /** The most recent records, oldest first (bounded). */
  records: LifecycleRecord[];
  /** The cycle's change ticket's latest decision in the ticketing system (absent in runs before the gate). */
  changeDecision?: ChangeTicketUpdate | null;
  /** Absent in runs before the gate. */
  changeGate?: ChangeGateState | null;
  /** The campaign this lifecycle is replacing its certificate for, until the member is finished (absent before campaigns). */
  campaign?: LifecycleCampaignLink | null;
  /** The renewal deadline a CA's renewal information set for this version (absent before R-REN-3). */
  caRenewal?: CaRenewalDeadline | null;
}

/** What a campaign asked a lifecycle to replace, and the member state the lifecycle last reported to it. */
export interface LifecycleCampaignLink {
  campaignId: string;
  /** The member: the certificate version the campaign selected. */
  fingerprintSha256: string;
  /** Owner group the campaign counts the member under. */
  ownerGroup: string;
  state: CampaignMemberState;
  /** Reason the replaced certificate is revoked with (the campaign's kind decides it). */
  revocationReason: RevocationReason;
  /** The issuer the campaign moves the certificate to (its `--issuer`); absent or null: the usual choice. */
  issuer?: string | null;
}

/** Input of {@link certificateLifecycleWorkflow}. */
export interface CertificateLifecycleInput {
  /** Id of the managed certificate (inventory id of its first version). */
  managedCertificateId: string;
  /** Set by continue-as-new; absent when a lifecycle starts. */
  carried?: LifecycleCarryOver;
  /** Continue as new once a run's history has this many events (default 2,000; kept across runs). */
  historyEventBudget?: number;
  /** The carried version's context, gathered as the last run ended: the run starts with it instead of loading it. */
  context?: LifecycleContext;
}

/** How a lifecycle ended. */
export interface CertificateLifecycleResult {
  managedCertificateId: string;
  outcome: 'expired' | 'retired';
  cycle: number;
  records: LifecycleRecord[];
}

/** Input of {@link requestRevocationUpdate}. */
export interface RequestRevocationInput {
  requestedBy: Actor;
  reason: string;
  revocationReason: RevocationReason;
  /** Issue and install a replacement before revoking (default true); false revokes at once and retires. */
  replace?: boolean;
}

/** Input of {@link decideRequestUpdate}. */
export interface DecideRequestInput {
  requestId: string;
  decision: 'approve' | 'reject';
  decidedBy: Actor;
  /** Required to reject; a note when approving. */
  reason?: string;
}

/** Input of {@link lifecycleInputsChangedSignal}. */
export interface LifecycleInputsChangedInput {
  /** What changed: the policy, the owner group, the certificate's metadata or the worker's role lists. */
  reason: 'policy' | 'owner-group' | 'metadata' | 'roles';
  by: string;
}

/** Input of {@link certificateReplacedSignal}. */
export interface CertificateReplacedInput {
  /** Fingerprint of the newer version the inventory found. */
  fingerprintSha256: string;
  detectedBy: string;
}

/** Failure type of update validators: `details[0]` is the refusal code (see src/core/domain/lifecycle/roles.ts). */
export const LIFECYCLE_REFUSAL = 'LifecycleRefusal';

/** Query: state, dated plan and records of a lifecycle. */
export const lifecycleStateQuery = defineQuery<LifecycleView>('lifecycleState');
/** Signal: the policy, the owner group or metadata changed; the workflow re-reads them and re-plans its timers. */
export const lifecycleInputsChangedSignal = defineSignal<[LifecycleInputsChangedInput]>('lifecycleInputsChanged');
/** Signal: a newer version of the certificate appeared outside certflow; reminders end, the next cycle starts. */
export const certificateReplacedSignal = defineSignal<[CertificateReplacedInput]>('certificateReplaced');
/**
 * Signal: the change ticket was approved, rejected or moved back to pending; with `renewal.requireChangeApproval` an
 * approved renewal deploys only after an approval (and its window start), and a rejection ends the request.
 */
export const changeTicketUpdatedSignal = defineSignal<[ChangeTicketUpdate]>('changeTicketUpdated');
/** Update: ask for a renewal; answers with the request (an open one is returned as is), refuses non-owners. */
export const requestRenewalUpdate = defineUpdate<LifecycleRequest, [RequestRenewalInput]>('requestRenewal');
/** Update: ask for a revocation (R-REV-1: owner or security lead, then an approval). */
export const requestRevocationUpdate = defineUpdate<LifecycleRequest, [RequestRevocationInput]>('requestRevocation');
/** Update: approve or reject the open request (R-RA-2); the validator refuses anyone but another approver. */
export const decideRequestUpdate = defineUpdate<LifecycleRequest, [DecideRequestInput]>('decideRequest');

/**
 * Signal: the certificate's CA suggests a renewal window (ACME renewal information, R-REN-3); a window ending before
 * the renewal deadline moves the deadline into it, and the owners are told why.
 */
export const renewalWindowSuggestedSignal = defineSignal<[SuggestedRenewalWindow]>('renewalWindowSuggested');

/** Signal: a campaign was cancelled; a renewal it asked for that still waits for an approver is withdrawn. */
export const withdrawCampaignRequestSignal = defineSignal<[WithdrawCampaignRequestInput]>('withdrawCampaignRequest');

// ---- crypto-agility campaigns (R-CAM-1 … R-CAM-4) ------------------------------------------------------------------

/** Workflow type name of {@link campaignWorkflow}. */
export const CAMPAIGN_WORKFLOW_TYPE = 'campaignWorkflow';

/** A campaign's workflow has this id: starting it twice finds the running one. */
export function campaignWorkflowId(campaignId: string): string {
  return `certflow-campaign-${campaignId}`;
}

/** Timings of a campaign workflow; defaults suit production, tests shorten them. */
export interface CampaignTimings {
  /** The Slack message and the Jira tasks are updated at most this often (default 10 s). */
  progressEveryMs: number;
  /** The selector is evaluated again this often, so certificates imported later join (default 10 min). */
  rescanEveryMs: number;
  /** A failed member is retried after this long (default 5 min). */
  retryAfterMs: number;
}

/** Counts per owner group, as the campaign carries them. */
export type CampaignGroupCounts = Record<string, CampaignStateCounts>;

/** State a campaign carries into its next run (continue-as-new): counters, never member lists. */
export interface CampaignCarryOver {
  status: CampaignStatus;
  statusReason: string | null;
  /** Cancel requested, and the pending members not yet skipped. */
  cancelApplied: boolean;
  groups: CampaignGroupCounts;
  /** Members claimed and asked for whose lifecycle has not reported yet (they count as pending). */
  unacknowledged: number;
  failedAttempts: number;
  milestones: CampaignProgress['milestones'];
  escalated: boolean;
  /** Slack progress message, once posted. */
  progressReceipt: NotificationReceipt | null;
  epic: TicketRef | null;
  /** Jira task per owner group. */
  groupTasks: Record<string, TicketRef>;
  /** Claims so far, for claim keys. */
  claims: number;
  /** ISO 8601 UTC of the last enrolment. */
  lastRescanAt: string | null;
  /** ISO 8601 UTC of the earliest retry the store announced, or null. */
  nextRetryAt: string | null;
  /** Progress published so far, for idempotency keys. */
  publications: number;
  /** Failed attempts per reason (absent in runs from before it was kept). */
  failureReasons?: Record<string, number>;
  /** Publications that failed in a row: the next one waits longer (absent in runs from before the backoff). */
  publicationFailures?: number;
  /** An inventory change was signalled and not enrolled yet (absent in runs from before it was carried). */
  rescanRequested?: boolean;
}

/** Input of {@link campaignWorkflow}. */
export interface CampaignWorkflowInput {
  definition: CampaignDefinition;
  /** Shorter timings for tests; production uses the defaults. */
  timings?: Partial<CampaignTimings>;
  /** Set by continue-as-new. */
  carried?: CampaignCarryOver;
  /** Continue as new once a run's history has this many events (default 4,000). */
  historyEventBudget?: number;
}

/** A lifecycle reports a step of a campaign member (its renewal moved on). */
export interface CampaignMemberProgressInput {
  managedCertificateId: string;
  fingerprintSha256: string;
  ownerGroup: string;
  from: CampaignMemberState;
  to: CampaignMemberState;
  detail: string | null;
  /** ISO 8601 UTC. */
  at: string;
}

/** Input of the pause, resume and cancel updates. */
export interface CampaignControlInput {
  actor: Actor;
  /** Required to pause and cancel. */
  reason?: string;
}

/** Failure type of campaign update validators: `details[0]` is the refusal code. */
export const CAMPAIGN_REFUSAL = 'CampaignRefusal';

/** Query: exact progress of a campaign (R-CAM-3). */
export const campaignProgressQuery = defineQuery<CampaignProgress>('campaignProgress');
/** Signal: a member's lifecycle moved on. */
export const campaignMemberProgressSignal = defineSignal<[CampaignMemberProgressInput]>('campaignMemberProgress');
/** Signal: the inventory changed (an import); evaluate the selector again now. */
export const campaignInventoryChangedSignal = defineSignal<[{ by: string }]>('campaignInventoryChanged');
/** Update: stop asking for new renewals (those under way go on); security leads only. */
export const pauseCampaignUpdate = defineUpdate<CampaignProgress, [CampaignControlInput]>('pauseCampaign');
/** Update: ask for renewals again; security leads only. */
export const resumeCampaignUpdate = defineUpdate<CampaignProgress, [CampaignControlInput]>('resumeCampaign');
/**
 * Update: cancel: pending members are skipped, renewals still waiting for an approver are withdrawn, those under way
 * finish; security leads only.
 */
export const cancelCampaignUpdate = defineUpdate<CampaignProgress, [CampaignControlInput]>('cancelCampaign');
