import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RetryOptions } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS } from '../../../src/adapters/slack/views/block-ids';
import type { OwnerGroup, Person } from '../../../src/core/domain/inventory/model';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import {
  type ApprovalRequestNotification,
  type EscalationNotification,
  type IncidentNotification,
  type LifecycleNotification,
  type NotificationReceipt,
  NotificationRejectedError,
  type ReminderNotification,
} from '../../../src/core/ports/notification-port';
import { InMemorySlackDeliveryStore, type SlackDeliveryStore } from '../../../src/adapters/slack/slack-delivery-store';
import {
  InvalidDigestSettingsError,
  SlackNotifier,
  type SlackNotifierOptions,
} from '../../../src/adapters/slack/slack-notifier';
import { createSlackWebClient, SlackDeliveryError } from '../../../src/adapters/slack/slack-web-client';
import { SqlSlackDeliveryStore } from '../../../src/adapters/slack/sql-slack-delivery-store';
import type { RecordedMessage } from '../../../src/adapters/slack/stand-in/stand-in-state';
import type { SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import {
  FIXTURE_NOW,
  fixtureCertificateId,
  ownerGroupFixture,
  requestFixture,
  summaryFixture,
} from '../../support/lifecycle-fixtures';
import { openTestServices } from '../../support/services';
import { closeOnYield, ManualWindows, NOTIFIER_CHANNEL, startNotifierStandIn } from './notifier-test-support';

const BOT_TOKEN = 'xoxb-digest-test';
const CHANNEL = NOTIFIER_CHANNEL;
// Immediate retries: the tests wait only for what Slack's Retry-After asks.
const FAST_RETRIES: RetryOptions = { retries: 2, factor: 1, minTimeout: 1, maxTimeout: 1 };
const NO_RETRIES: RetryOptions = { retries: 0 };

const ALICE: Person = { name: 'Alice Owner', email: 'alice@example.com' };
const BOB: Person = { name: 'Bob Owner', slackUserId: 'U0BOB' };
const GROUP: OwnerGroup = ownerGroupFixture({ contacts: [ALICE, BOB], slack: { channelId: CHANNEL } });

/** The reminder of certificate number `index` (`host-<index>.example.com`), due at FIXTURE_NOW. */
function reminder(
  index: number,
  overrides: Partial<ReminderNotification> = {},
  people: readonly Person[] = [ALICE, BOB],
): ReminderNotification {
  const id = fixtureCertificateId(index);
  const name = `host-${index}.example.com`;
  return {
    kind: 'reminder',
    idempotencyKey: `certflow-lifecycle-${id}/c1/reminder-30`,
    dueAt: FIXTURE_NOW,
    certificate: summaryFixture({
      managedCertificateId: id,
      id,
      fingerprintSha256: id.padEnd(64, '0'),
      subject: `CN=${name}`,
      commonName: name,
      dnsNames: [name],
    }),
    group: GROUP,
    audience: { people, channelId: CHANNEL },
    ticket: null,
    link: null,
    daysLeft: 30,
    renewalDeadline: '2025-06-21T12:00:00.000Z',
    ...overrides,
  };
}

function escalation(index: number): EscalationNotification {
  return {
    ...reminder(index),
    idempotencyKey: `certflow-lifecycle-${fixtureCertificateId(index)}/c1/escalation-30`,
    kind: 'escalation',
    cause: 'not-renewed',
    reason: 'Not renewed 30 days before expiry',
    daysLeft: 29,
  };
}

function incident(index: number): IncidentNotification {
  return {
    ...reminder(index),
    idempotencyKey: `certflow-lifecycle-${fixtureCertificateId(index)}/c1/expiry`,
    kind: 'incident',
    reason: 'Expired while still served',
  };
}

function approval(index: number): ApprovalRequestNotification {
  const id = fixtureCertificateId(index);
  return {
    ...reminder(index),
    idempotencyKey: `certflow-lifecycle-${id}/c1/approval-1`,
    kind: 'approval-request',
    request: requestFixture({ id: `${id}.1.1` }),
    reminder: 0,
  };
}

let standIn: SlackStandIn;

function notifier(options: Partial<SlackNotifierOptions> & { retryConfig?: RetryOptions } = {}) {
  const { retryConfig = FAST_RETRIES, ...rest } = options;
  return new SlackNotifier({
    client: createSlackWebClient({ botToken: BOT_TOKEN, slackApiUrl: standIn.apiUrl, retryConfig }),
    deliveries: new InMemorySlackDeliveryStore(),
    schedule: closeOnYield,
    now: () => new Date(FIXTURE_NOW),
    postLandingMs: 0,
    ...rest,
  });
}

function posts() {
  return standIn.calls.filter((call) => call.method === 'chat.postMessage');
}

/** The certificate ids a digest lists, from its item blocks. */
function digestItems(message: RecordedMessage | undefined): string[] {
  return (message?.blocks ?? [])
    .map((block) => String(block.block_id))
    .filter((id) => id.startsWith(`${BLOCK_IDS.digestItem}_`))
    .map((id) => id.slice(BLOCK_IDS.digestItem.length + 1));
}

/** Every message of the channel and of Alice's and Bob's DMs. */
function everyMessage(): RecordedMessage[] {
  return [...standIn.messages(CHANNEL), ...standIn.messages('U0ALICE'), ...standIn.messages('U0BOB')];
}

beforeEach(async () => {
  standIn = await startNotifierStandIn(BOT_TOKEN);
});

afterEach(() => standIn.close());

describe('SlackNotifier digests', () => {
  it('R-MON-5: 20 certificates due the same day give one message per recipient, listing them all', async () => {
    const windows = new ManualWindows();
    const slack = notifier({ schedule: windows.schedule, digestWindowMs: 3_000 });
    const notifications = Array.from({ length: 20 }, (_, index) => reminder(index + 1));

    const receipts = Promise.all(notifications.map((notification) => slack.send(notification)));
    expect(windows.open()).toEqual([3_000]);
    windows.closeAll();
    const sent = await receipts;

    const ids = notifications.map((notification) => notification.certificate.managedCertificateId).sort();
    const [inChannel] = standIn.messages(CHANNEL);
    const [toAlice] = standIn.messages('U0ALICE');
    const [toBob] = standIn.messages('U0BOB');
    expect(everyMessage()).toHaveLength(3);
    expect(posts()).toHaveLength(3);
    for (const message of [inChannel, toAlice, toBob]) {
      expect(message?.text).toMatch(/^20 certificates need attention: /);
      expect(digestItems(message).sort()).toEqual(ids);
    }
    expect(JSON.stringify(inChannel?.blocks)).toContain('Digest for *Payments Web*');
    expect(JSON.stringify(toAlice?.blocks)).toContain('Digest for *Alice Owner*');

    const digest = sent[0]?.digest;
    expect(digest).toMatch(/^digest-/);
    sent.forEach((receipt, index) =>
      expect(receipt).toEqual({
        idempotencyKey: notifications[index]?.idempotencyKey,
        messages: [
          { channel: CHANNEL, ts: inChannel?.ts, recipient: null },
          { channel: standIn.dmChannel('U0ALICE'), ts: toAlice?.ts, recipient: 'U0ALICE' },
          { channel: standIn.dmChannel('U0BOB'), ts: toBob?.ts, recipient: 'U0BOB' },
        ],
        digest,
      }),
    );
  });

  it('R-MON-5: reminders, escalations and incidents share a digest, most urgent first; an approval request goes out alone at once', async () => {
    const windows = new ManualWindows();
    const slack = notifier({ schedule: windows.schedule });
    const digested = Promise.all(
      [reminder(1), escalation(2), incident(3)].map((notification) => slack.send(notification)),
    );
    const approvalReceipt = await slack.send(approval(4));

    expect(approvalReceipt.digest).toBeNull();
    expect(approvalReceipt.messages).toHaveLength(3);
    const [approvalMessage] = standIn.messages(CHANNEL);
    expect(JSON.stringify(approvalMessage?.blocks)).toContain(ACTION_IDS.approveRequest);
    expect(posts()).toHaveLength(3);

    windows.closeAll();
    const receipts = await digested;
    expect(new Set(receipts.map((receipt) => receipt.digest)).size).toBe(1);
    const digest = standIn.messages(CHANNEL)[1];
    expect(standIn.messages(CHANNEL)).toHaveLength(2);
    expect(digestItems(digest)).toEqual([3, 2, 1].map(fixtureCertificateId));
    expect(JSON.stringify(digest?.blocks)).toContain('1 expired, 1 escalated, 1 due for renewal');
  });

  it('R-MON-5: a target with one notification gets the normal message, a target with several the digest', async () => {
    const slack = notifier();
    const [forAlice, forBob] = await Promise.all([
      slack.send(reminder(1, {}, [ALICE])),
      slack.send(reminder(2, {}, [BOB])),
    ]);
    const [inChannel] = standIn.messages(CHANNEL);
    expect(digestItems(inChannel)).toEqual([1, 2].map(fixtureCertificateId));
    expect(standIn.messages('U0ALICE').map((message) => message.text)).toEqual([
      expect.stringContaining('host-1.example.com expires in 30 days'),
    ]);
    expect(standIn.messages('U0BOB').map((message) => message.text)).toEqual([
      expect.stringContaining('host-2.example.com expires in 30 days'),
    ]);
    // Each is in the channel's digest, so each receipt names it.
    expect(forAlice?.digest).toMatch(/^digest-/);
    expect(forBob?.digest).toBe(forAlice?.digest);
    expect(forAlice?.messages.map((message) => message.ts)).toEqual([
      inChannel?.ts,
      standIn.messages('U0ALICE')[0]?.ts,
    ]);
  });

  it('R-MON-5: notifications due on different days arriving together are not mixed; a lone one posts the normal message', async () => {
    const slack = notifier();
    const receipts = await Promise.all([
      slack.send(reminder(1)),
      slack.send(reminder(2)),
      slack.send(reminder(3, { dueAt: '2025-06-02T00:00:00.000Z' })),
    ]);
    // The two days' messages are posted side by side, in either order.
    const messages = standIn.messages(CHANNEL);
    expect(messages).toHaveLength(2);
    const digest = messages.find((message) => digestItems(message).length > 0);
    expect(digestItems(digest)).toEqual([1, 2].map(fixtureCertificateId));
    expect(messages.find((message) => message !== digest)?.text).toContain('host-3.example.com expires in 30 days');
    expect(receipts[2]?.digest).toBeNull();
  });

  it('R-MON-5: a collection that reaches digestMaxBatch goes out at once, before its window closes', async () => {
    const windows = new ManualWindows();
    const slack = notifier({ schedule: windows.schedule, digestMaxBatch: 3 });
    const first = Promise.all([1, 2, 3].map((index) => slack.send(reminder(index, {}, []))));
    const rest = Promise.all([4, 5].map((index) => slack.send(reminder(index, {}, []))));
    await first;
    expect(standIn.messages(CHANNEL).map(digestItems)).toEqual([[1, 2, 3].map(fixtureCertificateId)]);
    expect(windows.open()).toHaveLength(1);
    windows.closeAll();
    await rest;
    expect(standIn.messages(CHANNEL).map(digestItems)).toEqual([
      [1, 2, 3].map(fixtureCertificateId),
      [4, 5].map(fixtureCertificateId),
    ]);
  });

  it('R-MON-5: flush() sends what is still collecting, for a worker that stops', async () => {
    const windows = new ManualWindows();
    const slack = notifier({ schedule: windows.schedule });
    const receipts = Promise.all([1, 2].map((index) => slack.send(reminder(index, {}, []))));
    await slack.flush();
    expect(windows.open()).toEqual([]);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
    expect((await receipts).map((receipt) => receipt.messages.length)).toEqual([1, 1]);
  });

  it('R-MON-5: a retried send of a key delivered in a digest returns the first receipt and posts nothing', async () => {
    const slack = notifier();
    const first = await Promise.all([1, 2, 3].map((index) => slack.send(reminder(index))));
    const again = await Promise.all([slack.send(reminder(2)), slack.send(reminder(4, {}, []))]);
    expect(again[0]).toEqual(first[1]);
    // The new key goes out alone: a retried key never joins a digest again.
    expect(posts()).toHaveLength(4);
    expect(standIn.messages(CHANNEL).map(digestItems)).toEqual([[1, 2, 3].map(fixtureCertificateId), []]);
  });

  it('R-MON-5: a batch that failed half-way fails only the sends missing a message, and posts only those when retried', async () => {
    const slack = notifier({ retryConfig: NO_RETRIES });
    // The channel's digest goes through (a zero delay is a pass), Alice's meets a 500: nothing more is tried.
    standIn.faults.next('chat.postMessage', { delayMs: 0 });
    standIn.faults.next('chat.postMessage', { status: 500 });
    const [channelOnly, ...failed] = await Promise.allSettled(
      [reminder(4, {}, []), ...[1, 2, 3].map((index) => reminder(index))].map((notification) =>
        slack.send(notification),
      ),
    );
    expect(channelOnly?.status).toBe('fulfilled');
    for (const outcome of failed) {
      expect(outcome.status).toBe('rejected');
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(SlackDeliveryError);
    }
    expect(standIn.messages(CHANNEL)).toHaveLength(1);

    const receipts = await Promise.all([1, 2, 3].map((index) => slack.send(reminder(index))));
    expect(posts().map((call) => call.status)).toEqual([200, 500, 200, 200]);
    expect(standIn.messages(CHANNEL).map(digestItems)).toEqual([[1, 2, 3, 4].map(fixtureCertificateId)]);
    expect([...standIn.messages('U0ALICE'), ...standIn.messages('U0BOB')].map(digestItems)).toEqual(
      Array(2).fill([1, 2, 3].map(fixtureCertificateId)),
    );
    for (const receipt of receipts) {
      expect(receipt.messages.map((message) => message.recipient)).toEqual([null, 'U0ALICE', 'U0BOB']);
    }
  });

  it('R-MON-5, R-CAM-4: a digest meeting a 429 (waited out) and a 500 (the send fails, its retry looks, then posts) is delivered exactly once', async () => {
    standIn.faults.next('chat.postMessage', { status: 429, retryAfterSeconds: 0 });
    standIn.faults.next('chat.postMessage', { status: 500 });
    const slack = notifier();
    const failed = await Promise.allSettled([1, 2].map((index) => slack.send(reminder(index, {}, []))));
    expect(failed.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(standIn.messages(CHANNEL)).toHaveLength(0);
    const receipts = await Promise.all([1, 2].map((index) => slack.send(reminder(index, {}, []))));
    expect(posts().map((call) => call.status)).toEqual([429, 500, 200]);
    expect(standIn.calls.filter((call) => call.method === 'conversations.history')).toHaveLength(1);
    const [digest] = standIn.messages(CHANNEL);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
    expect(digestItems(digest)).toEqual([1, 2].map(fixtureCertificateId));
    for (const receipt of receipts)
      expect(receipt.messages).toEqual([{ channel: CHANNEL, ts: digest?.ts, recipient: null }]);
  });

  it('R-MON-5: a restarted worker (new notifier, same SQL store) posts nothing again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-slack-'));
    const url = `sqlite:${path.join(dir, 'inventory.sqlite')}`;
    const run = async (work: (deliveries: SlackDeliveryStore) => Promise<NotificationReceipt[]>) => {
      const { store, db } = await openInventoryDatabase({ url });
      try {
        return await work(new SqlSlackDeliveryStore({ db }));
      } finally {
        await store.close();
      }
    };
    const notifications: LifecycleNotification[] = [reminder(1), escalation(2), reminder(3, {}, [BOB])];
    try {
      const first = await run((deliveries) => {
        const slack = notifier({ deliveries });
        return Promise.all(notifications.map((notification) => slack.send(notification)));
      });
      expect(posts()).toHaveLength(3);
      const again = await run((deliveries) => {
        const restarted = notifier({ deliveries });
        return Promise.all(notifications.map((notification) => restarted.send(notification)));
      });
      expect(again).toEqual(first);
      expect(posts()).toHaveLength(3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('R-MON-5: a worker that stops posts the digests still collecting before its inventory closes', async () => {
    const services = await openTestServices({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: standIn.apiUrl });
    const { notifications } = services.lifecycle;
    // The worker's real window (seconds) is still open when it stops.
    const receipts = Promise.all([1, 2].map((index) => notifications.send(reminder(index, {}, []))));
    await services.close();
    expect(standIn.messages(CHANNEL).map(digestItems)).toEqual([[1, 2].map(fixtureCertificateId)]);
    expect((await receipts).map((receipt) => receipt.messages.length)).toEqual([1, 1]);
  });

  it('R-MON-5: digestWindowMs 0 sends every notification alone, without opening a window', async () => {
    const windows = new ManualWindows();
    const slack = notifier({ schedule: windows.schedule, digestWindowMs: 0 });
    const receipts = await Promise.all([1, 2].map((index) => slack.send(reminder(index, {}, []))));
    expect(windows.open()).toEqual([]);
    expect(standIn.messages(CHANNEL).map(digestItems)).toEqual([[], []]);
    expect(receipts.map((receipt) => receipt.digest)).toEqual([null, null]);
  });

  it('R-MON-5: digest settings that cannot work are refused with the fix', () => {
    expect(() => notifier({ digestWindowMs: -1 })).toThrow(InvalidDigestSettingsError);
    expect(() => notifier({ digestWindowMs: Number.NaN })).toThrow(
      /digestWindowMs must be a number of milliseconds ≥ 0/,
    );
    expect(() => notifier({ digestMaxBatch: 0 })).toThrow(/digestMaxBatch must be a whole number ≥ 1/);
  });

  it('R-MON-5: a notification whose dueAt is no instant is rejected, naming the key', async () => {
    await expect(notifier().send(reminder(1, { dueAt: 'tomorrow' }))).rejects.toThrow(NotificationRejectedError);
    await expect(notifier().send(reminder(1, { dueAt: 'tomorrow' }))).rejects.toThrow(
      /reminder-30 has dueAt "tomorrow", which is not an ISO 8601 instant/,
    );
    expect(posts()).toHaveLength(0);
  });
});
