import type { AnyBlock } from '@slack/types';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from '../../../../src/adapters/slack/app';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../../../../src/adapters/slack/views/block-ids';
import { checkMessage } from '../../../../src/adapters/slack/views/block-kit-check';
import { campaignProgressMessage } from '../../../../src/adapters/slack/views/campaign-messages';
import { escapeMrkdwn } from '../../../../src/adapters/slack/views/mrkdwn';
import {
  CampaignNotFoundError,
  CampaignRefusedError,
  type CampaignOperations,
  type StartCampaignInput,
} from '../../../../src/core/application/campaign-operations';
import type { CampaignSelector } from '../../../../src/core/domain/campaigns/model';
import { CampaignSelectorError, parseCampaignSelectorText } from '../../../../src/core/domain/campaigns/selector';
import type { Actor } from '../../../../src/core/domain/lifecycle/model';
import { startHttpServer, type RunningHttpServer } from '../../../../src/adapters/shared/http';
import { openInventoryStore } from '../../../../src/adapters/database/database';
import type { InventoryStore } from '../../../../src/core/ports/inventory-store';
import { startSlackStandIn, type SlackStandIn } from '../../../../src/adapters/slack/stand-in/slack-stand-in';
import { campaignFixture, groupFixture, previewFixture, progressFixture } from '../campaign-fixtures';

const BOT_TOKEN = 'xoxb-test-token';
const SIGNING_SECRET = 'test-signing-secret';
const CHANNEL = 'C0SECURITY';
const LEAD = 'U0LEAD';
const MALLORY = 'U0MALLORY';
const SELECTOR_TEXT = 'issuer="CN=Old Issuing CA"';
const BAD_SELECTOR_TEXT = 'frobnicate=1';
const CAMPAIGN_ID = campaignFixture().id;

/** The user-facing message the selector parser has for `text`. */
function selectorErrorOf(text: string): string {
  try {
    parseCampaignSelectorText(text);
  } catch (error) {
    if (error instanceof CampaignSelectorError) return error.message;
  }
  throw new Error(`"${text}" was expected to be a bad selector`);
}

/** Campaign operations as the real client answers them: only the listed security leads may act (R-SEC-2). */
class FakeCampaigns implements CampaignOperations {
  readonly calls: { method: string; args: unknown[] }[] = [];
  total = 3;

  constructor(private readonly securityLeads: readonly string[]) {}

  private check(method: string, actor: Actor, ...args: unknown[]) {
    this.calls.push({ method, args: [actor, ...args] });
    if (!this.securityLeads.includes(actor.id)) {
      throw new CampaignRefusedError('not-security-lead', `${actor.id} is not a security lead; ask one to ${method}`);
    }
  }

  preview = (selector: CampaignSelector, actor: Actor) => {
    this.check('preview', actor, selector);
    return Promise.resolve(previewFixture({ selector, total: this.total }));
  };

  start = (input: StartCampaignInput) => {
    this.check('start', input.launchedBy, input);
    if (input.confirmedCount !== this.total) {
      throw new CampaignRefusedError(
        'count-changed',
        `the selector now selects ${this.total}, not ${input.confirmedCount}`,
      );
    }
    return Promise.resolve(
      campaignFixture({
        reason: input.reason,
        kind: input.kind,
        deadline: input.deadline ?? '',
        emergency: input.emergency ?? true,
      }),
    );
  };

  list = () =>
    Promise.resolve([{ definition: campaignFixture(), status: 'running' as const, updatedAt: '2026-12-01T10:00:00Z' }]);

  progress = (campaignId: string) => {
    if (campaignId !== CAMPAIGN_ID) return Promise.reject(new CampaignNotFoundError(campaignId));
    return Promise.resolve(progressFixture([groupFixture('payments', 1, 2)]));
  };

  pause = (campaignId: string, actor: Actor, reason: string) => {
    this.check('pause', actor, campaignId, reason);
    return Promise.resolve(
      progressFixture([groupFixture('payments', 1, 2)], { status: 'paused', statusReason: reason }),
    );
  };

  resume = (campaignId: string, actor: Actor) => {
    this.check('resume', actor, campaignId);
    return Promise.resolve(progressFixture([groupFixture('payments', 1, 2)]));
  };

  cancel = (campaignId: string, actor: Actor, reason: string) => {
    this.check('cancel', actor, campaignId, reason);
    return Promise.resolve(
      progressFixture([groupFixture('payments', 1, 2)], { status: 'cancelled', statusReason: reason }),
    );
  };

  members = () => Promise.resolve([]);
  report = () => Promise.reject(new Error('not used here'));
  inventoryChanged = () => Promise.reject(new Error('not used here'));
}

/** The lifecycle operations these tests never reach. */
const unusedLifecycles = {
  decide: () => Promise.reject(new Error('unused')),
  requestRenewal: () => Promise.reject(new Error('unused')),
  status: () => Promise.reject(new Error('unused')),
};

let standIn: SlackStandIn;
let server: RunningHttpServer;
let slack: SlackApp;
let store: InventoryStore;
let campaigns: FakeCampaigns;
const logged: string[] = [];

beforeAll(async () => {
  campaigns = new FakeCampaigns([`slack:${LEAD}`]);
  store = await openInventoryStore({ url: ':memory:' });
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: [
      { id: LEAD, name: 'lead' },
      { id: MALLORY, name: 'mallory' },
    ],
    channels: [{ id: CHANNEL, name: 'security', members: [LEAD, MALLORY] }],
  });
  slack = await createSlackApp({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    slackApiUrl: standIn.apiUrl,
    lifecycles: unusedLifecycles,
    store,
    campaigns,
    log: (message) => logged.push(message),
  });
  server = await startHttpServer({ host: '127.0.0.1', port: 0, handlers: [slack.mount] });
});

afterAll(async () => {
  await server?.close();
  await standIn?.close();
  await store?.close();
});

beforeEach(() => {
  campaigns.calls.length = 0;
  campaigns.total = 3;
  logged.length = 0;
});

function as(user: string, signature: 'valid' | 'forged' = 'valid') {
  return standIn.as(user, { appUrl: `${server.url}${SLACK_EVENTS_PATH}`, signature });
}

/** Runs `/certflow <text>` in the security channel and returns what the app posted to the response_url, if anything. */
async function certflow(user: string, text: string) {
  const ack = await as(user).slashCommand('/certflow', text, CHANNEL);
  await slack.idle();
  expect(ack.status).toBe(200);
  expect(ack.body).toBe('');
  const posts = standIn.responseUrl(ack.responseUrl ?? '')?.posts ?? [];
  const answer = posts[0] as { response_type?: string; text: string; blocks: AnyBlock[] } | undefined;
  if (answer) expect(checkMessage(answer)).toEqual([]);
  return { answer, posts, json: JSON.stringify(answer?.blocks ?? []) };
}

async function refusals(user: string) {
  const page = await store.queryAudit({ action: 'slack.refused', actor: `slack:${user}` }, { limit: 50 });
  return page.items.map((entry) => entry.details as { action: string; code: string });
}

function openModal(user: string) {
  const modal = standIn.views(user).at(-1);
  if (!modal || modal.closed || modal.definition.callback_id !== CALLBACK_IDS.campaignStart) {
    throw new Error('no open start modal');
  }
  return modal;
}

describe('/certflow campaign', () => {
  it('R-CAM-1: preview answers the security lead ephemerally with the counts and a start button', async () => {
    const { answer, json } = await certflow(LEAD, `campaign preview ${SELECTOR_TEXT}`);
    expect(answer?.response_type).toBe('ephemeral');
    expect(answer?.text).toContain('Campaign preview: 3 certificates');
    expect(json).toContain('payments: 2');
    expect(json).toContain(ACTION_IDS.campaignStartOpen);
    expect(campaigns.calls.map((call) => call.method)).toEqual(['preview']);
    expect(standIn.messages(CHANNEL)).toHaveLength(0);
  });

  it('R-SEC-2, R-CAM-1: preview and start by a non-security-lead are refused to them only, and audited', async () => {
    const preview = await certflow(MALLORY, `campaign preview ${SELECTOR_TEXT}`);
    const start = await certflow(MALLORY, `campaign start ${SELECTOR_TEXT}`);
    for (const { answer } of [preview, start]) {
      expect(answer?.response_type).toBe('ephemeral');
      expect(answer?.text).toContain('is not a security lead');
    }
    expect(standIn.views(MALLORY)).toHaveLength(0);
    expect(standIn.messages(CHANNEL)).toHaveLength(0);
    expect(await refusals(MALLORY)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'command.campaign.preview', code: 'not-security-lead' }),
        expect.objectContaining({ action: 'command.campaign.start', code: 'not-security-lead' }),
      ]),
    );
  });

  it('R-CAM-1: a selector certflow cannot read gets an ephemeral error with the fix, and nothing is asked', async () => {
    const { answer } = await certflow(LEAD, `campaign preview ${BAD_SELECTOR_TEXT}`);
    expect(answer?.response_type).toBe('ephemeral');
    expect(answer?.text).toContain(escapeMrkdwn(selectorErrorOf(BAD_SELECTOR_TEXT)));
    expect(campaigns.calls).toEqual([]);
  });

  it('a campaign subcommand it does not know gets the usage', async () => {
    const { answer, json } = await certflow(LEAD, 'campaign launch');
    expect(answer?.text).toContain('preview, start, status or list');
    expect(json).toContain(`"block_id":"${BLOCK_IDS.usage}"`);
  });

  it('R-CAM-1: start opens the modal with the previewed count; without a reason the submission is a field error', async () => {
    const { posts } = await certflow(LEAD, `campaign start ${SELECTOR_TEXT}`);
    expect(posts).toEqual([]);
    const modal = openModal(LEAD);
    expect(JSON.parse(String(modal.definition.private_metadata))).toEqual({
      selectorText: SELECTOR_TEXT,
      count: 3,
      channelId: CHANNEL,
    });
    expect(JSON.stringify(modal.definition.blocks)).toContain('*3* certificates');
    const answer = await as(LEAD).submitView(modal.id, {
      [BLOCK_IDS.campaignReason]: { [ACTION_IDS.campaignReasonInput]: '   ' },
    });
    expect(answer.json).toEqual({
      response_action: 'errors',
      errors: { [BLOCK_IDS.campaignReason]: expect.stringContaining('write why') },
    });
    expect(modal.closed).toBe(false);
    expect(campaigns.calls.map((call) => call.method)).toEqual(['preview']);
  });

  it('R-CAM-1, R-CAM-2: the submission starts with the confirmed count, the launcher and the channel, and tells the id', async () => {
    await certflow(LEAD, `campaign start ${SELECTOR_TEXT}`);
    const modal = openModal(LEAD);
    const answer = await as(LEAD).submitView(modal.id, {
      [BLOCK_IDS.campaignReason]: { [ACTION_IDS.campaignReasonInput]: 'Old Issuing CA compromised' },
      [BLOCK_IDS.campaignDeadline]: { [ACTION_IDS.campaignDeadlineInput]: '1d' },
    });
    await slack.idle();
    expect(answer.status).toBe(200);
    expect(modal.closed).toBe(true);
    const start = campaigns.calls.find((call) => call.method === 'start')?.args[1] as StartCampaignInput;
    expect(start).toMatchObject({
      kind: 'ca-compromise',
      reason: 'Old Issuing CA compromised',
      confirmedCount: 3,
      emergency: true,
      channelId: CHANNEL,
      launchedBy: { id: `slack:${LEAD}` },
    });
    expect(Date.parse(start.deadline ?? '') - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(standIn.ephemeral(LEAD).at(-1)?.text).toContain(`Campaign ${CAMPAIGN_ID} started`);
  });

  it('R-CAM-1: a count that changed since the preview is refused in the modal and audited', async () => {
    await certflow(LEAD, `campaign start ${SELECTOR_TEXT}`);
    const modal = openModal(LEAD);
    campaigns.total = 4;
    const answer = await as(LEAD).submitView(modal.id, {
      [BLOCK_IDS.campaignReason]: { [ACTION_IDS.campaignReasonInput]: 'Old Issuing CA compromised' },
    });
    expect(answer.json).toMatchObject({ response_action: 'errors' });
    expect(JSON.stringify(answer.json)).toContain('now selects 4');
    expect(await refusals(LEAD)).toContainEqual(
      expect.objectContaining({ action: 'campaign.start', code: 'count-changed' }),
    );
  });

  it('R-CAM-1: the start button of a preview opens the same modal', async () => {
    const { answer } = await certflow(LEAD, `campaign preview ${SELECTOR_TEXT}`);
    const web = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl });
    const posted = await web.chat.postMessage({
      channel: CHANNEL,
      text: answer?.text ?? '',
      blocks: answer?.blocks ?? [],
    });
    await as(LEAD).click({ channel: CHANNEL, ts: posted.ts ?? '', actionId: ACTION_IDS.campaignStartOpen });
    await slack.idle();
    expect(JSON.parse(String(openModal(LEAD).definition.private_metadata))).toMatchObject({
      selectorText: SELECTOR_TEXT,
      count: 3,
    });
  });

  it('R-CAM-3: status shows the progress ephemerally; without id the running campaigns; list all; unknown id the fix', async () => {
    expect((await certflow(MALLORY, `campaign status ${CAMPAIGN_ID}`)).answer?.text).toContain('(1/2)');
    expect((await certflow(MALLORY, 'campaign status')).json).toContain(CAMPAIGN_ID);
    expect((await certflow(MALLORY, 'campaign list')).answer?.text).toContain('Campaigns: 1');
    expect((await certflow(MALLORY, 'campaign status cmp-nope')).answer?.text).toContain('certflow campaign list');
  });

  it('R-CAM-2, R-SEC-2: Pause from the progress message pauses with the clicker; a non-lead is refused and audited', async () => {
    const web = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl });
    const posted = await web.chat.postMessage({
      channel: CHANNEL,
      ...campaignProgressMessage(progressFixture([groupFixture('payments', 1, 2)])),
    });
    await as(LEAD).click({ channel: CHANNEL, ts: posted.ts ?? '', actionId: ACTION_IDS.campaignPause });
    await as(MALLORY).click({ channel: CHANNEL, ts: posted.ts ?? '', actionId: ACTION_IDS.campaignCancel });
    await slack.idle();
    expect(campaigns.calls.map((call) => [call.method, (call.args[0] as Actor).id, call.args[2]])).toEqual([
      ['pause', `slack:${LEAD}`, 'from Slack by lead'],
      ['cancel', `slack:${MALLORY}`, 'from Slack by mallory'],
    ]);
    expect(standIn.ephemeral(LEAD).at(-1)?.text).toContain('paused');
    expect(standIn.ephemeral(MALLORY).at(-1)?.text).toContain('is not a security lead');
    expect(standIn.ephemeral(LEAD).some((message) => message.text.includes('not a security lead'))).toBe(false);
    expect(await refusals(MALLORY)).toContainEqual(
      expect.objectContaining({ action: 'campaign.cancel', code: 'not-security-lead' }),
    );
  });

  it('R-SEC-1: a command with a forged signature is 401 and asks nothing', async () => {
    const answer = await as(LEAD, 'forged').slashCommand('/certflow', `campaign preview ${SELECTOR_TEXT}`, CHANNEL);
    await slack.idle();
    expect(answer.status).toBe(401);
    expect(campaigns.calls).toEqual([]);
  });
});

describe('/certflow campaign without campaign operations', () => {
  it('answers that campaigns are not available', async () => {
    const bare = await createSlackApp({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      slackApiUrl: standIn.apiUrl,
      lifecycles: unusedLifecycles,
      store,
      log: (message) => logged.push(message),
    });
    const bareServer = await startHttpServer({ host: '127.0.0.1', port: 0, handlers: [bare.mount] });
    try {
      const driver = standIn.as(LEAD, { appUrl: `${bareServer.url}${SLACK_EVENTS_PATH}` });
      const ack = await driver.slashCommand('/certflow', `campaign preview ${SELECTOR_TEXT}`, CHANNEL);
      await bare.idle();
      const posts = standIn.responseUrl(ack.responseUrl ?? '')?.posts ?? [];
      expect(JSON.stringify(posts)).toContain('campaigns are not available');
    } finally {
      await bareServer.close();
    }
  });
});
