/**
 * Issue 6's "Done when", end to end in one process: the real lifecycle workflow on the time-skipping server, its
 * activities ticketing through JiraTicketing (the real jira-client over HTTP, a SqlJiraTicketStore on the harness's
 * inventory database) against the Jira stand-in (Cloud, Change issue type), and the stand-in's signed webhooks
 * arriving at certflow's webhook endpoint, which signals the lifecycle through the real lifecycle client.
 */
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createLifecycleClient } from '../../../src/core/application/lifecycle-client';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import { startHttpServer, type HttpHandler } from '../../../src/adapters/shared/http';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import type { InventoryDatabase } from '../../../src/adapters/database/kysely-inventory-store';
import { parseJiraConfig } from '../../../src/adapters/jira/jira-config';
import { JiraTicketing } from '../../../src/adapters/jira/jira-ticketing';
import { SqlJiraTicketStore } from '../../../src/adapters/jira/sql-jira-ticket-store';
import {
  startJiraStandIn,
  webhookSignature,
  type JiraStandIn,
  type StandInComment,
} from '../../../src/adapters/jira/stand-in/jira-stand-in';
import { createJiraWebhookMount, JIRA_WEBHOOK_PATH } from '../../../src/adapters/jira/webhook/jira-webhook-endpoint';
import {
  decideRequestUpdate,
  lifecycleWorkflowId,
  requestRenewalUpdate,
} from '../../../src/core/workflows/definitions';
import type { LifecycleView } from '../../../src/core/domain/lifecycle/lifecycle-view';
import { createLifecycleHarness, DAY_MS, PEOPLE, type LifecycleHarness } from '../../support/lifecycle-harness';
import { until } from '../../support/until';

const SECRET = 'jira-webhook-secret-of-the-test';
const WINDOW_FIELD = 'customfield_10050';
const REASON_FIELD = 'customfield_10051';

const BOT = { accountId: 'acc-certflow', email: 'certflow@example.com', displayName: 'certflow', apiToken: 'bot-t' };
const CLEO = { accountId: 'acc-cleo', email: 'cleo@example.com', displayName: 'Cleo Change Manager', apiToken: 'c-t' };

/** Everything a test runs against; closed after it. */
interface JiraSetUp {
  readonly h: LifecycleHarness;
  readonly jira: JiraStandIn;
  readonly db: Kysely<InventoryDatabase>;
  /** A new JiraTicketing on the same database, as a restarted worker builds it. */
  readonly newAdapter: () => JiraTicketing;
  /** Where the stand-in posts its webhooks. */
  readonly webhookUrl: string;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A change workflow whose statuses are not Jira's default names, and JIRA_CONFIG_FILE's changeStatuses naming them. */
const CAB_WORKFLOW = {
  workflows: {
    statuses: [
      { name: 'Pending CAB', category: 'new' as const },
      { name: 'CAB approved', category: 'indeterminate' as const },
      { name: 'CAB rejected', category: 'done' as const },
    ],
    workflows: {
      Change: {
        initial: 'Pending CAB',
        transitions: [
          { id: '11', name: 'Approve', from: ['Pending CAB'], to: 'CAB approved' },
          { id: '21', name: 'Reject', from: ['Pending CAB'], to: 'CAB rejected' },
          { id: '31', name: 'In Progress', from: ['CAB approved'], to: 'In Progress' },
          { id: '41', name: 'Done', from: ['In Progress'], to: 'Done' },
        ],
      },
    },
  },
  changeStatuses: { approved: ['CAB approved'], rejected: ['CAB rejected'], pending: ['Pending CAB'] },
};

async function setUp(requireChangeApproval: boolean, own: Partial<typeof CAB_WORKFLOW> = {}): Promise<JiraSetUp> {
  const h = await createLifecycleHarness();
  closers.push(() => h.close());
  h.policy = { ...DEFAULT_POLICY, renewal: { ...DEFAULT_POLICY.renewal, requireChangeApproval } };
  // A second handle on the harness's SQLite file, as the worker opens the inventory database for the ticket store.
  const { db } = await openInventoryDatabase({ url: `sqlite:${path.join(h.folder, 'inventory.sqlite')}` });
  closers.push(() => db.destroy());
  const lifecycles = createLifecycleClient({
    client: h.env.client,
    taskQueue: h.taskQueue,
    store: h.store,
    searchAttributes: false,
  });
  // The webhook reads the same parsed JIRA_CONFIG_FILE settings as the adapter, which need the stand-in's port.
  const webhook: { handler?: HttpHandler } = {};
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [
      { prefix: JIRA_WEBHOOK_PATH, handler: (request, response) => webhook.handler?.(request, response) ?? false },
    ],
  });
  closers.push(() => server.close());
  const webhookUrl = `${server.url}${JIRA_WEBHOOK_PATH}`;
  const jira = await startJiraStandIn({
    flavour: 'cloud',
    users: [BOT, CLEO],
    projects: [{ key: 'CHG' }],
    customFields: [
      { id: WINDOW_FIELD, name: 'Change window start', type: 'datetime' },
      { id: REASON_FIELD, name: 'Change reason', type: 'string' },
    ],
    webhook: { url: webhookUrl, secret: SECRET },
    ...(own.workflows === undefined ? {} : { workflows: own.workflows }),
  });
  closers.push(async () => {
    await jira.close();
    // Jira Cloud removed the v2 search: nothing certflow does may call it.
    expect(jira.calls.filter((call) => call.path.startsWith('/rest/api/2/search'))).toEqual([]);
  });
  const config = parseJiraConfig({
    flavour: 'cloud',
    host: '127.0.0.1',
    protocol: 'http',
    port: jira.port,
    auth: { email: BOT.email, apiToken: BOT.apiToken },
    projectKey: 'CHG',
    customFields: { changeWindowStart: { id: WINDOW_FIELD, type: 'datetime' }, declineReason: REASON_FIELD },
    ...(own.changeStatuses === undefined ? {} : { changeStatuses: own.changeStatuses }),
  });
  webhook.handler = createJiraWebhookMount({
    secret: SECRET,
    config,
    deliver: (update) => lifecycles.notifyChangeTicketUpdated(update),
    log: () => undefined,
  }).handler;
  const newAdapter = () => new JiraTicketing({ config, store: new SqlJiraTicketStore({ db }) });
  h.deps.ticketing = newAdapter();
  return { h, jira, db, newAdapter, webhookUrl };
}

const renewed = (v: LifecycleView) => v.cycle === 2 && v.certificate !== null;

/** The idempotency key certflow keeps in a comment's property. */
function keyOf(comment: StandInComment): string | undefined {
  const value = comment.properties.find((property) => property.key === 'certflow')?.value;
  return (value as { idempotencyKey?: string } | undefined)?.idempotencyKey;
}

/** The comments certflow wrote on the ticket, as people read them. */
function commentTexts(jira: JiraStandIn, key: string): string[] {
  return (jira.issue(key)?.comments ?? [])
    .filter((comment) => comment.author.accountId === BOT.accountId)
    .map((comment) => comment.body);
}

/** The owner asks for a renewal and Bob approves it; resolves once the approval is in. */
async function requestAndApprove(h: LifecycleHarness, managedCertificateId: string): Promise<void> {
  const handle = h.env.client.workflow.getHandle(lifecycleWorkflowId(managedCertificateId));
  const request = await handle.executeUpdate(requestRenewalUpdate, {
    args: [{ requestedBy: PEOPLE.owner, reason: 'renew before the ticket escalates' }],
  });
  await h.waitFor(managedCertificateId, (v) => v.records.some((r) => r.kind === 'approval.requested'), 'approval');
  await handle.executeUpdate(decideRequestUpdate, {
    args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.bob }],
  });
}

/** Waits until the approved renewal is held at the change gate with its ticket open. */
async function waitUntilHeld(h: LifecycleHarness, managedCertificateId: string): Promise<LifecycleView> {
  return await h.waitFor(
    managedCertificateId,
    (v) => v.phase === 'awaiting-approval' && v.changeApproval?.status === 'waiting' && v.ticket !== null,
    'the renewal to wait for the change approval',
  );
}

/** A Jira-style date-time (offset without a colon) `ms` milliseconds after the epoch. */
const jiraDateTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

async function auditActions(h: LifecycleHarness, prefix: string): Promise<string[]> {
  return (await h.store.queryAudit({ action: prefix }, { limit: 200 })).items.map((entry) => entry.action);
}

describe('a certificate lifecycle through Jira (jira-client over HTTP against the stand-in, time-skipping server)', () => {
  it(
    'R-MON-2, R-LOG-1: opens one change ticket at the ticket instant, comments every step, and after the change manager approves in Jira moves it to In Progress and, once verified, to Done',
    { timeout: 90_000 },
    async () => {
      const { h, jira } = await setUp(true);
      const seeded = await h.seed({ daysLeft: 65, lifetimeDays: 200 });
      const key = await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        const early = await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the first plan');
        expect(early.ticket).toBeNull();
        expect(jira.issues()).toHaveLength(0);

        await h.env.sleep(5 * DAY_MS + 60_000);
        const opened = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.ticket !== null && v.records.some((r) => r.kind === 'reminder'),
          'the change ticket at 60 days',
        );
        const key = opened.ticket!.key;
        expect(jira.issues().map((issue) => issue.key)).toEqual([key]);
        expect(jira.issue(key)?.fields).toMatchObject({
          issuetype: { name: 'Change' },
          status: { name: 'Awaiting approval' },
        });

        await requestAndApprove(h, seeded.managedCertificateId);
        await waitUntilHeld(h, seeded.managedCertificateId);
        expect(jira.issue(key)?.fields.status).toMatchObject({ name: 'Awaiting approval' });

        // The change manager approves in Jira; the stand-in's signed webhook signals the lifecycle.
        await jira.transitionAs(key, 'Approved', CLEO.accountId);
        expect(jira.webhookDeliveries.at(-1)).toMatchObject({ status: 200 });
        await h.waitFor(seeded.managedCertificateId, renewed, 'the renewal');

        await h.env.sleep(5 * DAY_MS + 60_000);
        await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.pendingRevocation === null && v.phase === 'monitoring',
          'the old certificate revoked',
        );
        await handle.terminate('test done');
        return key;
      });

      expect(jira.issues()).toHaveLength(1);
      const issue = jira.issue(key)!;
      expect(issue.fields.status).toMatchObject({ name: 'Done' });
      expect(issue.transitions.map((t) => t.to)).toEqual(['Approved', 'In Progress', 'Done']);
      const texts = commentTexts(jira, key);
      const expected = [
        /^Reminder sent to the owners: \d+ days left\.$/,
        /requested by email:owner@example\.com: renew before the ticket escalates\. Waiting for an approver\.$/,
        /approved by email:bob@example\.com\. Deploying waits for this change to be approved\.$/,
        /^Issued /,
        /^Installed .* at 1 location\(s\)\.$/,
        /^Verified: every location serves /,
        new RegExp(`^The replaced certificate \\(serial ${seeded.serialNumber}\\) is revoked`),
      ];
      expect(texts).toHaveLength(expected.length);
      texts.forEach((text, index) => expect(text).toMatch(expected[index]!));
      expect(await auditActions(h, 'ticket.refused')).toEqual([]);
      expect(await auditActions(h, 'change.approved')).toEqual(['change.approved']);
    },
  );

  it(
    'R-MON-2, R-LOG-1: without the change gate the approval-time In Progress, refused while the ticket awaits approval, is audited as ticket.refused and the renewal goes on',
    { timeout: 60_000 },
    async () => {
      const { h, jira } = await setUp(false);
      const seeded = await h.seed({ daysLeft: 65, lifetimeDays: 200 });
      await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the first plan');
        await requestAndApprove(h, seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, renewed, 'the renewal');
        await handle.terminate('test done');
      });
      expect(jira.issues()).toHaveLength(1);
      const issue = jira.issues()[0]!;
      expect(issue.fields.status).toMatchObject({ name: 'Awaiting approval' });
      const refused = (await h.store.queryAudit({ action: 'ticket.refused' }, { limit: 10 })).items;
      expect(refused.map((entry) => entry.details.to)).toEqual(['in-progress', 'done']);
      expect(String(refused[0]?.details.reason)).toMatch(/offers no transition "In Progress"/);
      expect(commentTexts(jira, issue.key).at(-1)).toMatch(/^Verified: /);
    },
  );

  it(
    'R-MON-3: escalates the ticket at 30 days when nobody acts: priority raised, one escalation comment',
    { timeout: 60_000 },
    async () => {
      const { h, jira } = await setUp(false);
      const seeded = await h.seed({ daysLeft: 65, lifetimeDays: 200 });
      await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the first plan');
        await h.env.sleep(36 * DAY_MS);
        await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.records.some((r) => r.kind === 'escalation'),
          'the escalation at 30 days',
        );
        await handle.terminate('test done');
      });
      expect(jira.issues()).toHaveLength(1);
      const issue = jira.issues()[0]!;
      expect(issue.fields.priority).toMatchObject({ name: 'High' });
      const escalations = issue.comments.filter((comment) => keyOf(comment)?.includes('/escalate/'));
      expect(escalations).toHaveLength(1);
      // The plan's escalation instant is 30 days before expiry; the text counts whole days left, so 29 or 30.
      expect(escalations[0]?.body).toMatch(/^ESCALATION: not renewed and replaced (29|30) days before expiry/);
      expect(escalations[0]?.body).toContain('boss@example.com: this change needs your attention.');
      expect(await auditActions(h, 'ticket.escalated')).toEqual(['ticket.escalated']);
    },
  );

  it(
    'R-MON-2: a create whose answer a 500 lost, a comment lost the same way, and a worker restart in between never make a second ticket or comment',
    { timeout: 90_000 },
    async () => {
      const { h, jira, newAdapter } = await setUp(false);
      const seeded = await h.seed({ daysLeft: 65, lifetimeDays: 200 });
      jira.faults.next('POST /rest/api/*/issue', { status: 500, afterProcessing: true });
      const handle = await h.withWorker(
        async () => {
          const handle = await h.start(seeded.managedCertificateId);
          await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the first plan');
          await h.env.sleep(5 * DAY_MS + 60_000);
          // The ticket exists in Jira, but certflow never heard of it: the activity failed and waits for its retry.
          await until(() => (jira.issues().length === 1 ? true : undefined), 'the lost create to reach Jira');
          return handle;
        },
        { identity: 'worker-1', maxCachedWorkflows: 0 },
      );
      expect(jira.calls.filter((call) => call.method === 'POST' && call.path === '/rest/api/3/issue')).toHaveLength(1);

      // A restarted worker builds its adapter again on the same database.
      h.deps.ticketing = newAdapter();
      jira.faults.next('POST /rest/api/*/issue/*/comment', { status: 500, afterProcessing: true });
      await h.withWorker(
        async () => {
          await h.env.sleep(10 * 60_000);
          const opened = await h.waitFor(seeded.managedCertificateId, (v) => v.ticket !== null, 'the ticket');
          expect(opened.ticket?.key).toBe(jira.issues()[0]?.key);
          await requestAndApprove(h, seeded.managedCertificateId);
          await h.env.sleep(10 * 60_000);
          await h.waitFor(seeded.managedCertificateId, renewed, 'the renewal');
          await handle.terminate('test done');
        },
        { identity: 'worker-2' },
      );

      expect(jira.issues()).toHaveLength(1);
      expect(jira.calls.filter((call) => call.method === 'POST' && call.path === '/rest/api/3/issue')).toHaveLength(1);
      const issue = jira.issues()[0]!;
      const markers = issue.comments.map(keyOf);
      expect(new Set(markers).size).toBe(markers.length);
      expect(markers).toContain(
        `${lifecycleWorkflowId(seeded.managedCertificateId)}/c1/comment/issued/${seeded.managedCertificateId}.1.1`,
      );
      expect(
        jira.calls.some((call) => call.method === 'POST' && /\/comment$/.test(call.path) && call.status === 500),
      ).toBe(true);
      expect(await auditActions(h, 'ticket.opened')).toEqual(['ticket.opened']);
    },
  );

  it(
    'R-MON-2, R-LOG-1: a change manager declining in Jira ends the renewal request with the reason, through the signed webhook',
    { timeout: 60_000 },
    async () => {
      const { h, jira } = await setUp(true);
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const view = await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the first plan');
        await requestAndApprove(h, seeded.managedCertificateId);
        const held = await waitUntilHeld(h, seeded.managedCertificateId);
        const key = held.ticket!.key;
        await jira.setField(key, REASON_FIELD, 'change freeze until 5 January', CLEO.accountId);
        await jira.transitionAs(key, 'Declined', CLEO.accountId);
        expect(jira.webhookDeliveries.at(-1)).toMatchObject({ status: 200 });
        const view = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.request?.status === 'rejected' && v.phase === 'monitoring',
          'the request to end rejected',
        );
        await handle.terminate('test done');
        return view;
      });
      expect(view.request).toMatchObject({
        status: 'rejected',
        decidedBy: { id: `jira:${CLEO.accountId}`, displayName: CLEO.displayName },
        decisionReason: 'change freeze until 5 January',
      });
      expect(view.changeApproval).toMatchObject({ status: 'rejected', reason: 'change freeze until 5 January' });
      expect(await auditActions(h, 'certificate.issued')).toEqual([]);
      const issue = jira.issues()[0]!;
      expect(commentTexts(jira, issue.key).at(-1)).toMatch(/rejected by jira:acc-cleo: change freeze until 5 January$/);
      expect(await auditActions(h, 'change.rejected')).toEqual(['change.rejected']);
    },
  );

  it.each([
    ['"CAB approved" releases the held renewal', 'CAB approved', undefined],
    [
      '"CAB rejected" ends it with the comment made with the decline as the reason',
      'CAB rejected',
      'No rollback plan.',
    ],
  ] as const)(
    'R-MON-2: a change workflow with its own status names (jira.changeStatuses), through the signed webhook: %s',
    { timeout: 60_000 },
    async (_, status, comment) => {
      const { h, jira } = await setUp(true, CAB_WORKFLOW);
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const view = await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the first plan');
        await requestAndApprove(h, seeded.managedCertificateId);
        const held = await waitUntilHeld(h, seeded.managedCertificateId);
        expect(jira.issue(held.ticket!.key)?.fields.status).toMatchObject({ name: 'Pending CAB' });
        await jira.transitionAs(held.ticket!.key, status, CLEO.accountId, comment === undefined ? {} : { comment });
        expect(jira.webhookDeliveries.at(-1)).toMatchObject({ status: 200 });
        const view = await h.waitFor(
          seeded.managedCertificateId,
          (v) => renewed(v) || (v.request?.status === 'rejected' && v.phase === 'monitoring'),
          'the change decision to take effect',
        );
        await handle.terminate('test done');
        return view;
      });
      if (comment === undefined) {
        expect(view).toMatchObject({ cycle: 2 });
        expect(await auditActions(h, 'change.approved')).toEqual(['change.approved']);
      } else {
        expect(view.request).toMatchObject({ status: 'rejected', decisionReason: comment });
        expect(await auditActions(h, 'change.rejected')).toEqual(['change.rejected']);
      }
    },
  );

  it(
    'R-MON-2: an approval with a change window 2 days ahead deploys only once the window has started',
    { timeout: 60_000 },
    async () => {
      const { h, jira } = await setUp(true);
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const { next, windowStart } = await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the first plan');
        await requestAndApprove(h, seeded.managedCertificateId);
        const held = await waitUntilHeld(h, seeded.managedCertificateId);
        const key = held.ticket!.key;
        const windowStart = (await h.env.currentTimeMs()) + 2 * DAY_MS;
        await jira.setField(key, WINDOW_FIELD, jiraDateTime(windowStart), CLEO.accountId);
        await jira.transitionAs(key, 'Approved', CLEO.accountId);
        await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.changeApproval?.status === 'approved' && v.phase === 'awaiting-approval',
          'the wait for the change window',
        );

        await h.env.sleep(DAY_MS);
        const midway = await h.waitFor(seeded.managedCertificateId, () => true, 'a quiet lifecycle');
        expect(midway).toMatchObject({ cycle: 1, phase: 'awaiting-approval' });
        expect(await auditActions(h, 'certificate.issued')).toEqual([]);
        expect(jira.issue(key)?.fields.status).toMatchObject({ name: 'Approved' });

        await h.env.sleep(DAY_MS + 60_000);
        const next = await h.waitFor(seeded.managedCertificateId, renewed, 'the renewal');
        await handle.terminate('test done');
        return { next, windowStart };
      });
      const issued = next.records.find((r) => r.kind === 'certificate.issued')!;
      expect(Date.parse(issued.at)).toBeGreaterThanOrEqual(windowStart);
      expect(jira.issues()[0]?.fields.status).toMatchObject({ name: 'Done' });
    },
  );

  it(
    'R-SEC-1: an unsigned or wrongly signed webhook is refused with 401 and changes nothing in the lifecycle',
    { timeout: 60_000 },
    async () => {
      const { h, jira, webhookUrl } = await setUp(true);
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the first plan');
        await requestAndApprove(h, seeded.managedCertificateId);
        const before = await waitUntilHeld(h, seeded.managedCertificateId);
        const body = JSON.stringify({
          webhookEvent: 'jira:issue_updated',
          timestamp: Date.now(),
          user: { accountId: CLEO.accountId, displayName: CLEO.displayName },
          issue: { key: before.ticket!.key, fields: { status: { name: 'Approved' } } },
          changelog: { items: [{ field: 'status', fromString: 'Awaiting approval', toString: 'Approved' }] },
        });
        for (const signature of [undefined, webhookSignature('a guessed secret', body)]) {
          const answer = await fetch(webhookUrl, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', ...(signature ? { 'X-Hub-Signature': signature } : {}) },
            body,
          });
          expect(answer.status).toBe(401);
        }
        const after = await h.waitFor(seeded.managedCertificateId, () => true, 'a quiet lifecycle');
        expect(after.changeApproval).toEqual(before.changeApproval);
        expect(after.records).toEqual(before.records);
        expect(after.request).toEqual(before.request);
        await handle.terminate('test done');
      });
      expect(await auditActions(h, 'change.')).toEqual(['change.waiting']);
      expect(jira.issues()[0]?.fields.status).toMatchObject({ name: 'Awaiting approval' });
    },
  );
});
