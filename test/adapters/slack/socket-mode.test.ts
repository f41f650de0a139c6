import { once } from 'node:events';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackApp, type SlackApp, SlackStartError } from '../../../src/adapters/slack/app';
import { ACTION_IDS, BLOCK_IDS } from '../../../src/adapters/slack/views/block-ids';
import { decisionButtons } from '../../../src/adapters/slack/views/notification-messages';
import type { LifecycleRequest } from '../../../src/core/domain/lifecycle/model';
import { openInventoryStore } from '../../../src/adapters/database/database';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { startSlackStandIn, type SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import type { DecideRequestInput } from '../../../src/core/workflows/definitions';
import type { LifecycleView } from '../../../src/core/domain/lifecycle/lifecycle-view';
import { requestFixture } from '../../support/lifecycle-fixtures';

const BOT_TOKEN = 'xoxb-test-token';
const APP_TOKEN = 'xapp-1-A0CERTFLOW-test';
const CHANNEL = 'C0APPROVE';
const REQUEST_ID = '3f2a9c1e0b7d4a65.1.1';

const request: LifecycleRequest = requestFixture({
  id: REQUEST_ID,
  requestedBy: { id: 'slack:U0ALICE', displayName: 'alice' },
  requestedAt: '2025-03-01T10:00:00Z',
});

/** Records decisions; every one is accepted. */
class RecordingLifecycles {
  decisions: DecideRequestInput[] = [];

  decide = (input: DecideRequestInput): Promise<LifecycleRequest> => {
    this.decisions.push(input);
    return Promise.resolve({ ...request, status: input.decision === 'approve' ? 'approved' : 'rejected' });
  };

  requestRenewal = (): Promise<LifecycleRequest> => Promise.reject(new Error('not used here'));

  status = (managedCertificateId: string): Promise<LifecycleView> =>
    Promise.resolve({ managedCertificateId, request, certificate: null } as LifecycleView);
}

let standIn: SlackStandIn;
let store: InventoryStore;
let slack: SlackApp<null>;
let lifecycles: RecordingLifecycles;
const logged: string[] = [];

function startOptions(overrides: { appToken?: string; slackApiUrl?: string } = {}) {
  return {
    botToken: BOT_TOKEN,
    appToken: overrides.appToken ?? APP_TOKEN,
    slackApiUrl: overrides.slackApiUrl ?? standIn.apiUrl,
    retryConfig: { retries: 0 },
    lifecycles: new RecordingLifecycles(),
    store,
    log: () => undefined,
  };
}

beforeAll(async () => {
  store = await openInventoryStore({ url: ':memory:' });
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    signingSecret: 'not-used-in-socket-mode',
    users: [
      { id: 'U0ALICE', name: 'alice' },
      { id: 'U0BOB', name: 'bob' },
    ],
    channels: [{ id: CHANNEL, name: 'approvals', members: ['U0ALICE', 'U0BOB'] }],
  });
  lifecycles = new RecordingLifecycles();
  slack = await createSlackApp({ ...startOptions(), lifecycles, log: (message) => logged.push(message) });
});

afterAll(async () => {
  await slack?.stop();
  await standIn?.close();
  await store?.close();
});

beforeEach(() => {
  lifecycles.decisions = [];
  logged.length = 0;
});

async function postApprovalMessage(): Promise<string> {
  const web = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl });
  const answer = await web.chat.postMessage({
    channel: CHANNEL,
    text: 'approval needed',
    blocks: [{ type: 'actions', block_id: BLOCK_IDS.actions, elements: decisionButtons(request) }],
  });
  return answer.ts ?? '';
}

describe('Slack app in Socket Mode', () => {
  it('connects over the socket and mounts nothing on the HTTP server', () => {
    expect(slack.mount).toBeNull();
    expect(standIn.socketMode.connected).toBe(true);
    expect(standIn.calls.filter((call) => call.method === 'apps.connections.open').length).toBeGreaterThan(0);
  });

  it('R-RA-1: a button click over the socket reaches the approve listener, acknowledged on the socket', async () => {
    const ts = await postApprovalMessage();
    const answer = await standIn.as('U0BOB').click({ channel: CHANNEL, ts, actionId: ACTION_IDS.approveRequest });
    await slack.idle();
    expect(answer.status).toBe(200);
    expect(standIn.socketMode.envelopes.at(-1)).toMatchObject({ type: 'interactive', ack: {} });
    expect(lifecycles.decisions).toEqual([
      { requestId: REQUEST_ID, decision: 'approve', decidedBy: { id: 'slack:U0BOB', displayName: 'bob' } },
    ]);
  });

  it('a click on a button certflow does not know is acknowledged on the socket at once and logged once', async () => {
    const web = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl });
    const posted = await web.chat.postMessage({
      channel: CHANNEL,
      text: 'other app',
      blocks: [
        {
          type: 'actions',
          block_id: 'other',
          elements: [{ type: 'button', action_id: 'other_app_button', text: { type: 'plain_text', text: 'Other' } }],
        },
      ],
    });
    const answer = await standIn
      .as('U0BOB')
      .click({ channel: CHANNEL, ts: posted.ts ?? '', actionId: 'other_app_button' });
    await slack.idle();
    expect(answer.status).toBe(200);
    expect(standIn.socketMode.envelopes.at(-1)).toMatchObject({ type: 'interactive', ack: {} });
    expect(logged.filter((line) => line.includes('other_app_button'))).toHaveLength(1);
  });

  it('R-RA-1: an empty reject reason comes back in the acknowledgement as a modal error', async () => {
    const ts = await postApprovalMessage();
    await standIn.as('U0BOB').click({ channel: CHANNEL, ts, actionId: ACTION_IDS.rejectRequest });
    await slack.idle();
    const modal = standIn.views('U0BOB').at(-1);
    const answer = await standIn.as('U0BOB').submitView(modal?.id ?? '', {
      [BLOCK_IDS.rejectReason]: { [ACTION_IDS.rejectReasonInput]: '  ' },
    });
    expect(answer.json).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK_IDS.rejectReason]: expect.any(String) },
    });
    expect(modal?.closed).toBe(false);
    expect(lifecycles.decisions).toEqual([]);
  });
});

describe('Slack app in Socket Mode: reconnecting', () => {
  it('reconnects when Slack asks for a refresh, and clicks reach it on the new connection', async () => {
    const reconnected = once(standIn.socketMode, 'connection');
    const opened = standIn.calls.filter((call) => call.method === 'apps.connections.open').length;
    standIn.socketMode.requestRefresh();
    // Bolt's client waits its ping timeout (5 s) before it reconnects.
    await reconnected;
    expect(standIn.calls.filter((call) => call.method === 'apps.connections.open').length).toBe(opened + 1);
    const ts = await postApprovalMessage();
    await standIn.as('U0BOB').click({ channel: CHANNEL, ts, actionId: ACTION_IDS.approveRequest });
    await slack.idle();
    expect(lifecycles.decisions).toHaveLength(1);
  });
});

describe('Slack app in Socket Mode: start and stop', () => {
  it('stop() closes the socket', async () => {
    const own = await startSlackStandIn({ botToken: BOT_TOKEN, appToken: APP_TOKEN, signingSecret: 'x' });
    try {
      const app = await createSlackApp(startOptions({ slackApiUrl: own.apiUrl }));
      expect(own.socketMode.connected).toBe(true);
      await app.stop();
      await own.socketMode.disconnected();
      expect(own.socketMode.connected).toBe(false);
    } finally {
      await own.close();
    }
  });

  it('a wrong app-level token is a SlackStartError that says which token to set', async () => {
    const start = createSlackApp(startOptions({ appToken: 'xapp-1-revoked' }));
    await expect(start).rejects.toThrow(SlackStartError);
    await expect(start).rejects.toThrow(/refused the app-level token \(invalid_auth\): set SLACK_APP_TOKEN/);
  });

  it('the bot token given as the app token is refused as not_allowed_token_type, not retried forever', async () => {
    const start = createSlackApp(startOptions({ appToken: BOT_TOKEN }));
    await expect(start).rejects.toThrow(/refused the app-level token \(not_allowed_token_type\).*connections:write/);
  });

  it('apps.connections.open failing is a SlackStartError', async () => {
    standIn.faults.next('apps.connections.open', { status: 500 });
    const start = createSlackApp(startOptions());
    await expect(start).rejects.toThrow(SlackStartError);
    await expect(start).rejects.toThrow(/not reachable/);
  });

  it('a WebSocket that does not open ends the start with a SlackStartError instead of reconnecting forever', async () => {
    standIn.socketMode.refuseNext();
    const start = createSlackApp(startOptions());
    await expect(start).rejects.toThrow(SlackStartError);
    await expect(start).rejects.toThrow(/Socket Mode WebSocket to Slack did not open \(.+\): check that the network/);
  });

  it('an unreachable Slack is a SlackStartError', async () => {
    const stopped = await startSlackStandIn({ botToken: BOT_TOKEN, appToken: APP_TOKEN, signingSecret: 'x' });
    const { apiUrl } = stopped;
    await stopped.close();
    const start = createSlackApp(startOptions({ slackApiUrl: apiUrl }));
    await expect(start).rejects.toThrow(SlackStartError);
    await expect(start).rejects.toThrow(/not reachable/);
  });
});
