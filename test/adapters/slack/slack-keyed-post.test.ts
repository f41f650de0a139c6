import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInventoryDatabase, type InventoryDatabaseHandle } from '../../../src/adapters/database/database';
import { DELIVERY_EVENT_TYPE, findMarked, postMarked } from '../../../src/adapters/slack/slack-keyed-post';
import { NotificationInDoubtError } from '../../../src/core/ports/notification-port';
import { SlackDiscoveryNotifier } from '../../../src/adapters/slack/slack-discovery-notifier';
import { SlackNotifier } from '../../../src/adapters/slack/slack-notifier';
import { createSlackWebClient, SlackDeliveryError } from '../../../src/adapters/slack/slack-web-client';
import { SqlSlackDeliveryStore } from '../../../src/adapters/slack/sql-slack-delivery-store';
import type { SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import type { ReminderNotification } from '../../../src/core/ports/notification-port';
import { ownerGroupFixture, summaryFixture } from '../../support/lifecycle-fixtures';
import { closeOnYield, NOTIFIER_CHANNEL, startNotifierStandIn } from './notifier-test-support';

const BOT_TOKEN = 'xoxb-keyed-post-test';
const CHANNEL = NOTIFIER_CHANNEL;
const BOB = 'U0BOB';
const LOST = { status: 500, afterProcessing: true } as const;

let standIn: SlackStandIn;
let database: InventoryDatabaseHandle;

beforeEach(async () => {
  standIn = await startNotifierStandIn(BOT_TOKEN);
  database = await openInventoryDatabase({ url: ':memory:' });
});

afterEach(async () => {
  await standIn.close();
  await database.store.close();
});

/** The client as the worker makes it, with WebClient retries of everything but posts. */
function client() {
  return createSlackWebClient({
    botToken: BOT_TOKEN,
    slackApiUrl: standIn.apiUrl,
    retryConfig: { retries: 2, factor: 1, minTimeout: 1, maxTimeout: 1 },
  });
}

/** A notifier as a (re)started worker has it: a new process each time, the same inventory database. */
function lifecycleNotifier() {
  return new SlackNotifier({
    client: client(),
    deliveries: new SqlSlackDeliveryStore({ db: database.db }),
    schedule: closeOnYield,
    // The stand-in answers every post it processed: nothing lands late, so a retry may look at once.
    postLandingMs: 0,
  });
}

function reminder(key: string): ReminderNotification {
  return {
    kind: 'reminder',
    idempotencyKey: key,
    dueAt: new Date().toISOString(),
    certificate: summaryFixture({ dnsNames: ['shop.example.com'] }),
    group: ownerGroupFixture({ slack: { channelId: CHANNEL } }),
    audience: { people: [{ slackUserId: BOB }], channelId: CHANNEL },
    ticket: null,
    link: null,
    daysLeft: 30,
    renewalDeadline: new Date().toISOString(),
  };
}

function calls(method: string) {
  return standIn.calls.filter((call) => call.method === method);
}

/** What an activity's retries do: the same send again until it returns. */
async function retried<T>(attempt: () => Promise<T>, attempts: number): Promise<{ result: T; failures: unknown[] }> {
  const failures: unknown[] = [];
  for (let index = 0; index < attempts; index++) {
    try {
      return { result: await attempt(), failures };
    } catch (error) {
      failures.push(error);
    }
  }
  throw new Error(`still failing after ${attempts} attempts: ${failures.map(String).join('; ')}`);
}

describe('posting once per delivery key (issue 17, R-CAM-4)', () => {
  it('R-CAM-4 exactly-once: a reminder whose posts are answered "processed, then 500" reaches the channel and the DM once, the retries adopting the messages found by their delivery key', async () => {
    // The channel's post and then the DM's post: Slack posts each, and the answer is lost.
    standIn.faults.next('chat.postMessage', LOST, 2);
    const key = 'certflow-lifecycle-abc/c1/reminder-30';

    const { result: receipt, failures } = await retried(() => lifecycleNotifier().send(reminder(key)), 3);

    expect(failures).toHaveLength(2);
    for (const failure of failures) expect(failure).toBeInstanceOf(SlackDeliveryError);
    const inChannel = standIn.messages(CHANNEL);
    const toBob = standIn.messages(BOB);
    expect(inChannel).toHaveLength(1);
    expect(toBob).toHaveLength(1);
    expect(calls('chat.postMessage').map((call) => call.status)).toEqual([500, 500]);
    for (const message of [...inChannel, ...toBob]) {
      expect(message.metadata).toEqual({ event_type: DELIVERY_EVENT_TYPE, event_payload: { key } });
    }
    expect(receipt.messages).toEqual([
      { channel: CHANNEL, ts: inChannel[0]?.ts, recipient: null },
      { channel: standIn.dmChannel(BOB), ts: toBob[0]?.ts, recipient: BOB },
    ]);
    // Done: a later send returns the receipt and neither looks nor posts.
    const history = calls('conversations.history').length;
    expect(await lifecycleNotifier().send(reminder(key))).toEqual(receipt);
    expect(calls('conversations.history')).toHaveLength(history);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
  });

  it('R-CAM-4 exactly-once: a post the client gave up on, which Slack shows later, is not posted again: the retry waits until it can have appeared, then adopts it', async () => {
    // Slack holds the post past the client's timeout, then processes it: certflow never hears of it.
    standIn.faults.next('chat.postMessage', { delayMs: 1_500 });
    const notifier = () =>
      new SlackNotifier({
        client: createSlackWebClient({ botToken: BOT_TOKEN, slackApiUrl: standIn.apiUrl, timeoutMs: 300 }),
        deliveries: new SqlSlackDeliveryStore({ db: database.db }),
        schedule: closeOnYield,
        postLandingMs: 4_000,
      });
    const key = 'k/held';
    await expect(notifier().send(reminder(key))).rejects.toBeInstanceOf(SlackDeliveryError);

    // At once, the held post may still appear: the send is in doubt and names how long to wait, posting nothing.
    const inDoubt = await notifier()
      .send(reminder(key))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(inDoubt).toBeInstanceOf(NotificationInDoubtError);
    const waitMs = (inDoubt as NotificationInDoubtError).retryAfterMs;
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(4_000);
    // Not shown yet: a look-up now would miss it, and a post would make two.
    expect(standIn.messages(CHANNEL)).toHaveLength(0);

    // After the wait the activity's retry policy gives it, the retry finds the held message.
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    const receipt = await notifier().send(reminder(key));
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
    expect(receipt.messages[0]).toEqual({ channel: CHANNEL, ts: standIn.messages(CHANNEL)[0]?.ts, recipient: null });
    expect(standIn.messages(BOB)).toHaveLength(1);
  });

  it('R-CAM-4 exactly-once: a first post does not look (no earlier attempt), and a 500 Slack did not process is posted on the retry', async () => {
    standIn.faults.next('chat.postMessage', { status: 500 });
    const { failures } = await retried(() => lifecycleNotifier().send(reminder('k/first')), 2);

    expect(failures).toHaveLength(1);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
    expect(standIn.messages(BOB)).toHaveLength(1);
    // The first attempt looked nowhere; the retry, after an attempt of unknown outcome, in each target it lacked.
    expect(calls('conversations.history')).toHaveLength(2);
  });

  it('R-CAM-4: a 429 on a post is waited out (Retry-After) and posted once, without failing the send', async () => {
    standIn.faults.next('chat.postMessage', { status: 429, retryAfterSeconds: 0 }, 2);
    await lifecycleNotifier().send(reminder('k/rate-limited'));

    expect(calls('chat.postMessage').map((call) => call.status)).toEqual([429, 429, 200, 200]);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
    expect(calls('conversations.history')).toHaveLength(0);
  });

  it('R-CAM-4 exactly-once: the look-up pages through the channel history: 450 later messages do not hide the lost post', async () => {
    standIn.faults.next('chat.postMessage', LOST);
    const key = 'k/busy-channel';
    await expect(lifecycleNotifier().send(reminder(key))).rejects.toBeInstanceOf(SlackDeliveryError);
    const someoneElse = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl, logLevel: LogLevel.ERROR });
    for (let index = 0; index < 450; index++)
      await someoneElse.chat.postMessage({ channel: CHANNEL, text: `${index}` });

    const receipt = await lifecycleNotifier().send(reminder(key));

    const lost = standIn.messages(CHANNEL)[0];
    expect(receipt.messages[0]).toEqual({ channel: CHANNEL, ts: lost?.ts, recipient: null });
    expect(standIn.messages(CHANNEL)).toHaveLength(451);
    // 451 messages at 200 a page: three pages in the channel, then one in Bob's DM before posting there.
    expect(calls('conversations.history')).toHaveLength(4);
  });

  it.each([
    ['the minutes of the lost post', -60_000, 60_000, 1],
    ['a window that ended before it (less the clock margin)', -30 * 60_000, -10 * 60_000, 0],
    ['a window that starts after it (plus the clock margin)', 10 * 60_000, 30 * 60_000, 0],
  ])(
    'R-CAM-4: a look-up reads only the time its earlier posts could appear: %s',
    async (_window, fromMs, toMs, found) => {
      await postMarked(client(), CHANNEL, { text: 'lost', blocks: [] }, { key: 'k/window' });
      const now = Date.now();
      const window = { since: new Date(now + fromMs), until: new Date(now + toMs) };
      expect(await findMarked(client(), CHANNEL, new Set(['k/window']), window)).toHaveLength(found);
    },
  );

  it('R-CAM-4 exactly-once: a discovery digest (the campaign and discovery senders) answered "processed, then 500" reaches the channel and the DM once', async () => {
    standIn.faults.next('chat.postMessage', LOST, 2);
    const notifier = () =>
      new SlackDiscoveryNotifier({
        client: client(),
        deliveries: new SqlSlackDeliveryStore({ db: database.db }),
        postLandingMs: 0,
      });
    const digest = {
      idempotencyKey: 'discovery:dmz-1/digest/payments-web',
      scan: 'dmz',
      scanRunId: 'discovery:dmz-1',
      group: ownerGroupFixture(),
      audience: { people: [{ slackUserId: BOB }], channelId: CHANNEL },
      opened: [],
      resolved: [],
      notListed: 0,
    };

    const { result: receipt, failures } = await retried(() => notifier().sendFindingDigest(digest), 3);

    expect(failures).toHaveLength(2);
    expect(standIn.messages(CHANNEL)).toHaveLength(1);
    expect(standIn.messages(BOB)).toHaveLength(1);
    expect(receipt.messages.map((message) => message.ts)).toEqual([
      standIn.messages(CHANNEL)[0]?.ts,
      standIn.messages(BOB)[0]?.ts,
    ]);
  });
});
