import type { StepBookkeeping } from '../../activities/lifecycle';
import type { LifecycleRequest, TicketRef } from '../../domain/lifecycle/model';
import type { TicketStep } from '../../ports/ticketing-port';
import { acts } from './activity-proxies';
import type { LifecycleRun } from './state';
import { renewalIssuer } from './issuer';

/** The cycle's change ticket, opened on first need. */
export async function ensureTicket(run: LifecycleRun, actor: string): Promise<TicketRef> {
  const { st, ctx } = run;
  if (st.ticket) return st.ticket;
  const plan = run.schedule();
  const issuer = renewalIssuer(run);
  st.ticket = await acts.ensureChangeTicket({
    idempotencyKey: run.key('ticket'),
    certificate: ctx.certificate,
    group: ctx.group,
    renewalDeadline: plan.renewalDeadline,
    violations: [...ctx.violations],
    link: ctx.link,
    actor,
    ...(issuer === null ? {} : { renewalIssuer: issuer }),
  });
  run.record('ticket.opened', `${st.ticket.key} ${st.ticket.url}`);
  return st.ticket;
}

/** A step's comment on the cycle's ticket (or the given one), as a step's bookkeeping; null without a ticket. */
export function ticketComment(
  run: LifecycleRun,
  step: TicketStep,
  stepKey: string,
  body: string,
  actor: string,
  ticket = run.st.ticket,
): Extract<StepBookkeeping, { comment: unknown }> | null {
  if (!ticket) return null;
  return {
    comment: {
      ticket,
      idempotencyKey: run.key(`comment/${stepKey}`),
      step,
      body,
      actor,
      subject: run.ctx.certificate.fingerprintSha256,
    },
  };
}

/** Comments on the cycle's ticket (or the given one), if there is one. */
export async function commentTicket(...args: Parameters<typeof ticketComment>): Promise<void> {
  const part = ticketComment(...args);
  if (part !== null) await acts.commentOnTicket(part.comment);
}

/** Moves the cycle's ticket to In Progress for the request. */
export async function transitionInProgress(run: LifecycleRun, request: LifecycleRequest, actor: string): Promise<void> {
  await acts.transitionTicket({
    ticket: run.st.ticket as TicketRef,
    idempotencyKey: run.key(`transition/in-progress/${request.id}`),
    to: 'in-progress',
    actor,
    subject: run.ctx.certificate.fingerprintSha256,
  });
}
