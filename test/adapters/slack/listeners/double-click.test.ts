/**
 * A double click on *Approve* against real lifecycles (the time-skipping server): the first click approves, the second
 * is refused by the lifecycle itself as already decided, shown to the clicker only and audited with its code.
 */
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS } from '../../../../src/adapters/slack/views/block-ids';
import { decisionButtons } from '../../../../src/adapters/slack/views/notification-messages';
import type { LifecycleRequest } from '../../../../src/core/domain/lifecycle/model';
import { startSlackLifecycleSetup, USERS, type SlackLifecycleSetup } from './slack-lifecycle-setup';

let setup: SlackLifecycleSetup;

beforeAll(async () => {
  setup = await startSlackLifecycleSetup();
});

afterAll(async () => {
  await setup?.close();
});

describe('Approve clicked twice', () => {
  it('R-RA-2: the second click is refused by the lifecycle as already decided, to the clicker only, and audited', async () => {
    const id = setup.ids['far.example.com'];
    const opened = await setup.lifecycles.requestRenewal(id, {
      requestedBy: { id: `email:${USERS.alice.email}` },
      reason: 'key rotation',
    });
    const request = (await setup.lifecycles.status(id)).request as LifecycleRequest;
    expect(request.id).toBe(opened.id);
    const web = new WebClient('xoxb-test-token', { slackApiUrl: setup.standIn.apiUrl });
    const posted = await web.chat.postMessage({
      channel: 'C0PAYMENTS',
      text: 'approval needed',
      blocks: [{ type: 'actions', block_id: BLOCK_IDS.actions, elements: decisionButtons(request) }],
    });
    const click = () =>
      setup.as('bob').click({ channel: 'C0PAYMENTS', ts: posted.ts ?? '', actionId: ACTION_IDS.approveRequest });
    await click();
    await setup.slack.idle();
    await click();
    await setup.slack.idle();

    const refused = setup.standIn.ephemeral(USERS.bob.id).at(-1)?.text ?? '';
    expect(refused).toContain(`Not done: request ${request.id} was already approved by`);
    expect(refused).toContain('approved by bob at');
    expect(setup.standIn.ephemeral(USERS.alice.id).some((message) => message.text.includes('already'))).toBe(false);
    const audited = await setup.store.queryAudit(
      { action: 'slack.refused', actor: `slack:${USERS.bob.id}` },
      { limit: 10 },
    );
    expect(audited.items.map((entry) => entry.details)).toEqual([
      { action: 'approve', code: 'already-decided', reason: expect.stringContaining('was already approved') },
    ]);
    const approvals = await setup.store.queryAudit({ action: 'request.approved' }, { limit: 10 });
    expect(approvals.items.filter((entry) => JSON.stringify(entry.details).includes(request.id))).toHaveLength(1);
  });
});
