import type { TicketRef } from '../../domain/lifecycle/model';
import { RecordingTicketing } from './recording-ticketing';
import type {
  ChangeTicketRequest,
  TicketEscalationLevel,
  TicketingPort,
  TicketState,
  TicketStep,
} from './ticketing-port';

/**
 * The ticketing adapter of `npm start` without Jira credentials: tickets kept in memory, one readable log line per
 * change, each idempotency key applied once.
 */
export class ConsoleTicketing implements TicketingPort {
  private readonly tickets = new RecordingTicketing('LOCAL');

  constructor(private readonly log: (line: string) => void) {}

  async ensureChangeTicket(request: ChangeTicketRequest): Promise<TicketRef> {
    const before = this.tickets.tickets.length;
    const ref = await this.tickets.ensureChangeTicket(request);
    if (this.tickets.tickets.length > before) {
      const name = request.certificate.commonName ?? request.certificate.id;
      this.log(`[ticket] ${ref.key} opened: renew ${name} by ${request.renewalDeadline}`);
    }
    return ref;
  }

  async comment(input: { ticket: TicketRef; idempotencyKey: string; step: TicketStep; body: string }): Promise<void> {
    const before = this.tickets.find(input.ticket).comments.length;
    await this.tickets.comment(input);
    if (this.tickets.find(input.ticket).comments.length > before)
      this.log(`[ticket] ${input.ticket.key}: ${input.body}`);
  }

  async transition(input: { ticket: TicketRef; idempotencyKey: string; to: TicketState }): Promise<void> {
    const before = this.tickets.find(input.ticket).transitions.length;
    await this.tickets.transition(input);
    if (this.tickets.find(input.ticket).transitions.length > before)
      this.log(`[ticket] ${input.ticket.key} → ${input.to}`);
  }

  async escalate(input: {
    ticket: TicketRef;
    idempotencyKey: string;
    level: TicketEscalationLevel;
    reason: string;
  }): Promise<void> {
    const before = this.tickets.find(input.ticket).escalations.length;
    await this.tickets.escalate(input);
    if (this.tickets.find(input.ticket).escalations.length > before) {
      this.log(`[ticket] ${input.ticket.key} ${input.level.toUpperCase()}: ${input.reason}`);
    }
  }
}
