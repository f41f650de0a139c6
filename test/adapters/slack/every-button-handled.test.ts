/**
 * Every button certflow's views can put in front of a user has a listener that acknowledges its click. Slack sends a
 * click even for a link button (*View details* with certflow's page), and an unacknowledged click is an error for the
 * user after 3 seconds, so the views are walked for their action ids and each one is clicked through the real app.
 */
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from '../../../src/adapters/slack/app';
import { HANDLED_REQUESTS } from '../../../src/adapters/slack/listeners/unknown-requests';
import { appHomeView } from '../../../src/adapters/slack/views/app-home';
import { BLOCK_IDS } from '../../../src/adapters/slack/views/block-ids';
import {
  campaignEscalationMessage,
  campaignProgressMessage,
  campaignReportMessage,
} from '../../../src/adapters/slack/views/campaign-messages';
import {
  campaignPreviewAnswer,
  campaignStartedAnswer,
  campaignStatusAnswer,
} from '../../../src/adapters/slack/views/campaign-answers';
import { campaignStartModal } from '../../../src/adapters/slack/views/campaign-start-modal';
import {
  approvalsAnswer,
  expiringAnswer,
  lifecycleStatusAnswer,
  renewalRequestedAnswer,
} from '../../../src/adapters/slack/views/command-answers';
import { digestMessage } from '../../../src/adapters/slack/views/digest-message';
import {
  approvalDecisionMessage,
  notificationMessage,
  supersededMessage,
} from '../../../src/adapters/slack/views/notification-messages';
import { rejectModal } from '../../../src/adapters/slack/views/reject-modal';
import type { LifecycleRequest } from '../../../src/core/domain/lifecycle/model';
import { startHttpServer, type RunningHttpServer } from '../../../src/adapters/shared/http';
import { openInventoryStore } from '../../../src/adapters/database/database';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import type { LifecycleNotification } from '../../../src/core/ports/notification-port';
import { startSlackStandIn, type SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import type { LifecycleView } from '../../../src/core/domain/lifecycle/lifecycle-view';
import { FIXTURE_NOW, ownerGroupFixture, requestFixture, summaryFixture } from '../../support/lifecycle-fixtures';
import { campaignFixture, groupFixture, memberFixture, previewFixture, progressFixture } from './campaign-fixtures';

const BOT_TOKEN = 'xoxb-every-button';
const SIGNING_SECRET = 'every-button-secret';
const CHANNEL = 'C0BUTTONS';

const certificate = summaryFixture();
const request = requestFixture();
const base = {
  idempotencyKey: 'wf/c1/step',
  dueAt: FIXTURE_NOW,
  certificate,
  group: ownerGroupFixture(),
  audience: { people: [], channelId: CHANNEL },
  ticket: null,
};

/** Every notification kind, with and without a link back to certflow. */
function notifications(link: string | null): LifecycleNotification[] {
  const at = { ...base, link };
  return [
    { ...at, kind: 'reminder', daysLeft: 30, renewalDeadline: FIXTURE_NOW },
    { ...at, kind: 'approval-request', request, reminder: 0 },
    { ...at, kind: 'decision', request: { ...request, status: 'approved' } },
    { ...at, kind: 'escalation', reason: 'late', cause: 'not-renewed', daysLeft: 5 },
    { ...at, kind: 'escalation', reason: 'late', cause: 'approval-overdue', daysLeft: 5 },
    { ...at, kind: 'incident', reason: 'expired' },
    { ...at, kind: 'renewal-progress', step: 'installed-and-verified', detail: 'done', replacement: certificate },
  ];
}

const VIEW = {
  managedCertificateId: certificate.managedCertificateId,
  workflowId: 'wf',
  cycle: 1,
  phase: 'awaiting-approval',
  certificate,
  ownerGroup: 'payments-web',
  renewalDeadline: FIXTURE_NOW,
  plan: [],
  next: null,
  request,
  ticket: null,
  pendingRevocation: null,
  records: [],
  lastProblem: null,
} as unknown as LifecycleView;

/** The blocks of everything certflow shows in Slack. */
function everyView(): unknown[][] {
  const due = [{ certificate, openRequest: null }];
  const approvals = [{ request, certificate }];
  const running = progressFixture([groupFixture('payments', 1, 2)]);
  return [
    ...notifications(null).map((notification) => notificationMessage(notification)),
    ...notifications(`https://certflow.example.com/certificates/${certificate.managedCertificateId}`).map(
      (notification) => notificationMessage(notification),
    ),
    digestMessage({
      recipient: 'payments',
      notifications: notifications(null).filter(
        (notification) => notification.kind === 'reminder' || notification.kind === 'escalation',
      ),
      now: FIXTURE_NOW,
    }),
    appHomeView({ now: FIXTURE_NOW, groups: ['payments'], certificates: due, approvals }),
    expiringAnswer({ now: FIXTURE_NOW, withinDays: 3650, certificates: due }),
    approvalsAnswer(approvals),
    lifecycleStatusAnswer(VIEW, FIXTURE_NOW),
    renewalRequestedAnswer(request),
    campaignProgressMessage(running),
    campaignProgressMessage({ ...running, status: 'paused' }),
    campaignStatusAnswer(running),
    campaignStartedAnswer(campaignFixture(), 3),
    campaignEscalationMessage({ progress: running, groups: [], examples: [memberFixture()] }),
    approvalDecisionMessage({ request, decidedBy: { id: 'slack:U0BOB' }, decidedAt: FIXTURE_NOW }, certificate),
    supersededMessage({
      certificate,
      kind: 'reminder',
      step: 'installed-and-verified',
      at: FIXTURE_NOW,
      replacement: certificate,
    }),
    campaignReportMessage({ ...running, status: 'completed' }, '# Report'),
    campaignPreviewAnswer({ preview: previewFixture(), selectorText: 'issuer="CN=Old"', description: 'issuer' }),
    rejectModal(request, certificate),
    campaignStartModal({
      metadata: { selectorText: 'issuer="CN=Old"', count: 3, channelId: CHANNEL },
      description: 'issuer',
      now: FIXTURE_NOW,
    }),
  ].map((view) => (view as { blocks: unknown[] }).blocks);
}

interface Interactive {
  readonly action_id: string;
  readonly [field: string]: unknown;
}

/** Elements that send Slack a block_actions payload when used: buttons and the like, not modal inputs. */
function interactiveElements(blocks: readonly unknown[]): Interactive[] {
  const found: Interactive[] = [];
  for (const block of blocks as Record<string, unknown>[]) {
    const candidates = [
      ...(block.type === 'actions' ? (block.elements as unknown[]) : []),
      block.accessory,
      ...(block.type === 'input' && block.dispatch_action === true ? [block.element] : []),
    ];
    for (const element of candidates as (Record<string, unknown> | undefined)[]) {
      if (typeof element?.action_id === 'string') found.push(element as Interactive);
    }
  }
  return found;
}

let standIn: SlackStandIn;
let server: RunningHttpServer;
let slack: SlackApp;
let store: InventoryStore;
const logged: string[] = [];

beforeAll(async () => {
  store = await openInventoryStore({ url: ':memory:' });
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: [{ id: 'U0CLICKER', name: 'casey' }],
    channels: [{ id: CHANNEL, name: 'buttons', members: ['U0CLICKER'] }],
  });
  const answer = (value: LifecycleRequest) => Promise.resolve(value);
  slack = await createSlackApp({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    slackApiUrl: standIn.apiUrl,
    lifecycles: {
      decide: () => answer({ ...request, status: 'approved' }),
      requestRenewal: () => answer(request),
      status: () => Promise.resolve(VIEW),
    },
    store,
    log: (message) => logged.push(message),
  });
  server = await startHttpServer({ host: '127.0.0.1', port: 0, handlers: [slack.mount] });
});

afterAll(async () => {
  await server?.close();
  await standIn?.close();
  await store?.close();
});

describe('every button certflow sends has a listener', () => {
  const elements = everyView().flatMap((blocks) => interactiveElements(blocks));
  const byActionId = new Map(elements.map((element) => [element.action_id, element]));

  it('the views emit the buttons people click (the walk finds them)', () => {
    expect([...byActionId.keys()].sort()).toEqual(
      expect.arrayContaining([
        'approve_request',
        'campaign_pause',
        'campaign_resume',
        'campaign_start_open',
        'reject_request',
        'request_renewal',
        'view_details',
      ]),
    );
    expect(elements.some((element) => element.action_id === 'view_details' && typeof element.url === 'string')).toBe(
      true,
    );
  });

  it.each([...byActionId.keys()])('%s is acknowledged by its own listener', async (actionId) => {
    const variants = elements.filter((element) => element.action_id === actionId);
    for (const element of variants) {
      const web = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl });
      const posted = await web.chat.postMessage({
        channel: CHANNEL,
        text: actionId,
        blocks: [{ type: 'actions', block_id: BLOCK_IDS.actions, elements: [element] } as never],
      });
      logged.length = 0;
      const answer = await standIn
        .as('U0CLICKER', { appUrl: `${server.url}${SLACK_EVENTS_PATH}` })
        .click({ channel: CHANNEL, ts: posted.ts ?? '', actionId });
      await slack.idle();
      expect(answer.status).toBe(200);
      expect(HANDLED_REQUESTS.actionIds.has(actionId)).toBe(true);
      expect(logged.filter((line) => line.includes('no listener takes'))).toEqual([]);
    }
  });
});
