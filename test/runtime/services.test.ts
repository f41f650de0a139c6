import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleNotifier } from '../../src/adapters/console/console-notifier';
import { SlackNotifier } from '../../src/adapters/slack/slack-notifier';
import { startSlackStandIn, type SlackStandIn } from '../../src/adapters/slack/stand-in/slack-stand-in';
import { ownerGroupFixture, summaryFixture } from '../support/lifecycle-fixtures';
import { openTestServices, type TestServices } from '../support/services';

const TOKEN = 'xoxb-111-222-services';

describe("the worker's services", () => {
  let services: TestServices | undefined;
  let standIn: SlackStandIn | undefined;
  afterEach(async () => {
    await services?.close();
    await standIn?.close();
    services = undefined;
    standIn = undefined;
  });

  it('print notifications without Slack credentials', async () => {
    services = await openTestServices();
    expect(services.lifecycle.notifications).toBeInstanceOf(ConsoleNotifier);
  });

  it('R-MON-1: send notifications to Slack when SLACK_BOT_TOKEN is set (here: to the stand-in at SLACK_API_URL)', async () => {
    standIn = await startSlackStandIn({
      botToken: TOKEN,
      signingSecret: 'secret',
      users: [{ id: 'U0OWNER', name: 'owner', email: 'owner@example.com' }],
      channels: [{ id: 'C0PAYMENTS', name: 'payments' }],
    });
    services = await openTestServices({ SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: standIn.apiUrl });
    const notifier = services.lifecycle.notifications;
    expect(notifier).toBeInstanceOf(SlackNotifier);
    const receipt = await notifier.send({
      kind: 'reminder',
      idempotencyKey: 'services-test/reminder-90',
      dueAt: '2026-11-23T00:00:00.000Z',
      certificate: summaryFixture(),
      group: ownerGroupFixture({ slack: { channelId: 'C0PAYMENTS' } }),
      audience: { people: [{ email: 'owner@example.com' }], channelId: 'C0PAYMENTS' },
      ticket: null,
      link: null,
      daysLeft: 90,
      renewalDeadline: '2027-01-01T00:00:00.000Z',
    });
    expect(receipt.messages.map((message) => message.channel)).toContain('C0PAYMENTS');
    expect(standIn.messages('C0PAYMENTS')).toHaveLength(1);
  });
});
