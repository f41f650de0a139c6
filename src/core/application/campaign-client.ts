/**
 * The campaign client: {@link CampaignOperations} on Temporal and the inventory, for the Slack app and the CLI. Role
 * checks run here (R-SEC-2) so a refusal is told at once, and again in the workflow's update validators.
 */
import { randomBytes } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { describeCampaignSelector, validateCampaignSelector } from '../domain/campaigns/selector';
import {
  CAMPAIGN_KINDS,
  type CampaignDefinition,
  type CampaignMember,
  type CampaignProgress,
  type CampaignStateCounts,
} from '../domain/campaigns/model';
import {
  buildCampaignProgress,
  campaignRoleRefusal,
  emptyStateCounts,
  recordFailureReason,
} from '../domain/campaigns/progress';
import type { Actor } from '../domain/lifecycle/model';
import { rolesNotPublishedMessage } from '../domain/lifecycle/roles';
import {
  CAMPAIGN_REFUSAL,
  CAMPAIGN_WORKFLOW_TYPE,
  cancelCampaignUpdate,
  campaignInventoryChangedSignal,
  campaignProgressQuery,
  campaignWorkflowId,
  pauseCampaignUpdate,
  resumeCampaignUpdate,
  type CampaignControlInput,
  type CampaignWorkflowInput,
} from '../workflows/definitions';
import { campaignIdAttribute } from '../workflows/search-attributes';
import type { CampaignClientOptions } from './campaign-client-options';
import {
  CAMPAIGN_LIMITS,
  CampaignNotFoundError,
  CampaignRefusedError,
  CampaignTimeoutError,
  type CampaignOperations,
  type InventoryChangeReport,
  type StartCampaignInput,
} from './campaign-operations';
import { temporalUnavailable } from './lifecycle-errors';
import { DAY_MS } from '../domain/duration';

/** R-CAM-2: every selected certificate replaced within two days unless the security lead says otherwise. */
const DEFAULT_DEADLINE_MS = 2 * DAY_MS;
/** One machine renews this many at once comfortably (CA, deploy and verify are short). */
export const DEFAULT_CAMPAIGN_PARALLELISM = 50;
const MAX_PARALLELISM = CAMPAIGN_LIMITS.maxParallelism;
const DEFAULT_MAX_ATTEMPTS = 3;
const MAX_ATTEMPTS = CAMPAIGN_LIMITS.maxAttempts;

/** `cmp-20261201-7f3a2c`: sortable by day, unique enough for people to type. */
function newCampaignId(now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `cmp-${day}-${randomBytes(3).toString('hex')}`;
}

/** Builds the campaign operations on a connected Temporal client and the stores. */
export function createCampaignClient(options: CampaignClientOptions): CampaignOperations {
  const { client, campaigns } = options;
  const now = options.now ?? (() => new Date());
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const where = options.where ?? 'certflow-client';
  const handleOf = (campaignId: string) => client.workflow.getHandle(campaignWorkflowId(campaignId));

  async function refuse(actor: Actor, code: string, message: string, operation: string): Promise<never> {
    await options.store.appendAudit([
      {
        at: now().toISOString(),
        actor: actor.id,
        action: 'campaign.refused',
        subject: operation,
        where,
        details: { code, reason: message },
      },
    ]);
    throw new CampaignRefusedError(code, message);
  }

  /** Checks the actor against the roles the worker published, read afresh so a restarted worker's roles count. */
  async function requireSecurityLead(actor: Actor, action: string): Promise<void> {
    const roles = await options.roles();
    if (roles === null) await refuse(actor, 'roles-not-published', rolesNotPublishedMessage(options.taskQueue), action);
    const refusal = roles === null ? null : campaignRoleRefusal(actor, roles, action);
    if (refusal !== null) await refuse(actor, 'not-security-lead', refusal, action);
  }

  async function known(campaignId: string) {
    const stored = await campaigns.getCampaign(campaignId);
    if (stored === null) throw new CampaignNotFoundError(campaignId);
    return stored;
  }

  function translate(error: unknown, campaignId: string): unknown {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      if (cause instanceof ApplicationFailure && cause.type === CAMPAIGN_REFUSAL) {
        const code: unknown = cause.details?.[0];
        return new CampaignRefusedError(typeof code === 'string' ? code : 'refused', cause.message);
      }
      return error;
    }
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      return new CampaignTimeoutError(campaignId, callTimeoutMs, options.taskQueue);
    }
    return temporalUnavailable(error) ?? error;
  }

  async function call<T>(campaignId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await client.withDeadline(Date.now() + callTimeoutMs, work);
    } catch (error) {
      throw translate(error, campaignId);
    }
  }

  /** The progress of a campaign whose workflow is gone (history deleted), from the store's rows. */
  async function progressFromStore(campaignId: string): Promise<CampaignProgress> {
    const stored = await known(campaignId);
    const groups: Record<string, CampaignStateCounts> = {};
    for (const { group, state, count } of await campaigns.countMembers(campaignId)) {
      (groups[group] ??= emptyStateCounts())[state] += count;
    }
    const failureReasons: Record<string, number> = {};
    for (const member of await campaigns.listMembers(campaignId, { states: ['failed'], limit: 1000 })) {
      recordFailureReason(failureReasons, member.detail);
    }
    return buildCampaignProgress({
      campaign: stored.definition,
      status: stored.status,
      statusReason: null,
      groups,
      failedAttempts: 0,
      failureReasons,
      milestones: { p50: null, p90: null, p100: null },
      escalated: false,
      now: now().toISOString(),
    });
  }

  async function progressOf(campaignId: string): Promise<CampaignProgress> {
    await known(campaignId);
    try {
      return await call(campaignId, () => handleOf(campaignId).query(campaignProgressQuery));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return await progressFromStore(campaignId);
      throw error;
    }
  }

  async function control(
    campaignId: string,
    actor: Actor,
    action: 'pause' | 'resume' | 'cancel',
    reason: string | undefined,
  ): Promise<CampaignProgress> {
    await requireSecurityLead(actor, action);
    if (action !== 'resume' && !reason?.trim()) {
      await refuse(actor, 'reason-required', `say why you ${action} the campaign (a reason is required)`, action);
    }
    await known(campaignId);
    const input: CampaignControlInput = { actor, ...(reason?.trim() ? { reason: reason.trim() } : {}) };
    const update =
      action === 'pause' ? pauseCampaignUpdate : action === 'resume' ? resumeCampaignUpdate : cancelCampaignUpdate;
    try {
      return await call(campaignId, () => handleOf(campaignId).executeUpdate(update, { args: [input] }));
    } catch (error) {
      if (error instanceof CampaignRefusedError) await refuse(actor, error.code, error.message, action);
      if (error instanceof WorkflowNotFoundError) {
        await refuse(actor, 'not-running', `campaign ${campaignId} has ended; nothing to ${action}`, action);
      }
      throw error;
    }
  }

  return {
    async preview(selector, actor) {
      await requireSecurityLead(actor, 'preview');
      return await campaigns.previewSelector(validateCampaignSelector(selector), now().toISOString());
    },

    async start(input: StartCampaignInput) {
      const actor = input.launchedBy;
      await requireSecurityLead(actor, 'start');
      const reason = input.reason.trim();
      if (!reason) {
        await refuse(actor, 'reason-required', 'say why the campaign runs, e.g. "CA X compromised"', 'start');
      }
      if (!CAMPAIGN_KINDS.includes(input.kind)) {
        await refuse(actor, 'bad-kind', `kind must be one of ${CAMPAIGN_KINDS.join(', ')}`, 'start');
      }
      const parallelism = input.parallelism ?? DEFAULT_CAMPAIGN_PARALLELISM;
      if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > MAX_PARALLELISM) {
        await refuse(
          actor,
          'bad-parallelism',
          `parallelism must be a whole number from 1 to ${MAX_PARALLELISM}`,
          'start',
        );
      }
      const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
        await refuse(actor, 'bad-attempts', `attempts must be a whole number from 1 to ${MAX_ATTEMPTS}`, 'start');
      }
      const launchedAt = now();
      const deadline = input.deadline ?? new Date(launchedAt.getTime() + DEFAULT_DEADLINE_MS).toISOString();
      if (Number.isNaN(Date.parse(deadline)) || Date.parse(deadline) <= launchedAt.getTime()) {
        await refuse(actor, 'bad-deadline', `the deadline ${deadline} must be an instant in the future`, 'start');
      }
      const selector = validateCampaignSelector(input.selector);
      const preview = await campaigns.previewSelector(selector, launchedAt.toISOString());
      if (preview.total === 0) {
        await refuse(
          actor,
          'nothing-selected',
          'the selector selects no certificate: preview it and widen it',
          'start',
        );
      }
      if (input.confirmedCount !== undefined && input.confirmedCount !== preview.total) {
        await refuse(
          actor,
          'count-changed',
          `you confirmed ${input.confirmedCount} certificates but the selector now selects ${preview.total}: preview again`,
          'start',
        );
      }
      const definition: CampaignDefinition = {
        id: newCampaignId(launchedAt),
        title: input.title?.trim() || `Replace certificates: ${describeCampaignSelector(selector)}`,
        kind: input.kind,
        reason,
        selector,
        deadline: new Date(deadline).toISOString(),
        launchedBy: actor,
        launchedAt: launchedAt.toISOString(),
        emergency: input.emergency ?? true,
        parallelism,
        maxAttempts,
        channelId: input.channelId ?? options.defaultChannelId ?? null,
        ...(input.issuer === undefined ? {} : { issuer: input.issuer }),
      };
      await campaigns.createCampaign(definition, launchedAt.toISOString());
      const workflowInput: CampaignWorkflowInput = {
        definition,
        ...(options.timings ? { timings: options.timings } : {}),
      };
      try {
        await client.workflow.start(CAMPAIGN_WORKFLOW_TYPE, {
          workflowId: campaignWorkflowId(definition.id),
          taskQueue: options.taskQueue,
          args: [workflowInput],
          ...(options.searchAttributes === false
            ? {}
            : { typedSearchAttributes: [{ key: campaignIdAttribute, value: definition.id }] }),
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw translate(error, definition.id);
      }
      await options.store.appendAudit([
        {
          at: launchedAt.toISOString(),
          actor: actor.id,
          action: 'campaign.launched',
          subject: definition.id,
          where,
          details: { definition, selected: preview.total },
        },
      ]);
      return definition;
    },

    async list(listOptions) {
      return await campaigns.listCampaigns(listOptions?.limit === undefined ? {} : { limit: listOptions.limit });
    },

    progress: progressOf,

    async pause(campaignId, actor, reason) {
      return await control(campaignId, actor, 'pause', reason);
    },

    async resume(campaignId, actor) {
      return await control(campaignId, actor, 'resume', undefined);
    },

    async cancel(campaignId, actor, reason) {
      return await control(campaignId, actor, 'cancel', reason);
    },

    async members(campaignId, memberOptions) {
      await known(campaignId);
      return await campaigns.listMembers(campaignId, {
        ...(memberOptions?.states ? { states: memberOptions.states } : {}),
        ...(memberOptions?.limit === undefined ? {} : { limit: memberOptions.limit }),
      });
    },

    async report(campaignId) {
      const progress = await progressOf(campaignId);
      const members: CampaignMember[] = [];
      for await (const batch of campaigns.eachMember(campaignId, 1000)) members.push(...batch);
      return { progress, members };
    },

    async inventoryChanged(by) {
      const open = [
        ...(await campaigns.listCampaigns({ status: 'running', limit: 1000 })),
        ...(await campaigns.listCampaigns({ status: 'paused', limit: 1000 })),
      ];
      const report: { told: string[]; unreachable: Array<{ campaignId: string; reason: string }> } = {
        told: [],
        unreachable: [],
      };
      for (const { definition } of open) {
        try {
          await call(definition.id, () => handleOf(definition.id).signal(campaignInventoryChangedSignal, { by }));
          report.told.push(definition.id);
        } catch (error) {
          report.unreachable.push({ campaignId: definition.id, reason: (error as Error).message });
        }
      }
      return report satisfies InventoryChangeReport;
    },
  };
}
