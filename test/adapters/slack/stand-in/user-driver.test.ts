import type { IncomingHttpHeaders } from 'node:http';
import { verifySlackRequest } from '@slack/bolt';
import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readRequestBody, type RunningHttpServer, startHttpServer } from '../../../../src/adapters/shared/http';
import {
  SlackAppUrlMissingError,
  type SlackStandIn,
  startSlackStandIn,
} from '../../../../src/adapters/slack/stand-in/slack-stand-in';
import { SlackDriverError } from '../../../../src/adapters/slack/stand-in/user-driver';

const BOT_TOKEN = 'xoxb-stand-in-test';
const SIGNING_SECRET = 'stand-in-signing-secret';
const REQUEST_BLOCKS = [
  {
    type: 'actions',
    block_id: 'renewal_decision',
    elements: [
      { type: 'button', action_id: 'approve', value: 'req-1', text: { type: 'plain_text', text: 'Approve' } },
      { type: 'button', action_id: 'reject', value: 'req-1', text: { type: 'plain_text', text: 'Reject' } },
    ],
  },
];

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A stand-in for certflow's Bolt endpoint: it records each request and answers with `nextAnswer`. */
let app: RunningHttpServer;
let received: Received[];
let nextAnswer: { contentType: string; body: string };
let standIn: SlackStandIn;
let slack: WebClient;

function last(): Received {
  const request = received.at(-1);
  if (request === undefined) throw new Error('the app received nothing');
  return request;
}

function payloadOf(request: Received): Record<string, unknown> {
  return JSON.parse(new URLSearchParams(request.body).get('payload') ?? 'null') as Record<string, unknown>;
}

function verify(request: Received): void {
  verifySlackRequest({
    signingSecret: SIGNING_SECRET,
    body: request.body,
    headers: {
      'x-slack-signature': String(request.headers['x-slack-signature']),
      'x-slack-request-timestamp': Number(request.headers['x-slack-request-timestamp']),
    },
  });
}

beforeAll(async () => {
  app = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [
      {
        prefix: '/slack/events',
        handler: async (request, response) => {
          received.push({ headers: request.headers, body: new TextDecoder().decode(await readRequestBody(request)) });
          response.writeHead(200, { 'Content-Type': nextAnswer.contentType }).end(nextAnswer.body);
          return true;
        },
      },
    ],
  });
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    appUrl: `${app.url}/slack/events`,
    users: [
      { id: 'U0ALICE', name: 'alice' },
      { id: 'U0BOB', name: 'bob' },
    ],
    channels: [{ id: 'C0APPROVERS', name: 'web-approvers' }],
  });
  slack = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl, logLevel: LogLevel.ERROR });
});

beforeEach(() => {
  received = [];
  nextAnswer = { contentType: 'text/plain', body: '' };
});

afterAll(async () => {
  await standIn.close();
  await app.close();
});

async function postApprovalRequest(): Promise<string> {
  const posted = await slack.chat.postMessage({
    channel: 'C0APPROVERS',
    text: 'approve web-1?',
    blocks: REQUEST_BLOCKS,
  });
  return posted.ts ?? '';
}

describe('Slack stand-in user driver', () => {
  it('a click is a signed block_actions payload, form-encoded as Bolt requires', async () => {
    const ts = await postApprovalRequest();
    const answer = await standIn.as('U0BOB').click({ channel: 'C0APPROVERS', ts, actionId: 'approve' });
    expect(answer.status).toBe(200);
    expect(last().headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(() => verify(last())).not.toThrow();
    expect(payloadOf(last())).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0BOB', username: 'bob' },
      container: { type: 'message', message_ts: ts, channel_id: 'C0APPROVERS' },
      channel: { id: 'C0APPROVERS' },
      message: { ts, text: 'approve web-1?' },
      trigger_id: answer.triggerId,
      response_url: answer.responseUrl,
      actions: [{ type: 'button', action_id: 'approve', block_id: 'renewal_decision', value: 'req-1' }],
    });
  });

  it('the trigger id of a click opens a modal for that user, and submitting it sends view_submission', async () => {
    const ts = await postApprovalRequest();
    const { triggerId } = await standIn.as('U0ALICE').click({ channel: 'C0APPROVERS', ts, actionId: 'reject' });
    const modal = {
      type: 'modal' as const,
      callback_id: 'reject_reason',
      private_metadata: 'req-1',
      title: { type: 'plain_text' as const, text: 'Reject' },
      blocks: [
        {
          type: 'input',
          block_id: 'reason',
          label: { type: 'plain_text', text: 'Why?' },
          element: { type: 'plain_text_input', action_id: 'text' },
        },
      ],
    };
    const opened = await slack.views.open({ trigger_id: triggerId, view: modal });
    const viewId = opened.view?.id ?? '';

    nextAnswer = {
      contentType: 'application/json',
      body: JSON.stringify({ response_action: 'errors', errors: { reason: 'say why' } }),
    };
    await standIn.as('U0ALICE').submitView(viewId, { reason: { text: '' } });
    expect(standIn.views('U0ALICE').find((view) => view.id === viewId)?.closed).toBe(false);

    nextAnswer = { contentType: 'text/plain', body: '' };
    await standIn.as('U0ALICE').submitView(viewId, { reason: { text: 'wrong names' } });
    expect(() => verify(last())).not.toThrow();
    expect(payloadOf(last())).toMatchObject({
      type: 'view_submission',
      user: { id: 'U0ALICE' },
      view: {
        id: viewId,
        callback_id: 'reject_reason',
        private_metadata: 'req-1',
        state: { values: { reason: { text: { type: 'plain_text_input', value: 'wrong names' } } } },
      },
    });
    expect(standIn.views('U0ALICE').find((view) => view.id === viewId)?.closed).toBe(true);
  });

  it('what the app posts to response_url replaces the message, or reaches the clicker only', async () => {
    const ts = await postApprovalRequest();
    const { responseUrl = '' } = await standIn.as('U0BOB').click({ channel: 'C0APPROVERS', ts, actionId: 'approve' });
    const post = (body: unknown) =>
      fetch(responseUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });

    expect((await post({ text: 'only approvers of web can approve' })).status).toBe(200);
    expect(standIn.ephemeral('U0BOB').at(-1)).toMatchObject({
      text: 'only approvers of web can approve',
      source: 'response_url',
    });
    await post({ replace_original: true, text: 'approved by bob' });
    const message = standIn.messages('C0APPROVERS').find((candidate) => candidate.ts === ts);
    expect(message).toMatchObject({ text: 'approved by bob', blocks: [], edits: [{ text: 'approve web-1?' }] });
    expect(standIn.responseUrl(responseUrl)?.posts).toHaveLength(2);
  });

  it('refuses a malformed response_url post and an unknown response_url', async () => {
    const ts = await postApprovalRequest();
    const { responseUrl = '' } = await standIn.as('U0BOB').click({ channel: 'C0APPROVERS', ts, actionId: 'approve' });
    const bad = await fetch(responseUrl, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${standIn.url}/response/R0NOPE`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(standIn.responseUrl(responseUrl)?.posts).toEqual([]);
  });

  it('a slash command is a signed form post; a body in the ack is shown to the user', async () => {
    nextAnswer = { contentType: 'application/json', body: JSON.stringify({ text: 'certflow help' }) };
    const answer = await standIn.as('U0ALICE').slashCommand('/certflow', 'help');
    expect(() => verify(last())).not.toThrow();
    const form = Object.fromEntries(new URLSearchParams(last().body));
    expect(form).toMatchObject({
      command: '/certflow',
      text: 'help',
      user_id: 'U0ALICE',
      channel_id: standIn.dmChannel('U0ALICE'),
      response_url: answer.responseUrl,
      trigger_id: answer.triggerId,
    });
    expect(standIn.ephemeral('U0ALICE').at(-1)).toMatchObject({ text: 'certflow help', source: 'command_ack' });
  });

  it('opening App Home sends a signed app_home_opened event', async () => {
    await standIn.as('U0ALICE').openHome();
    expect(last().headers['content-type']).toBe('application/json');
    expect(() => verify(last())).not.toThrow();
    expect(JSON.parse(last().body)).toMatchObject({
      type: 'event_callback',
      event: { type: 'app_home_opened', user: 'U0ALICE', tab: 'home', channel: standIn.dmChannel('U0ALICE') },
    });
  });

  it('signs forged, stale and future requests as asked, and a missing signature sends no headers', async () => {
    await standIn.as('U0BOB', { signature: 'forged' }).openHome();
    expect(() => verify(last())).toThrow();
    await standIn.as('U0BOB', { signature: 'stale' }).openHome();
    expect(() => verify(last())).toThrow(/stale|timestamp/i);
    const future = await standIn.as('U0BOB', { signature: 'future' }).openHome();
    const ahead = Number(last().headers['x-slack-request-timestamp']) - Date.now() / 1000;
    expect(ahead).toBeGreaterThan(5 * 60);
    expect(future.sent?.body).toBe(last().body);
    await standIn.as('U0BOB', { signature: 'missing' }).openHome();
    expect(last().headers['x-slack-signature']).toBeUndefined();
    expect(last().headers['x-slack-request-timestamp']).toBeUndefined();
  });

  it('refuses unknown users, messages, buttons and views with SlackDriverError, and a missing app URL', async () => {
    const ts = await postApprovalRequest();
    expect(() => standIn.as('U0NOBODY')).toThrow(SlackDriverError);
    const bob = standIn.as('U0BOB');
    await expect(bob.click({ channel: 'C0APPROVERS', ts: '1.000001', actionId: 'approve' })).rejects.toThrow(
      SlackDriverError,
    );
    await expect(bob.click({ channel: 'C0APPROVERS', ts, actionId: 'escalate' })).rejects.toThrow(SlackDriverError);
    await expect(bob.submitView('V0NOPE')).rejects.toThrow(SlackDriverError);
    expect(received).toEqual([]);
    const detached = await startSlackStandIn({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    try {
      expect(() => detached.as('U0BOB')).toThrow(SlackAppUrlMissingError);
    } finally {
      await detached.close();
    }
  });

  it('clicks a button on a published App Home view', async () => {
    const home = await slack.views.publish({ user_id: 'U0ALICE', view: { type: 'home', blocks: REQUEST_BLOCKS } });
    await standIn.as('U0ALICE').click({ viewId: home.view?.id ?? '', actionId: 'approve' });
    expect(payloadOf(last())).toMatchObject({
      type: 'block_actions',
      container: { type: 'view', view_id: home.view?.id },
      view: { type: 'home' },
      actions: [{ action_id: 'approve', value: 'req-1' }],
    });
  });
});
