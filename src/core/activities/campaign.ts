import { Context } from '@temporalio/activity';
import { renderCampaignReportMarkdown } from '../domain/campaigns/campaign-report';
import {
  CAMPAIGN_MEMBER_STATES,
  FINISHED_MEMBER_STATES,
  NO_OWNER_GROUP,
  type CampaignDefinition,
  type CampaignGroupProgress,
  type CampaignMember,
  type CampaignMemberState,
  type CampaignProgress,
  type CampaignSelector,
  type CampaignStatus,
} from '../domain/campaigns/model';
import { campaignRevocationReason } from '../domain/campaigns/revocation-reason';
import type { Actor, TicketRef } from '../domain/lifecycle/model';
import type { CampaignStore, ClaimedMember, ClaimResult, EnrolmentResult } from '../ports/campaign-store';
import type { InventoryStore } from '../ports/inventory-store';
import { LifecycleNotFoundError, LifecycleRefusedError, type LifecyclePort } from '../ports/lifecycle-port';
import type { CampaignNotifier, NotificationReceipt } from '../ports/notification-port';
import type { CampaignTicketing } from '../ports/ticketing-port';
import { retriedWhenInDoubt } from './lifecycle-failures';
import { mapBounded } from './map-bounded';

/** Everything the campaign activities need from the outside world. */
export interface CampaignActivityDeps {
  /** The audit log and the owner groups. */
  readonly store: InventoryStore;
  readonly campaigns: CampaignStore;
  readonly notifier: CampaignNotifier;
  readonly ticketing: CampaignTicketing;
  /** The lifecycle client; a function because the worker connects its Temporal client after wiring activities. */
  readonly lifecycles: () => LifecyclePort;
  readonly securityLeads: readonly string[];
  readonly admins: readonly string[];
  /** Where activities run, for the audit log. */
  readonly where?: string;
}

/** The campaign a dispatch asks renewals for. */
export interface DispatchCampaign {
  readonly id: string;
  readonly title: string;
  readonly kind: CampaignDefinition['kind'];
  readonly reason: string;
  readonly launchedBy: Actor;
  readonly emergency: boolean;
  /** The issuer the campaign moves its members to (absent in campaigns started before issue 19, or without one). */
  readonly issuer?: string;
}

/** What asking one member's lifecycle did. */
export interface DispatchOutcome {
  readonly fingerprintSha256: string;
  readonly ownerGroup: string;
  /**
   * `requested`: the lifecycle took the renewal and reports its steps; `already-handled`: it did before (a retried
   * activity); `skipped`: nothing to replace (retired, replaced already, another campaign has it); `failed`: the
   * lifecycle refused the renewal for a reason no retry fixes (the launcher may not pre-approve, say), with why.
   */
  readonly outcome: 'requested' | 'already-handled' | 'skipped' | 'failed';
  readonly detail: string | null;
}

/**
 * Lifecycle refusals that mean there is nothing for the campaign to replace: the member is skipped. Any other refusal
 * (a role the launcher lacks, self-approval) is a failure no retry fixes: the member fails at once, with the reason.
 */
const NOTHING_TO_REPLACE = new Set(['already-replaced', 'in-other-campaign', 'not-active']);

/** Updates in flight at once within one dispatch batch. */
const DISPATCH_CONCURRENCY = 16;

/** The campaign activities: thin, idempotent I/O for the campaign workflow (src/core/workflows/campaign.ts). */
export function createCampaignActivities(deps: CampaignActivityDeps) {
  const where = deps.where ?? 'worker';
  const audit = async (entry: {
    idempotencyKey: string;
    actor: string;
    action: string;
    subject: string;
    details: Record<string, unknown>;
  }) => {
    await deps.store.appendAudit([{ ...entry, at: new Date().toISOString(), where }]);
  };

  /** Asks one member's lifecycle for the campaign's renewal. */
  async function dispatchOne(campaign: DispatchCampaign, member: ClaimedMember, at: string): Promise<DispatchOutcome> {
    const base = { fingerprintSha256: member.fingerprintSha256, ownerGroup: member.ownerGroup };
    const lifecycles = deps.lifecycles();
    const ask = () =>
      lifecycles.requestRenewal(member.managedCertificateId, {
        requestedBy: { id: `campaign:${campaign.id}`, displayName: `campaign ${campaign.title}` },
        reason: `campaign ${campaign.id} (${campaign.kind}): ${campaign.reason}`,
        source: 'campaign',
        campaignId: campaign.id,
        campaignMember: {
          fingerprintSha256: member.fingerprintSha256,
          ownerGroup: member.ownerGroup,
          revocationReason: campaignRevocationReason(campaign.kind),
          ...(campaign.issuer === undefined ? {} : { issuer: campaign.issuer }),
        },
        ...(campaign.emergency ? { preApprovedBy: campaign.launchedBy } : {}),
      });
    const skip = async (detail: string): Promise<DispatchOutcome> => {
      await deps.campaigns.updateMemberState({
        campaignId: campaign.id,
        fingerprintSha256: member.fingerprintSha256,
        state: 'skipped',
        detail,
        at,
      });
      return { ...base, outcome: 'skipped', detail };
    };
    const fail = async (detail: string): Promise<DispatchOutcome> => {
      await deps.campaigns.updateMemberState({
        campaignId: campaign.id,
        fingerprintSha256: member.fingerprintSha256,
        state: 'failed',
        detail,
        final: true,
        at,
      });
      return { ...base, outcome: 'failed', detail };
    };
    try {
      try {
        await ask();
      } catch (error) {
        if (!(error instanceof LifecycleNotFoundError)) throw error;
        // A managed certificate whose lifecycle never started (imported while certflow was down): start it, ask again.
        const report = await lifecycles.ensureLifecycles([member.managedCertificateId]);
        const issue = [...report.skipped, ...report.failed][0];
        if (issue) return await skip(`its lifecycle cannot run: ${issue.reason}`);
        await ask();
      }
      return { ...base, outcome: 'requested', detail: null };
    } catch (error) {
      if (!(error instanceof LifecycleRefusedError)) throw error;
      if (error.code === 'already-replaced') {
        // Either this campaign replaced it already (the first attempt of this activity got through) or something else did.
        const row = await deps.campaigns.getMember(campaign.id, member.fingerprintSha256);
        if (row !== null && row.state !== 'pending') return { ...base, outcome: 'already-handled', detail: null };
        return await skip(`already replaced: ${error.message}`);
      }
      if (NOTHING_TO_REPLACE.has(error.code)) return await skip(error.message);
      return await fail(`its lifecycle refused the renewal (${error.code}): ${error.message}`);
    }
  }

  return {
    /** Who may pause, resume and cancel. */
    async loadCampaignContext(input: {
      campaignId: string;
    }): Promise<{ securityLeads: string[]; admins: string[]; campaignId: string }> {
      return { campaignId: input.campaignId, securityLeads: [...deps.securityLeads], admins: [...deps.admins] };
    },

    /** Enrols what the selector selects now (idempotent: only new members), audited when it enrolled any. */
    async enrolCampaignMembers(input: {
      campaignId: string;
      selector: CampaignSelector;
      at: string;
    }): Promise<EnrolmentResult> {
      const result = await deps.campaigns.enrolMembers(input.campaignId, input.selector, input.at);
      if (result.enrolled > 0) {
        await audit({
          idempotencyKey: `campaign/${input.campaignId}/enrolled/${input.at}`,
          actor: `campaign:${input.campaignId}`,
          action: 'campaign.enrolled',
          subject: input.campaignId,
          details: { enrolled: result.enrolled, byOwnerGroup: result.byOwnerGroup },
        });
      }
      return result;
    },

    async claimCampaignMembers(input: {
      campaignId: string;
      claimKey: string;
      limit: number;
      maxAttempts: number;
      retryAfterMs: number;
      now: string;
    }): Promise<ClaimResult> {
      return await deps.campaigns.claimMembers(input);
    },

    /** Asks each member's lifecycle for the campaign's renewal, a bounded number at a time. */
    async dispatchCampaignRenewals(input: {
      campaign: DispatchCampaign;
      members: ClaimedMember[];
      at: string;
    }): Promise<DispatchOutcome[]> {
      let done = 0;
      return await mapBounded(input.members, DISPATCH_CONCURRENCY, async (member) => {
        const outcome = await dispatchOne(input.campaign, member, input.at);
        done += 1;
        Context.current().heartbeat(done);
        return outcome;
      });
    },

    async skipPendingCampaignMembers(input: {
      campaignId: string;
      detail: string;
      at: string;
    }): Promise<Array<{ group: string; count: number }>> {
      return [...(await deps.campaigns.skipPendingMembers(input.campaignId, input.detail, input.at))];
    },

    /** Withdraws the renewals a cancelled campaign asked for that still wait for an approver. */
    async withdrawCampaignRequests(input: { campaignId: string; reason: string; by: string }): Promise<number> {
      const waiting = await deps.campaigns.listMembers(input.campaignId, { states: ['awaiting-approval'] });
      let signalled = 0;
      await mapBounded(waiting, DISPATCH_CONCURRENCY, async (member) => {
        const outcome = await deps.lifecycles().withdrawCampaignRequest(member.managedCertificateId, input);
        if (outcome === 'signalled') signalled += 1;
      });
      return signalled;
    },

    /** Records a status change in the store and the audit log (R-LOG-1). */
    async recordCampaignStatus(input: {
      campaignId: string;
      status: CampaignStatus;
      /** `campaign.started`, `campaign.paused` … */
      action: string;
      idempotencyKey: string;
      actor: string;
      reason: string | null;
    }): Promise<void> {
      await deps.campaigns.setCampaignStatus(input.campaignId, input.status, new Date().toISOString());
      await audit({
        idempotencyKey: input.idempotencyKey,
        actor: input.actor,
        action: input.action,
        subject: input.campaignId,
        details: { reason: input.reason },
      });
    },

    /** Audits a campaign step that needs no other I/O (a Slack or Jira failure). */
    async recordCampaignStep(input: {
      campaignId: string;
      idempotencyKey: string;
      actor: string;
      action: string;
      details: Record<string, unknown>;
    }): Promise<void> {
      await audit({ ...input, subject: input.campaignId });
    },

    async publishCampaignProgress(input: {
      idempotencyKey: string;
      progress: CampaignProgress;
      receipt: NotificationReceipt | null;
    }): Promise<NotificationReceipt> {
      return await retriedWhenInDoubt(() => deps.notifier.publishProgress(input));
    },

    /** Opens the epic and the tasks of new groups, and brings the changed groups' tasks up to date. */
    async syncCampaignTickets(input: {
      campaign: CampaignDefinition;
      epic: TicketRef | null;
      groupTasks: Record<string, TicketRef>;
      groups: CampaignGroupProgress[];
    }): Promise<{ epic: TicketRef; groupTasks: Record<string, TicketRef> }> {
      const { campaign } = input;
      const epic =
        input.epic ?? (await deps.ticketing.ensureEpic({ idempotencyKey: `campaign/${campaign.id}/epic`, campaign }));
      const groupTasks = { ...input.groupTasks };
      for (const progress of input.groups) {
        const known = groupTasks[progress.group];
        if (known) {
          await deps.ticketing.syncGroupTask({ task: known, campaign, progress });
          continue;
        }
        const group = progress.group === NO_OWNER_GROUP ? null : await deps.store.getOwnerGroup(progress.group);
        const task = await deps.ticketing.ensureGroupTask({
          idempotencyKey: `campaign/${campaign.id}/task/${progress.group}`,
          epic,
          campaign,
          group,
          progress,
        });
        groupTasks[progress.group] = task;
        await deps.ticketing.syncGroupTask({ task, campaign, progress });
      }
      return { epic, groupTasks };
    },

    /** At the deadline: tells management and incident response of every group not done, raises its Jira task. */
    async escalateCampaignLaggards(input: {
      idempotencyKey: string;
      progress: CampaignProgress;
      groupTasks: Record<string, TicketRef>;
    }): Promise<void> {
      const { progress } = input;
      const campaignId = progress.campaign.id;
      const groups = await Promise.all(
        progress.laggards.map(async (laggard) => ({
          progress: laggard,
          group: laggard.group === NO_OWNER_GROUP ? null : await deps.store.getOwnerGroup(laggard.group),
        })),
      );
      const examples: CampaignMember[] = [];
      for (const laggard of progress.laggards) {
        examples.push(
          ...(await deps.campaigns.listMembers(campaignId, {
            states: CAMPAIGN_UNFINISHED_STATES,
            ownerGroup: laggard.group,
            limit: 3,
          })),
        );
      }
      await retriedWhenInDoubt(() =>
        deps.notifier.escalateLaggards({ idempotencyKey: input.idempotencyKey, progress, groups, examples }),
      );
      for (const { progress: laggard, group } of groups) {
        const task = input.groupTasks[laggard.group];
        if (!task) continue;
        const left = laggard.total - laggard.done;
        await deps.ticketing.escalateGroupTask({
          idempotencyKey: `${input.idempotencyKey}/${laggard.group}`,
          task,
          reason: `deadline ${progress.campaign.deadline} passed with ${left} of ${laggard.total} certificates of ${laggard.group} not replaced`,
          group,
        });
      }
      await audit({
        idempotencyKey: input.idempotencyKey,
        actor: `campaign:${campaignId}`,
        action: 'campaign.escalated',
        subject: campaignId,
        details: {
          deadline: progress.campaign.deadline,
          groups: progress.laggards.map((laggard) => ({ group: laggard.group, left: laggard.total - laggard.done })),
        },
      });
    },

    /** Posts the report (Markdown) to Slack at the end (R-CAM-3). */
    async postCampaignReport(input: { idempotencyKey: string; progress: CampaignProgress }): Promise<void> {
      const members: CampaignMember[] = [];
      for await (const batch of deps.campaigns.eachMember(input.progress.campaign.id, 1000)) members.push(...batch);
      const markdown = renderCampaignReportMarkdown({ progress: input.progress, members });
      await retriedWhenInDoubt(() =>
        deps.notifier.postReport({ idempotencyKey: input.idempotencyKey, progress: input.progress, markdown }),
      );
      await audit({
        idempotencyKey: input.idempotencyKey,
        actor: `campaign:${input.progress.campaign.id}`,
        action: `campaign.reported`,
        subject: input.progress.campaign.id,
        details: { status: input.progress.status, total: input.progress.total, done: input.progress.done },
      });
    },
  };
}

/** Member states that are not finished: the laggards' certificates. */
const CAMPAIGN_UNFINISHED_STATES: CampaignMemberState[] = CAMPAIGN_MEMBER_STATES.filter(
  (state) => !FINISHED_MEMBER_STATES.includes(state),
);

/** The campaign activities as workflows see them (type-only import in workflows/). */
export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
