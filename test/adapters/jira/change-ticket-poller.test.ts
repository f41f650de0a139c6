import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLifecycleClient } from '../../../src/core/application/lifecycle-client';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import type { ManagedCertificate } from '../../../src/core/ports/inventory-store';
import {
  InvalidPollIntervalError,
  pollChangeTickets,
  pollUpdateOf,
  POLLER_ACTOR,
  startChangeTicketPoller,
  type ChangeTicketPollOptions,
  type ChangeTicketPollReport,
} from '../../../src/adapters/jira/change-ticket-poller';
import { DEFAULT_CHANGE_STATUSES, parseJiraConfig } from '../../../src/adapters/jira/jira-config';
import { JiraTicketing, type JiraTicketStatus } from '../../../src/adapters/jira/jira-ticketing';
import { SqlJiraTicketStore } from '../../../src/adapters/jira/sql-jira-ticket-store';
import { startJiraStandIn } from '../../../src/adapters/jira/stand-in/jira-stand-in';
import {
  decideRequestUpdate,
  lifecycleWorkflowId,
  requestRenewalUpdate,
} from '../../../src/core/workflows/definitions';
import type { ChangeTicketUpdate } from '../../../src/core/ports/ticketing-port';
import { createLifecycleHarness, PEOPLE } from '../../support/lifecycle-harness';
import { until } from '../../support/until';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const CONFIG = { changeStatuses: DEFAULT_CHANGE_STATUSES };

const status = (
  key: string,
  name: string,
  changeWindowStart: string | null = null,
  reason: string | null = null,
): JiraTicketStatus => ({
  key,
  status: name,
  statusCategory: 'new',
  changeWindowStart,
  reason,
});

const managed = (ticketKey: string | null, index: number): ManagedCertificate => ({
  id: index.toString(16).padStart(16, '0'),
  currentFingerprint: 'f'.repeat(64),
  namesKey: `host${index}.example`,
  phase: 'awaiting-approval',
  phaseDetail: null,
  ticketKey,
  retired: false,
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
});

/** Poll options over fixed tickets and statuses, recording what was signalled and logged. */
function fake(statuses: Record<string, JiraTicketStatus | Error>, overrides: Partial<ChangeTicketPollOptions> = {}) {
  const notified: ChangeTicketUpdate[] = [];
  const logged: string[] = [];
  const phases: string[] = [];
  const options: ChangeTicketPollOptions = {
    store: {
      listManagedCertificatesWithTicket: (phase) => {
        phases.push(phase);
        return Promise.resolve(Object.keys(statuses).map((key, index) => managed(key, index)));
      },
    },
    readTicketStatus: (key) => {
      const found = statuses[key];
      return found instanceof Error || found === undefined
        ? Promise.reject(found ?? new Error(`no ${key}`))
        : Promise.resolve(found);
    },
    notify: (update) => {
      notified.push(update);
      return Promise.resolve('signalled');
    },
    config: CONFIG,
    now: () => NOW,
    log: (line) => logged.push(line),
    ...overrides,
  };
  return { options, notified, logged, phases };
}

describe('the change-ticket poller, one pass (unit)', () => {
  it.each([
    ['Approved', 'approved'],
    ['approved', 'approved'],
    ['Declined', 'rejected'],
    ['Cancelled', 'rejected'],
    ['Awaiting approval', 'pending'],
  ] as const)('R-MON-2: status %s reads as %s, as the webhook reads it', (name, decision) => {
    expect(pollUpdateOf(status('CHG-1', name), CONFIG, NOW)).toEqual({
      ticketKey: 'CHG-1',
      decision,
      reason: null,
      changeWindowStart: null,
      changedBy: POLLER_ACTOR,
      at: NOW.toISOString(),
    });
  });

  it.each(['In Progress', 'Done', 'Some custom status'])('status %s means nothing to the gate: no signal', (name) => {
    expect(pollUpdateOf(status('CHG-1', name), CONFIG, NOW)).toBeNull();
  });

  it("reads the change window in Jira's formats as ISO 8601 UTC, and an unreadable one as none", () => {
    expect(
      pollUpdateOf(status('CHG-1', 'Approved', '2026-12-03T08:00:00.000+0100'), CONFIG, NOW)?.changeWindowStart,
    ).toBe('2026-12-03T07:00:00.000Z');
    expect(pollUpdateOf(status('CHG-1', 'Approved', '2026-12-03'), CONFIG, NOW)?.changeWindowStart).toBe(
      '2026-12-03T00:00:00.000Z',
    );
    expect(pollUpdateOf(status('CHG-1', 'Approved', 'next week'), CONFIG, NOW)?.changeWindowStart).toBeNull();
  });

  it('R-MON-2: uses the status names JIRA_CONFIG_FILE configures (changeStatuses)', () => {
    const config = { changeStatuses: { approved: ['Go'], rejected: ['No go'], pending: ['Review'] } };
    expect(pollUpdateOf(status('CHG-1', 'Go'), config, NOW)?.decision).toBe('approved');
    expect(pollUpdateOf(status('CHG-1', 'Approved'), config, NOW)).toBeNull();
  });

  it('R-MON-2: a decline carries the reason the adapter read; no other decision does', () => {
    expect(pollUpdateOf(status('CHG-1', 'Declined', null, 'change freeze'), CONFIG, NOW)).toMatchObject({
      decision: 'rejected',
      reason: 'change freeze',
    });
    expect(pollUpdateOf(status('CHG-1', 'Approved', null, 'stale'), CONFIG, NOW)?.reason).toBeNull();
  });

  it('signals each waiting ticket once, counts what it did, and goes on past a ticket that fails', async () => {
    const { options, notified, logged, phases } = fake({
      'CHG-1': status('CHG-1', 'Approved'),
      'CHG-2': new Error('Jira answered 503'),
      'CHG-3': status('CHG-3', 'In Progress'),
      'CHG-4': status('CHG-4', 'Declined'),
      'CHG-5': status('CHG-5', 'Awaiting approval'),
    });
    const outcomes: Record<string, 'signalled' | 'unknown-ticket' | 'not-running'> = { 'CHG-5': 'not-running' };
    const report = await pollChangeTickets({
      ...options,
      notify: (update) => {
        notified.push(update);
        return Promise.resolve(outcomes[update.ticketKey] ?? 'signalled');
      },
    });
    expect(phases).toEqual(['awaiting-approval']);
    expect(report).toEqual({ tickets: 5, signalled: 2, ignored: 1, notDelivered: 1, failed: 1 });
    expect(notified.map((u) => [u.ticketKey, u.decision])).toEqual([
      ['CHG-1', 'approved'],
      ['CHG-4', 'rejected'],
      ['CHG-5', 'pending'],
    ]);
    expect(logged).toEqual(['Jira poll of change ticket CHG-2 failed, trying again next pass: Jira answered 503']);
  });

  it('a failing signal is logged and counted like a failing read', async () => {
    const { options, logged } = fake({ 'CHG-1': status('CHG-1', 'Approved') });
    const report = await pollChangeTickets({ ...options, notify: () => Promise.reject(new Error('Temporal is down')) });
    expect(report).toMatchObject({ tickets: 1, signalled: 0, failed: 1 });
    expect(logged[0]).toMatch(/CHG-1 failed.*Temporal is down/);
  });

  it('reads at most `concurrency` tickets at once', async () => {
    const statuses = Object.fromEntries(
      Array.from({ length: 7 }, (_, i) => [`CHG-${i}`, status(`CHG-${i}`, 'Approved')]),
    );
    let inFlight = 0;
    let most = 0;
    const { options } = fake(statuses);
    const report = await pollChangeTickets({
      ...options,
      concurrency: 3,
      readTicketStatus: async (key) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return statuses[key]!;
      },
    });
    expect(report.signalled).toBe(7);
    expect(most).toBe(3);
  });
});

describe('the change-ticket poller, running (unit)', () => {
  it('passes never overlap; stop() waits for the pass under way and no pass starts after it', async () => {
    let running = 0;
    let overlapped = false;
    let release: (() => void) | null = null;
    const reports: ChangeTicketPollReport[] = [];
    const { options } = fake({ 'CHG-1': status('CHG-1', 'Approved') });
    const poller = startChangeTicketPoller({
      ...options,
      intervalMs: 1,
      readTicketStatus: async (key) => {
        running += 1;
        if (running > 1) overlapped = true;
        // The third pass hangs until the test releases it, after asking to stop.
        if (reports.length === 2) await new Promise<void>((resolve) => (release = resolve));
        running -= 1;
        return status(key, 'Approved');
      },
      onPass: (report) => reports.push(report),
    });
    await until(() => (release !== null ? true : undefined), 'the third pass to start');
    const stopping = poller.stop();
    release!();
    await stopping;
    // stop() resolved with the loop ended: the pass under way was the last one.
    expect(reports).toHaveLength(3);
    expect(overlapped).toBe(false);
  });

  it('a pass that fails as a whole is logged and the poller goes on', async () => {
    let calls = 0;
    const logged: string[] = [];
    const reports: ChangeTicketPollReport[] = [];
    const { options } = fake({});
    const poller = startChangeTicketPoller({
      ...options,
      intervalMs: 1,
      log: (line) => logged.push(line),
      store: {
        listManagedCertificatesWithTicket: () => {
          calls += 1;
          return calls === 1 ? Promise.reject(new Error('database is locked')) : Promise.resolve([]);
        },
      },
      onPass: (report) => reports.push(report),
    });
    await until(() => (reports.length > 0 ? true : undefined), 'a pass after the failed one');
    await poller.stop();
    expect(logged[0]).toMatch(/^Jira poll of change tickets failed, trying again in 1 ms: database is locked$/);
  });

  it.each([0, -5, Number.NaN])('refuses an interval of %s ms with the fix', (intervalMs) => {
    const { options } = fake({});
    expect(() => startChangeTicketPoller({ ...options, intervalMs })).toThrow(InvalidPollIntervalError);
  });
});

describe('the change-ticket poller against the Jira stand-in and the real lifecycle (time-skipping server)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it(
    'R-MON-2: a change approved in Jira without any webhook: the poll signals it and the held renewal deploys; afterwards no ticket is polled',
    { timeout: 60_000 },
    async () => {
      const h = await createLifecycleHarness();
      closers.push(() => h.close());
      h.policy = { ...DEFAULT_POLICY, renewal: { ...DEFAULT_POLICY.renewal, requireChangeApproval: true } };
      const { db } = await openInventoryDatabase({ url: `sqlite:${path.join(h.folder, 'inventory.sqlite')}` });
      closers.push(() => db.destroy());
      const bot = { accountId: 'acc-certflow', email: 'certflow@example.com', displayName: 'certflow', apiToken: 't' };
      const cleo = { accountId: 'acc-cleo', email: 'cleo@example.com', displayName: 'Cleo', apiToken: 'c' };
      // No webhook target: Jira cannot reach this install.
      const jira = await startJiraStandIn({ users: [bot, cleo], projects: [{ key: 'CHG' }] });
      closers.push(() => jira.close());
      const ticketing = new JiraTicketing({
        config: parseJiraConfig({
          flavour: 'cloud',
          host: '127.0.0.1',
          protocol: 'http',
          port: jira.port,
          auth: { email: bot.email, apiToken: bot.apiToken },
          projectKey: 'CHG',
        }),
        store: new SqlJiraTicketStore({ db }),
      });
      h.deps.ticketing = ticketing;
      const lifecycles = createLifecycleClient({
        client: h.env.client,
        taskQueue: h.taskQueue,
        store: h.store,
        searchAttributes: false,
      });
      const poll = async () =>
        await pollChangeTickets({
          store: h.store,
          readTicketStatus: (key) => ticketing.readTicketStatus(key),
          notify: (update) => lifecycles.notifyChangeTicketUpdated(update),
          config: CONFIG,
          now: () => new Date(),
        });

      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const view = await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the first plan');
        expect(await poll()).toEqual({ tickets: 0, signalled: 0, ignored: 0, notDelivered: 0, failed: 0 });
        const request = await handle.executeUpdate(requestRenewalUpdate, {
          args: [{ requestedBy: PEOPLE.owner, reason: 'renew' }],
        });
        await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.records.some((r) => r.kind === 'approval.requested'),
          'approval',
        );
        await handle.executeUpdate(decideRequestUpdate, {
          args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.bob }],
        });
        const held = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.phase === 'awaiting-approval' && v.changeApproval?.status === 'waiting' && v.ticket !== null,
          'the renewal to wait for the change approval',
        );
        // Still awaiting approval in Jira: the poll says so, which changes nothing in the gate.
        expect(await poll()).toMatchObject({ tickets: 1, signalled: 1 });
        await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.records.some((r) => r.kind === 'change.pending'),
          'the pending status to be recorded',
        );

        await jira.transitionAs(held.ticket!.key, 'Approved', cleo.accountId);
        expect(jira.webhookDeliveries).toEqual([]);
        expect(await poll()).toMatchObject({ tickets: 1, signalled: 1, failed: 0 });
        const next = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.cycle === 2 && v.certificate !== null,
          'the renewal',
        );
        // The renewed lifecycle waits on no ticket any more.
        expect(await poll()).toMatchObject({ tickets: 0 });
        await h.env.client.workflow.getHandle(lifecycleWorkflowId(seeded.managedCertificateId)).terminate('test done');
        return next;
      });
      const approved = view.records.filter((r) => r.kind === 'change.approved');
      expect(approved).toHaveLength(1);
      expect(approved[0]?.detail).toContain('approved by jira:poller');
      expect(jira.issues()[0]?.fields.status).toMatchObject({ name: 'Done' });
      const audit = (await h.store.queryAudit({ action: 'change.approved' }, { limit: 10 })).items;
      expect(audit.map((entry) => entry.actor)).toEqual([POLLER_ACTOR.id]);
    },
  );

  it(
    'R-MON-2: with its own status names (jira.changeStatuses) a decline polled from Jira ends the held renewal with the comment the change manager wrote as the reason',
    { timeout: 60_000 },
    async () => {
      const h = await createLifecycleHarness();
      closers.push(() => h.close());
      h.policy = { ...DEFAULT_POLICY, renewal: { ...DEFAULT_POLICY.renewal, requireChangeApproval: true } };
      const { db } = await openInventoryDatabase({ url: `sqlite:${path.join(h.folder, 'inventory.sqlite')}` });
      closers.push(() => db.destroy());
      const bot = { accountId: 'acc-certflow', email: 'certflow@example.com', displayName: 'certflow', apiToken: 't' };
      const cleo = { accountId: 'acc-cleo', email: 'cleo@example.com', displayName: 'Cleo', apiToken: 'c' };
      const jira = await startJiraStandIn({
        users: [bot, cleo],
        projects: [{ key: 'CHG' }],
        workflows: {
          statuses: [
            { name: 'Pending CAB', category: 'new' },
            { name: 'CAB rejected', category: 'done' },
          ],
          workflows: {
            Change: {
              initial: 'Pending CAB',
              transitions: [{ id: '21', name: 'Reject', from: ['Pending CAB'], to: 'CAB rejected' }],
            },
          },
        },
      });
      closers.push(() => jira.close());
      const config = parseJiraConfig({
        flavour: 'cloud',
        host: '127.0.0.1',
        protocol: 'http',
        port: jira.port,
        auth: { email: bot.email, apiToken: bot.apiToken },
        projectKey: 'CHG',
        transitions: { rejected: 'CAB rejected' },
        changeStatuses: { approved: ['CAB approved'], rejected: ['CAB rejected'], pending: ['Pending CAB'] },
      });
      const ticketing = new JiraTicketing({ config, store: new SqlJiraTicketStore({ db }) });
      h.deps.ticketing = ticketing;
      const lifecycles = createLifecycleClient({
        client: h.env.client,
        taskQueue: h.taskQueue,
        store: h.store,
        searchAttributes: false,
      });
      const poll = () =>
        pollChangeTickets({
          store: h.store,
          readTicketStatus: (key) => ticketing.readTicketStatus(key),
          notify: (update) => lifecycles.notifyChangeTicketUpdated(update),
          config,
          now: () => new Date(),
        });
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const view = await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the first plan');
        const request = await handle.executeUpdate(requestRenewalUpdate, {
          args: [{ requestedBy: PEOPLE.owner, reason: 'renew' }],
        });
        await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.records.some((r) => r.kind === 'approval.requested'),
          'approval',
        );
        await handle.executeUpdate(decideRequestUpdate, {
          args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.bob }],
        });
        const held = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.phase === 'awaiting-approval' && v.changeApproval?.status === 'waiting' && v.ticket !== null,
          'the renewal to wait for the change approval',
        );
        await jira.transitionAs(held.ticket!.key, 'CAB rejected', cleo.accountId, {
          comment: 'No rollback plan attached.',
        });
        expect(await poll()).toMatchObject({ tickets: 1, signalled: 1, failed: 0 });
        const view = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.request?.status === 'rejected' && v.phase === 'monitoring',
          'the request to end rejected',
        );
        await handle.terminate('test done');
        return view;
      });
      expect(view.request).toMatchObject({ status: 'rejected', decisionReason: 'No rollback plan attached.' });
      expect(view.changeApproval).toMatchObject({ status: 'rejected', decidedBy: POLLER_ACTOR });
    },
  );

  it(
    'R-MON-2: the same approval polled on every pass is signalled each time and the workflow keeps one decision',
    { timeout: 60_000 },
    async () => {
      const h = await createLifecycleHarness();
      closers.push(() => h.close());
      h.policy = { ...DEFAULT_POLICY, renewal: { ...DEFAULT_POLICY.renewal, requireChangeApproval: true } };
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const lifecycles = createLifecycleClient({
        client: h.env.client,
        taskQueue: h.taskQueue,
        store: h.store,
        searchAttributes: false,
      });
      await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the first plan');
        const request = await handle.executeUpdate(requestRenewalUpdate, {
          args: [{ requestedBy: PEOPLE.owner, reason: 'renew' }],
        });
        await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.records.some((r) => r.kind === 'approval.requested'),
          'approval',
        );
        await handle.executeUpdate(decideRequestUpdate, {
          args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.bob }],
        });
        const held = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.changeApproval?.status === 'waiting' && v.ticket !== null,
          'the renewal to wait for the change approval',
        );
        const key = held.ticket!.key;
        // A window far ahead keeps the renewal waiting, so every pass finds it.
        const window = new Date((await h.env.currentTimeMs()) + 10 * 86_400_000).toISOString();
        const { options } = fake({ [key]: status(key, 'Approved', window) });
        let clock = Date.now();
        const pass = () =>
          pollChangeTickets({
            ...options,
            store: h.store,
            notify: (update) => lifecycles.notifyChangeTicketUpdated(update),
            now: () => new Date((clock += 60_000)),
          });
        for (let i = 0; i < 3; i++) {
          expect(await pass()).toMatchObject({ tickets: 1, signalled: 1 });
          await h.waitFor(
            seeded.managedCertificateId,
            (v) => v.changeApproval?.status === 'approved' && v.phase === 'awaiting-approval',
            'the wait for the change window',
          );
        }
        const view = await h.waitFor(seeded.managedCertificateId, () => true, 'a quiet lifecycle');
        expect(view.records.filter((r) => r.kind === 'change.approved')).toHaveLength(1);
        expect(view.changeApproval).toMatchObject({ changeWindowStart: window, decidedBy: POLLER_ACTOR });
        await handle.terminate('test done');
      });
    },
  );
});
