import type { Kysely } from 'kysely';
import type { TicketRef } from '../../core/domain/lifecycle/model';
import type { InventoryDatabase } from '../database/kysely-inventory-store';
import { SqlConsoleTicketStore } from './sql-console-ticket-store';
import { CAMPAIGN_TASK_STAGES, campaignTaskStage, type CampaignTaskStage } from '../../core/ports/campaign-task-stage';
import type {
  CampaignTicketing,
  ChangeTicketRequest,
  TicketEscalationLevel,
  TicketingPort,
  TicketState,
  TicketStep,
} from '../../core/ports/ticketing-port';

/** Options of {@link ConsoleTicketing}. */
export interface ConsoleTicketingOptions {
  /** The inventory database, migrated: tickets, epics, tasks and applied keys outlive the worker. */
  readonly db: Kysely<InventoryDatabase>;
  readonly log: (line: string) => void;
}

/**
 * The ticketing adapter of `npm start` without Jira (`CERTFLOW_JIRA=off`), for lifecycles and campaigns: `LOCAL-n`
 * change tickets, campaign epics and group tasks kept in the inventory database, so a restarted worker neither reuses
 * a key nor comments twice and syncs the tasks an earlier one opened; one readable log line per change, each
 * idempotency key applied once.
 */
export class ConsoleTicketing implements TicketingPort, CampaignTicketing {
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

  async ensureEpic(input: Parameters<CampaignTicketing['ensureEpic']>[0]): Promise<TicketRef> {
    const { ticket } = await this.store.ensureTicket({
      idempotencyKey: input.idempotencyKey,
      kind: 'epic',
      parentKey: null,
      state: 'open',
    });
    this.log(`[campaign ticket] epic ${ticket.ref.key}: ${input.campaign.title} by ${input.campaign.deadline}`);
    return ticket.ref;
  }

  async ensureGroupTask(input: Parameters<CampaignTicketing['ensureGroupTask']>[0]): Promise<TicketRef> {
    const { ticket } = await this.store.ensureTicket({
      idempotencyKey: input.idempotencyKey,
      kind: 'task',
      parentKey: input.epic.key,
      state: campaignTaskStage(input.progress),
    });
    const { group, done, total } = input.progress;
    this.log(`[campaign ticket] task ${ticket.ref.key} under ${input.epic.key}: ${group} ${done}/${total}`);
    return ticket.ref;
  }

  /** Moves the task forward (never back) to its stage and logs the progress. */
  async syncGroupTask(input: Parameters<CampaignTicketing['syncGroupTask']>[0]): Promise<void> {
    const { group, done, total } = input.progress;
    const task = await this.store.findTicket(input.task);
    if (task === undefined) {
      // Opened by a worker that kept tasks in memory: nothing is left to move, and failing would only retry forever.
      this.log(`[campaign ticket] ${input.task.key} ${group} ${done}/${total} (an earlier worker's task)`);
      return;
    }
    let stage = task.state as CampaignTaskStage;
    const wanted = campaignTaskStage(input.progress);
    if (
      CAMPAIGN_TASK_STAGES.indexOf(wanted) > CAMPAIGN_TASK_STAGES.indexOf(stage) &&
      (await this.store.moveTicket(task.ref, stage, wanted))
    ) {
      stage = wanted;
    }
    this.log(`[campaign ticket] ${input.task.key} ${group} ${done}/${total} (${stage})`);
  }

  async escalateGroupTask(input: Parameters<CampaignTicketing['escalateGroupTask']>[0]): Promise<void> {
    if (await this.store.applyOnce(input.idempotencyKey, input.task.key, 'escalation')) {
      this.log(`[campaign ticket] ${input.task.key} ESCALATED: ${input.reason}`);
    }
  }
}
