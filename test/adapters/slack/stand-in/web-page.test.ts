import { verifySlackRequest } from '@slack/bolt';
import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readRequestBody, type RunningHttpServer, startHttpServer } from '../../../../src/adapters/shared/http';
import { type SlackStandIn, startSlackStandIn } from '../../../../src/adapters/slack/stand-in/slack-stand-in';

const BOT_TOKEN = 'xoxb-page-test';
const SIGNING_SECRET = 'page-signing-secret';
const OWNER = 'U0OWNER';
const APPROVER = 'U0APPROVER';
const BUTTONS = {
  type: 'actions',
  block_id: 'actions',
  elements: [
    {
      type: 'button',
      action_id: 'approve_request',
      value: 'r1',
      style: 'primary',
      text: { type: 'plain_text', text: 'Approve' },
    },
    {
      type: 'button',
      action_id: 'reject_request',
      value: 'r1',
      style: 'danger',
      text: { type: 'plain_text', text: 'Reject' },
    },
  ],
};

/** certflow's Bolt endpoint, faked: it records each signed request and answers `answer`. */
let app: RunningHttpServer;
let received: string[];
let answer: string;
let standIn: SlackStandIn;
let slack: WebClient;

beforeAll(async () => {
  app = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [
      {
        prefix: '/slack/events',
        handler: async (request, response) => {
          const body = new TextDecoder().decode(await readRequestBody(request));
          verifySlackRequest({
            signingSecret: SIGNING_SECRET,
            body,
            headers: {
              'x-slack-signature': String(request.headers['x-slack-signature']),
              'x-slack-request-timestamp': Number(request.headers['x-slack-request-timestamp']),
            },
          });
          received.push(body);
          response.writeHead(200, { 'Content-Type': 'application/json' }).end(answer);
          return true;
        },
      },
    ],
  });
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: [
      { id: OWNER, name: 'olivia', realName: 'Olivia Owner', email: 'owner@example.com' },
      { id: APPROVER, name: 'adam', realName: 'Adam <Approver>' },
    ],
    channels: [{ id: 'C0DEMO', name: 'demo' }],
    appUrl: `${app.url}/slack/events`,
  });
  slack = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl, logLevel: LogLevel.ERROR });
});

beforeEach(() => {
  received = [];
  answer = '';
});

afterAll(async () => {
  await standIn?.close();
  await app?.close();
});

async function page(path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${standIn.url}${path}`);
  return { status: response.status, text: await response.text() };
}

async function post(path: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${standIn.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function payload(index = 0): Record<string, unknown> {
  return JSON.parse(new URLSearchParams(received[index]).get('payload') ?? 'null') as Record<string, unknown>;
}

/** What the stand-in recorded, to prove a refused request changed nothing. */
function snapshot() {
  return JSON.stringify({
    messages: standIn.messages('C0DEMO'),
    ephemeral: [standIn.ephemeral(OWNER), standIn.ephemeral(APPROVER)],
    views: [standIn.views(OWNER), standIn.views(APPROVER)],
    calls: standIn.calls.length,
  });
}

describe('the Slack stand-in web page', () => {
  it('renders Block Kit as text and real buttons, escaping everything the app and the workspace sent', async () => {
    await slack.chat.postMessage({
      channel: 'C0DEMO',
      text: 'fallback',
      blocks: [
        {
          type: 'header',
          block_id: 'header',
          text: { type: 'plain_text', text: 'approval needed <script>x</script>' },
        },
        {
          type: 'section',
          block_id: 'request',
          text: {
            type: 'mrkdwn',
            text: '*bold* &lt;img src=x onerror=alert(1)&gt; <@U0APPROVER> <https://example.com/"x|a link>',
          },
          fields: [{ type: 'mrkdwn', text: '*Request*\n`r1`' }],
        },
        {
          type: 'context',
          block_id: 'more',
          elements: [{ type: 'mrkdwn', text: 'due <!date^1796154779^{date_short_pretty}|soon>' }],
        },
        BUTTONS,
      ],
    });
    const { status, text } = await page(`/?user=${APPROVER}`);
    expect(status).toBe(200);
    expect(text).toContain(
      '<h3 class="block header" data-block-id="header">approval needed &lt;script&gt;x&lt;/script&gt;</h3>',
    );
    expect(text).toContain('<b>bold</b> &lt;img src=x onerror=alert(1)&gt;');
    expect(text).toContain('<span class="mention">@Adam &lt;Approver&gt;</span>');
    expect(text).toContain(
      '<a href="https://example.com/&quot;x" rel="noreferrer noopener" target="_blank">a link</a>',
    );
    expect(text).toContain('<b>Request</b><br><code>r1</code>');
    expect(text).toContain('due 2026-12-01');
    expect(text).toMatch(
      /<button type="button" class="slack-button primary" data-action-id="approve_request" data-channel="C0DEMO" data-ts="[\d.]+">Approve<\/button>/,
    );
    expect(text).toContain('<option value="U0APPROVER" selected>Adam &lt;Approver&gt; (@adam)</option>');
    expect(text).not.toMatch(/<script>x|<img/);
  });

  it('a link button (View details) carries its URL, escaped, for the page to open beside the click', async () => {
    await slack.chat.postMessage({
      channel: 'C0DEMO',
      text: 'details',
      blocks: [
        {
          type: 'actions',
          block_id: 'links',
          elements: [
            {
              type: 'button',
              action_id: 'view_details',
              value: 'a1',
              url: 'http://127.0.0.1:8088/certificates/a1?x="y"',
              text: { type: 'plain_text', text: 'View details' },
            },
            {
              type: 'button',
              action_id: 'odd_link',
              value: 'a1',
              url: 'javascript:alert(1)',
              text: { type: 'plain_text', text: 'Odd' },
            },
          ],
        },
      ],
    });
    const { text } = await page(`/?user=${APPROVER}`);
    expect(text).toContain('data-url="http://127.0.0.1:8088/certificates/a1?x=&quot;y&quot;"');
    expect(text).not.toContain('javascript:alert');
    expect(text).toContain("window.open(button.dataset.url, '_blank', 'noopener')");
  });

  it('a click posts a correctly signed block_actions for the selected user to the app', async () => {
    const { ts } = await slack.chat.postMessage({ channel: 'C0DEMO', text: 'approve?', blocks: [BUTTONS] });
    const clicked = await post(
      '/page/click',
      JSON.stringify({ user: APPROVER, channel: 'C0DEMO', ts, actionId: 'approve_request' }),
    );
    expect(clicked).toEqual({ status: 200, json: { ok: true, status: 200 } });
    expect(payload()).toMatchObject({
      type: 'block_actions',
      user: { id: APPROVER },
      container: { type: 'message', message_ts: ts, channel_id: 'C0DEMO' },
      actions: [{ action_id: 'approve_request', value: 'r1', block_id: 'actions' }],
    });
  });

  it('shows ephemeral messages and DMs to their user only', async () => {
    await slack.chat.postEphemeral({ channel: 'C0DEMO', user: OWNER, text: 'only *you* can see this' });
    await slack.chat.postMessage({ channel: OWNER, text: 'a DM for Olivia' });
    const owner = await page(`/page/workspace?user=${OWNER}`);
    expect(owner.text).toContain('only <b>you</b> can see this');
    expect(owner.text).toContain('a DM for Olivia');
    const approver = await page(`/page/workspace?user=${APPROVER}`);
    expect(approver.text).not.toContain('can see this');
    expect(approver.text).not.toContain('a DM for Olivia');
  });

  it('shows a modal opened for the user as a form, and submits its values as a view_submission', async () => {
    const { view } = await slack.views.open({
      trigger_id: standIn.triggerFor(APPROVER),
      view: {
        type: 'modal',
        callback_id: 'reject_request',
        title: { type: 'plain_text', text: 'Reject request' },
        submit: { type: 'plain_text', text: 'Reject' },
        blocks: [
          {
            type: 'input',
            block_id: 'reject_reason',
            label: { type: 'plain_text', text: 'Why do you reject it?' },
            element: { type: 'plain_text_input', action_id: 'reject_reason_input', multiline: true },
          },
        ],
      },
    });
    const shown = await page(`/page/workspace?user=${APPROVER}`);
    expect(shown.text).toContain(`<form class="modal" data-view-id="${view?.id}"><h2>Reject request</h2>`);
    expect(shown.text).toContain(
      '<textarea name="reject_reason::reject_reason_input" placeholder="" required></textarea>',
    );
    expect((await page(`/page/workspace?user=${OWNER}`)).text).not.toContain('Reject request');

    answer = JSON.stringify({ response_action: 'errors', errors: { reject_reason: 'write why' } });
    const refused = await post('/page/submit', JSON.stringify({ user: APPROVER, viewId: view?.id, values: {} }));
    expect(refused.json).toEqual({ ok: true, status: 200, errors: { reject_reason: 'write why' } });
    expect((await page(`/page/workspace?user=${APPROVER}`)).text).toContain('<form class="modal"');

    answer = '';
    const values = { reject_reason: { reject_reason_input: 'wrong SANs' } };
    const submitted = await post('/page/submit', JSON.stringify({ user: APPROVER, viewId: view?.id, values }));
    expect(submitted.json).toEqual({ ok: true, status: 200 });
    expect(payload(1)).toMatchObject({
      type: 'view_submission',
      user: { id: APPROVER },
      view: { id: view?.id, state: { values: { reject_reason: { reject_reason_input: { value: 'wrong SANs' } } } } },
    });
    expect((await page(`/page/workspace?user=${APPROVER}`)).text).not.toContain('<form class="modal"');
  });

  it.each([
    ['bad JSON', '/page/click', '{"user": ', 400, /the body is not JSON/],
    ['a JSON array', '/page/click', '[]', 400, /must be a JSON object/],
    [
      'no user',
      '/page/click',
      '{"channel":"C0DEMO","ts":"1.2","actionId":"approve_request"}',
      400,
      /say who acts: give "user", one of U0OWNER, U0APPROVER/,
    ],
    [
      'an unknown user',
      '/page/click',
      '{"user":"U0NOBODY","channel":"C0DEMO","ts":"1.2","actionId":"a"}',
      404,
      /no user "U0NOBODY" in the stand-in; use one of/,
    ],
    [
      'an unknown message',
      '/page/click',
      `{"user":"${APPROVER}","channel":"C0DEMO","ts":"1.000001","actionId":"approve_request"}`,
      404,
      /no message 1\.000001 in channel C0DEMO/,
    ],
    [
      'no action id',
      '/page/click',
      `{"user":"${APPROVER}","channel":"C0DEMO","ts":"1.2"}`,
      400,
      /give "actionId" as a string/,
    ],
    ['an unknown view', '/page/submit', `{"user":"${APPROVER}","viewId":"V0NONE"}`, 404, /has no view "V0NONE"/],
    [
      'values that are not text',
      '/page/submit',
      `{"user":"${APPROVER}","viewId":"V0NONE","values":{"b":{"a":1}}}`,
      400,
      /give "values" as/,
    ],
    ['an unknown user opening App Home', '/page/home', '{"user":"U0NOBODY"}', 404, /no user "U0NOBODY"/],
  ])('refuses %s with a clear 4xx and changes nothing', async (_what, path, body, status, message) => {
    const before = snapshot();
    const refused = await post(path, body);
    expect(refused.status).toBe(status);
    expect(refused.json.ok).toBe(false);
    expect(refused.json.error).toMatch(message);
    expect(received).toEqual([]);
    expect(snapshot()).toBe(before);
  });

  it('refuses to show the page for an unknown user, and a GET to an action', async () => {
    const unknown = await page('/?user=U0NOBODY');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toMatch(/no user \\"U0NOBODY\\" in the stand-in; use one of U0OWNER, U0APPROVER/);
    expect((await page('/page/click')).status).toBe(405);
    expect((await page('/nothing-here')).status).toBe(404);
  });
});

describe('the Slack stand-in web page without an app to send to', () => {
  it.each([
    [
      'no app endpoint',
      undefined,
      503,
      /the stand-in cannot act for U0OWNER: the Slack stand-in does not know the app endpoint/,
    ],
    [
      'an app that is not listening',
      'http://127.0.0.1:1/slack/events',
      502,
      /certflow did not answer \(.+\): is it running\?/,
    ],
  ])('refuses a click with %s, saying so', async (_what, appUrl, status, message) => {
    const alone = await startSlackStandIn({
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      users: [{ id: OWNER, name: 'olivia' }],
      channels: [{ id: 'C0DEMO', name: 'demo' }],
      ...(appUrl === undefined ? {} : { appUrl }),
    });
    try {
      const client = new WebClient(BOT_TOKEN, { slackApiUrl: alone.apiUrl, logLevel: LogLevel.ERROR });
      const { ts } = await client.chat.postMessage({ channel: 'C0DEMO', text: 'approve?', blocks: [BUTTONS] });
      const response = await fetch(`${alone.url}/page/click`, {
        method: 'POST',
        body: JSON.stringify({ user: OWNER, channel: 'C0DEMO', ts, actionId: 'approve_request' }),
      });
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    } finally {
      await alone.close();
    }
  });
});
