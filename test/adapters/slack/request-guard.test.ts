import { Readable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from '../../../src/adapters/slack/app';
import { slackBodyProblem, SlackRequestGuard } from '../../../src/adapters/slack/slack-request-guard';
import { unhandledRequest } from '../../../src/adapters/slack/listeners/unknown-requests';
import { ACTION_IDS, BLOCK_IDS } from '../../../src/adapters/slack/views/block-ids';
import { requestRenewalButton } from '../../../src/adapters/slack/views/notification-messages';
import type { CertificateSummary, LifecycleRequest } from '../../../src/core/domain/lifecycle/model';
import { startHttpServer, type RunningHttpServer } from '../../../src/adapters/shared/http';
import { openInventoryStore } from '../../../src/adapters/database/database';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { startSlackStandIn, type SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import { resendRequest, signSlackRequest } from '../../../src/adapters/slack/stand-in/user-driver';
import type { LifecycleView } from '../../../src/core/domain/lifecycle/lifecycle-view';
import type { RequestRenewalInput } from '../../../src/core/ports/lifecycle-port';
import { requestFixture } from '../../support/lifecycle-fixtures';

const BOT_TOKEN = 'xoxb-guard-test';
const SIGNING_SECRET = 'guard-signing-secret';
const CHANNEL = 'C0GUARD';
const MANAGED_ID = '5e1d2c3b4a596877';

/** Counts renewal requests, so a replay that got through shows as a second one. */
class CountingLifecycles {
  renewals: { managedCertificateId: string; input: RequestRenewalInput }[] = [];
  decide = (): Promise<LifecycleRequest> => Promise.reject(new Error('not in this test'));
  requestRenewal = (managedCertificateId: string, input: RequestRenewalInput): Promise<LifecycleRequest> => {
    this.renewals.push({ managedCertificateId, input });
    return Promise.resolve(
      requestFixture({ id: `${managedCertificateId}.1.${this.renewals.length}`, requestedBy: input.requestedBy }),
    );
  };
  status = (managedCertificateId: string): Promise<LifecycleView> =>
    Promise.resolve({ managedCertificateId, request: null, certificate: null } as unknown as LifecycleView);
}

let standIn: SlackStandIn;
let server: RunningHttpServer;
let slack: SlackApp;
let store: InventoryStore;
let lifecycles: CountingLifecycles;
let web: WebClient;
const logged: string[] = [];

beforeAll(async () => {
  lifecycles = new CountingLifecycles();
  store = await openInventoryStore({ url: ':memory:' });
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: [{ id: 'U0OWNER', name: 'olivia' }],
    channels: [{ id: CHANNEL, name: 'owners', members: ['U0OWNER'] }],
  });
  // The app exactly as `certflow start` builds it over HTTP, mounted on certflow's HTTP server.
  slack = await createSlackApp({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    slackApiUrl: standIn.apiUrl,
    lifecycles,
    store,
    log: (message) => logged.push(message),
  });
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [slack.mount],
    log: (message) => logged.push(message),
  });
  web = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl });
});

afterAll(async () => {
  await server?.close();
  await standIn?.close();
  await store?.close();
});

beforeEach(() => {
  lifecycles.renewals = [];
  logged.length = 0;
});

const appUrl = () => `${server.url}${SLACK_EVENTS_PATH}`;

async function postReminder(extraButton?: { actionId: string }): Promise<string> {
  const certificate = { managedCertificateId: MANAGED_ID } as CertificateSummary;
  const elements: unknown[] = [requestRenewalButton(certificate)];
  if (extraButton) {
    elements.push({
      type: 'button',
      action_id: extraButton.actionId,
      value: 'x',
      text: { type: 'plain_text', text: 'Other' },
    });
  }
  const answer = await web.chat.postMessage({
    channel: CHANNEL,
    text: 'expires soon',
    blocks: [{ type: 'actions', block_id: BLOCK_IDS.actions, elements } as never],
  });
  return answer.ts ?? '';
}

/** Posts a body signed now with the app's secret, as Slack would. */
async function postSigned(contentType: string, body: string): Promise<Response> {
  const timestamp = Math.floor(Date.now() / 1000);
  return fetch(appUrl(), {
    method: 'POST',
    headers: {
      'Content-Type': contentType,
      'X-Slack-Request-Timestamp': String(timestamp),
      'X-Slack-Signature': signSlackRequest(SIGNING_SECRET, timestamp, body),
    },
    body,
  });
}

const noStack = (lines: readonly string[]) => lines.every((line) => !/\n\s+at /.test(line));

describe('R-SEC-1: certflow refuses Slack requests it did not get from Slack just now', () => {
  it('R-SEC-1: a replayed Request renewal (same body and signature, inside the window) is refused and asks once', async () => {
    const ts = await postReminder();
    const first = await standIn.as('U0OWNER', { appUrl: appUrl() }).click({
      channel: CHANNEL,
      ts,
      actionId: ACTION_IDS.requestRenewal,
    });
    await slack.idle();
    expect(first.status).toBe(200);
    expect(lifecycles.renewals).toHaveLength(1);

    const replay = await resendRequest(first.sent!);
    await slack.idle();
    expect(replay.status).toBe(401);
    expect(replay.body).toContain('received before');
    expect(lifecycles.renewals).toHaveLength(1);
    expect(logged.filter((line) => line.includes('replay'))).toHaveLength(1);
  });

  it.each(['future', 'stale', 'forged', 'missing'] as const)(
    'R-SEC-1: a %s signature gets 401 and the lifecycle is not asked',
    async (signature) => {
      const ts = await postReminder();
      const answer = await standIn.as('U0OWNER', { appUrl: appUrl(), signature }).click({
        channel: CHANNEL,
        ts,
        actionId: ACTION_IDS.requestRenewal,
      });
      await slack.idle();
      expect(answer.status).toBe(401);
      expect(lifecycles.renewals).toEqual([]);
      expect(logged.filter((line) => line.startsWith('slack: refused'))).toHaveLength(1);
      expect(noStack(logged)).toBe(true);
    },
  );

  it('R-SEC-1: signatures are remembered only while their timestamp is acceptable, and at most as many as allowed', () => {
    let now = 1_750_000_000_000;
    const guard = new SlackRequestGuard({
      signingSecret: SIGNING_SECRET,
      log: () => undefined,
      maxClockSkewSeconds: 60,
      maxRememberedSignatures: 2,
      nowMilliseconds: () => now,
    });
    const admit = (body: string) => {
      const timestamp = String(Math.floor(now / 1000));
      const request = Object.assign(Readable.from([Buffer.from(body)]), {
        method: 'POST',
        url: SLACK_EVENTS_PATH,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': signSlackRequest(SIGNING_SECRET, Number(timestamp), body),
        },
      });
      const answers: number[] = [];
      const response = {
        req: request,
        writeHead: (status: number) => {
          answers.push(status);
          return response;
        },
        end: () => undefined,
      };
      return guard.admit(request as never, response as never).then((admitted) => (admitted ? 200 : answers[0]));
    };
    const command = (n: number) => `command=%2Fcertflow&user_id=U0OWNER&text=${n}`;
    return (async () => {
      expect(await admit(command(1))).toBe(200);
      expect(await admit(command(2))).toBe(200);
      expect(await admit(command(3))).toBe(503);
      expect(guard.remembered).toBe(2);
      now += 121_000;
      expect(await admit(command(3))).toBe(200);
      expect(guard.remembered).toBe(1);
    })();
  });
});

describe('requests no listener takes get a quick, clear answer, logged once without a stack', () => {
  it('an unknown action_id is acknowledged with 200 and the clicker is told', async () => {
    const ts = await postReminder({ actionId: 'mystery_button' });
    const answer = await standIn.as('U0OWNER', { appUrl: appUrl() }).click({
      channel: CHANNEL,
      ts,
      actionId: 'mystery_button',
    });
    await slack.idle();
    expect(answer.status).toBe(200);
    expect(standIn.ephemeral('U0OWNER').at(-1)?.text).toContain('does not know this button');
    expect(logged.filter((line) => line.includes('mystery_button'))).toHaveLength(1);
    expect(noStack(logged)).toBe(true);
  });

  it('an unknown modal callback is acknowledged with 200', async () => {
    const ts = await postReminder({ actionId: 'mystery_button' });
    const { triggerId } = await standIn
      .as('U0OWNER', { appUrl: appUrl() })
      .click({ channel: CHANNEL, ts, actionId: 'mystery_button' });
    const opened = await web.views.open({
      trigger_id: triggerId,
      view: {
        type: 'modal',
        callback_id: 'mystery_modal',
        title: { type: 'plain_text', text: 'Other' },
        blocks: [],
      },
    });
    await slack.idle();
    logged.length = 0;
    const answer = await standIn.as('U0OWNER', { appUrl: appUrl() }).submitView(opened.view?.id ?? '');
    await slack.idle();
    expect(answer.status).toBe(200);
    expect(logged.filter((line) => line.includes('mystery_modal'))).toHaveLength(1);
    expect(noStack(logged)).toBe(true);
  });

  it('an unknown slash command is acknowledged with 200 and an answer naming /certflow help', async () => {
    const answer = await standIn.as('U0OWNER', { appUrl: appUrl() }).slashCommand('/mystery', 'status');
    await slack.idle();
    expect(answer.status).toBe(200);
    expect(standIn.ephemeral('U0OWNER').at(-1)?.text).toContain('/certflow help');
    expect(logged.filter((line) => line.includes('/mystery'))).toHaveLength(1);
  });

  it('a signed body with no payload gets 400', async () => {
    const answer = await postSigned('application/x-www-form-urlencoded', 'hello=world');
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('no payload');
    expect(logged).toHaveLength(1);
    expect(noStack(logged)).toBe(true);
  });

  it('a signed block_actions with no user gets 400 and runs no listener', async () => {
    const payload = {
      type: 'block_actions',
      trigger_id: '1.2.3',
      actions: [{ type: 'button', action_id: ACTION_IDS.requestRenewal, value: MANAGED_ID }],
    };
    const answer = await postSigned(
      'application/x-www-form-urlencoded',
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    );
    await slack.idle();
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('names no user');
    expect(lifecycles.renewals).toEqual([]);
    expect(noStack(logged)).toBe(true);
  });

  it('GET /slack/events gets 405, logged once without a stack', async () => {
    const answer = await fetch(appUrl());
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
    expect(logged).toHaveLength(1);
    expect(noStack(logged)).toBe(true);
  });

  it('a path below /slack/events is not the endpoint: 404 without a stack', async () => {
    const answer = await fetch(`${appUrl()}/extra`, { method: 'POST', body: '{}' });
    expect(answer.status).toBe(404);
    expect(noStack(logged)).toBe(true);
  });
});

describe('malformed requests Slack could sign (found by test/fuzz/slack-requests.fuzz.ts)', () => {
  it('a /certflow command without a text field is answered as a bare /certflow, not a crash in the log', async () => {
    const answer = await postSigned('application/x-www-form-urlencoded', 'command=%2Fcertflow&user_id=U0OWNER');
    await slack.idle();
    expect(answer.status).toBe(200);
    expect(logged.filter((line) => /unhandled|Cannot read/.test(line))).toEqual([]);
  });
});

describe('slackBodyProblem and unhandledRequest (pure)', () => {
  it.each([
    ['application/x-www-form-urlencoded', 'payload=%7Bnope', 'not JSON'],
    [
      'application/x-www-form-urlencoded',
      `payload=${encodeURIComponent('{"type":"view_submission","user":{"id":"U1"}}')}`,
      'callback_id',
    ],
    ['application/x-www-form-urlencoded', 'command=%2Fcertflow', 'user_id'],
    // Found by test/fuzz/slack-requests.fuzz.ts: Bolt sent this to the Request renewal listener, which answered 500.
    [
      'application/x-www-form-urlencoded',
      `payload=${encodeURIComponent('{"type":"","actions":[{"action_id":"request_renewal","value":"5e1d2c3b4a596877"}]}')}`,
      'none of Slack',
    ],
    ['application/json', '{"type":"event_callback"}', 'no event'],
    ['application/json', '[]', 'not a JSON object'],
    ['text/plain', 'hi', 'content type'],
  ])('%s %s: %s', (contentType, body, problem) => {
    expect(slackBodyProblem(contentType, body)).toContain(problem);
  });

  it('accepts what Slack sends', () => {
    expect(slackBodyProblem('application/x-www-form-urlencoded', 'ssl_check=1&token=x')).toBeNull();
    expect(slackBodyProblem('application/json', '{"type":"url_verification","challenge":"c"}')).toBeNull();
    expect(slackBodyProblem('application/x-www-form-urlencoded', 'command=%2Fcertflow&user_id=U1')).toBeNull();
  });

  it('knows what certflow handles', () => {
    expect(unhandledRequest({ type: 'block_actions', actions: [{ action_id: ACTION_IDS.viewDetails }] })).toBeNull();
    expect(unhandledRequest({ command: '/certflow', user_id: 'U1' })).toBeNull();
    expect(unhandledRequest({ type: 'block_suggestion', user: { id: 'U1' } })?.ack).toEqual({ options: [] });
    expect(unhandledRequest({ type: 'event_callback', event: { type: 'app_mention' } })).toBeNull();
  });
});
