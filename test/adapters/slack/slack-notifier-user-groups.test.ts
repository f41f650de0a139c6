/**
 * Members of an owner group's Slack user groups act as its owners and approvers, so the Slack notifier sends them
 * the group's direct messages too: through `usergroups.users.list` on the Slack stand-in, each person once.
 */
import type { RetryOptions } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../../src/adapters/slack/views/block-ids';
import type { Person } from '../../../src/core/domain/inventory/model';
import type { ApprovalRequestNotification, ReminderNotification } from '../../../src/core/ports/notification-port';
import { InMemorySlackDeliveryStore } from '../../../src/adapters/slack/slack-delivery-store';
import { SlackNotifier, type SlackNotifierEvent } from '../../../src/adapters/slack/slack-notifier';
import { createSlackWebClient, SlackDeliveryError } from '../../../src/adapters/slack/slack-web-client';
import { type SlackStandIn, startSlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import { ownerGroupFixture, requestFixture, summaryFixture } from '../../support/lifecycle-fixtures';
import { closeOnYield } from './notifier-test-support';

const BOT_TOKEN = 'xoxb-user-groups-test';
const CHANNEL = 'C0PAYMENTS';
const NO_RETRIES: RetryOptions = { retries: 0 };
const ALICE: Person = { name: 'Alice Owner', email: 'alice@example.com' };
const GROUP = ownerGroupFixture({
  contacts: [ALICE],
  approvers: [ALICE],
  slack: { channelId: CHANNEL, userGroupId: 'S0OWNERS', approverUserGroupId: 'S0APPROVERS' },
});

let standIn: SlackStandIn;
let events: SlackNotifierEvent[];

beforeEach(async () => {
  events = [];
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: 'unused-here',
    users: [
      { id: 'U0ALICE', name: 'alice', email: 'alice@example.com' },
      { id: 'U0BOB', name: 'bob' },
      { id: 'U0CAROL', name: 'carol' },
      { id: 'U0DAN', name: 'dan' },
    ],
    channels: [{ id: CHANNEL, name: 'payments-web' }],
    userGroups: [
      { id: 'S0OWNERS', handle: 'payments-owners', users: ['U0BOB', 'U0ALICE', 'U0CAROL'] },
      { id: 'S0APPROVERS', handle: 'payments-approvers', users: ['U0DAN', 'U0ALICE'] },
    ],
  });
});

afterEach(() => standIn.close());

function notifier(retryConfig?: RetryOptions) {
  const client = createSlackWebClient({ botToken: BOT_TOKEN, slackApiUrl: standIn.apiUrl, retryConfig });
  return new SlackNotifier({
    client,
    deliveries: new InMemorySlackDeliveryStore(),
    log: (event) => events.push(event),
    schedule: closeOnYield,
  });
}

function reminder(key: string, userGroupIds: readonly string[]): ReminderNotification {
  return {
    kind: 'reminder',
    idempotencyKey: key,
    dueAt: '2026-12-01T12:00:00.000Z',
    certificate: summaryFixture({ dnsNames: ['shop.example.com'] }),
    group: GROUP,
    audience: { people: [ALICE], channelId: CHANNEL, userGroupIds },
    ticket: null,
    link: null,
    daysLeft: 30,
    renewalDeadline: '2026-12-01T12:00:00.000Z',
  };
}

const recipients = (receipt: { messages: readonly { recipient: string | null }[] }) =>
  receipt.messages.map((message) => message.recipient);

const listCalls = () => standIn.calls.filter((call) => call.method === 'usergroups.users.list');

describe('SlackNotifier and Slack user groups', () => {
  it('R-MON-1, R-OWN-1: a reminder reaches the members of the owners’ user group by DM, each person once', async () => {
    const receipt = await notifier().send(reminder('k/reminder-30', ['S0OWNERS']));
    expect(recipients(receipt)).toEqual([null, 'U0ALICE', 'U0BOB', 'U0CAROL']);
    for (const member of ['U0ALICE', 'U0BOB', 'U0CAROL']) {
      const messages = standIn.messages(member);
      expect(messages).toHaveLength(1);
      expect(messages[0]?.text).toContain('shop.example.com expires in 30 days');
    }
    expect(standIn.messages('U0DAN')).toEqual([]);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
  });

  it('R-RA-1, R-OWN-1: an approval request reaches the members of the approvers’ user group with the buttons', async () => {
    const approval: ApprovalRequestNotification = {
      ...reminder('k/approval-1', ['S0APPROVERS']),
      kind: 'approval-request',
      request: requestFixture(),
      reminder: 0,
    };
    const receipt = await notifier().send(approval);
    expect(recipients(receipt)).toEqual([null, 'U0ALICE', 'U0DAN']);
    const [toDan] = standIn.messages('U0DAN');
    const buttons = toDan?.blocks
      .filter((block) => block.type === 'actions')
      .flatMap((block) => (block.elements as { action_id: string }[]).map((element) => element.action_id));
    expect(buttons).toContain(ACTION_IDS.approveRequest);
    expect(standIn.messages('U0BOB')).toEqual([]);
  });

  it('R-MON-5: a burst of notifications asks Slack for a user group’s members once', async () => {
    const slack = notifier();
    await slack.send(reminder('k/one', ['S0OWNERS']));
    await slack.send(reminder('k/two', ['S0OWNERS']));
    expect(listCalls()).toHaveLength(1);
    expect(standIn.messages('U0CAROL')).toHaveLength(2);
  });

  it('a user group Slack no longer has is logged and skipped; the others are still reached', async () => {
    const receipt = await notifier().send(reminder('k/gone', ['S0GONE', 'S0OWNERS']));
    expect(recipients(receipt)).toEqual([null, 'U0ALICE', 'U0BOB', 'U0CAROL']);
    expect(events).toEqual([
      { kind: 'user-group-skipped', idempotencyKey: 'k/gone', userGroupId: 'S0GONE', reason: 'no_such_subteam' },
    ]);
  });

  it('a failing member lookup fails the send for a retry, which then reaches everyone once', async () => {
    const slack = notifier(NO_RETRIES);
    standIn.faults.next('usergroups.users.list', { status: 500 });
    await expect(slack.send(reminder('k/retry', ['S0OWNERS']))).rejects.toBeInstanceOf(SlackDeliveryError);
    const receipt = await slack.send(reminder('k/retry', ['S0OWNERS']));
    expect(recipients(receipt)).toEqual([null, 'U0ALICE', 'U0BOB', 'U0CAROL']);
    expect(standIn.messages('U0BOB')).toHaveLength(1);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
  });
});
