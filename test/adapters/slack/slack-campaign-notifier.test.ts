import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openInventoryDatabase, type InventoryDatabaseHandle } from '../../../src/adapters/database/database';
import { SlackCampaignNotifier } from '../../../src/adapters/slack/slack-campaign-notifier';
import { InMemorySlackDeliveryStore } from '../../../src/adapters/slack/slack-delivery-store';
import type { SlackNotifierEvent } from '../../../src/adapters/slack/slack-notifier';
import { createSlackWebClient } from '../../../src/adapters/slack/slack-web-client';
import { SqlSlackDeliveryStore } from '../../../src/adapters/slack/sql-slack-delivery-store';
import { startSlackStandIn, type SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import { ownerGroupFixture } from '../../support/lifecycle-fixtures';
import { campaignFixture, groupFixture, memberFixture, progressFixture } from './campaign-fixtures';

const BOT_TOKEN = 'xoxb-campaign-test';
const CHANNEL = 'C0CAMPAIGN';

let standIn: SlackStandIn;
let database: InventoryDatabaseHandle;

beforeAll(async () => {
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: 'unused-here',
    users: [
      { id: 'U0BOSS', name: 'boss' },
      { id: 'U0IR', name: 'ir', email: 'ir@example.com' },
      { id: 'U0MAILBOSS', name: 'mailboss' },
    ],
    channels: [{ id: CHANNEL, name: 'campaigns' }],
  });
  database = await openInventoryDatabase({ url: ':memory:' });
});

afterAll(async () => {
  await standIn?.close();
  await database?.store.close();
});

beforeEach(() => standIn.faults.clear());

function client() {
  return createSlackWebClient({ botToken: BOT_TOKEN, slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });
}

function calls(method: string): number {
  return standIn.calls.filter((call) => call.method === method && call.status === 200).length;
}

/** A campaign of its own per test, so channel messages of other tests do not count. */
function progressOf(id: string, done: number) {
  return progressFixture([groupFixture('payments', done, 4)], { campaign: campaignFixture({ id }) });
}

describe('SlackCampaignNotifier progress', () => {
  it('R-CAM-3: posts the progress message once, then updates that same message in place', async () => {
    const notifier = new SlackCampaignNotifier({ client: client() });
    const before = standIn.messages(CHANNEL).length;
    const first = await notifier.publishProgress({
      idempotencyKey: 'p1/0',
      progress: progressOf('cmp-p1', 1),
      receipt: null,
    });
    const second = await notifier.publishProgress({
      idempotencyKey: 'p1/1',
      progress: progressOf('cmp-p1', 3),
      receipt: first,
    });
    const messages = standIn.messages(CHANNEL).slice(before);
    expect(messages).toHaveLength(1);
    expect(second.messages).toEqual(first.messages);
    expect(messages[0]?.ts).toBe(first.messages[0]?.ts);
    expect(messages[0]?.text).toContain('(3/4)');
    expect(messages[0]?.edits.length).toBeGreaterThan(0);
  });

  it('R-CAM-3, R-CAM-4: a first progress post whose answer was lost is found and updated by the next publication, never shown twice', async () => {
    const deliveries = new SqlSlackDeliveryStore({ db: database.db });
    const notifier = () => new SlackCampaignNotifier({ client: client(), deliveries, postLandingMs: 0 });
    const before = standIn.messages(CHANNEL).length;
    standIn.faults.next('chat.postMessage', { status: 500, afterProcessing: true });
    await expect(
      notifier().publishProgress({ idempotencyKey: 'p5/1', progress: progressOf('cmp-p5', 1), receipt: null }),
    ).rejects.toThrow(/Slack may be down or slow/);

    // The campaign gave that publication up; its next one knows no receipt.
    const next = await notifier().publishProgress({
      idempotencyKey: 'p5/2',
      progress: progressOf('cmp-p5', 3),
      receipt: null,
    });

    const messages = standIn.messages(CHANNEL).slice(before);
    expect(messages).toHaveLength(1);
    expect(next.messages.map((message) => message.ts)).toEqual([messages[0]?.ts]);
    expect(messages[0]?.text).toContain('(3/4)');
  });

  it('a retried call (same key) posts or updates nothing more, also after a restart with the SQL delivery store', async () => {
    const deliveries = new SqlSlackDeliveryStore({ db: database.db });
    const notifier = new SlackCampaignNotifier({ client: client(), deliveries });
    const posts = calls('chat.postMessage');
    const progress = progressOf('cmp-p2', 0);
    const [a, b] = await Promise.all([
      notifier.publishProgress({ idempotencyKey: 'p2/0', progress, receipt: null }),
      notifier.publishProgress({ idempotencyKey: 'p2/0', progress, receipt: null }),
    ]);
    const restarted = new SlackCampaignNotifier({ client: client(), deliveries });
    const c = await restarted.publishProgress({ idempotencyKey: 'p2/0', progress, receipt: null });
    expect(calls('chat.postMessage')).toBe(posts + 1);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const updates = calls('chat.update');
    await restarted.publishProgress({ idempotencyKey: 'p2/1', progress: progressOf('cmp-p2', 2), receipt: a });
    await notifier.publishProgress({ idempotencyKey: 'p2/1', progress: progressOf('cmp-p2', 2), receipt: a });
    expect(calls('chat.update')).toBe(updates + 1);
  });

  it('posts a new progress message when the old one was deleted', async () => {
    const events: SlackNotifierEvent[] = [];
    const notifier = new SlackCampaignNotifier({ client: client(), log: (event) => events.push(event) });
    const gone = {
      idempotencyKey: 'p3/0',
      messages: [{ channel: CHANNEL, ts: '1.000001', recipient: null }],
      digest: null,
    };
    const receipt = await notifier.publishProgress({
      idempotencyKey: 'p3/1',
      progress: progressOf('cmp-p3', 1),
      receipt: gone,
    });
    expect(receipt.messages[0]?.ts).not.toBe('1.000001');
    expect(events.map((event) => event.kind)).toContain('message-not-updated');
  });
});

describe('SlackCampaignNotifier escalation and report', () => {
  const payments = ownerGroupFixture({
    id: 'payments',
    name: 'Payments',
    managementContact: { slackUserId: 'U0BOSS' },
    incidentResponseContact: { email: 'IR@example.com' },
  });
  const mail = ownerGroupFixture({
    id: 'mail',
    name: 'Mail',
    managementContact: { slackUserId: 'U0MAILBOSS' },
    incidentResponseContact: { email: 'ir@example.com' },
  });

  function escalation(key: string) {
    const progress = progressFixture([groupFixture('payments', 1, 4), groupFixture('mail', 0, 2)], {
      campaign: campaignFixture({ id: key }),
      asOf: '2026-12-04T00:00:00.000Z',
    });
    return {
      idempotencyKey: `${key}/escalation`,
      progress,
      groups: [
        { progress: groupFixture('payments', 1, 4), group: payments },
        { progress: groupFixture('mail', 0, 2), group: mail },
      ],
      examples: [
        memberFixture({ subject: 'CN=pay.example.com', ownerGroup: 'payments' }),
        memberFixture({ subject: 'CN=mx.example.com', ownerGroup: 'mail' }),
      ],
    };
  }

  it("R-CAM-3: reaches the campaign channel and each group's management and incident response, by id or e-mail", async () => {
    const notifier = new SlackCampaignNotifier({ client: client() });
    const receipt = await notifier.escalateLaggards(escalation('cmp-e1'));
    expect(receipt.messages.map((message) => message.recipient)).toEqual([null, 'U0BOSS', 'U0IR', 'U0MAILBOSS']);
    const boss = standIn.messages('U0BOSS').at(-1);
    expect(boss?.text).toContain('1 group not done');
    expect(JSON.stringify(boss?.blocks)).toContain('CN=pay.example.com');
    expect(JSON.stringify(boss?.blocks)).not.toContain('CN=mx.example.com');
    // Incident response of both groups gets one message naming both.
    expect(JSON.stringify(standIn.messages('U0IR').at(-1)?.blocks)).toContain('*Mail*');
    expect(JSON.stringify(standIn.messages('U0IR').at(-1)?.blocks)).toContain('*Payments*');
    expect(JSON.stringify(standIn.messages(CHANNEL).at(-1)?.blocks)).toContain('Deadline passed');
  });

  it('a retry after a failure half-way posts only the messages still missing, and a finished key nothing', async () => {
    const deliveries = new InMemorySlackDeliveryStore();
    const notifier = new SlackCampaignNotifier({ client: client(), deliveries, postLandingMs: 0 });
    const input = escalation('cmp-e2');
    const posts = calls('chat.postMessage');
    standIn.faults.next('conversations.open', { status: 500 });
    await expect(notifier.escalateLaggards(input)).rejects.toThrow();
    const afterFailure = calls('chat.postMessage');
    expect(afterFailure).toBe(posts + 1);
    const receipt = await notifier.escalateLaggards(input);
    expect(receipt.messages).toHaveLength(4);
    expect(calls('chat.postMessage')).toBe(posts + 4);
    await notifier.escalateLaggards(input);
    expect(calls('chat.postMessage')).toBe(posts + 4);
  });

  it('posts the report in the campaign channel once per key', async () => {
    const notifier = new SlackCampaignNotifier({ client: client() });
    const input = {
      idempotencyKey: 'r1/report',
      progress: progressOf('cmp-r1', 4),
      markdown: '# Report\n**All done**',
    };
    const first = await notifier.postReport(input);
    const again = await notifier.postReport(input);
    expect(again).toEqual(first);
    const posted = standIn.messages(CHANNEL).find((message) => message.ts === first.messages[0]?.ts);
    expect(JSON.stringify(posted?.blocks)).toContain('*All done*');
    expect(standIn.messages(CHANNEL).filter((message) => message.text.startsWith('Report of campaign')).length).toBe(1);
  });
});
