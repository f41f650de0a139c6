/**
 * Issue 14 item 4: with CERTFLOW_JIRA=off and no Slack, the console adapters kept tickets, epics, tasks and delivered
 * keys in worker memory, so after a restart every campaign sync failed ("no campaign task LOCAL-2") and ticket keys
 * started again at LOCAL-1. Here a "restart" is a second set of adapters over the same inventory database, reopened.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventoryDatabase, type InventoryDatabaseHandle } from '../../../src/adapters/database/database';
import { ConsoleNotifier } from '../../../src/adapters/console/console-notifier';
import type { LifecycleNotification } from '../../../src/core/ports/notification-port';
import { ConsoleTicketing } from '../../../src/adapters/console/console-ticketing';
import type { ChangeTicketRequest } from '../../../src/core/ports/ticketing-port';
import { campaignFixture, groupFixture, progressFixture } from '../slack/campaign-fixtures';
import { summaryFixture } from '../../support/lifecycle-fixtures';
import { startTestPostgres, type TestPostgres } from '../../support/postgres';

/** One worker's console adapters over the inventory database, and what they printed. */
interface Worker {
  readonly lines: string[];
  readonly ticketing: ConsoleTicketing;
  readonly notifier: ConsoleNotifier;
  stop(): Promise<void>;
}

async function startWorker(url: string): Promise<Worker> {
  const handle: InventoryDatabaseHandle = await openInventoryDatabase({ url });
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  return {
    lines,
    ticketing: new ConsoleTicketing({ db: handle.db, log }),
    notifier: new ConsoleNotifier({ db: handle.db, log }),
    stop: () => handle.store.close(),
  };
}

function changeRequest(idempotencyKey: string, commonName: string): ChangeTicketRequest {
  return {
    idempotencyKey,
    certificate: summaryFixture({ commonName }),
    group: null,
    renewalDeadline: '2027-01-01T00:00:00.000Z',
    violations: [],
    link: null,
  };
}

function reminder(idempotencyKey: string): LifecycleNotification {
  return {
    kind: 'reminder',
    idempotencyKey,
    dueAt: '2026-11-23T00:00:00.000Z',
    certificate: summaryFixture(),
    group: null,
    audience: { people: [{ email: 'owner@example.com' }], channelId: null },
    ticket: null,
    link: null,
    daysLeft: 30,
    renewalDeadline: '2027-01-01T00:00:00.000Z',
  };
}

const campaign = campaignFixture();
let postgres: TestPostgres | undefined;
let folder: string;

const backends: { name: string; url: () => Promise<string> }[] = [
  { name: 'SQLite', url: () => Promise.resolve(path.join(fs.mkdtempSync(path.join(folder, 'db-')), 'inventory.db')) },
  {
    name: 'PostgreSQL',
    url: async () => {
      postgres ??= await startTestPostgres();
      return await postgres.createDatabase();
    },
  },
];

beforeAll(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-console-restart-'));
});

afterAll(async () => {
  await postgres?.stop();
  fs.rmSync(folder, { recursive: true, force: true });
});

describe.each(backends)('console adapters across a worker restart ($name)', ({ url }) => {
  it('never reuse a ticket key, find their tickets, epics and tasks again, and apply each key once', async () => {
    const database = await url();
    const first = await startWorker(database);
    const ticket = await first.ticketing.ensureChangeTicket(changeRequest('wf-a/c1/ticket', 'a.example.com'));
    await first.ticketing.comment({ ticket, idempotencyKey: 'wf-a/c1/comment/issued', step: 'issued', body: 'issued' });
    await first.ticketing.transition({ ticket, idempotencyKey: 'wf-a/c1/transition/in', to: 'in-progress' });
    const epic = await first.ticketing.ensureEpic({ idempotencyKey: 'cmp/epic', campaign });
    const task = await first.ticketing.ensureGroupTask({
      idempotencyKey: 'cmp/task/pay',
      epic,
      campaign,
      group: null,
      progress: groupFixture('pay', 0, 2),
    });
    await first.notifier.send(reminder('wf-a/c1/reminder-30'));
    const progressReceipt = await first.notifier.publishProgress({
      idempotencyKey: 'cmp/progress/0',
      progress: progressFixture([groupFixture('pay', 0, 2)]),
      receipt: null,
    });
    await first.stop();

    const second = await startWorker(database);
    try {
      // A re-asked ticket, epic or task keeps its key; a new one gets a key never handed out before.
      expect(await second.ticketing.ensureChangeTicket(changeRequest('wf-a/c1/ticket', 'a.example.com'))).toEqual(
        ticket,
      );
      expect(await second.ticketing.ensureEpic({ idempotencyKey: 'cmp/epic', campaign })).toEqual(epic);
      const other = await second.ticketing.ensureChangeTicket(changeRequest('wf-b/c1/ticket', 'b.example.com'));
      expect([ticket.key, epic.key, task.key]).not.toContain(other.key);
      expect(new Set([ticket.key, epic.key, task.key, other.key]).size).toBe(4);

      // The task the first worker opened is synced by the second, forward to done.
      await second.ticketing.syncGroupTask({ task, campaign, progress: groupFixture('pay', 1, 2) });
      await second.ticketing.syncGroupTask({ task, campaign, progress: groupFixture('pay', 2, 2) });
      await second.ticketing.syncGroupTask({ task, campaign, progress: groupFixture('pay', 1, 2) });

      // Comments, transitions, escalations and notifications applied before the restart are not applied again.
      await second.ticketing.comment({
        ticket,
        idempotencyKey: 'wf-a/c1/comment/issued',
        step: 'issued',
        body: 'issued',
      });
      await second.ticketing.transition({ ticket, idempotencyKey: 'wf-a/c1/transition/in', to: 'in-progress' });
      await second.ticketing.comment({
        ticket: other,
        idempotencyKey: 'wf-b/c1/comment/issued',
        step: 'issued',
        body: 'b',
      });
      const escalation = { idempotencyKey: 'cmp/escalation/pay', task, reason: 'deadline passed', group: null };
      await second.ticketing.escalateGroupTask(escalation);
      await second.ticketing.escalateGroupTask(escalation);
      await second.notifier.send(reminder('wf-a/c1/reminder-30'));
      expect(
        await second.notifier.publishProgress({
          idempotencyKey: 'cmp/progress/0',
          progress: progressFixture([groupFixture('pay', 0, 2)]),
          receipt: null,
        }),
      ).toEqual(progressReceipt);
      const update = await second.notifier.publishProgress({
        idempotencyKey: 'cmp/progress/1',
        progress: progressFixture([groupFixture('pay', 2, 2)]),
        receipt: progressReceipt,
      });
      // Updated in place: the same message.
      expect(update.messages).toEqual(progressReceipt.messages);

      expect(second.lines).toEqual([
        `[campaign ticket] epic ${epic.key}: ${campaign.title} by ${campaign.deadline}`,
        `[ticket] ${other.key} opened: renew b.example.com by 2027-01-01T00:00:00.000Z`,
        `[campaign ticket] ${task.key} pay 1/2 (in-progress)`,
        `[campaign ticket] ${task.key} pay 2/2 (done)`,
        `[campaign ticket] ${task.key} pay 1/2 (done)`,
        `[ticket] ${other.key}: b`,
        `[campaign ticket] ${task.key} ESCALATED: deadline passed`,
        expect.stringMatching(/^\[campaign\] .* running: /),
      ]);
    } finally {
      await second.stop();
    }
  });

  it('give two notifications distinct receipts after a restart', async () => {
    const database = await url();
    const first = await startWorker(database);
    const before = await first.notifier.send(reminder('wf-a/c1/reminder-60'));
    await first.stop();
    const second = await startWorker(database);
    try {
      const after = await second.notifier.send(reminder('wf-b/c1/reminder-60'));
      expect(after.messages[0]?.ts).not.toBe(before.messages[0]?.ts);
      expect(await second.notifier.send(reminder('wf-a/c1/reminder-60'))).toEqual(before);
    } finally {
      await second.stop();
    }
  });
});
