/**
 * Issue 14 on the time-skipping server with real lifecycles: a member whose lifecycle refused the renewal is a failure
 * with its reason (status, Slack, report) and a campaign that replaced nothing does not end "completed"; Slack and Jira
 * failing or hanging never hold dispatch or completion; the parallelism bound holds at every step.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaignClient } from '../../../src/core/application/campaign-client';
import type { LifecycleConnector } from '../../../src/cli/lifecycle-connection';
import { EXIT, main } from '../../../src/cli/main';
import { renderCampaignReportCsv } from '../../../src/core/domain/campaigns/campaign-report';
import type { CampaignMemberState, CampaignProgress } from '../../../src/core/domain/campaigns/model';
import { inWorkCount, emptyStateCounts } from '../../../src/core/domain/campaigns/progress';
import type { Deployer } from '../../../src/core/ports/deployer';
import { NotificationInDoubtError, type CampaignNotifier } from '../../../src/core/ports/notification-port';
import type { CampaignTicketing } from '../../../src/core/ports/ticketing-port';
import { campaignProgressMessage } from '../../../src/adapters/slack/views/campaign-messages';
import { campaignWorkflowId } from '../../../src/core/workflows/definitions';
import { CAMPAIGN_PEOPLE, createCampaignHarness, DAY_MS, type CampaignHarness } from '../../support/campaign-harness';

const { securityLead } = CAMPAIGN_PEOPLE;
const TIMINGS = { progressEveryMs: 0, rescanEveryMs: 30 * DAY_MS, retryAfterMs: 60 * 60_000 };
/** Someone a client wrongly takes for a security lead: the worker's roster does not know them. */
const INTRUDER = { id: 'email:intruder@example.com', displayName: 'Ivy Intruder' };

let harness: CampaignHarness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function result(h: CampaignHarness, campaignId: string): Promise<CampaignProgress> {
  return (await h.env.client.workflow.getHandle(campaignWorkflowId(campaignId)).result()) as CampaignProgress;
}

/** The security lead starts a CA-compromise campaign over the harness's old issuer, `parallelism` at once. */
async function startCompromise(h: CampaignHarness, parallelism: number) {
  return await h.campaigns.start({
    selector: { issuerDn: h.oldIssuerDn },
    kind: 'ca-compromise',
    reason: 'Old Corp issuing CA key compromised',
    launchedBy: securityLead,
    emergency: true,
    parallelism,
  });
}

/** Polls the store (no query, no time skipping) until `predicate` holds for the members' states. */
async function untilMembers(
  h: CampaignHarness,
  campaignId: string,
  predicate: (states: CampaignMemberState[]) => boolean,
): Promise<void> {
  for (;;) {
    const states = (await h.campaignStore.listMembers(campaignId)).map((member) => member.state);
    if (predicate(states)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `certflow campaign …` through main, on the harness's inventory and Temporal client (the time-skipping server). */
async function cli(h: CampaignHarness, argv: string[]) {
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-campaign-cli-'));
  const out: string[] = [];
  const err: string[] = [];
  const connector: LifecycleConnector = () =>
    Promise.resolve({ lifecycles: h.lifecycles, campaigns: h.campaigns, close: () => Promise.resolve() });
  const code = await main(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: {
      CERTFLOW_DATABASE_URL: `sqlite:${path.join(h.folder, 'inventory.sqlite')}`,
      CERTFLOW_ACTOR: securityLead.id,
      CERTFLOW_TASK_QUEUE: h.taskQueue,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    },
    cwd: dir,
    connectLifecycles: connector,
    tick: () => Promise.resolve(true),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('campaign outcomes (issue 14)', () => {
  it('R-CAM-2, R-CAM-3: every member refused by its lifecycle is a failure with its reason in status, Slack and the report, and the campaign ends failed, not completed', async () => {
    harness = await createCampaignHarness({ timings: TIMINGS });
    const h = harness;
    const seeds = await h.seed(['alpha', 'bravo'], 2);
    await h.startLifecycles(seeds);
    // A client whose roles disagree with the worker's, as the CLI's did when it read its own environment.
    const disagreeing = createCampaignClient({
      client: h.env.client,
      taskQueue: h.taskQueue,
      store: h.store,
      campaigns: h.campaignStore,
      roles: () => Promise.resolve({ securityLeads: [INTRUDER.id], admins: [], publishedBy: 'stale', publishedAt: '' }),
      searchAttributes: false,
      timings: TIMINGS,
    });
    await h.withWorker(async () => {
      const campaign = await disagreeing.start({
        selector: { issuerDn: h.oldIssuerDn },
        kind: 'ca-compromise',
        reason: 'Old Corp issuing CA key compromised',
        launchedBy: INTRUDER,
        emergency: true,
        parallelism: 4,
      });
      const end = await result(h, campaign.id);
      expect(end.status).toBe('failed');
      expect(end.counts).toEqual({ ...emptyStateCounts(), failed: 4 });
      expect(end.failedAttempts).toBe(4);
      expect(end.failureReasons).toEqual([
        { reason: expect.stringContaining('neither an approver nor a security lead') as string, count: 4 },
      ]);

      // Failed at once, with why, without burning the other attempts (a retry cannot fix a role).
      const members = await h.campaignStore.listMembers(campaign.id);
      expect(members.map((member) => [member.state, member.attempts])).toEqual(Array(4).fill(['failed', 1]));
      for (const member of members) expect(member.detail).toMatch(/neither an approver nor a security lead/);

      // Slack: the last progress message says failed and why; the report lists the four failures.
      const published = h.campaignNotifier.ofMethod('publishProgress').at(-1)?.progress;
      expect(published?.status).toBe('failed');
      const message = JSON.stringify(campaignProgressMessage(published as CampaignProgress));
      expect(message).toContain('failed: nothing was replaced');
      expect(message).toContain('neither an approver nor a security lead');
      const report = h.campaignNotifier.ofMethod('postReport')[0]?.markdown ?? '';
      expect(report).toMatch(/\| Status \| failed \|/);
      expect(report).toContain('## Failures (4)');
      expect(report).toMatch(/neither an approver nor a security lead/);
      const csv = renderCampaignReportCsv(await h.campaigns.report(campaign.id));
      expect(csv.split('\r\n').filter((line) => line.includes(',failed,'))).toHaveLength(4);

      // The CLI: status shows the reason, --watch exits 1.
      const status = await cli(h, ['campaign', 'status', campaign.id]);
      expect(status.code).toBe(EXIT.ok);
      expect(status.out).toMatch(/status {7}failed/);
      expect(status.out).toMatch(/4 members failed/);
      expect(status.out).toMatch(/4 × its lifecycle refused the renewal \(not-approver\): .*neither an approver/);
      const watch = await cli(h, ['campaign', 'status', campaign.id, '--watch']);
      expect(watch.code).toBe(EXIT.failure);
      const audit = await h.store.queryAudit({ action: 'campaign.failed' }, { limit: 10 });
      expect(audit.items.map((entry) => entry.subject)).toEqual([campaign.id]);
    });
  }, 300_000);

  it('R-CAM-3, R-CAM-4: Slack hanging and Jira failing never hold dispatch or completion; failures are audited and the final state is published once more', async () => {
    harness = await createCampaignHarness({ timings: TIMINGS });
    const h = harness;
    const seeds = await h.seed(['alpha', 'bravo'], 3);
    await h.startLifecycles(seeds);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let publications = 0;
    const slack: CampaignNotifier = {
      publishProgress: async (input) => {
        publications += 1;
        // The first publication hangs until the test lets it go: dispatch must not wait for it.
        if (publications === 1) await held;
        return await h.campaignNotifier.publishProgress(input);
      },
      escalateLaggards: (input) => h.campaignNotifier.escalateLaggards(input),
      postReport: (input) => h.campaignNotifier.postReport(input),
    };
    const jira: CampaignTicketing = {
      ensureEpic: () => Promise.reject(new Error('Jira answered 503 Service Unavailable')),
      ensureGroupTask: () => Promise.reject(new Error('Jira answered 503 Service Unavailable')),
      syncGroupTask: () => Promise.reject(new Error('Jira answered 503 Service Unavailable')),
      escalateGroupTask: () => Promise.reject(new Error('Jira answered 503 Service Unavailable')),
    };
    h.publishing = { notifier: slack, ticketing: jira };
    await h.withWorker(async () => {
      const campaign = await startCompromise(h, 2);
      // Every member is replaced while the first Slack publication still hangs.
      await untilMembers(h, campaign.id, (states) => states.length === 6 && states.every((s) => s === 'old-revoked'));
      expect(h.campaignNotifier.ofMethod('publishProgress')).toHaveLength(0);
      release();
      const end = await result(h, campaign.id);
      expect(end.status).toBe('completed');
      expect(end.counts['old-revoked']).toBe(6);
      const finalPublication = h.campaignNotifier.ofMethod('publishProgress').at(-1)?.progress;
      expect(finalPublication?.status).toBe('completed');
      expect(h.campaignNotifier.ofMethod('postReport')).toHaveLength(1);
      const jiraFailures = await h.store.queryAudit({ action: 'campaign.jira-failed' }, { limit: 100 });
      expect(jiraFailures.items.length).toBeGreaterThan(0);
      expect(jiraFailures.items[0]?.details.problem).toMatch(/503/);
    });
  }, 300_000);

  it('R-CAM-3, R-CAM-4: the last words are retried until they land: a final progress and a report still in doubt after two attempts are posted on the third, each once', async () => {
    harness = await createCampaignHarness({ timings: TIMINGS });
    const h = harness;
    const seeds = await h.seed(['alpha'], 2);
    await h.startLifecycles(seeds);
    const attempts = { finalProgress: 0, report: 0 };
    // An earlier post held past the client's timeout may still appear: the notifier says so until it can look.
    const inDoubt = () => new NotificationInDoubtError('an earlier post may still appear in #certs', 1_000);
    const slack: CampaignNotifier = {
      publishProgress: async (input) => {
        if (input.progress.status === 'completed' && ++attempts.finalProgress <= 2) throw inDoubt();
        return await h.campaignNotifier.publishProgress(input);
      },
      escalateLaggards: (input) => h.campaignNotifier.escalateLaggards(input),
      postReport: async (input) => {
        if (++attempts.report <= 2) throw inDoubt();
        return await h.campaignNotifier.postReport(input);
      },
    };
    h.publishing = { notifier: slack, ticketing: h.campaignTicketing };
    await h.withWorker(async () => {
      const campaign = await startCompromise(h, 2);
      const end = await result(h, campaign.id);
      expect(end.status).toBe('completed');
      expect(attempts).toEqual({ finalProgress: 3, report: 3 });
      expect(h.campaignNotifier.ofMethod('publishProgress').at(-1)?.progress.status).toBe('completed');
      expect(h.campaignNotifier.ofMethod('postReport')).toHaveLength(1);
      const audited = await h.store.queryAudit({ action: 'campaign.' }, { limit: 100 });
      expect(audited.items.filter((entry) => entry.action.endsWith('-failed'))).toEqual([]);
    });
  }, 300_000);

  it('R-CAM-2: no more than --parallel members are under way at any step, and the bound is reached', async () => {
    harness = await createCampaignHarness({ timings: TIMINGS });
    const h = harness;
    const seeds = await h.seed(['alpha', 'bravo'], 5);
    await h.startLifecycles(seeds);
    // Installs wait until 3 members are issued, so the campaign is held at its bound for a while.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const [files] = h.deployers as [Deployer];
    h.deployers = [
      {
        ...files,
        name: files.name,
        supports: (location) => files.supports(location),
        verify: (request) => files.verify(request),
        rollback: (input) => files.rollback(input),
        install: async (request) => {
          await gate;
          return await files.install(request);
        },
      },
    ];
    await h.withWorker(async () => {
      const campaign = await startCompromise(h, 3);
      await untilMembers(h, campaign.id, (states) => states.filter((s) => s === 'issued').length === 3);
      open();
      const end = await result(h, campaign.id);
      expect(end.counts['old-revoked']).toBe(10);
    });
    // Replay the lifecycles' store writes in order: the members under way after each one.
    const states = new Map<string, CampaignMemberState>();
    let most = 0;
    for (const change of h.memberChanges) {
      states.set(change.fingerprintSha256, change.state);
      const counts = emptyStateCounts();
      for (const state of states.values()) counts[state] += 1;
      most = Math.max(most, inWorkCount(counts));
    }
    expect(h.memberChanges.length).toBeGreaterThanOrEqual(10 * 5);
    expect(most).toBe(3);
  }, 300_000);
});
