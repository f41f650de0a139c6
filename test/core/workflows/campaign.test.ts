/**
 * The campaign workflow on the time-skipping server with the real lifecycles, the real renewal path (internal CA,
 * files deployer, verification, revocation at the compromised CA), the SQLite campaign store and recording Slack and
 * Jira campaign adapters (R-CAM-1 … R-CAM-4).
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LifecycleConnector } from '../../../src/cli/lifecycle-connection';
import { EXIT, main } from '../../../src/cli/main';
import { CampaignRefusedError } from '../../../src/core/application/campaign-operations';
import {
  CAMPAIGN_MEMBER_STATES,
  type CampaignProgress,
  type CampaignSelector,
  type CampaignStateCounts,
} from '../../../src/core/domain/campaigns/model';
import { DeployRejectedError, type Deployer } from '../../../src/core/ports/deployer';
import type { AuditEntry } from '../../../src/core/domain/inventory/model';
import { campaignWorkflowId, lifecycleWorkflowId } from '../../../src/core/workflows/definitions';
import {
  CAMPAIGN_PEOPLE,
  createCampaignHarness,
  DAY_MS,
  type CampaignHarness,
  type CampaignSeed,
} from '../../support/campaign-harness';

const { securityLead, approver, stranger } = CAMPAIGN_PEOPLE;
/** Immediate progress publications: time on the test server only moves when the test skips it. */
const TIMINGS = { progressEveryMs: 0, rescanEveryMs: 30 * DAY_MS, retryAfterMs: 60 * 60_000 };

let harness: CampaignHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function counts(partial: Partial<CampaignStateCounts>): CampaignStateCounts {
  return Object.fromEntries(CAMPAIGN_MEMBER_STATES.map((state) => [state, partial[state] ?? 0])) as CampaignStateCounts;
}

/** Every published progress is consistent: counts never negative, they add up, done never goes back. */
function expectConsistentPublications(h: CampaignHarness): void {
  let done = 0;
  for (const call of h.campaignNotifier.ofMethod('publishProgress')) {
    const { progress } = call;
    for (const state of CAMPAIGN_MEMBER_STATES) expect(progress.counts[state]).toBeGreaterThanOrEqual(0);
    expect(Object.values(progress.counts).reduce((a, b) => a + b, 0)).toBe(progress.total);
    for (const group of progress.groups) {
      expect(Object.values(group.counts).reduce((a, b) => a + b, 0)).toBe(group.total);
    }
    expect(progress.done).toBeGreaterThanOrEqual(done);
    done = progress.done;
  }
}

/** Approves every campaign renewal waiting in these groups, as the group's approver would in Slack. */
async function approveWaiting(h: CampaignHarness, campaignId: string, groups: readonly string[]): Promise<number> {
  let approved = 0;
  for (const group of groups) {
    const waiting = await h.campaignStore.listMembers(campaignId, { states: ['awaiting-approval'], ownerGroup: group });
    for (const member of waiting) {
      const view = await h.lifecycles.status(member.managedCertificateId);
      if (view.request?.status !== 'awaiting-approval') continue;
      await h.lifecycles.decide({ requestId: view.request.id, decision: 'approve', decidedBy: approver });
      approved += 1;
    }
  }
  return approved;
}

async function startCampaign(
  h: CampaignHarness,
  selector: CampaignSelector,
  options: { emergency: boolean; parallelism?: number; maxAttempts?: number; confirmedCount?: number },
) {
  return await h.campaigns.start({
    selector,
    kind: 'ca-compromise',
    reason: 'Old Corp issuing CA key compromised',
    launchedBy: securityLead,
    emergency: options.emergency,
    parallelism: options.parallelism ?? 25,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.confirmedCount === undefined ? {} : { confirmedCount: options.confirmedCount }),
  });
}

/** `certflow import <files> --owner <their group>` through the CLI's code, on the harness's inventory and clients. */
async function importWithCli(h: CampaignHarness, files: readonly CampaignSeed[]) {
  const out: string[] = [];
  const err: string[] = [];
  const connector: LifecycleConnector = () =>
    Promise.resolve({ lifecycles: h.lifecycles, campaigns: h.campaigns, close: () => Promise.resolve() });
  const code = await main(
    [
      'import',
      ...files.map((seed) => (seed.location.kind === 'file' ? seed.location.path : '')),
      '--owner',
      files[0]?.ownerGroup ?? '',
    ],
    {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      env: {
        CERTFLOW_DATABASE_URL: `sqlite:${path.join(h.folder, 'inventory.sqlite')}`,
        CERTFLOW_ACTOR: 'email:owner@charlie.example.com',
        CERTFLOW_TASK_QUEUE: h.taskQueue,
        TEMPORAL_ADDRESS: '127.0.0.1:1',
      },
      cwd: h.folder,
      connectLifecycles: connector,
    },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function result(h: CampaignHarness, campaignId: string): Promise<CampaignProgress> {
  return (await h.env.client.workflow.getHandle(campaignWorkflowId(campaignId)).result()) as CampaignProgress;
}

/** Every seeded certificate was replaced exactly once: one new version, the old one revoked at the old CA. */
async function expectReplacedOnce(h: CampaignHarness, seeds: readonly CampaignSeed[]): Promise<void> {
  const revoked = await h.store.queryAudit({ action: 'certificate.revoked' }, { limit: 1000 });
  const reasons = new Map(revoked.items.map((entry) => [entry.subject, entry.details.reason]));
  for (const seed of seeds) {
    const managed = await h.store.getManagedCertificate(seed.managedCertificateId);
    expect(managed?.currentFingerprint).not.toBe(seed.fingerprint);
    expect(reasons.get(seed.fingerprint)).toBe('cACompromise');
  }
  const issuedByNew = await h.store.countCertificates({ issuer: 'O=certflow' });
  expect(issuedByNew).toBeGreaterThanOrEqual(seeds.length);
}

/** The steps every member's replacement audits, once each (R-LOG-1), whatever else its trail holds. */
const MEMBER_STEPS = [
  'renewal.requested',
  'request.approved',
  'ticket.opened',
  'renewal.started',
  'certificate.issued',
  'renewal.installing',
  'certificate.installed',
  'renewal.verifying',
  'certificate.verified',
  'renewal.completed',
  'certificate.revoked',
  'lifecycle.old-certificate-revoked',
];

/**
 * R-CAM-4: every member's lifecycle left the same audit trail (a retried or repeated step would show twice, a lost
 * one not at all), with each replacement step once and in order, its ticket comments and notifications included.
 */
async function expectCompleteAuditTrails(h: CampaignHarness, seeds: readonly CampaignSeed[]): Promise<void> {
  const rows: AuditEntry[] = [];
  for (;;) {
    const page = await h.store.queryAudit({}, { limit: 1000, offset: rows.length });
    rows.push(...page.items);
    if (page.items.length < 1000) break;
  }
  const trails = seeds.map((seed) =>
    rows.filter((row) => row.where === lifecycleWorkflowId(seed.managedCertificateId)).map((row) => row.action),
  );
  const [first] = trails;
  expect(first?.filter((action) => MEMBER_STEPS.includes(action))).toEqual(MEMBER_STEPS);
  expect(first?.filter((action) => action === 'ticket.commented')).toHaveLength(5);
  for (const trail of trails) expect(trail).toEqual(first);
}

describe('campaign workflow', () => {
  it('R-CAM-1, R-CAM-2, R-CAM-3: a CA compromise across 5 groups replaces all 200 through the renewal path, with exact counts, and escalates the 2 slow groups at the 2-day deadline', async () => {
    harness = await createCampaignHarness({ timings: TIMINGS });
    const h = harness;
    const groups = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    const [fast, slow] = [groups.slice(0, 3), groups.slice(3)];
    const seeds = await h.seed(groups, 40);
    const unaffected = await h.seed(['alpha'], 5, { ca: 'new' });
    await h.startLifecycles([...seeds, ...unaffected]);
    const selector: CampaignSelector = { issuerDn: h.oldIssuerDn };

    await h.withWorker(async () => {
      await expect(h.campaigns.preview(selector, stranger)).rejects.toMatchObject({ code: 'not-security-lead' });
      const preview = await h.campaigns.preview(selector, securityLead);
      expect(preview.total).toBe(200);
      expect(preview.byOwnerGroup).toEqual(groups.map((key) => ({ key, count: 40 })));

      const campaign = await startCampaign(h, selector, { emergency: false, confirmedCount: 200 });
      const first = await h.waitForProgress(campaign.id, (p) => p.counts['awaiting-approval'] === 200, 'requests');
      expect(first.counts).toEqual(counts({ 'awaiting-approval': 200 }));
      expect(first.groups.map((group) => [group.group, group.total])).toEqual(groups.map((group) => [group, 40]));

      // The fast groups approve at once; the slow ones do not before the deadline.
      expect(await approveWaiting(h, campaign.id, fast)).toBe(120);
      const fastDone = await h.waitForProgress(campaign.id, (p) => p.counts['old-revoked'] === 120, 'fast groups');
      expect(fastDone.counts).toEqual(counts({ 'old-revoked': 120, 'awaiting-approval': 80 }));
      expect(fastDone.milestones.p50).not.toBeNull();
      expect(fastDone.milestones.p90).toBeNull();
      expect(fastDone.laggards.map((group) => group.group)).toEqual(slow);
      expect(h.campaignNotifier.ofMethod('escalateLaggards')).toHaveLength(0);

      await h.env.sleep(2 * DAY_MS + 60_000);
      const late = await h.waitForProgress(campaign.id, (p) => p.escalated, 'the deadline escalation');
      expect(late.counts).toEqual(counts({ 'old-revoked': 120, 'awaiting-approval': 80 }));
      const [escalation, ...more] = h.campaignNotifier.ofMethod('escalateLaggards');
      expect(more).toHaveLength(0);
      expect(escalation?.groups.map((group) => group.progress.group)).toEqual(slow);
      expect(escalation?.groups.map((group) => group.group?.managementContact?.email)).toEqual(
        slow.map((group) => `boss@${group}.example.com`),
      );
      const escalatedTasks = h.campaignTicketing.campaignCalls.filter((call) => call.method === 'escalateGroupTask');
      expect(escalatedTasks).toHaveLength(2);

      expect(await approveWaiting(h, campaign.id, slow)).toBe(80);
      const end = await result(h, campaign.id);
      expect(end.status).toBe('completed');
      expect(end.counts).toEqual(counts({ 'old-revoked': 200 }));
      expect(end.milestones.p100).not.toBeNull();
      await expectReplacedOnce(h, seeds);
      for (const seed of unaffected) {
        expect((await h.store.getManagedCertificate(seed.managedCertificateId))?.currentFingerprint).toBe(
          seed.fingerprint,
        );
      }

      // One Slack message, updated in place; one epic with a task per group, each Done.
      const publications = h.campaignNotifier.ofMethod('publishProgress');
      expect(publications.length).toBeGreaterThan(2);
      expect(publications[0]?.receipt).toBeNull();
      expect(new Set(publications.slice(1).map((call) => call.receipt?.messages[0]?.ts))).toEqual(
        new Set(['1.000000']),
      );
      expectConsistentPublications(h);
      expect(h.campaignTicketing.campaignCalls.filter((call) => call.method === 'ensureEpic')).toHaveLength(1);
      expect(h.campaignNotifier.ofMethod('postReport')).toHaveLength(1);
    });
  }, 600_000);

  it('R-CAM-2: a failing deploy for 3 certificates is reported, retried after the retry delay and counted; the emergency pre-approval is audited per certificate', async () => {
    harness = await createCampaignHarness({ timings: TIMINGS });
    const h = harness;
    const seeds = await h.seed(['alpha', 'bravo'], 10);
    await h.startLifecycles(seeds);
    const broken = new Set(seeds.slice(0, 3).map((seed) => (seed.location.kind === 'file' ? seed.location.path : '')));
    const [files] = h.deployers as [Deployer];
    h.deployers = [
      {
        ...files,
        name: files.name,
        supports: (location) => files.supports(location),
        verify: (request) => files.verify(request),
        rollback: (input) => files.rollback(input),
        install: async (request) => {
          const at = request.location.kind === 'file' ? request.location.path : '';
          if (broken.delete(at)) throw new DeployRejectedError(`disk full at ${at}`);
          return await files.install(request);
        },
      },
    ];
    await h.withWorker(async () => {
      const campaign = await startCampaign(h, { issuerDn: h.oldIssuerDn }, { emergency: true, parallelism: 5 });
      const failed = await h.waitForProgress(
        campaign.id,
        (p) => p.counts.failed === 3 && p.counts['old-revoked'] === 17,
        'three failures',
      );
      expect(failed.failedAttempts).toBe(3);
      const members = await h.campaignStore.listMembers(campaign.id, { states: ['failed'] });
      expect(members.map((member) => member.detail)).toEqual([
        expect.stringContaining('disk full'),
        expect.stringContaining('disk full'),
        expect.stringContaining('disk full'),
      ]);
      await h.env.sleep(TIMINGS.retryAfterMs + 60_000);
      const end = await result(h, campaign.id);
      expect(end.counts).toEqual(counts({ 'old-revoked': 20 }));
      expect(end.failedAttempts).toBe(3);
      const retried = (await h.campaignStore.listMembers(campaign.id)).filter((member) => member.attempts === 2);
      expect(retried).toHaveLength(3);
      await expectReplacedOnce(h, seeds);
      const preApproved = await h.store.queryAudit({ action: 'renewal.requested' }, { limit: 100 });
      const campaignRequests = preApproved.items.filter((entry) => entry.details.campaignId === campaign.id);
      expect(campaignRequests).toHaveLength(23);
      for (const entry of campaignRequests) expect(entry.details.preApprovedBy).toBe(securityLead.id);
      const report = h.campaignNotifier.ofMethod('postReport')[0];
      expect(report?.markdown).toMatch(/Failed attempts \| 3/);
    });
  }, 600_000);

  it('R-CAM-2: pause stops new renewals, resume goes on, and only security leads may do either', async () => {
    harness = await createCampaignHarness({ timings: TIMINGS });
    const h = harness;
    const seeds = await h.seed(['alpha'], 8);
    await h.startLifecycles(seeds);
    await h.withWorker(async () => {
      const campaign = await startCampaign(h, { ownerGroups: ['alpha'] }, { emergency: true, parallelism: 2 });
      await expect(h.campaigns.pause(campaign.id, stranger, 'no')).rejects.toBeInstanceOf(CampaignRefusedError);
      await expect(h.campaigns.pause(campaign.id, securityLead, ' ')).rejects.toMatchObject({
        code: 'reason-required',
      });
      const paused = await h.campaigns.pause(campaign.id, securityLead, 'change freeze until the board meets');
      expect(paused.status).toBe('paused');
      const quiet = await h.waitForProgress(
        campaign.id,
        (p) => p.counts.approved + p.counts.issued + p.counts.installed + p.counts.verified === 0,
        'the renewals under way to finish',
      );
      const doneWhenPaused = quiet.done;
      expect(doneWhenPaused).toBeLessThan(8);
      await h.env.sleep(DAY_MS);
      const stillPaused = await h.waitForProgress(campaign.id, () => true, 'a quiet campaign');
      expect(stillPaused.done).toBe(doneWhenPaused);
      expect(stillPaused.statusReason).toContain('change freeze');
      const resumed = await h.campaigns.resume(campaign.id, securityLead);
      expect(resumed.status).toBe('running');
      const end = await result(h, campaign.id);
      expect(end.counts).toEqual(counts({ 'old-revoked': 8 }));
      const actions = (await h.store.queryAudit({ action: 'campaign.' }, { limit: 100 })).items.map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['campaign.launched', 'campaign.paused', 'campaign.resumed']));
      expect(actions).toContain('campaign.refused');
    });
  }, 600_000);

  it('R-CAM-2: cancel skips pending members and withdraws renewals still waiting for an approver', async () => {
    harness = await createCampaignHarness({ timings: TIMINGS });
    const h = harness;
    const seeds = await h.seed(['alpha', 'bravo'], 5);
    await h.startLifecycles(seeds);
    await h.withWorker(async () => {
      const campaign = await startCampaign(h, { issuerDn: h.oldIssuerDn }, { emergency: false, parallelism: 3 });
      await h.waitForProgress(campaign.id, (p) => p.counts['awaiting-approval'] === 10, 'requests');
      await expect(h.campaigns.cancel(campaign.id, stranger, 'oops')).rejects.toMatchObject({
        code: 'not-security-lead',
      });
      await h.campaigns.cancel(campaign.id, securityLead, 'false alarm: the CA key was not exposed');
      const end = await result(h, campaign.id);
      expect(end.status).toBe('cancelled');
      expect(end.counts).toEqual(counts({ skipped: 10 }));
      for (const seed of seeds) {
        const view = await h.lifecycles.status(seed.managedCertificateId);
        expect(view.request?.status).toBe('superseded');
        expect(view.certificate?.fingerprintSha256).toBe(seed.fingerprint);
      }
      await expect(h.campaigns.resume(campaign.id, securityLead)).rejects.toBeInstanceOf(CampaignRefusedError);
    });
  }, 600_000);

  it('R-CAM-2, R-CAM-4: a worker stopped mid-campaign and a new one started replace every certificate once; certificates imported later with certflow import join', async () => {
    harness = await createCampaignHarness({ timings: TIMINGS });
    const h = harness;
    const seeds = await h.seed(['alpha', 'bravo'], 15);
    await h.startLifecycles(seeds);
    // Without a workflow cache: the time-skipping server's worker cannot shut down while cached workflows run.
    const stopFirst = await h.startWorker({ identity: 'first-worker', maxCachedWorkflows: 0 });
    const campaign = await startCampaign(h, { issuerDn: h.oldIssuerDn }, { emergency: true, parallelism: 4 });
    await h.waitForProgress(campaign.id, (p) => p.done >= 6, 'a third of the campaign');
    await stopFirst();
    // Imported the way a person does (the rescan is 30 days away): `certflow import` starts their lifecycles and
    // tells the running campaign.
    const files = await h.seed(['charlie'], 4, { record: false });
    const imported = await importWithCli(h, files);
    expect(imported.code).toBe(EXIT.ok);
    expect(imported.out).toContain('1 running campaign told of the new certificates');
    const late = await Promise.all(
      files.map(async (seed) => ({
        ...seed,
        managedCertificateId: (await h.store.findManagedCertificateByFingerprint(seed.fingerprint))?.id ?? '',
      })),
    );
    await h.withWorker(
      async () => {
        const end = await result(h, campaign.id);
        expect(end.counts).toEqual(counts({ 'old-revoked': 34 }));
        expect(end.groups.map((group) => group.group)).toEqual(['alpha', 'bravo', 'charlie']);
      },
      // With a workflow cache (as in production): without one every lifecycle task replays its whole history, which
      // on a busy machine is what made this test slow.
      { identity: 'second-worker' },
    );
    const all = [...seeds, ...late];
    await expectReplacedOnce(h, all);
    await expectCompleteAuditTrails(h, all);
    // No duplicate certificate, ticket or message: one issuance, one change ticket per certificate, one Slack post.
    const issued = await h.store.searchCertificates({ issuer: 'O=certflow' }, { limit: 1000 });
    const subjects = issued.items.map((certificate) => certificate.facts.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(subjects).toHaveLength(all.length);
    const tickets = h.ticketing.tickets.map((ticket) => ticket.request.certificate.fingerprintSha256);
    expect(new Set(tickets).size).toBe(tickets.length);
    const posts = h.campaignNotifier.ofMethod('publishProgress').filter((call) => call.receipt === null);
    expect(posts).toHaveLength(1);
  }, 600_000);
});
