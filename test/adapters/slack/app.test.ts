import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackApp, SLACK_EVENTS_PATH, SlackStartError, type SlackApp } from '../../../src/adapters/slack/app';
import { ACTION_IDS, BLOCK_IDS } from '../../../src/adapters/slack/views/block-ids';
import { decisionButtons, requestRenewalButton } from '../../../src/adapters/slack/views/notification-messages';
import { LifecycleRefusedError } from '../../../src/core/ports/lifecycle-port';
import type { CertificateSummary, LifecycleRequest } from '../../../src/core/domain/lifecycle/model';
import { startHttpServer, type RunningHttpServer } from '../../../src/adapters/shared/http';
import { openInventoryStore } from '../../../src/adapters/database/database';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { startSlackStandIn, type SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import type { DecideRequestInput } from '../../../src/core/workflows/definitions';
import type { LifecycleView } from '../../../src/core/domain/lifecycle/lifecycle-view';
import type { RequestRenewalInput } from '../../../src/core/ports/lifecycle-port';
import { requestFixture } from '../../support/lifecycle-fixtures';

const BOT_TOKEN = 'xoxb-test-token';
const SIGNING_SECRET = 'test-signing-secret';
const CHANNEL = 'C0APPROVE';
const MANAGED_ID = '3f2a9c1e0b7d4a65';
const REQUEST_ID = `${MANAGED_ID}.1.1`;

const request: LifecycleRequest = requestFixture({
  id: REQUEST_ID,
  requestedBy: { id: 'slack:U0ALICE', displayName: 'alice' },
  requestedAt: '2025-03-01T10:00:00Z',
});

/**
 * Records what the listeners ask and answers as told. What the real lifecycle refuses (a second decision, a
 * self-approval) is tested against real lifecycles in listeners/double-click.test.ts and the command tests.
 */
class FakeLifecycles {
  decisions: DecideRequestInput[] = [];
  renewals: { managedCertificateId: string; input: RequestRenewalInput }[] = [];
  refuseNext: LifecycleRefusedError | null = null;
  failNext: Error | null = null;
  decided = false;

  decide = (input: DecideRequestInput): Promise<LifecycleRequest> => {
    this.decisions.push(input);
    const planned = this.refuseNext ?? this.failNext;
    this.refuseNext = this.failNext = null;
    if (planned) return Promise.reject(planned);
    this.decided = true;
    return Promise.resolve({ ...request, status: input.decision === 'approve' ? 'approved' : 'rejected' });
  };

  requestRenewal = (managedCertificateId: string, input: RequestRenewalInput): Promise<LifecycleRequest> => {
    this.renewals.push({ managedCertificateId, input });
    const planned = this.refuseNext;
    this.refuseNext = null;
    if (planned) return Promise.reject(planned);
    return Promise.resolve({ ...request, id: `${managedCertificateId}.2.1`, requestedBy: input.requestedBy });
  };

  status = (managedCertificateId: string): Promise<LifecycleView> =>
    Promise.resolve({
      managedCertificateId,
      request: this.decided ? null : request,
      certificate: null,
    } as LifecycleView);
}

let standIn: SlackStandIn;
let server: RunningHttpServer;
let slack: SlackApp;
let lifecycles: FakeLifecycles;
let store: InventoryStore;
const logged: string[] = [];

beforeAll(async () => {
  lifecycles = new FakeLifecycles();
  store = await openInventoryStore({ url: ':memory:' });
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: [
      { id: 'U0ALICE', name: 'alice' },
      { id: 'U0BOB', name: 'bob' },
    ],
    channels: [{ id: CHANNEL, name: 'approvals', members: ['U0ALICE', 'U0BOB'] }],
  });
  slack = await createSlackApp({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    slackApiUrl: standIn.apiUrl,
    lifecycles,
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

beforeEach(() => {
  lifecycles.decisions = [];
  lifecycles.renewals = [];
  lifecycles.decided = false;
  logged.length = 0;
});

async function postApprovalMessage(): Promise<string> {
  const web = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl });
  const certificate = { managedCertificateId: MANAGED_ID } as CertificateSummary;
  const answer = await web.chat.postMessage({
    channel: CHANNEL,
    text: 'approval needed',
    blocks: [
      {
        type: 'actions',
        block_id: BLOCK_IDS.actions,
        elements: [...decisionButtons(request), requestRenewalButton(certificate)],
      },
    ],
  });
  return answer.ts ?? '';
}

function as(user: string, signature: 'valid' | 'forged' | 'stale' | 'missing' = 'valid') {
  return standIn.as(user, { appUrl: `${server.url}${SLACK_EVENTS_PATH}`, signature });
}

async function click(user: string, actionId: string, ts: string) {
  const answer = await as(user).click({ channel: CHANNEL, ts, actionId });
  await slack.idle();
  return answer;
}

describe('Slack app approval buttons', () => {
  it('R-RA-1: approve calls decide once with the clicker as the approver', async () => {
    const ts = await postApprovalMessage();
    const answer = await click('U0BOB', ACTION_IDS.approveRequest, ts);
    expect(answer.status).toBe(200);
    expect(lifecycles.decisions).toEqual([
      { requestId: REQUEST_ID, decision: 'approve', decidedBy: { id: 'slack:U0BOB', displayName: 'bob' } },
    ]);
  });

  it('R-RA-2: a refusal reaches only the clicker, as an ephemeral message, and nothing is posted', async () => {
    const ts = await postApprovalMessage();
    const before = standIn.messages(CHANNEL).length;
    lifecycles.refuseNext = new LifecycleRefusedError(
      'self-approval',
      'you asked for this renewal; another approver must decide',
    );
    await click('U0ALICE', ACTION_IDS.approveRequest, ts);
    const seen = standIn.ephemeral('U0ALICE');
    expect(seen.at(-1)?.text).toContain('another approver must decide');
    expect(standIn.ephemeral('U0BOB').some((message) => message.text.includes('another approver'))).toBe(false);
    expect(standIn.messages(CHANNEL)).toHaveLength(before);
  });

  it('an unexpected failure gives the clicker a generic error and goes to the log', async () => {
    const ts = await postApprovalMessage();
    lifecycles.failNext = new Error('Temporal exploded');
    await click('U0BOB', ACTION_IDS.approveRequest, ts);
    expect(standIn.ephemeral('U0BOB').at(-1)?.text).toContain('could not do that');
    expect(standIn.ephemeral('U0BOB').at(-1)?.text).not.toContain('exploded');
    expect(logged.some((line) => line.includes('Temporal exploded'))).toBe(true);
  });

  it('R-RA-1: reject opens the modal and its submission rejects with the reason', async () => {
    const ts = await postApprovalMessage();
    await click('U0BOB', ACTION_IDS.rejectRequest, ts);
    const modal = standIn.views('U0BOB').at(-1);
    expect(modal?.definition.private_metadata).toBe(REQUEST_ID);
    const answer = await as('U0BOB').submitView(modal?.id ?? '', {
      [BLOCK_IDS.rejectReason]: { [ACTION_IDS.rejectReasonInput]: 'names do not match the application' },
    });
    expect(answer.status).toBe(200);
    expect(modal?.closed).toBe(true);
    expect(lifecycles.decisions).toEqual([
      {
        requestId: REQUEST_ID,
        decision: 'reject',
        decidedBy: { id: 'slack:U0BOB', displayName: 'bob' },
        reason: 'names do not match the application',
      },
    ]);
  });

  it('R-RA-1: an empty reason is refused as a modal error and decide is not called', async () => {
    const ts = await postApprovalMessage();
    await click('U0BOB', ACTION_IDS.rejectRequest, ts);
    const modal = standIn.views('U0BOB').at(-1);
    const answer = await as('U0BOB').submitView(modal?.id ?? '', {
      [BLOCK_IDS.rejectReason]: { [ACTION_IDS.rejectReasonInput]: '   ' },
    });
    expect(answer.json).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK_IDS.rejectReason]: expect.any(String) },
    });
    expect(modal?.closed).toBe(false);
    expect(lifecycles.decisions).toEqual([]);
  });

  it('R-RA-2: a refused rejection is shown as a modal error on the reason', async () => {
    const ts = await postApprovalMessage();
    await click('U0ALICE', ACTION_IDS.rejectRequest, ts);
    const modal = standIn.views('U0ALICE').at(-1);
    lifecycles.refuseNext = new LifecycleRefusedError('not-approver', 'alice is not an approver of group payments');
    const answer = await as('U0ALICE').submitView(modal?.id ?? '', {
      [BLOCK_IDS.rejectReason]: { [ACTION_IDS.rejectReasonInput]: 'no' },
    });
    expect(answer.json).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK_IDS.rejectReason]: 'alice is not an approver of group payments' },
    });
  });

  it('request renewal asks the lifecycle and confirms with the request id', async () => {
    const ts = await postApprovalMessage();
    await click('U0ALICE', ACTION_IDS.requestRenewal, ts);
    expect(lifecycles.renewals).toEqual([
      {
        managedCertificateId: MANAGED_ID,
        input: { requestedBy: { id: 'slack:U0ALICE', displayName: 'alice' }, reason: 'requested in Slack' },
      },
    ]);
    expect(standIn.ephemeral('U0ALICE').at(-1)?.text).toContain(`${MANAGED_ID}.2.1`);
  });

  it.each(['forged', 'stale', 'missing'] as const)(
    'R-SEC-1: a %s signature gets 401 and no listener runs',
    async (signature) => {
      const ts = await postApprovalMessage();
      const answer = await as('U0BOB', signature).click({ channel: CHANNEL, ts, actionId: ACTION_IDS.approveRequest });
      await slack.idle();
      expect(answer.status).toBe(401);
      expect(lifecycles.decisions).toEqual([]);
    },
  );
});

describe('Slack app start-up', () => {
  it('gives a clear SlackStartError when Slack is unreachable', async () => {
    const stopped = await startSlackStandIn({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    const apiUrl = stopped.apiUrl;
    await stopped.close();
    const start = createSlackApp({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      slackApiUrl: apiUrl,
      retryConfig: { retries: 0 },
      lifecycles: new FakeLifecycles(),
      store,
      log: () => undefined,
    });
    await expect(start).rejects.toThrow(SlackStartError);
    await expect(start).rejects.toThrow(/not reachable/);
  });

  it('gives a clear SlackStartError when Slack refuses the bot token', async () => {
    const start = createSlackApp({
      signingSecret: SIGNING_SECRET,
      botToken: 'xoxb-wrong',
      slackApiUrl: standIn.apiUrl,
      retryConfig: { retries: 0 },
      lifecycles: new FakeLifecycles(),
      store,
      log: () => undefined,
    });
    await expect(start).rejects.toThrow(/refused the bot token/);
  });
});

describe('R-RA-1: a rejection that takes longer than Slack waits for the acknowledgement', () => {
  it('closes the modal at once, then tells the approver by DM and audits it when the lifecycle refuses', async () => {
    const fake = new FakeLifecycles();
    let refuse: ((error: Error) => void) | undefined;
    const deciding = new Promise<void>((called) => {
      fake.decide = () =>
        new Promise<LifecycleRequest>((_, reject) => {
          refuse = reject;
          called();
        });
    });
    const slow = await createSlackApp({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      slackApiUrl: standIn.apiUrl,
      lifecycles: fake,
      store,
      log: (message) => logged.push(message),
      ackBudgetMs: 0,
    });
    const slowServer = await startHttpServer({ host: '127.0.0.1', port: 0, handlers: [slow.mount] });
    try {
      const bob = standIn.as('U0BOB', { appUrl: `${slowServer.url}${SLACK_EVENTS_PATH}` });
      await bob.click({ channel: CHANNEL, ts: await postApprovalMessage(), actionId: ACTION_IDS.rejectRequest });
      await slow.idle();
      const modal = standIn.views('U0BOB').at(-1);
      const answer = await bob.submitView(modal?.id ?? '', {
        [BLOCK_IDS.rejectReason]: { [ACTION_IDS.rejectReasonInput]: 'wrong names' },
      });
      expect(answer.status).toBe(200);
      expect(modal?.closed).toBe(true);

      await deciding;
      refuse?.(new LifecycleRefusedError('already-decided', `request ${REQUEST_ID} was already approved by alice`));
      await slow.idle();
      const dm = standIn.messages('U0BOB').at(-1);
      expect(dm?.text).toMatch(`your rejection of ${REQUEST_ID} was not recorded: request ${REQUEST_ID} was already`);
      const audited = await store.queryAudit({ action: 'slack.refused', actor: 'slack:U0BOB' }, { limit: 50 });
      expect(audited.items.at(-1)?.details).toMatchObject({ action: 'reject', code: 'already-decided' });
    } finally {
      await slowServer.close();
      await slow.stop();
    }
  });
});
