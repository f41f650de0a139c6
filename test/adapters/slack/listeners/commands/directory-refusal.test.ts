import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from '../../../../../src/adapters/slack/app';
import { startHttpServer, type RunningHttpServer } from '../../../../../src/adapters/shared/http';
import { openInventoryStore } from '../../../../../src/adapters/database/database';
import type { InventoryStore } from '../../../../../src/core/ports/inventory-store';
import { startSlackStandIn, type SlackStandIn } from '../../../../../src/adapters/slack/stand-in/slack-stand-in';

const BOT_TOKEN = 'xoxb-directory';
const SIGNING_SECRET = 'directory-secret';

let standIn: SlackStandIn;
let server: RunningHttpServer;
let slack: SlackApp;
let store: InventoryStore;
const asked: string[] = [];

beforeAll(async () => {
  store = await openInventoryStore({ url: ':memory:' });
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: [
      { id: 'U0MEMBER', name: 'mia' },
      // From another organisation in a shared channel: Slack sends their commands, its directory does not list them.
      { id: 'U0OUTSIDER', name: 'oscar', external: true },
    ],
  });
  slack = await createSlackApp({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    slackApiUrl: standIn.apiUrl,
    retryConfig: { retries: 0 },
    lifecycles: {
      decide: () => Promise.reject(new Error('not in this test')),
      requestRenewal: () => Promise.reject(new Error('not in this test')),
      status: (id) => {
        asked.push(id);
        return Promise.reject(new Error('not in this test'));
      },
    },
    store,
    log: () => undefined,
  });
  server = await startHttpServer({ host: '127.0.0.1', port: 0, handlers: [slack.mount] });
});

afterAll(async () => {
  await server?.close();
  await standIn?.close();
  await store?.close();
});

beforeEach(() => {
  asked.length = 0;
  standIn.faults.clear();
});

async function certflow(user: string, text: string) {
  const ack = await standIn.as(user, { appUrl: `${server.url}${SLACK_EVENTS_PATH}` }).slashCommand('/certflow', text);
  await slack.idle();
  const posts = standIn.responseUrl(ack.responseUrl ?? '')?.posts ?? [];
  expect(posts).toHaveLength(1);
  return posts[0] as { response_type?: string; text: string };
}

async function refusals(user: string) {
  const page = await store.queryAudit({ action: 'slack.refused', actor: `slack:${user}` }, { limit: 50 });
  return page.items.map((entry) => entry.details);
}

describe('/certflow from someone the workspace directory does not list', () => {
  it('R-SEC-2: status is refused ephemerally and audited as slack.refused, and nothing is looked up', async () => {
    const answer = await certflow('U0OUTSIDER', 'status shop.example.com');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(/^Not done: certflow answers only people of this Slack workspace/);
    expect(asked).toEqual([]);
    expect(await refusals('U0OUTSIDER')).toEqual([
      { action: 'command.status', code: 'not-in-directory', reason: expect.stringContaining('does not list you') },
    ]);
    // Help says nothing about anyone's certificates.
    expect((await certflow('U0OUTSIDER', 'help')).text).toContain('certflow commands');
  });

  it('a member of the workspace is answered as before', async () => {
    const answer = await certflow('U0MEMBER', 'status shop.example.com');
    expect(answer.text).toContain('no managed certificate is named "shop.example.com"');
    expect(await refusals('U0MEMBER')).toEqual([]);
  });

  it('while Slack cannot say who someone is, the command is refused too', async () => {
    standIn.faults.next('users.info', { status: 500 });
    const answer = await certflow('U0OUTSIDER', 'expiring');
    expect(answer.text).toContain('could not ask Slack who you are');
    expect((await refusals('U0OUTSIDER')).at(-1)).toMatchObject({
      action: 'command.expiring',
      code: 'directory-unavailable',
    });
  });
});
