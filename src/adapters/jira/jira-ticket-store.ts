/**
 * What the Jira adapter did per idempotency key: the ticket it opened for a renewal cycle, when it first tried to
 * open one, and the comments, transitions and escalations it applied, so a retried activity or a restarted worker finds them instead of asking
 * Jira (or acting) again.
 */
import type { TicketRef } from '../../core/domain/lifecycle/model';

/** What an applied idempotency key did to a ticket. */
export type JiraTicketAction = 'comment' | 'transition' | 'escalation';

/** The Jira adapter's durable key → ticket map and its applied keys. */
export interface JiraTicketStore {
  /** The ticket opened for a cycle key, if one was recorded. */
  findTicket(idempotencyKey: string): Promise<TicketRef | undefined>;
  /** Records the cycle's ticket; a key already recorded keeps its first ticket, which is returned. */
  saveTicket(idempotencyKey: string, ticket: TicketRef): Promise<TicketRef>;
  /** Whether a comment, transition or escalation key was applied. */
  isApplied(idempotencyKey: string): Promise<boolean>;
  /** Records an applied key; recording it again changes nothing. */
  markApplied(idempotencyKey: string, ticketKey: string, action: JiraTicketAction): Promise<void>;
  /** Records the first attempt to create a cycle's ticket at `nowMs` and returns the first attempt's time. */
  noteCreateAttempt(idempotencyKey: string, nowMs: number): Promise<number>;
}

/** Keeps the map in process memory: for tests and tools; the worker uses the inventory database's store. */
export class InMemoryJiraTicketStore implements JiraTicketStore {
  private readonly tickets = new Map<string, TicketRef>();
  private readonly applied = new Map<string, { ticketKey: string; action: JiraTicketAction }>();
  private readonly createAttempts = new Map<string, number>();

  findTicket(idempotencyKey: string): Promise<TicketRef | undefined> {
    return Promise.resolve(this.tickets.get(idempotencyKey));
  }

  saveTicket(idempotencyKey: string, ticket: TicketRef): Promise<TicketRef> {
    const known = this.tickets.get(idempotencyKey);
    if (known !== undefined) return Promise.resolve(known);
    this.tickets.set(idempotencyKey, ticket);
    return Promise.resolve(ticket);
  }

  isApplied(idempotencyKey: string): Promise<boolean> {
    return Promise.resolve(this.applied.has(idempotencyKey));
  }

  markApplied(idempotencyKey: string, ticketKey: string, action: JiraTicketAction): Promise<void> {
    if (!this.applied.has(idempotencyKey)) this.applied.set(idempotencyKey, { ticketKey, action });
    return Promise.resolve();
  }

  noteCreateAttempt(idempotencyKey: string, nowMs: number): Promise<number> {
    if (!this.createAttempts.has(idempotencyKey)) this.createAttempts.set(idempotencyKey, nowMs);
    return Promise.resolve(this.createAttempts.get(idempotencyKey) ?? nowMs);
  }
}
