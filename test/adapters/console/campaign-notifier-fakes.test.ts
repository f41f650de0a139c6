import { describe, expect, it, onTestFinished } from 'vitest';
import { ConsoleNotifier } from '../../../src/adapters/console/console-notifier';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import { RecordingNotifier } from '../../support/fakes/recording-notifier';
import { groupFixture, progressFixture } from '../slack/campaign-fixtures';

const progress = progressFixture([groupFixture('payments', 1, 4)]);

describe('RecordingNotifier, campaign face', () => {
  it('records each key once, keeps the posted ts on updates and returns deterministic receipts', async () => {
    const notifier = new RecordingNotifier();
    const first = await notifier.publishProgress({ idempotencyKey: 'c/p0', progress, receipt: null });
    expect(first).toEqual({
      idempotencyKey: 'c/p0',
      messages: [{ channel: 'C0CAMPAIGN', ts: '1.000000', recipient: null }],
      digest: null,
    });
    expect(await notifier.publishProgress({ idempotencyKey: 'c/p0', progress, receipt: null })).toEqual(first);
    const update = await notifier.publishProgress({ idempotencyKey: 'c/p1', progress, receipt: first });
    expect(update.messages).toEqual(first.messages);
    const report = await notifier.postReport({ idempotencyKey: 'c/report', progress, markdown: '# Report' });
    expect(report.messages[0]?.ts).toBe('2.000000');
    await notifier.escalateLaggards({ idempotencyKey: 'c/escalation', progress, groups: [], examples: [] });
    expect(notifier.campaignCalls.map((call) => call.method)).toEqual([
      'publishProgress',
      'publishProgress',
      'postReport',
      'escalateLaggards',
    ]);
    expect(notifier.ofMethod('publishProgress').map((call) => call.idempotencyKey)).toEqual(['c/p0', 'c/p1']);
  });
});

describe('ConsoleNotifier, campaign face', () => {
  it('logs one line per call, once per key', async () => {
    const lines: string[] = [];
    const { db, store } = await openInventoryDatabase({ url: ':memory:' });
    onTestFinished(() => store.close());
    const notifier = new ConsoleNotifier({ db, log: (line) => lines.push(line) });
    await notifier.publishProgress({ idempotencyKey: 'c/p0', progress, receipt: null });
    await notifier.publishProgress({ idempotencyKey: 'c/p0', progress, receipt: null });
    await notifier.escalateLaggards({
      idempotencyKey: 'c/escalation',
      progress,
      groups: [{ progress: groupFixture('payments', 1, 4), group: null }],
      examples: [],
    });
    await notifier.postReport({ idempotencyKey: 'c/report', progress, markdown: '\n# Campaign report\nmore' });
    expect(lines).toEqual([
      '[campaign] cmp-20261201-7f3a2c running: ▓▓▓░░░░░░░ 25% (1/4)',
      '[campaign] ESCALATION cmp-20261201-7f3a2c: deadline passed, not done: payments 1/4',
      '[campaign] report of cmp-20261201-7f3a2c: Campaign report',
    ]);
  });
});
