/**
 * The whole approval path through Slack, in one process: the real lifecycle workflow on the time-skipping server,
 * the Slack notifier and the Bolt app against the Slack stand-in, and people clicking with signed requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackApp, SLACK_EVENTS_PATH } from '../../../src/adapters/slack/app';
import { ACTION_IDS } from '../../../src/adapters/slack/views/block-ids';
import { createLifecycleClient } from '../../../src/core/application/lifecycle-client';
import { startHttpServer } from '../../../src/adapters/shared/http';
import { SlackNotifier } from '../../../src/adapters/slack/slack-notifier';
import { createSlackWebClient } from '../../../src/adapters/slack/slack-web-client';
import type {
  RecordedMessage,
  StandInUser,
  StandInUserGroup,
} from '../../../src/adapters/slack/stand-in/stand-in-state';
import { type SlackStandIn, startSlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import { createLifecycleHarness, GROUP, type LifecycleHarness } from '../../support/lifecycle-harness';
import { until } from '../../support/until';

const BOT_TOKEN = 'xoxb-through-slack';
const SIGNING_SECRET = 'through-slack-secret';
const CHANNEL = GROUP.slack.channelId ?? 'C0PAYMENTS';

const withAction = (actionId: string) => (message: RecordedMessage) =>
  !message.deleted && JSON.stringify(message.blocks).includes(`"${actionId}"`);

const PEOPLE: StandInUser[] = [
  { id: 'U0OWNER', name: 'owner', email: 'owner@example.com' },
  { id: 'U0ANN', name: 'ann', email: 'ann@example.com' },
  { id: 'U0BOB', name: 'bob', email: 'bob@example.com' },
  { id: 'U0CAROL', name: 'carol', email: 'carol@example.com' },
  { id: 'U0MALLORY', name: 'mallory', email: 'mallory@example.com' },
];

/** A lifecycle harness whose notifications go to the Slack stand-in, and the Bolt app on an HTTP server of its own. */
interface SlackWorld {
  readonly h: LifecycleHarness;
  readonly standIn: SlackStandIn;
  readonly appUrl: string;
  readonly log: string[];
  close(): Promise<void>;
}

async function startSlackWorld(userGroups: readonly StandInUserGroup[] = []): Promise<SlackWorld> {
  const h = await createLifecycleHarness();
  const standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: PEOPLE,
    userGroups,
    channels: [{ id: CHANNEL, name: 'payments-web' }],
  });
  h.deps.notifications = new SlackNotifier({
    client: createSlackWebClient({ botToken: BOT_TOKEN, slackApiUrl: standIn.apiUrl }),
    // A reminder waits this long for others due with it before it is posted (R-MON-5).
    digestWindowMs: 100,
  });
  const log: string[] = [];
  const slackApp = await createSlackApp({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    slackApiUrl: standIn.apiUrl,
    lifecycles: createLifecycleClient({
      client: h.env.client,
      taskQueue: h.taskQueue,
      store: h.store,
      searchAttributes: false,
      where: 'slack',
    }),
    store: h.store,
    log: (line) => log.push(line),
  });
  const http = await startHttpServer({ host: '127.0.0.1', port: 0, handlers: [slackApp.mount] });
  return {
    h,
    standIn,
    appUrl: `${http.url}${SLACK_EVENTS_PATH}`,
    log,
    async close() {
      await http.close();
      await standIn.close();
      await h.close();
    },
  };
}

describe('a renewal asked for and approved in Slack (R-MON-1, R-RA-1, R-RA-2, R-SEC-2)', () => {
  let world: SlackWorld;

  beforeAll(async () => {
    world = await startSlackWorld();
  }, 60_000);

  afterAll(async () => {
    await world?.close();
  });

  it(
    'the reminder reaches the channel, the requester and a stranger cannot approve, another approver’s double click approves once, the endpoint is renewed, the request shows the outcome once and the reminder says it was renewed',
    { timeout: 90_000 },
    async () => {
      const { h, standIn, appUrl, log } = world;
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        // 85 days before expiry: the 90-day reminder is caught up, in the owner group's channel.
        const reminder = await until(
          () => standIn.messages(CHANNEL).find(withAction(ACTION_IDS.requestRenewal)),
          'the reminder',
        );
        expect(reminder.text).toMatch(/api\.payments\.example\.com/);

        // Ann, an approver of the group, asks for the renewal from the reminder.
        const asked = await standIn
          .as('U0ANN', { appUrl })
          .click({ channel: CHANNEL, ts: reminder.ts, actionId: ACTION_IDS.requestRenewal });
        expect(asked.status).toBe(200);
        const bobDm = await until(() => standIn.dmChannel('U0BOB'), 'the DM to the other approver');
        const approval = await until(
          () => standIn.messages(bobDm).find(withAction(ACTION_IDS.approveRequest)),
          'the approval request',
        );
        expect(JSON.stringify(approval.blocks)).toMatch(/<@U0ANN> asks for the \*renewal\*/);

        // Mallory is nobody here; Ann asked, so she may not decide: both are told, only them, and nothing changes.
        await standIn
          .as('U0MALLORY', { appUrl })
          .click({ channel: bobDm, ts: approval.ts, actionId: ACTION_IDS.approveRequest });
        const stranger = await until(() => standIn.ephemeral('U0MALLORY')[0], "Mallory's refusal");
        expect(stranger.text).toMatch(/only approvers of group payments-web/);
        await standIn
          .as('U0ANN', { appUrl })
          .click({ channel: bobDm, ts: approval.ts, actionId: ACTION_IDS.approveRequest });
        const self = await until(
          () => standIn.ephemeral('U0ANN').find((message) => /another approver/.test(message.text)),
          "Ann's refusal",
        );
        expect(self.text).toMatch(/you requested this renewal/);
        expect((await h.view(seeded.managedCertificateId)).request).toMatchObject({ status: 'awaiting-approval' });
        const refused = await h.store.queryAudit({ action: 'slack.refused' }, { limit: 10 });
        expect(refused.items.map((entry) => [entry.actor, entry.details.code])).toEqual([
          ['slack:U0MALLORY', 'not-approver'],
          ['slack:U0ANN', 'self-approval'],
        ]);

        // Bob double-clicks Approve: one decision; the certificate is issued, installed on the endpoint and verified,
        // in the next cycle, and the second click is told it came too late.
        const bob = standIn.as('U0BOB', { appUrl });
        const approve = () => bob.click({ channel: bobDm, ts: approval.ts, actionId: ACTION_IDS.approveRequest });
        await Promise.all([approve(), approve()]);
        const next = await h.waitFor(
          seeded.managedCertificateId,
          (view) => view.cycle === 2 && view.certificate !== null,
          'the renewal',
        );
        expect(next.certificate?.fingerprintSha256).not.toBe(seeded.fingerprint);
        expect(next.records.filter((record) => record.kind === 'request.approved')).toHaveLength(1);
        await until(() => standIn.ephemeral('U0BOB')[0], "the refusal of Bob's second click");

        // Every copy of the approval request shows who decided, without buttons.
        const decided = await until(() => {
          const message = standIn.messages(bobDm).find((candidate) => candidate.ts === approval.ts);
          return message !== undefined && message.edits.length > 0 ? message : undefined;
        }, 'the decision in place');
        expect(decided.text).toMatch(/bob/i);
        expect(JSON.stringify(decided.blocks)).not.toContain(ACTION_IDS.approveRequest);
        expect(standIn.messages(CHANNEL).filter(withAction(ACTION_IDS.approveRequest))).toEqual([]);
        // The channel shows the decision once, in the request it replaced (issue 14 item 12) ...
        expect(
          standIn.messages(CHANNEL).filter((message) => message.text.startsWith('Approved: renewal')),
        ).toHaveLength(1);
        // ... and the reminder of the replaced version says it was renewed, without its button.
        const oldReminder = standIn.messages(CHANNEL).find((message) => message.ts === reminder.ts);
        expect(oldReminder?.text).toContain('was renewed');
        expect(JSON.stringify(oldReminder?.blocks)).not.toContain(ACTION_IDS.requestRenewal);
        expect(JSON.stringify(oldReminder?.blocks)).toContain(next.certificate?.fingerprintSha256.slice(0, 16));
        await handle.terminate('test done');
      });
      expect(log).toEqual([]);
    },
  );
});

describe('R-SEC-2: approvers from a Slack user group', () => {
  let world: SlackWorld;

  beforeAll(async () => {
    world = await startSlackWorld([{ id: 'S0APPROVERS', handle: 'payments-approvers', users: ['U0BOB', 'U0CAROL'] }]);
    await world.h.store.upsertOwnerGroup({
      ...GROUP,
      approvers: [],
      slack: { channelId: CHANNEL, approverUserGroupId: 'S0APPROVERS' },
    });
  }, 60_000);

  afterAll(async () => {
    await world?.close();
  });

  it(
    'members of the approvers’ user group approve from the channel, two clicking together make one decision; Ann, an approver by name no longer, is refused',
    { timeout: 90_000 },
    async () => {
      const { h, standIn, appUrl } = world;
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        const reminder = await until(
          () => standIn.messages(CHANNEL).find(withAction(ACTION_IDS.requestRenewal)),
          'the reminder',
        );
        await standIn
          .as('U0OWNER', { appUrl })
          .click({ channel: CHANNEL, ts: reminder.ts, actionId: ACTION_IDS.requestRenewal });
        const approval = await until(
          () => standIn.messages(CHANNEL).find(withAction(ACTION_IDS.approveRequest)),
          'the approval request in the channel',
        );

        await standIn
          .as('U0ANN', { appUrl })
          .click({ channel: CHANNEL, ts: approval.ts, actionId: ACTION_IDS.approveRequest });
        const refusal = await until(() => standIn.ephemeral('U0ANN')[0], "Ann's refusal");
        expect(refusal.text).toMatch(/only approvers of group payments-web/);

        // Carol and Bob, both in the approvers' user group, click together: exactly one of them decides.
        await Promise.all(
          ['U0CAROL', 'U0BOB'].map((user) =>
            standIn
              .as(user, { appUrl })
              .click({ channel: CHANNEL, ts: approval.ts, actionId: ACTION_IDS.approveRequest }),
          ),
        );
        const next = await h.waitFor(seeded.managedCertificateId, (view) => view.cycle === 2, 'the renewal');
        const approvals = next.records.filter((record) => record.kind === 'request.approved');
        expect(approvals).toHaveLength(1);
        const winner = /by slack:(U0CAROL|U0BOB)/.exec(approvals[0]?.detail ?? '')?.[1];
        const loser = winner === 'U0CAROL' ? 'U0BOB' : 'U0CAROL';
        expect(winner).toBeDefined();
        const late = await until(() => standIn.ephemeral(loser)[0], 'the refusal of the later click');
        expect(late.text).toMatch(/already approved|not open/);
        expect(standIn.ephemeral(winner ?? '')).toEqual([]);
        await handle.terminate('test done');
      });
    },
  );
});
