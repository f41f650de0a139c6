/**
 * The lifecycle's change-ticket activities (R-MON-2, R-MON-3): the cycle's ticket opened, commented, moved and
 * escalated; a step the ticketing system refuses for good is audited and reported, never a failed renewal.
 */
import type { OwnerGroup } from '../domain/inventory/model';
import type { TicketRef } from '../domain/lifecycle/model';
import {
  TicketRejectedError,
  type ChangeTicketRequest,
  type TicketEscalationLevel,
  type TicketingPort,
  type TicketState,
  type TicketStep,
} from '../ports/ticketing-port';
import type { LifecycleAudit } from './lifecycle-audit';
import { permanentOnRejection } from './lifecycle-failures';

/** What the ticket activities need: the ticketing system. */
export interface LifecycleTicketDeps {
  readonly ticketing: TicketingPort;
}

/** What became of a comment, transition or escalation: applied, or refused for good by the ticketing system. */
export interface TicketStepOutcome {
  readonly applied: boolean;
  /** The ticketing system's reason and the fix, when refused. */
  readonly problem: string | null;
}

/** Creates the change-ticket activities of the lifecycle. */
export function createLifecycleTicketActivities(deps: LifecycleTicketDeps, audit: LifecycleAudit) {
  /**
   * Applies one comment, transition or escalation and audits it. A refusal for good (a status the ticket's workflow
   * does not allow from where it is, a field the project lacks) is audited as `ticket.refused` and returned: the
   * ticket is the change manager's record, and a renewal must not fail because it cannot be moved.
   */
  async function ticketStep(
    input: { ticket: TicketRef; idempotencyKey: string; actor: string; subject: string },
    action: string,
    details: Record<string, unknown>,
    apply: () => Promise<void>,
  ): Promise<TicketStepOutcome> {
    try {
      await apply();
    } catch (error) {
      if (!(error instanceof TicketRejectedError)) throw error;
      await audit({
        idempotencyKey: `${input.idempotencyKey}/refused`,
        actor: input.actor,
        action: 'ticket.refused',
        subject: input.subject,
        details: { ticket: input.ticket.key, step: action, ...details, reason: error.message },
      });
      return { applied: false, problem: error.message };
    }
    await audit({
      idempotencyKey: input.idempotencyKey,
      actor: input.actor,
      action,
      subject: input.subject,
      details: { ticket: input.ticket.key, ...details },
    });
    return { applied: true, problem: null };
  }

  return {
    /** Opens the cycle's change ticket, or finds the one already opened for this key (R-MON-2). */
    ensureChangeTicket: async (input: ChangeTicketRequest & { actor: string }): Promise<TicketRef> => {
      const { actor, ...request } = input;
      const ticket = await permanentOnRejection(() => deps.ticketing.ensureChangeTicket(request));
      await audit({
        idempotencyKey: request.idempotencyKey,
        actor,
        action: 'ticket.opened',
        subject: request.certificate.fingerprintSha256,
        details: { ticket: ticket.key, url: ticket.url, renewalDeadline: request.renewalDeadline },
      });
      return ticket;
    },

    /** Comments one lifecycle step on the ticket. */
    commentOnTicket: async (input: {
      ticket: TicketRef;
      idempotencyKey: string;
      step: TicketStep;
      body: string;
      actor: string;
      subject: string;
    }): Promise<TicketStepOutcome> =>
      await ticketStep(input, 'ticket.commented', { step: input.step }, () => deps.ticketing.comment(input)),

    /** Moves the ticket to a logical state. */
    transitionTicket: async (input: {
      ticket: TicketRef;
      idempotencyKey: string;
      to: TicketState;
      actor: string;
      subject: string;
    }): Promise<TicketStepOutcome> =>
      await ticketStep(input, 'ticket.transitioned', { to: input.to }, () => deps.ticketing.transition(input)),

    /** Escalates the ticket (R-MON-3): priority, management, incident. */
    escalateTicket: async (input: {
      ticket: TicketRef;
      idempotencyKey: string;
      level: TicketEscalationLevel;
      reason: string;
      group: OwnerGroup | null;
      actor: string;
      subject: string;
    }): Promise<TicketStepOutcome> =>
      await ticketStep(input, 'ticket.escalated', { level: input.level, reason: input.reason }, () =>
        deps.ticketing.escalate(input),
      ),
  };
}
