import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../../../src/adapters/slack/stand-in/slack-stand-in';
import { STAND_IN_BOT } from '../../../../src/adapters/slack/stand-in/stand-in-state';

const BOT_TOKEN = 'xoxb-stand-in-test';
const TS = /^\d{10}\.\d{6}$/;
const BUTTON_BLOCKS = [
  {
    type: 'actions',
    block_id: 'decide',
    elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' } }],
  },
];

let standIn: SlackStandIn;
let slack: WebClient;

/** Slack's error name for a call WebClient rejected. */
async function slackError(call: Promise<unknown>): Promise<string> {
  const error: unknown = await call.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toMatchObject({ code: 'slack_webapi_platform_error' });
  return (error as { data: { error: string } }).data.error;
}

/** A raw Web API call, to send what WebClient never would. */
async function raw(method: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${standIn.apiUrl}${method}`, { method: 'POST', headers, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: 'unused-here',
    users: [
      { id: 'U0ALICE', name: 'alice', realName: 'Alice Owner', email: 'Alice@Example.org' },
      { id: 'U0BOB', name: 'bob' },
    ],
    userGroups: [{ id: 'S0APPROVERS', handle: 'web-approvers', users: ['U0ALICE', 'U0BOB'] }],
    channels: [{ id: 'C0OWNERS', name: 'web-owners', members: ['U0ALICE'] }],
  });
  slack = new WebClient(BOT_TOKEN, {
    slackApiUrl: standIn.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });
});

afterAll(() => standIn.close());

describe('Slack stand-in: tokens', () => {
  it('auth.test reports the bot identity for the bot token', async () => {
    expect(await slack.auth.test()).toMatchObject({
      ok: true,
      user_id: STAND_IN_BOT.userId,
      bot_id: STAND_IN_BOT.botId,
    });
  });

  it('a call without a token is not_authed, a wrong token is invalid_auth', async () => {
    const anonymous = new WebClient(undefined, {
      slackApiUrl: standIn.apiUrl,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    const wrong = new WebClient('xoxb-wrong', {
      slackApiUrl: standIn.apiUrl,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    expect(await slackError(anonymous.auth.test())).toBe('not_authed');
    expect(await slackError(wrong.auth.test())).toBe('invalid_auth');
  });

  it('accepts the token as a form field, but not inside a JSON body', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    expect((await raw('auth.test', `token=${BOT_TOKEN}`, form)).json).toMatchObject({ ok: true });
    const json = { 'Content-Type': 'application/json' };
    expect((await raw('auth.test', JSON.stringify({ token: BOT_TOKEN }), json)).json).toEqual({
      ok: false,
      error: 'not_authed',
    });
  });

  it('answers JSON bodies sent with a bearer token, and bad JSON with invalid_json', async () => {
    const headers = { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${BOT_TOKEN}` };
    const posted = await raw(
      'chat.postMessage',
      JSON.stringify({ channel: 'C0OWNERS', text: 'json', blocks: [] }),
      headers,
    );
    expect(posted).toMatchObject({ status: 200, json: { ok: true, channel: 'C0OWNERS' } });
    expect(await raw('chat.postMessage', '{not json', headers)).toEqual({
      status: 200,
      json: { ok: false, error: 'invalid_json' },
    });
  });

  it('answers an unknown method with unknown_method', async () => {
    expect(await slackError(slack.apiCall('chat.teleport'))).toBe('unknown_method');
  });
});

describe('Slack stand-in: messages', () => {
  it('chat.postMessage records the message and answers with channel, ts and message', async () => {
    const answer = await slack.chat.postMessage({ channel: 'C0OWNERS', text: 'renew web-1', blocks: BUTTON_BLOCKS });
    expect(answer).toMatchObject({
      ok: true,
      channel: 'C0OWNERS',
      message: { text: 'renew web-1', blocks: BUTTON_BLOCKS },
    });
    expect(answer.ts).toMatch(TS);
    expect(standIn.messages('C0OWNERS').at(-1)).toMatchObject({ ts: answer.ts, text: 'renew web-1', edits: [] });
  });

  it('gives unique, increasing ts values', async () => {
    const stamps: string[] = [];
    for (let index = 0; index < 20; index++) {
      stamps.push((await slack.chat.postMessage({ channel: 'C0OWNERS', text: `n${index}` })).ts ?? '');
    }
    const micros = stamps.map((ts) => BigInt(ts.replace('.', '')));
    expect(micros.every((value, index) => index === 0 || value > (micros[index - 1] ?? 0n))).toBe(true);
  });

  it('posts by #name, and by user id into the DM channel conversations.open returns', async () => {
    const byName = await slack.chat.postMessage({ channel: '#web-owners', text: 'by name' });
    expect(byName.channel).toBe('C0OWNERS');
    const dm = await slack.chat.postMessage({ channel: 'U0BOB', text: 'to bob' });
    const opened = await slack.conversations.open({ users: 'U0BOB' });
    expect(opened.channel?.id).toBe(dm.channel);
    expect(standIn.dmChannel('U0BOB')).toBe(dm.channel);
    expect(standIn.messages('U0BOB').map((message) => message.text)).toEqual(['to bob']);
  });

  it('refuses unknown channels, empty messages and malformed blocks', async () => {
    expect(await slackError(slack.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).toBe('channel_not_found');
    expect(await slackError(slack.chat.postMessage({ channel: 'C0OWNERS', text: '' }))).toBe('no_text');
    const form = { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${BOT_TOKEN}` };
    const answer = await raw('chat.postMessage', 'channel=C0OWNERS&text=x&blocks=%5Bnot', form);
    expect(answer.json).toEqual({ ok: false, error: 'invalid_blocks_format' });
  });

  it('chat.update replaces the message in place and keeps the earlier version', async () => {
    const posted = await slack.chat.postMessage({ channel: 'C0OWNERS', text: 'pending', blocks: BUTTON_BLOCKS });
    const count = standIn.messages('C0OWNERS').length;
    const updated = await slack.chat.update({ channel: 'C0OWNERS', ts: posted.ts ?? '', text: 'approved by alice' });
    expect(updated).toMatchObject({ ok: true, channel: 'C0OWNERS', ts: posted.ts, text: 'approved by alice' });
    const message = standIn.messages('C0OWNERS').find((candidate) => candidate.ts === posted.ts);
    expect(standIn.messages('C0OWNERS')).toHaveLength(count);
    expect(message).toMatchObject({
      text: 'approved by alice',
      blocks: [],
      edits: [{ text: 'pending', blocks: BUTTON_BLOCKS }],
    });
  });

  it('chat.update of an unknown message is message_not_found', async () => {
    expect(await slackError(slack.chat.update({ channel: 'C0OWNERS', ts: '1.000001', text: 'x' }))).toBe(
      'message_not_found',
    );
  });

  it('chat.postEphemeral records the message for that user only, and refuses non-members and strangers', async () => {
    const answer = await slack.chat.postEphemeral({ channel: 'C0OWNERS', user: 'U0ALICE', text: 'only you' });
    expect(answer.message_ts).toMatch(TS);
    expect(standIn.ephemeral('U0ALICE')).toEqual([
      {
        channel: 'C0OWNERS',
        user: 'U0ALICE',
        messageTs: answer.message_ts,
        text: 'only you',
        blocks: [],
        source: 'chat.postEphemeral',
      },
    ]);
    expect(standIn.ephemeral('U0BOB')).toEqual([]);
    const toBob = slack.chat.postEphemeral({ channel: 'C0OWNERS', user: 'U0BOB', text: 'x' });
    expect(await slackError(toBob)).toBe('user_not_in_channel');
    const toNobody = slack.chat.postEphemeral({ channel: 'C0OWNERS', user: 'U0NOBODY', text: 'x' });
    expect(await slackError(toNobody)).toBe('user_not_found');
  });

  it('conversations.open refuses unknown users and an empty list', async () => {
    expect(await slackError(slack.conversations.open({ users: 'U0NOBODY' }))).toBe('user_not_found');
    expect(await slackError(slack.conversations.open({ users: '' }))).toBe('users_list_not_supplied');
  });
});

describe('Slack stand-in: views', () => {
  const modal = {
    type: 'modal' as const,
    callback_id: 'reject_reason',
    title: { type: 'plain_text' as const, text: 'Reject' },
    blocks: [],
  };
  const home = {
    type: 'home' as const,
    blocks: [{ type: 'section', text: { type: 'mrkdwn' as const, text: 'due soon' } }],
  };

  it('views.open opens a modal for the user of a valid trigger id, and refuses unknown triggers', async () => {
    const answer = await slack.views.open({ trigger_id: standIn.triggerFor('U0ALICE'), view: modal });
    expect(answer.view).toMatchObject({ type: 'modal', callback_id: 'reject_reason' });
    expect(standIn.views('U0ALICE')).toContainEqual(expect.objectContaining({ id: answer.view?.id, closed: false }));
    expect(await slackError(slack.views.open({ trigger_id: '1.2.forged', view: modal }))).toBe('invalid_trigger_id');
  });

  it('views.open without a view is invalid_arguments', async () => {
    const call = slack.apiCall('views.open', { trigger_id: standIn.triggerFor('U0ALICE') });
    expect(await slackError(call)).toBe('invalid_arguments');
  });

  it('views.publish keeps one home view per user and replaces it on the next publish', async () => {
    const first = await slack.views.publish({ user_id: 'U0BOB', view: home });
    const second = await slack.views.publish({ user_id: 'U0BOB', view: { ...home, blocks: [] } });
    expect(second.view?.id).toBe(first.view?.id);
    expect(standIn.views('U0BOB').filter((view) => view.type === 'home')).toEqual([
      expect.objectContaining({ id: first.view?.id, definition: { ...home, blocks: [] } }),
    ]);
    expect(await slackError(slack.views.publish({ user_id: 'U0NOBODY', view: home }))).toBe('user_not_found');
  });

  it('views.update replaces a view, checks the hash, and refuses unknown views', async () => {
    const opened = await slack.views.open({ trigger_id: standIn.triggerFor('U0ALICE'), view: modal });
    const id = opened.view?.id ?? '';
    const updated = await slack.views.update({
      view_id: id,
      hash: opened.view?.hash,
      view: { ...modal, callback_id: 'next' },
    });
    expect(updated.view).toMatchObject({ id, callback_id: 'next' });
    expect(await slackError(slack.views.update({ view_id: id, hash: opened.view?.hash, view: modal }))).toBe(
      'hash_conflict',
    );
    expect(await slackError(slack.views.update({ view_id: 'V0NOPE', view: modal }))).toBe('view_not_found');
  });
});

describe('Slack stand-in: users and groups', () => {
  it('users.info answers a profile, or user_not_found', async () => {
    const answer = await slack.users.info({ user: 'U0ALICE' });
    expect(answer.user).toMatchObject({ id: 'U0ALICE', name: 'alice', real_name: 'Alice Owner' });
    expect(await slackError(slack.users.info({ user: 'U0NOBODY' }))).toBe('user_not_found');
  });

  it('users.lookupByEmail ignores case, and answers users_not_found for an unknown address', async () => {
    expect((await slack.users.lookupByEmail({ email: 'alice@example.ORG' })).user?.id).toBe('U0ALICE');
    expect(await slackError(slack.users.lookupByEmail({ email: 'mallory@example.org' }))).toBe('users_not_found');
  });

  it('usergroups.users.list answers the member ids, or no_such_subteam', async () => {
    expect((await slack.usergroups.users.list({ usergroup: 'S0APPROVERS' })).users).toEqual(['U0ALICE', 'U0BOB']);
    expect(await slackError(slack.usergroups.users.list({ usergroup: 'S0NOPE' }))).toBe('no_such_subteam');
  });
});
