/**
 * Issue 14 item 12: a decision is shown once where its approval request was, and when a certificate version is
 * renewed, replaced outside certflow or retired its old reminders and requests say so and lose their buttons. Against
 * the Slack stand-in, with the delivery store in memory and in the inventory database (SQLite).
 */
import type { RetryOptions } from '@slack/web-api';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OwnerGroup, Person } from '../../../src/core/domain/inventory/model';
import type { CertificateSummary } from '../../../src/core/domain/lifecycle/model';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import type {
  ApprovalRequestNotification,
  DecisionNotification,
  LifecycleNotification,
  ReminderNotification,
  RenewalProgressNotification,
} from '../../../src/core/ports/notification-port';
import { InMemorySlackDeliveryStore, type SlackDeliveryStore } from '../../../src/adapters/slack/slack-delivery-store';
import { SlackNotifier, type SlackNotifierEvent } from '../../../src/adapters/slack/slack-notifier';
import { createSlackWebClient } from '../../../src/adapters/slack/slack-web-client';
import { SqlSlackDeliveryStore } from '../../../src/adapters/slack/sql-slack-delivery-store';
import type { SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import type { RecordedMessage } from '../../../src/adapters/slack/stand-in/stand-in-state';
import { ownerGroupFixture, requestFixture, summaryFixture } from '../../support/lifecycle-fixtures';
import { NOTIFIER_CHANNEL, startNotifierStandIn } from './notifier-test-support';

const BOT_TOKEN = 'xoxb-stale-messages';
const CHANNEL = NOTIFIER_CHANNEL;
const FAST_RETRIES: RetryOptions = { retries: 1, factor: 1, minTimeout: 1, maxTimeout: 1 };
const WF = 'certflow-lifecycle-a1b2c3d4e5f60718';

const ALICE: Person = { name: 'Alice Approver', email: 'alice@example.com' };
const BOB: Person = { name: 'Bob Owner', slackUserId: 'U0BOB' };
const OLD: CertificateSummary = summaryFixture({ dnsNames: ['shop.example.com'] });
const NEW: CertificateSummary = summaryFixture({
  id: 'ffeeddccbbaa9988',
  fingerprintSha256: 'ffeeddccbbaa9988'.padEnd(64, '0'),
  notAfter: '2026-03-01T00:00:00.000Z',
  dnsNames: ['shop.example.com'],
});
const GROUP: OwnerGroup = ownerGroupFixture({ contacts: [BOB], approvers: [ALICE], slack: { channelId: CHANNEL } });
const REQUEST = requestFixture({ id: 'a1b2c3d4e5f60718.1.1' });

function base(key: string, people: readonly Person[]) {
  return {
    idempotencyKey: `${WF}/c1/${key}`,
    dueAt: '2025-06-01T12:00:00.000Z',
    certificate: OLD,
    group: GROUP,
    audience: { people, channelId: CHANNEL },
    ticket: null,
    link: null,
  };
}

const REMINDER: ReminderNotification = {
  ...base('reminder-30', [BOB]),
  kind: 'reminder',
  daysLeft: 30,
  renewalDeadline: '2025-06-10T00:00:00.000Z',
};
const APPROVAL: ApprovalRequestNotification = {
  ...base(`approval/${REQUEST.id}/0`, [ALICE]),
  kind: 'approval-request',
  request: REQUEST,
  reminder: 0,
};
const DECISION: DecisionNotification = {
  ...base(`decision/${REQUEST.id}`, [BOB]),
  kind: 'decision',
  request: {
    ...REQUEST,
    status: 'approved',
    decidedBy: { id: 'email:alice@example.com' },
    decidedAt: '2025-06-01T13:00:00Z',
  },
};

function progress(step: RenewalProgressNotification['step'], key: string): RenewalProgressNotification {
  return {
    ...base(key, [BOB]),
    kind: 'renewal-progress',
    step,
    detail: `${step} detail`,
    replacement: step === 'installed-and-verified' ? NEW : null,
  };
}

const STORES: [string, () => Promise<{ deliveries: SlackDeliveryStore; close(): Promise<void> }>][] = [
  [
    'in memory',
    () => Promise.resolve({ deliveries: new InMemorySlackDeliveryStore(), close: () => Promise.resolve() }),
  ],
  [
    'in the inventory database',
    async () => {
      const { store, db } = await openInventoryDatabase({ url: ':memory:' });
      return { deliveries: new SqlSlackDeliveryStore({ db }), close: () => store.close() };
    },
  ],
];

describe.each(STORES)('Slack messages of a version that is gone (delivery store %s)', (_name, openStore) => {
  let standIn: SlackStandIn;
  let events: SlackNotifierEvent[];
  let deliveries: SlackDeliveryStore;
  let closeStore: () => Promise<void>;
  let notifier: SlackNotifier;

  beforeEach(async () => {
    events = [];
    standIn = await startNotifierStandIn(BOT_TOKEN);
    const opened = await openStore();
    deliveries = opened.deliveries;
    closeStore = () => opened.close();
    const client = createSlackWebClient({
      botToken: BOT_TOKEN,
      slackApiUrl: standIn.apiUrl,
      retryConfig: FAST_RETRIES,
    });
    notifier = new SlackNotifier({ client, deliveries, log: (event) => events.push(event), digestWindowMs: 0 });
  });

  afterEach(async () => {
    await standIn.close();
    await closeStore();
  });

  const send = (notification: LifecycleNotification) => notifier.send(notification);
  const buttonsOf = (message: RecordedMessage | undefined) =>
    JSON.stringify(message?.blocks ?? []).match(/"action_id":"(request_renewal|approve_request|reject_request)"/g) ??
    [];
  const find = (channel: string, ts: string) => standIn.messages(channel).find((message) => message.ts === ts);

  it('after approval the channel shows the decision once: in the updated request, not in a second post', async () => {
    const receipt = await send(APPROVAL);
    const before = standIn.messages(CHANNEL).length;
    await notifier.showDecision(receipt, {
      request: DECISION.request,
      decidedBy: { id: 'email:alice@example.com' },
      decidedAt: '2025-06-01T13:00:00Z',
    });
    const decision = await send(DECISION);
    expect(standIn.messages(CHANNEL)).toHaveLength(before);
    const inChannel = standIn.messages(CHANNEL).filter((message) => /Approved/.test(message.text));
    expect(inChannel).toHaveLength(1);
    expect(inChannel[0]?.edits).toHaveLength(1);
    // Bob, an owner who never saw the request, is told by DM.
    expect(decision.messages.map((message) => message.recipient)).toEqual(['U0BOB']);
  });

  it('a renewal updates the old reminder and approval request in place, without buttons, once', async () => {
    const reminder = await send(REMINDER);
    const approval = await send(APPROVAL);
    expect(buttonsOf(find(CHANNEL, reminder.messages[0]!.ts))).toHaveLength(1);

    await send(progress('installed-and-verified', `renewed/${REQUEST.id}`));
    for (const delivered of [...reminder.messages, ...approval.messages]) {
      const message = find(delivered.channel, delivered.ts);
      expect(message?.edits).toHaveLength(1);
      expect(buttonsOf(message)).toEqual([]);
      expect(message?.text).toContain('was renewed');
    }
    expect(JSON.stringify(find(CHANNEL, reminder.messages[0]!.ts)?.blocks)).toContain('ffeeddccbbaa9988');

    // A later notification of the same kind finds nothing left open.
    const updates = standIn.calls.filter((call) => call.method === 'chat.update').length;
    await send(progress('installed-and-verified', 'renewed/again'));
    expect(standIn.calls.filter((call) => call.method === 'chat.update')).toHaveLength(updates);
  });

  it.each([
    ['replaced-outside-certflow', 'was replaced outside certflow'],
    ['revoked', 'was revoked and retired'],
  ] as const)('%s: the old reminder says so and loses its button', async (step, says) => {
    const reminder = await send(REMINDER);
    await send(progress(step, `${step}/x`));
    const message = find(CHANNEL, reminder.messages[0]!.ts);
    expect(message?.text).toContain(says);
    expect(buttonsOf(message)).toEqual([]);
  });

  it("a failed renewal leaves the reminder's button, and the next version's messages stay untouched", async () => {
    const reminder = await send(REMINDER);
    await send(progress('failed', 'failed/x'));
    expect(buttonsOf(find(CHANNEL, reminder.messages[0]!.ts))).toHaveLength(1);
    const next = await send({ ...REMINDER, idempotencyKey: `${WF}/c2/reminder-30`, certificate: NEW });
    await send(progress('installed-and-verified', 'renewed/old'));
    expect(find(CHANNEL, next.messages[0]!.ts)?.edits).toEqual([]);
  });

  it('an old message deleted in Slack is logged and skipped; the progress is still posted', async () => {
    const reminder = await send(REMINDER);
    const web = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl });
    await web.chat.delete({ channel: CHANNEL, ts: reminder.messages[0]!.ts });
    const done = await send(progress('installed-and-verified', 'renewed/deleted'));
    expect(done.messages.length).toBeGreaterThan(0);
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'message-not-updated',
        ts: reminder.messages[0]!.ts,
        reason: 'message_not_found',
      }),
    );
  });
});
