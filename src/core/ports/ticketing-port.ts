/**
 * The ticketing ports, in two faces by who uses them: {@link TicketingPort} for the certificate lifecycle (a change
 * ticket per renewal cycle (R-MON-2), comments for each step, transitions, escalation (R-MON-3)) and
 * {@link CampaignTicketing} for campaigns (an epic, a task per owner group). The Jira adapters (adapters/jira)
 * implement them; the recording adapter serves tests and the console adapter (kept in the inventory database)
 * `npm start` without Jira credentials, each implementing both faces.
 *
 * `ensureChangeTicket` is idempotent per `idempotencyKey` (one key per renewal cycle): an adapter finds the ticket
 * it opened for that key before opening one, so one cycle never gets two open tickets, under retries and restarts.
 * Comments, transitions and escalations carry their own keys and are applied once.
 */
import type { IssuerChoice } from '../domain/issuers/choose-issuer';
import type { CampaignDefinition, CampaignGroupProgress } from '../domain/campaigns/model';
import type { OwnerGroup, PolicyViolation } from '../domain/inventory/model';
import type { Actor, CertificateSummary, TicketRef } from '../domain/lifecycle/model';

/** Everything a change manager needs to judge a renewal. */
export interface ChangeTicketRequest {
  /** One key per managed certificate and renewal cycle. */
  readonly idempotencyKey: string;
  readonly certificate: CertificateSummary;
  readonly group: OwnerGroup | null;
  /** ISO 8601 UTC: the ticket's due date (R-MON-4). */
  readonly renewalDeadline: string;
  readonly violations: readonly PolicyViolation[];
  /** Link back to certflow, when configured. */
  readonly link: string | null;
  /** The issuer the renewal will use and why (issue 19); absent in cycles opened before issuers existed. */
  readonly renewalIssuer?: IssuerChoice;
}

/** Steps commented on a ticket. */
export type TicketStep =
  | 'reminder'
  | 'approval-requested'
  | 'approved'
  | 'rejected'
  | 'issued'
  | 'installed'
  | 'verified'
  | 'verification-failed'
  | 'revoked'
  | 'replaced-outside-certflow'
  | 'renewal-failed'
  | 'discovery-findings';

/** Logical ticket states; adapters map them to their configured workflow status names. */
export type TicketState = 'in-progress' | 'done' | 'rejected';

/** Why a ticket is escalated. */
export type TicketEscalationLevel = 'escalation' | 'incident';

/**
 * A change ticket's status changed in the ticketing system (Jira webhook or polling): what the ticketing adapter
 * reports, and the lifecycle waiting on the ticket receives.
 */
export interface ChangeTicketUpdate {
  /** E.g. CHG-42; ignored unless it is the current cycle's ticket. */
  readonly ticketKey: string;
  readonly decision: 'approved' | 'rejected' | 'pending';
  /** The change manager's reason for a rejection, if any. */
  readonly reason: string | null;
  /** ISO 8601 UTC; deploy not before this. */
  readonly changeWindowStart: string | null;
  /** E.g. `{ id: 'jira:<accountId>', displayName }`. */
  readonly changedBy: Actor;
  /** ISO 8601 UTC when the ticketing system recorded it. */
  readonly at: string;
}

/** Opens, comments, transitions and escalates change tickets. Every method is idempotent per its key. */
export interface TicketingPort {
  /** Opens the cycle's change ticket, or returns the one already opened for `idempotencyKey`. */
  ensureChangeTicket(request: ChangeTicketRequest): Promise<TicketRef>;
  comment(input: {
    readonly ticket: TicketRef;
    readonly idempotencyKey: string;
    readonly step: TicketStep;
    readonly body: string;
  }): Promise<void>;
  /** Moves the ticket to a logical state; a ticket already there is left alone. */
  transition(input: {
    readonly ticket: TicketRef;
    readonly idempotencyKey: string;
    readonly to: TicketState;
  }): Promise<void>;
  /** Raises priority, comments to management, reassigns when configured; `incident` for expiry. */
  escalate(input: {
    readonly ticket: TicketRef;
    readonly idempotencyKey: string;
    readonly level: TicketEscalationLevel;
    readonly reason: string;
    readonly group: OwnerGroup | null;
  }): Promise<void>;
}

/** The Jira side of a campaign: one epic, one task per owner group following the group's progress. */
export interface CampaignTicketing {
  /** Opens the campaign's epic, or returns the one opened for `idempotencyKey`. */
  ensureEpic(input: { readonly idempotencyKey: string; readonly campaign: CampaignDefinition }): Promise<TicketRef>;
  /** Opens the group's task under the epic, or returns the one opened for `idempotencyKey`. */
  ensureGroupTask(input: {
    readonly idempotencyKey: string;
    readonly epic: TicketRef;
    readonly campaign: CampaignDefinition;
    readonly group: OwnerGroup | null;
    readonly progress: CampaignGroupProgress;
  }): Promise<TicketRef>;
  /** Rewrites the task's description from the group's progress; moves it to Done once the group is done. */
  syncGroupTask(input: {
    readonly task: TicketRef;
    readonly campaign: CampaignDefinition;
    readonly progress: CampaignGroupProgress;
  }): Promise<void>;
  /** Raises the task's priority and comments the escalation; once per key. */
  escalateGroupTask(input: {
    readonly idempotencyKey: string;
    readonly task: TicketRef;
    readonly reason: string;
    readonly group: OwnerGroup | null;
  }): Promise<void>;
}

/** The ticketing system refuses for good (unknown project, missing field): retrying cannot help. */
export class TicketRejectedError extends Error {
  override readonly name = 'TicketRejectedError';
}
