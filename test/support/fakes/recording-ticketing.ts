import type { CampaignDefinition, CampaignGroupProgress } from '../../../src/core/domain/campaigns/model';
import type { OwnerGroup } from '../../../src/core/domain/inventory/model';
import type { TicketRef } from '../../../src/core/domain/lifecycle/model';
import {
  CAMPAIGN_TASK_STAGES,
  campaignTaskStage,
  type CampaignTaskStage,
} from '../../../src/core/ports/campaign-task-stage';
import type {
  CampaignTicketing,
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

/** One call of the {@link CampaignTicketing} face, as recorded (repeats included, so tests see retries). */
export type RecordedCampaignTicketingCall =
  | ({ readonly method: 'ensureEpic' } & Parameters<CampaignTicketing['ensureEpic']>[0])
  | ({ readonly method: 'ensureGroupTask' } & Parameters<CampaignTicketing['ensureGroupTask']>[0])
  | ({ readonly method: 'syncGroupTask' } & Parameters<CampaignTicketing['syncGroupTask']>[0])
  | ({ readonly method: 'escalateGroupTask' } & Parameters<CampaignTicketing['escalateGroupTask']>[0]);

/** A campaign epic as the recording adapter holds it. */
export interface RecordedCampaignEpic {
  readonly ref: TicketRef;
  readonly campaign: CampaignDefinition;
}

/** A group task as the recording adapter holds it. */
export interface RecordedCampaignTask {
  readonly ref: TicketRef;
  readonly epic: TicketRef;
  readonly campaign: CampaignDefinition;
  readonly group: OwnerGroup | null;
  progress: CampaignGroupProgress;
  stage: CampaignTaskStage;
  /** Every stage it moved to, in order. */
  readonly stages: CampaignTaskStage[];
  escalated: boolean;
  readonly escalations: string[];
}

/**
 * A ticketing adapter of both faces (lifecycle change tickets, campaign epics and group tasks) that keeps its tickets
 * in memory with deterministic keys (`CHG-1`, `CHG-2`, … by default), applying every idempotency key once: for
 * workflow and activity tests.
 */
export class RecordingTicketing implements TicketingPort, CampaignTicketing {
  readonly tickets: RecordedTicket[] = [];
  readonly epics: RecordedCampaignEpic[] = [];
  readonly tasks: RecordedCampaignTask[] = [];
  /** Every campaign call received, in order, including repeats and failed ones. */
  readonly campaignCalls: RecordedCampaignTicketingCall[] = [];
  /** Called before each campaign call is applied; an error it returns is thrown instead (outages, refusals). */
  failure: ((call: RecordedCampaignTicketingCall) => Error | null) | null = null;
  private readonly byKey = new Map<string, TicketRef>();
  private readonly applied = new Set<string>();
  private counter = 0;

  constructor(private readonly projectKey = 'CHG') {}

  /** Opens a change ticket once per key. */
  ensureChangeTicket(request: ChangeTicketRequest): Promise<TicketRef> {
    const known = this.byKey.get(request.idempotencyKey);
    if (known) return Promise.resolve(known);
    const ticket: RecordedTicket = {
      ref: this.nextRef(request.idempotencyKey),
      request,
      state: 'open',
      comments: [],
      transitions: [],
      escalations: [],
    };
    this.tickets.push(ticket);
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

  /** Opens an epic once per key. */
  ensureEpic(input: Parameters<CampaignTicketing['ensureEpic']>[0]): Promise<TicketRef> {
    return this.campaignCall({ method: 'ensureEpic', ...input }, () => {
      const known = this.byKey.get(input.idempotencyKey);
      if (known) return known;
      const ref = this.nextRef(input.idempotencyKey);
      this.epics.push({ ref, campaign: input.campaign });
      return ref;
    });
  }

  /** Opens a group task under a known epic once per key. */
  ensureGroupTask(input: Parameters<CampaignTicketing['ensureGroupTask']>[0]): Promise<TicketRef> {
    return this.campaignCall({ method: 'ensureGroupTask', ...input }, () => {
      const known = this.byKey.get(input.idempotencyKey);
      if (known) return known;
      this.findEpic(input.epic);
      const ref = this.nextRef(input.idempotencyKey);
      const stage = campaignTaskStage(input.progress);
      this.tasks.push({
        ref,
        epic: input.epic,
        campaign: input.campaign,
        group: input.group,
        progress: input.progress,
        stage,
        stages: stage === 'open' ? [] : [stage],
        escalated: false,
        escalations: [],
      });
      return ref;
    });
  }

  /** Keeps the latest progress and moves the task forward (never back) to its stage. */
  syncGroupTask(input: Parameters<CampaignTicketing['syncGroupTask']>[0]): Promise<void> {
    return this.campaignCall({ method: 'syncGroupTask', ...input }, () => {
      const task = this.findTask(input.task);
      task.progress = input.progress;
      const stage = campaignTaskStage(input.progress);
      if (CAMPAIGN_TASK_STAGES.indexOf(stage) > CAMPAIGN_TASK_STAGES.indexOf(task.stage)) {
        task.stage = stage;
        task.stages.push(stage);
      }
    });
  }

  /** Records the escalation once per key. */
  escalateGroupTask(input: Parameters<CampaignTicketing['escalateGroupTask']>[0]): Promise<void> {
    return this.campaignCall({ method: 'escalateGroupTask', ...input }, () => {
      const task = this.findTask(input.task);
      if (!this.once(input.idempotencyKey)) return;
      task.escalated = true;
      task.escalations.push(input.reason);
    });
  }

  /** The change ticket with this key. */
  find(ref: TicketRef): RecordedTicket {
    const ticket = this.tickets.find((candidate) => candidate.ref.key === ref.key);
    if (!ticket) throw new Error(`no ticket ${ref.key}`);
    return ticket;
  }

  /** The campaign calls of one method, in order. */
  ofMethod<M extends RecordedCampaignTicketingCall['method']>(
    method: M,
  ): Extract<RecordedCampaignTicketingCall, { method: M }>[] {
    return this.campaignCalls.filter(
      (call): call is Extract<RecordedCampaignTicketingCall, { method: M }> => call.method === method,
    );
  }

  /** The task with this key. */
  findTask(ref: TicketRef): RecordedCampaignTask {
    const task = this.tasks.find((candidate) => candidate.ref.key === ref.key);
    if (!task) throw new Error(`no campaign task ${ref.key}: open it with ensureGroupTask first`);
    return task;
  }

  /** The epic with this key. */
  findEpic(ref: TicketRef): RecordedCampaignEpic {
    const epic = this.epics.find((candidate) => candidate.ref.key === ref.key);
    if (!epic) throw new Error(`no campaign epic ${ref.key}: open it with ensureEpic first`);
    return epic;
  }

  private nextRef(idempotencyKey: string): TicketRef {
    this.counter += 1;
    const key = `${this.projectKey}-${this.counter}`;
    const ref = { key, url: `local://tickets/${key}` };
    this.byKey.set(idempotencyKey, ref);
    return ref;
  }

  private once(idempotencyKey: string): boolean {
    if (this.applied.has(idempotencyKey)) return false;
    this.applied.add(idempotencyKey);
    return true;
  }

  private campaignCall<T>(call: RecordedCampaignTicketingCall, apply: () => T): Promise<T> {
    this.campaignCalls.push(call);
    const error = this.failure?.(call) ?? null;
    if (error) return Promise.reject(error);
    try {
      return Promise.resolve(apply());
    } catch (problem) {
      return Promise.reject(problem instanceof Error ? problem : new Error(String(problem)));
    }
  }
}
