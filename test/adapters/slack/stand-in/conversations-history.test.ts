import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackStandIn, type SlackStandIn } from '../../../../src/adapters/slack/stand-in/slack-stand-in';

const BOT_TOKEN = 'xoxb-history-test';
const CHANNEL = 'C0HISTORY';

let standIn: SlackStandIn;
let slack: WebClient;
let tss: string[];

beforeAll(async () => {
  let now = 1_750_000_000_000;
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: 'unused-here',
    channels: [{ id: CHANNEL, name: 'history' }],
    users: [{ id: 'U0ALICE', name: 'alice' }],
    // One second between messages, so oldest/latest bounds fall between them.
    nowMilliseconds: () => (now += 1000),
  });
  slack = new WebClient(BOT_TOKEN, {
    slackApiUrl: standIn.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });
  tss = [];
  for (let index = 0; index < 5; index++) {
    const posted = await slack.chat.postMessage({
      channel: CHANNEL,
      text: `message ${index}`,
      metadata: { event_type: 'certflow_delivery', event_payload: { key: `k${index}` } },
    });
    tss.push(posted.ts ?? '');
  }
  await slack.chat.postMessage({ channel: CHANNEL, text: 'a reply', thread_ts: tss[0] });
});

afterAll(() => standIn.close());

describe('the Slack stand-in: conversations.history as Slack answers it', () => {
  it('R-CAM-4: pages newest first with limit and cursor, shows metadata only with include_all_metadata, leaves thread replies out', async () => {
    const first = await slack.conversations.history({ channel: CHANNEL, limit: 2, include_all_metadata: true });
    expect(first.messages?.map((message) => message.ts)).toEqual([tss[4], tss[3]]);
    expect(first.messages?.[0]?.metadata).toEqual({ event_type: 'certflow_delivery', event_payload: { key: 'k4' } });
    expect(first.has_more).toBe(true);
    const second = await slack.conversations.history({
      channel: CHANNEL,
      limit: 2,
      cursor: first.response_metadata?.next_cursor,
    });
    expect(second.messages?.map((message) => message.ts)).toEqual([tss[2], tss[1]]);
    expect(second.messages?.[0]?.metadata).toBeUndefined();
    const last = await slack.conversations.history({
      channel: CHANNEL,
      limit: 2,
      cursor: second.response_metadata?.next_cursor,
    });
    expect(last.messages?.map((message) => message.ts)).toEqual([tss[0]]);
    expect(last.has_more).toBe(false);
    expect(last.response_metadata?.next_cursor).toBe('');
  });

  it('R-CAM-4: oldest and latest bound the page, exclusive unless inclusive is set', async () => {
    const between = await slack.conversations.history({ channel: CHANNEL, oldest: tss[1], latest: tss[3] });
    expect(between.messages?.map((message) => message.ts)).toEqual([tss[2]]);
    const inclusive = await slack.conversations.history({
      channel: CHANNEL,
      oldest: tss[1],
      latest: tss[3],
      inclusive: true,
    });
    expect(inclusive.messages?.map((message) => message.ts)).toEqual([tss[3], tss[2], tss[1]]);
  });

  it('answers an unknown channel and a forged cursor with Slack error names; its faults apply to it too', async () => {
    await expect(slack.conversations.history({ channel: 'C0NOWHERE' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(slack.conversations.history({ channel: CHANNEL, cursor: 'bm9wZQ==' })).rejects.toMatchObject({
      data: { error: 'invalid_cursor' },
    });
    standIn.faults.next('conversations.history', { status: 500 });
    await expect(slack.conversations.history({ channel: CHANNEL })).rejects.toMatchObject({ statusCode: 500 });
  });
});
