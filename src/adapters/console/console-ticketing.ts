import type { Kysely } from 'kysely';
import type { TicketRef } from '../../core/domain/lifecycle/model';
import type { InventoryDatabase } from '../database/kysely-inventory-store';
import { SqlConsoleTicketStore } from './sql-console-ticket-store';
import type {
  ChangeTicketRequest,
  TicketEscalationLevel,
  TicketingPort,
  TicketState,
  TicketStep,
} from '../../core/ports/ticketing-port';

/** Options of {@link ConsoleTicketing}. */
export interface ConsoleTicketingOptions {
  /** The inventory database, migrated: tickets and applied keys outlive the worker. */
  readonly db: Kysely<InventoryDatabase>;
  readonly log: (line: string) => void;
}

/**
 * The ticketing adapter of `npm start` without Jira (`CERTFLOW_JIRA=off`): `LOCAL-n` tickets kept in the inventory
 * database, so a restarted worker neither reuses a key nor comments twice; one readable log line per change, each
 * idempotency key applied once.
 */
export class ConsoleTicketing implements TicketingPort {
  private readonly store: SqlConsoleTicketStore;
  private readonly log: (line: string) => void;

  constructor(options: ConsoleTicketingOptions) {
    this.store = new SqlConsoleTicketStore({ db: options.db });
    this.log = options.log;
  }

  async ensureChangeTicket(request: ChangeTicketRequest): Promise<TicketRef> {
    const { ticket, created } = await this.store.ensureTicket({
      idempotencyKey: request.idempotencyKey,
      kind: 'change',
      parentKey: null,
      state: 'open',
    });
    if (created) {
      const name = request.certificate.commonName ?? request.certificate.id;
      this.log(`[ticket] ${ticket.ref.key} opened: renew ${name} by ${request.renewalDeadline}`);
    }
    return ticket.ref;
  }

  async comment(input: { ticket: TicketRef; idempotencyKey: string; step: TicketStep; body: string }): Promise<void> {
    if (await this.store.applyOnce(input.idempotencyKey, input.ticket.key, 'comment')) {
      this.log(`[ticket] ${input.ticket.key}: ${input.body}`);
    }
  }

  async transition(input: { ticket: TicketRef; idempotencyKey: string; to: TicketState }): Promise<void> {
    if (!(await this.store.applyOnce(input.idempotencyKey, input.ticket.key, 'transition'))) return;
    const ticket = await this.store.findTicket(input.ticket);
    // A ticket of an earlier worker that kept them in memory is not in the store: the line is all there is to do.
    if (
      ticket !== undefined &&
      (ticket.state === input.to || !(await this.store.moveTicket(ticket.ref, ticket.state, input.to)))
    ) {
      return;
    }
    this.log(`[ticket] ${input.ticket.key} → ${input.to}`);
  }

  async escalate(input: {
    ticket: TicketRef;
    idempotencyKey: string;
    level: TicketEscalationLevel;
    reason: string;
  }): Promise<void> {
    if (await this.store.applyOnce(input.idempotencyKey, input.ticket.key, 'escalation')) {
      this.log(`[ticket] ${input.ticket.key} ${input.level.toUpperCase()}: ${input.reason}`);
    }
  }
}
