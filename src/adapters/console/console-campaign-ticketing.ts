import type { Kysely } from 'kysely';
import type { TicketRef } from '../../core/domain/lifecycle/model';
import type { InventoryDatabase } from '../database/kysely-inventory-store';
import { SqlConsoleTicketStore } from './sql-console-ticket-store';
import type { CampaignTicketing } from '../../core/ports/ticketing-port';
import { campaignTaskStage, type CampaignTaskStage } from '../../core/ports/campaign-task-stage';

/** Options of {@link ConsoleCampaignTicketing}. */
export interface ConsoleCampaignTicketingOptions {
  /** The inventory database, migrated: epics, tasks and applied keys outlive the worker. */
  readonly db: Kysely<InventoryDatabase>;
  readonly log: (line: string) => void;
}

const STAGES: readonly CampaignTaskStage[] = ['open', 'in-progress', 'done'];

/**
 * The campaign ticketing adapter of `npm start` without Jira (`CERTFLOW_JIRA=off`): epics and tasks kept in the
 * inventory database, so a restarted worker syncs the tasks an earlier one opened; one readable log line per call,
 * each idempotency key applied once.
 */
export class ConsoleCampaignTicketing implements CampaignTicketing {
  private readonly store: SqlConsoleTicketStore;
  private readonly log: (line: string) => void;

  constructor(options: ConsoleCampaignTicketingOptions) {
    this.store = new SqlConsoleTicketStore({ db: options.db });
    this.log = options.log;
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
    if (STAGES.indexOf(wanted) > STAGES.indexOf(stage) && (await this.store.moveTicket(task.ref, stage, wanted))) {
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
