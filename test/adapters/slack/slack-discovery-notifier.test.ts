import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventoryDatabase, type InventoryDatabaseHandle } from '../../../src/adapters/database/database';
import { SlackDiscoveryNotifier } from '../../../src/adapters/slack/slack-discovery-notifier';
import { createSlackWebClient } from '../../../src/adapters/slack/slack-web-client';
import { SqlSlackDeliveryStore } from '../../../src/adapters/slack/sql-slack-delivery-store';
import { startSlackStandIn, type SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import { ownerGroupFixture } from '../../support/lifecycle-fixtures';

const BOT_TOKEN = 'xoxb-discovery-test';
const GROUP_CHANNEL = 'C0PAYMENTS';
const SECURITY_CHANNEL = 'C0SECURITY';

let standIn: SlackStandIn;
let database: InventoryDatabaseHandle;

beforeAll(async () => {
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: 'unused-here',
    users: [
      { id: 'U0OWNER1', name: 'owner' },
      { id: 'U0LEAD', name: 'lead', email: 'lead@example.com' },
    ],
    channels: [
      { id: GROUP_CHANNEL, name: 'payments' },
      { id: SECURITY_CHANNEL, name: 'security' },
    ],
  });
  database = await openInventoryDatabase({ url: ':memory:' });
});

afterAll(async () => {
  await standIn?.close();
  await database?.store.close();
});

const notifier = () =>
  new SlackDiscoveryNotifier({
    client: createSlackWebClient({ botToken: BOT_TOKEN, slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } }),
    deliveries: new SqlSlackDeliveryStore({ db: database.db }),
  });

describe('SlackDiscoveryNotifier against the Slack stand-in', () => {
  it('R-MON-6: a digest goes to the group channel and its owners once per key, also from a restarted notifier', async () => {
    const digest = {
      idempotencyKey: 'discovery:dmz-1/digest/payments-web',
      scan: 'dmz',
      scanRunId: 'discovery:dmz-1',
      group: ownerGroupFixture(),
      audience: { people: [{ slackUserId: 'U0OWNER1' }], channelId: GROUP_CHANNEL },
      opened: [
        {
          kind: 'chain-incomplete' as const,
          severity: 'high' as const,
          location: { host: '127.0.0.2', port: 443 },
          fingerprint: 'ab'.repeat(32),
          message: 'the server sends no intermediate: serve the full chain',
        },
      ],
      resolved: [],
      notListed: 0,
    };
    const receipt = await notifier().sendFindingDigest(digest);
    const again = await notifier().sendFindingDigest(digest);

    expect(receipt.messages.map((message) => message.recipient)).toEqual([null, 'U0OWNER1']);
    expect(again).toEqual(receipt);
    expect(standIn.messages(GROUP_CHANNEL).map((message) => message.text)).toEqual([
      expect.stringContaining('1 new finding for Payments Web'),
    ]);
  });

  it('R-INV-2: unowned certificates go to the security channel and the leads', async () => {
    const receipt = await notifier().announceUnowned({
      idempotencyKey: 'discovery:dmz-1/unowned',
      scan: 'dmz',
      scanRunId: 'discovery:dmz-1',
      audience: { people: [{ email: 'lead@example.com' }], channelId: SECURITY_CHANNEL },
      certificates: [
        { fingerprint: 'cd'.repeat(32), subject: 'CN=app.example.com', location: { host: '127.0.0.3', port: 443 } },
      ],
    });
    expect(receipt.messages.map((message) => message.recipient)).toEqual([null, 'U0LEAD']);
    expect(JSON.stringify(standIn.messages(SECURITY_CHANNEL)[0]?.blocks)).toContain('certflow import --metadata');
  });
});
