import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventoryDatabase, type InventoryDatabaseHandle } from '../../../src/adapters/database/database';
import { SlackReportNotifier } from '../../../src/adapters/slack/slack-report-notifier';
import { createSlackWebClient } from '../../../src/adapters/slack/slack-web-client';
import { SqlSlackDeliveryStore } from '../../../src/adapters/slack/sql-slack-delivery-store';
import { startSlackStandIn, type SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import type { ReportDelivery } from '../../../src/core/ports/notification-port';
import { ownerGroupFixture } from '../../support/lifecycle-fixtures';

const BOT_TOKEN = 'xoxb-report-test';
const GROUP_CHANNEL = 'C0PAYMENTS';

let standIn: SlackStandIn;
let database: InventoryDatabaseHandle;

beforeAll(async () => {
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: 'unused-here',
    users: [{ id: 'U0OWNER1', name: 'owner' }],
    channels: [{ id: GROUP_CHANNEL, name: 'payments' }],
  });
  database = await openInventoryDatabase({ url: ':memory:' });
});

afterAll(async () => {
  await standIn?.close();
  await database?.store.close();
});

const notifier = () =>
  new SlackReportNotifier({
    client: createSlackWebClient({ botToken: BOT_TOKEN, slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } }),
    deliveries: new SqlSlackDeliveryStore({ db: database.db }),
  });

const CSV = 'owner_group,common_name\r\npayments-web,"\'=HYPERLINK(""x"")"\r\n';

function report(overrides: Partial<ReportDelivery> = {}): ReportDelivery {
  return {
    idempotencyKey: 'monthly-report/2026-12/group/payments-web',
    month: '2026-12',
    group: ownerGroupFixture(),
    audience: { people: [{ slackUserId: 'U0OWNER1' }], channelId: GROUP_CHANNEL },
    summary: { certificates: 1, overdue: 0, awaitingApproval: 1, firstExpiry: '2027-01-10T00:00:00.000Z' },
    windowEnd: '2027-03-31T00:00:00.000Z',
    file: { name: 'certflow-2026-12-payments-web.csv', csv: CSV },
    link: 'https://certflow.example.com/reports/monthly/2026-12/groups/payments-web.csv',
    ...overrides,
  };
}

async function download(id: string): Promise<{ status: number; body: string }> {
  const answer = await fetch(`${standIn.url}/files/${id}`);
  return { status: answer.status, body: await answer.text() };
}

describe('SlackReportNotifier against the Slack stand-in', () => {
  it('R-MON-5: the report is one message with its CSV in the group channel and to each owner, once per key', async () => {
    const receipt = await notifier().sendReport(report());
    expect(receipt.messages.map((message) => message.recipient).sort()).toEqual([null, 'U0OWNER1'].sort());

    for (const channel of [GROUP_CHANNEL, 'U0OWNER1']) {
      const [message, ...more] = standIn.messages(channel);
      expect(more).toEqual([]);
      expect(message?.text).toContain('Monthly certificate report 2026-12');
      expect(message?.text).toContain('1 awaiting approval');
      expect(message?.files?.map((file) => file.name)).toEqual(['certflow-2026-12-payments-web.csv']);
      const file = message?.files?.[0];
      expect(await download(file?.id ?? '')).toEqual({ status: 200, body: CSV });
    }
    const methods = standIn.calls.map((call) => call.method);
    expect(methods.filter((method) => method === 'files.getUploadURLExternal')).toHaveLength(2);
    expect(methods.filter((method) => method === 'files.completeUploadExternal')).toHaveLength(2);
    expect(methods).not.toContain('files.upload');

    // A restarted notifier (a retried activity) finds the delivery in the store and shares nothing again.
    const again = await notifier().sendReport(report());
    expect(again).toEqual(receipt);
    expect(standIn.messages(GROUP_CHANNEL)).toHaveLength(1);
  });

  it('R-MON-5: a channel Slack does not know is refused with the fix, and the people still get the file', async () => {
    const rejected = notifier().sendReport(
      report({
        idempotencyKey: 'monthly-report/2026-12/group/ghost',
        audience: { people: [{ slackUserId: 'U0OWNER1' }], channelId: 'C0GONE' },
      }),
    );
    await expect(rejected).rejects.toThrow(/certflow groups update <group> --slack-channel/);
    expect(standIn.messages('U0OWNER1')).toHaveLength(2);
  });

  it('the stand-in refuses to share a file whose bytes never arrived and serves no unshared file', async () => {
    const client = createSlackWebClient({
      botToken: BOT_TOKEN,
      slackApiUrl: standIn.apiUrl,
      retryConfig: { retries: 0 },
    });
    const slot = await client.files.getUploadURLExternal({ filename: 'x.csv', length: 3 });
    await expect(
      client.files.completeUploadExternal({ files: [{ id: slot.file_id ?? '' }], channel_id: GROUP_CHANNEL }),
    ).rejects.toThrow(/file_upload_size_mismatch/);
    expect((await download(slot.file_id ?? '')).status).toBe(404);
  });
});
