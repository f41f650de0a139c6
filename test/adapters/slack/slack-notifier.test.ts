import type { AnyBlock } from '@slack/types';
import type { RetryOptions } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../../src/adapters/slack/views/block-ids';
import { checkMessage } from '../../../src/adapters/slack/views/block-kit-check';
import type { OwnerGroup, Person } from '../../../src/core/domain/inventory/model';
import type { CertificateSummary, LifecycleRequest } from '../../../src/core/domain/lifecycle/model';
import {
  type ApprovalRequestNotification,
  type EscalationNotification,
  type NotificationReceipt,
  NotificationRejectedError,
  type ReminderNotification,
} from '../../../src/core/ports/notification-port';
import { InMemorySlackDeliveryStore } from '../../../src/adapters/slack/slack-delivery-store';
import { SlackNotifier, type SlackNotifierEvent } from '../../../src/adapters/slack/slack-notifier';
import { createSlackWebClient, SlackDeliveryError } from '../../../src/adapters/slack/slack-web-client';
import type { RecordedMessage } from '../../../src/adapters/slack/stand-in/stand-in-state';
import type { SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import { ownerGroupFixture, requestFixture, summaryFixture } from '../../support/lifecycle-fixtures';
import { closeOnYield, NOTIFIER_CHANNEL, startNotifierStandIn } from './notifier-test-support';

const BOT_TOKEN = 'xoxb-notifier-test';
const CHANNEL = NOTIFIER_CHANNEL;
// Immediate retries: the tests wait only for what Slack's Retry-After asks.
const FAST_RETRIES: RetryOptions = { retries: 2, factor: 1, minTimeout: 1, maxTimeout: 1 };
const NO_RETRIES: RetryOptions = { retries: 0 };

const ALICE: Person = { name: 'Alice Owner', email: 'Alice@Example.com' };
const BOB: Person = { name: 'Bob Owner', slackUserId: 'U0BOB' };
const NOBODY: Person = { name: 'Nora No-Slack' };
const STRANGER: Person = { name: 'Sam Stranger', email: 'sam@elsewhere.example' };

const CERTIFICATE: CertificateSummary = summaryFixture({ dnsNames: ['shop.example.com'] });

const GROUP: OwnerGroup = ownerGroupFixture({
  contacts: [ALICE, BOB],
  approvers: [ALICE, BOB],
  slack: { channelId: CHANNEL },
});

const REQUEST: LifecycleRequest = requestFixture({
  id: 'a1b2c3d4e5f60718.1.1',
  requestedBy: { id: 'slack:U0CAROL', displayName: 'Carol Requester' },
  requestedAt: '2025-05-30T09:00:00.000Z',
});

function reminder(key: string, people: readonly Person[] = [ALICE, BOB], channelId: string | null = CHANNEL) {
  const notification: ReminderNotification = {
    kind: 'reminder',
    idempotencyKey: key,
    dueAt: '2025-06-01T12:00:00.000Z',
    certificate: CERTIFICATE,
    group: GROUP,
    audience: { people, channelId },
    ticket: null,
    link: null,
    daysLeft: 30,
    renewalDeadline: '2025-06-01T12:00:00.000Z',
  };
  return notification;
}

const APPROVAL: ApprovalRequestNotification = {
  ...reminder('certflow-lifecycle-a1b2c3d4e5f60718/c1/approval-1'),
  kind: 'approval-request',
  request: REQUEST,
  reminder: 0,
};

function escalation(channelId: string): EscalationNotification {
  return {
    ...reminder('certflow-lifecycle-a1b2c3d4e5f60718/c1/escalation-30', [BOB], channelId),
    kind: 'escalation',
    cause: 'not-renewed',
    reason: 'Not renewed 30 days before expiry',
    daysLeft: 29,
  };
}

let standIn: SlackStandIn;
let events: SlackNotifierEvent[];

function notifier(retryConfig: RetryOptions = FAST_RETRIES, botToken = BOT_TOKEN) {
  const deliveries = new InMemorySlackDeliveryStore();
  const client = createSlackWebClient({ botToken, slackApiUrl: standIn.apiUrl, retryConfig });
  return new SlackNotifier({
    client,
    deliveries,
    log: (event) => events.push(event),
    schedule: closeOnYield,
    postLandingMs: 0,
  });
}

function calls(method: string) {
  return standIn.calls.filter((call) => call.method === method);
}

function dm(userId: string): readonly RecordedMessage[] {
  return standIn.messages(userId);
}

function blockKitProblems(message: RecordedMessage): string[] {
  return checkMessage({ text: message.text, blocks: message.blocks as unknown as AnyBlock[] });
}

function actionIds(message: { blocks: readonly Record<string, unknown>[] }): unknown[] {
  return message.blocks
    .filter((block) => block.type === 'actions')
    .flatMap((block) => (block.elements as { action_id: unknown }[]).map((element) => element.action_id));
}

beforeEach(async () => {
  events = [];
  standIn = await startNotifierStandIn(BOT_TOKEN);
});

afterEach(() => standIn.close());

describe('SlackNotifier', () => {
  it('R-MON-1: a reminder reaches the group channel and each owner by DM, found by e-mail or Slack id', async () => {
    const receipt = await notifier().send(reminder('k/reminder-30', [ALICE, BOB, NOBODY, STRANGER]));

    const [inChannel] = standIn.messages(CHANNEL);
    const [toAlice] = dm('U0ALICE');
    const [toBob] = dm('U0BOB');
    expect(receipt).toEqual({
      idempotencyKey: 'k/reminder-30',
      messages: [
        { channel: CHANNEL, ts: inChannel?.ts, recipient: null },
        { channel: standIn.dmChannel('U0ALICE'), ts: toAlice?.ts, recipient: 'U0ALICE' },
        { channel: standIn.dmChannel('U0BOB'), ts: toBob?.ts, recipient: 'U0BOB' },
      ],
      digest: null,
    });
    for (const message of [inChannel, toAlice, toBob]) {
      expect(message).toBeDefined();
      if (message === undefined) continue;
      expect(blockKitProblems(message)).toEqual([]);
      expect(message.text).toContain('shop.example.com expires in 30 days');
      expect(actionIds(message)).toEqual([ACTION_IDS.requestRenewal, ACTION_IDS.viewDetails]);
    }
    expect(events).toEqual([
      { kind: 'person-skipped', idempotencyKey: 'k/reminder-30', person: NOBODY, reason: 'no slackUserId or email' },
      { kind: 'person-skipped', idempotencyKey: 'k/reminder-30', person: STRANGER, reason: 'users_not_found' },
    ]);
  });

  it('R-MON-1: e-mail look-ups and DM channels are cached across notifications', async () => {
    const slack = notifier();
    await slack.send(reminder('k/reminder-30', [ALICE]));
    await slack.send(reminder('k/reminder-14', [{ email: 'alice@example.com' }]));
    expect(calls('users.lookupByEmail')).toHaveLength(1);
    expect(calls('conversations.open')).toHaveLength(1);
    expect(dm('U0ALICE')).toHaveLength(2);
  });

  it('R-MON-1: a person listed twice (by e-mail and by Slack id) gets one DM', async () => {
    const receipt = await notifier().send(reminder('k/twice', [ALICE, { slackUserId: 'U0ALICE' }], null));
    expect(receipt.messages.map((message) => message.recipient)).toEqual(['U0ALICE']);
    expect(dm('U0ALICE')).toHaveLength(1);
  });

  it('R-MON-1: a repeated send returns the first receipt and posts nothing', async () => {
    const slack = notifier();
    const first = await slack.send(reminder('k/reminder-30'));
    const again = await slack.send(reminder('k/reminder-30'));
    expect(again).toEqual(first);
    expect(calls('chat.postMessage')).toHaveLength(3);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
  });

  it('R-MON-1: concurrent sends of one key post once', async () => {
    const slack = notifier();
    const [first, second] = await Promise.all([slack.send(reminder('k/race')), slack.send(reminder('k/race'))]);
    expect(second).toEqual(first);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
    expect(dm('U0ALICE')).toHaveLength(1);
  });

  it('R-MON-1: a send that failed half-way resumes and posts only what is missing', async () => {
    const slack = notifier(NO_RETRIES);
    // Channel and Alice's DM go through (a zero delay is a pass), Bob's DM meets a 500.
    standIn.faults.next('chat.postMessage', { delayMs: 0 }, 2);
    standIn.faults.next('chat.postMessage', { status: 500 });
    const failed = slack.send(reminder('k/reminder-30'));
    await expect(failed).rejects.toBeInstanceOf(SlackDeliveryError);
    await expect(failed).rejects.not.toBeInstanceOf(NotificationRejectedError);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
    expect(dm('U0ALICE')).toHaveLength(1);
    expect(dm('U0BOB')).toHaveLength(0);

    const receipt = await slack.send(reminder('k/reminder-30'));
    expect(calls('chat.postMessage').map((call) => call.status)).toEqual([200, 200, 500, 200]);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
    expect(dm('U0ALICE')).toHaveLength(1);
    expect(dm('U0BOB')).toHaveLength(1);
    expect(receipt.messages.map((message) => message.recipient)).toEqual([null, 'U0ALICE', 'U0BOB']);
  });

  it('R-MON-1: a 429 is waited out (Retry-After) and the message is delivered once', async () => {
    standIn.faults.next('chat.postMessage', { status: 429, retryAfterSeconds: 0 });
    const receipt = await notifier().send(reminder('k/reminder-30', [], CHANNEL));
    expect(calls('chat.postMessage').map((call) => call.status)).toEqual([429, 200]);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
    expect(receipt.messages).toHaveLength(1);
  });

  it('R-MON-1: a 500 that outlasts the retries is a retryable failure, not a rejection', async () => {
    standIn.faults.next('chat.postMessage', { status: 500 }, 3);
    const failed = notifier().send(reminder('k/reminder-30', [], CHANNEL));
    await expect(failed).rejects.toThrow(/^posting the reminder message to C0PAYMENTS failed \(.*500.*\).*retried$/);
    await expect(failed).rejects.toBeInstanceOf(SlackDeliveryError);
    expect(standIn.messages(CHANNEL)).toHaveLength(0);
  });

  it('R-RA-1: a decision replaces the approval buttons in place, in the channel and in every DM', async () => {
    const slack = notifier();
    const receipt = await slack.send(APPROVAL);
    const sent = standIn.messages(CHANNEL)[0];
    expect(sent && actionIds(sent)).toEqual([
      ACTION_IDS.approveRequest,
      ACTION_IDS.rejectRequest,
      ACTION_IDS.viewDetails,
    ]);

    await slack.showDecision(receipt, {
      request: { ...REQUEST, status: 'approved', decidedBy: { id: 'slack:U0BOB', displayName: 'Bob Owner' } },
      decidedBy: { id: 'slack:U0BOB', displayName: 'Bob Owner' },
      decidedAt: '2025-05-31T10:00:00.000Z',
    });

    for (const message of [...standIn.messages(CHANNEL), ...dm('U0ALICE'), ...dm('U0BOB')]) {
      expect(message.edits).toHaveLength(1);
      expect(actionIds(message.edits[0] ?? { blocks: [] })).toContain(ACTION_IDS.approveRequest);
      expect(actionIds(message)).toEqual([]);
      expect(message.text).toContain('Approved: renewal of shop.example.com by Bob Owner');
      expect(blockKitProblems(message)).toEqual([]);
    }
    expect(receipt.messages).toHaveLength(3);
  });

  it('R-RA-1: a decision on a message that no longer exists is logged, the others are updated', async () => {
    const slack = notifier();
    const receipt = await slack.send(APPROVAL);
    const gone: NotificationReceipt = {
      ...receipt,
      messages: [{ channel: CHANNEL, ts: '1.000001', recipient: null }, ...receipt.messages],
    };
    await slack.showDecision(gone, {
      request: REQUEST,
      decidedBy: { id: 'slack:U0BOB' },
      decidedAt: REQUEST.requestedAt,
    });
    expect(events).toEqual([
      {
        kind: 'message-not-updated',
        idempotencyKey: APPROVAL.idempotencyKey,
        channel: CHANNEL,
        ts: '1.000001',
        reason: 'message_not_found',
      },
    ]);
    expect(standIn.messages(CHANNEL)[0]?.edits).toHaveLength(1);
  });

  it('R-MON-3: an unknown channel is rejected with the fix, and the people still get their DM', async () => {
    const failed = notifier().send(escalation('C0GONE'));
    await expect(failed).rejects.toBeInstanceOf(NotificationRejectedError);
    await expect(failed).rejects.toThrow(/channel_not_found.*--slack-channel/);
    expect(dm('U0BOB')).toHaveLength(1);
  });

  it('R-MON-3: a token Slack refuses is rejected at the first call, naming the fix', async () => {
    const failed = notifier(FAST_RETRIES, 'xoxb-revoked').send(escalation(CHANNEL));
    await expect(failed).rejects.toBeInstanceOf(NotificationRejectedError);
    await expect(failed).rejects.toThrow(/invalid_auth.*Bot User OAuth Token/);
    expect(calls('chat.postMessage')).toHaveLength(1);
    expect(calls('conversations.open')).toHaveLength(0);
  });

  it('R-MON-1: an audience nobody in Slack can be reached in yields an empty receipt and a log line', async () => {
    const receipt = await notifier().send(reminder('k/nobody', [NOBODY, STRANGER], null));
    expect(receipt.messages).toEqual([]);
    expect(events.map((event) => event.kind)).toEqual(['person-skipped', 'person-skipped', 'nobody-reached']);
    expect(calls('chat.postMessage')).toHaveLength(0);
  });
});
