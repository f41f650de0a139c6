import { describe, expect, it, onTestFinished } from 'vitest';
import { ConsoleTicketing } from '../../../src/adapters/console/console-ticketing';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import { RecordingTicketing } from '../../support/fakes/recording-ticketing';
import { campaignFixture, groupFixture } from '../slack/campaign-fixtures';

const campaign = campaignFixture();

describe('RecordingTicketing, campaign face', () => {
  it('one epic and one task per key with deterministic keys, stages forward only, escalation once', async () => {
    const ticketing = new RecordingTicketing('CAMP');
    const epic = await ticketing.ensureEpic({ idempotencyKey: 'c/epic', campaign });
    expect(epic).toEqual({ key: 'CAMP-1', url: 'local://tickets/CAMP-1' });
    expect(await ticketing.ensureEpic({ idempotencyKey: 'c/epic', campaign })).toEqual(epic);
    const input = { idempotencyKey: 'c/task/pay', epic, campaign, group: null, progress: groupFixture('pay', 0, 2) };
    const task = await ticketing.ensureGroupTask(input);
    expect(task.key).toBe('CAMP-2');
    expect(await ticketing.ensureGroupTask(input)).toEqual(task);
    await ticketing.syncGroupTask({ task, campaign, progress: groupFixture('pay', 1, 2) });
    await ticketing.syncGroupTask({ task, campaign, progress: groupFixture('pay', 2, 2) });
    await ticketing.syncGroupTask({ task, campaign, progress: groupFixture('pay', 1, 2) });
    expect(ticketing.findTask(task)).toMatchObject({ stage: 'done', stages: ['in-progress', 'done'] });
    const escalation = { idempotencyKey: 'c/esc/pay', task, reason: 'late', group: null };
    await ticketing.escalateGroupTask(escalation);
    await ticketing.escalateGroupTask(escalation);
    expect(ticketing.findTask(task).escalations).toEqual(['late']);
    expect(ticketing.campaignCalls.map((call) => call.method)).toEqual([
      'ensureEpic',
      'ensureEpic',
      'ensureGroupTask',
      'ensureGroupTask',
      'syncGroupTask',
      'syncGroupTask',
      'syncGroupTask',
      'escalateGroupTask',
      'escalateGroupTask',
    ]);
    expect(ticketing.ofMethod('escalateGroupTask')[0]?.reason).toBe('late');
  });

  it('throws what the failure hook returns, records the call and applies nothing', async () => {
    const ticketing = new RecordingTicketing('CAMP');
    ticketing.failure = (call) => (call.method === 'ensureEpic' ? new Error('Jira is down') : null);
    await expect(ticketing.ensureEpic({ idempotencyKey: 'c/epic', campaign })).rejects.toThrow('Jira is down');
    expect(ticketing.epics).toHaveLength(0);
    expect(ticketing.campaignCalls).toHaveLength(1);
    ticketing.failure = null;
    expect((await ticketing.ensureEpic({ idempotencyKey: 'c/epic', campaign })).key).toBe('CAMP-1');
  });

  it('refuses a task under an unknown epic, naming what to call first', async () => {
    const ticketing = new RecordingTicketing('CAMP');
    await expect(
      ticketing.ensureGroupTask({
        idempotencyKey: 'k',
        epic: { key: 'CAMP-9', url: '' },
        campaign,
        group: null,
        progress: groupFixture('pay', 0, 1),
      }),
    ).rejects.toThrow(/no campaign epic CAMP-9: open it with ensureEpic first/);
  });
});

describe('ConsoleTicketing, campaign face', () => {
  it('logs one line per call, an escalation once per key', async () => {
    const lines: string[] = [];
    const { db, store } = await openInventoryDatabase({ url: ':memory:' });
    onTestFinished(() => store.close());
    const ticketing = new ConsoleTicketing({ db, log: (line) => lines.push(line) });
    const epic = await ticketing.ensureEpic({ idempotencyKey: 'c/epic', campaign });
    const task = await ticketing.ensureGroupTask({
      idempotencyKey: 'c/task',
      epic,
      campaign,
      group: null,
      progress: groupFixture('pay', 0, 2),
    });
    await ticketing.syncGroupTask({ task, campaign, progress: groupFixture('pay', 2, 2) });
    await ticketing.escalateGroupTask({ idempotencyKey: 'c/esc', task, reason: 'deadline passed', group: null });
    await ticketing.escalateGroupTask({ idempotencyKey: 'c/esc', task, reason: 'deadline passed', group: null });
    expect(lines).toEqual([
      `[campaign ticket] epic LOCAL-1: ${campaign.title} by ${campaign.deadline}`,
      '[campaign ticket] task LOCAL-2 under LOCAL-1: pay 0/2',
      '[campaign ticket] LOCAL-2 pay 2/2 (done)',
      '[campaign ticket] LOCAL-2 ESCALATED: deadline passed',
    ]);
  });
});
