import type { CampaignDefinition, CampaignGroupProgress } from '../../../src/core/domain/campaigns/model';
import type { OwnerGroup } from '../../../src/core/domain/inventory/model';
import type { TicketRef } from '../../../src/core/domain/lifecycle/model';
import type { CampaignTicketing } from '../../../src/core/ports/ticketing-port';
import { campaignTaskStage, type CampaignTaskStage } from '../../../src/core/ports/campaign-task-stage';

/** One call of a {@link CampaignTicketing}, as recorded (repeats included, so tests see retries). */
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
 * A campaign ticketing adapter that keeps epics and tasks in memory with deterministic keys (`CAMP-1`, `CAMP-2`, …),
 * applying every idempotency key once: for workflow and activity tests.
 */
export class RecordingCampaignTicketing implements CampaignTicketing {
  /** Every call received, in order, including repeats and failed ones. */
  readonly calls: RecordedCampaignTicketingCall[] = [];
  readonly epics: RecordedCampaignEpic[] = [];
  readonly tasks: RecordedCampaignTask[] = [];
  /** Called before each call is applied; an error it returns is thrown instead (outages, refusals). */
  failure: ((call: RecordedCampaignTicketingCall) => Error | null) | null = null;
  private readonly byKey = new Map<string, TicketRef>();
  private readonly applied = new Set<string>();
  private counter = 0;

  constructor(private readonly projectKey = 'CAMP') {}

  /** Opens an epic once per key. */
  ensureEpic(input: Parameters<CampaignTicketing['ensureEpic']>[0]): Promise<TicketRef> {
    return this.call({ method: 'ensureEpic', ...input }, () => {
      const known = this.byKey.get(input.idempotencyKey);
      if (known) return known;
      const ref = this.nextRef(input.idempotencyKey);
      this.epics.push({ ref, campaign: input.campaign });
      return ref;
    });
  }

  /** Opens a group task under a known epic once per key. */
  ensureGroupTask(input: Parameters<CampaignTicketing['ensureGroupTask']>[0]): Promise<TicketRef> {
    return this.call({ method: 'ensureGroupTask', ...input }, () => {
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
    return this.call({ method: 'syncGroupTask', ...input }, () => {
      const task = this.findTask(input.task);
      task.progress = input.progress;
      const stage = campaignTaskStage(input.progress);
      const order: CampaignTaskStage[] = ['open', 'in-progress', 'done'];
      if (order.indexOf(stage) > order.indexOf(task.stage)) {
        task.stage = stage;
        task.stages.push(stage);
      }
    });
  }

  /** Records the escalation once per key. */
  escalateGroupTask(input: Parameters<CampaignTicketing['escalateGroupTask']>[0]): Promise<void> {
    return this.call({ method: 'escalateGroupTask', ...input }, () => {
      const task = this.findTask(input.task);
      if (this.applied.has(input.idempotencyKey)) return;
      this.applied.add(input.idempotencyKey);
      task.escalated = true;
      task.escalations.push(input.reason);
    });
  }

  /** The calls of one method, in order. */
  ofMethod<M extends RecordedCampaignTicketingCall['method']>(
    method: M,
  ): Extract<RecordedCampaignTicketingCall, { method: M }>[] {
    return this.calls.filter(
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

  private call<T>(call: RecordedCampaignTicketingCall, apply: () => T): Promise<T> {
    this.calls.push(call);
    const error = this.failure?.(call) ?? null;
    if (error) return Promise.reject(error);
    try {
      return Promise.resolve(apply());
    } catch (problem) {
      return Promise.reject(problem instanceof Error ? problem : new Error(String(problem)));
    }
  }
}
