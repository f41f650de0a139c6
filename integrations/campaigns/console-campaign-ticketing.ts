import type { TicketRef } from '../../domain/lifecycle/model';
import type { CampaignTicketing } from './campaign-ports';
import { RecordingCampaignTicketing } from './recording-campaign-ticketing';

/**
 * The campaign ticketing adapter of `npm start` without Jira credentials: epics and tasks kept in memory, one
 * readable log line per call, each idempotency key applied once.
 */
export class ConsoleCampaignTicketing implements CampaignTicketing {
  private readonly tickets = new RecordingCampaignTicketing('LOCAL');

  constructor(private readonly log: (line: string) => void) {}

  async ensureEpic(input: Parameters<CampaignTicketing['ensureEpic']>[0]): Promise<TicketRef> {
    const ref = await this.tickets.ensureEpic(input);
    this.log(`[campaign ticket] epic ${ref.key}: ${input.campaign.title} by ${input.campaign.deadline}`);
    return ref;
  }

  async ensureGroupTask(input: Parameters<CampaignTicketing['ensureGroupTask']>[0]): Promise<TicketRef> {
    const ref = await this.tickets.ensureGroupTask(input);
    const { group, done, total } = input.progress;
    this.log(`[campaign ticket] task ${ref.key} under ${input.epic.key}: ${group} ${done}/${total}`);
    return ref;
  }

  async syncGroupTask(input: Parameters<CampaignTicketing['syncGroupTask']>[0]): Promise<void> {
    await this.tickets.syncGroupTask(input);
    const task = this.tickets.findTask(input.task);
    const { group, done, total } = input.progress;
    this.log(`[campaign ticket] ${input.task.key} ${group} ${done}/${total} (${task.stage})`);
  }

  async escalateGroupTask(input: Parameters<CampaignTicketing['escalateGroupTask']>[0]): Promise<void> {
    await this.tickets.escalateGroupTask(input);
    this.log(`[campaign ticket] ${input.task.key} ESCALATED: ${input.reason}`);
  }
}
