import type { TicketRef } from '../../../src/core/domain/lifecycle/model';
import type {
  ChangeTicketRequest,
  TicketEscalationLevel,
  TicketingPort,
  TicketState,
  TicketStep,
} from '../../../src/core/ports/ticketing-port';

/** A change ticket as the recording adapter holds it. */
export interface RecordedTicket {
  readonly ref: TicketRef;
  readonly request: ChangeTicketRequest;
  state: 'open' | TicketState;
  readonly comments: { step: TicketStep; body: string }[];
  readonly transitions: TicketState[];
  readonly escalations: { level: TicketEscalationLevel; reason: string }[];
}

/** A ticketing adapter that keeps tickets in memory, applying every idempotency key once: for workflow tests. */
export class RecordingTicketing implements TicketingPort {
  readonly tickets: RecordedTicket[] = [];
  private readonly byKey = new Map<string, RecordedTicket>();
  private readonly applied = new Set<string>();

  constructor(private readonly projectKey = 'CHG') {}

  /** Opens a ticket once per key. */
  ensureChangeTicket(request: ChangeTicketRequest): Promise<TicketRef> {
    const known = this.byKey.get(request.idempotencyKey);
    if (known) return Promise.resolve(known.ref);
    const key = `${this.projectKey}-${this.tickets.length + 1}`;
    const ticket: RecordedTicket = {
      ref: { key, url: `local://tickets/${key}` },
      request,
      state: 'open',
      comments: [],
      transitions: [],
      escalations: [],
    };
    this.tickets.push(ticket);
    this.byKey.set(request.idempotencyKey, ticket);
    return Promise.resolve(ticket.ref);
  }

  comment(input: { ticket: TicketRef; idempotencyKey: string; step: TicketStep; body: string }): Promise<void> {
    if (this.once(input.idempotencyKey)) this.find(input.ticket).comments.push({ step: input.step, body: input.body });
    return Promise.resolve();
  }

  transition(input: { ticket: TicketRef; idempotencyKey: string; to: TicketState }): Promise<void> {
    const ticket = this.find(input.ticket);
    if (this.once(input.idempotencyKey) && ticket.state !== input.to) {
      ticket.state = input.to;
      ticket.transitions.push(input.to);
    }
    return Promise.resolve();
  }

  escalate(input: {
    ticket: TicketRef;
    idempotencyKey: string;
    level: TicketEscalationLevel;
    reason: string;
  }): Promise<void> {
    if (this.once(input.idempotencyKey)) {
      this.find(input.ticket).escalations.push({ level: input.level, reason: input.reason });
    }
    return Promise.resolve();
  }

  /** The ticket with this key. */
  find(ref: TicketRef): RecordedTicket {
    const ticket = this.tickets.find((candidate) => candidate.ref.key === ref.key);
    if (!ticket) throw new Error(`no ticket ${ref.key}`);
    return ticket;
  }

  private once(idempotencyKey: string): boolean {
    if (this.applied.has(idempotencyKey)) return false;
    this.applied.add(idempotencyKey);
    return true;
  }
}
