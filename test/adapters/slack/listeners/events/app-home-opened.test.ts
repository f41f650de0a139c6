import type { View } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, itemBlockId } from '../../../../../src/adapters/slack/views/block-ids';
import { checkView } from '../../../../../src/adapters/slack/views/block-kit-check';
import type { RecordedView } from '../../../../../src/adapters/slack/stand-in/stand-in-state';
import { startSlackLifecycleSetup, USERS, type SlackLifecycleSetup } from '../slack-lifecycle-setup';

let setup: SlackLifecycleSetup;

beforeAll(async () => {
  setup = await startSlackLifecycleSetup();
});

afterAll(async () => {
  await setup?.close();
});

/** Opens App Home as `user` and returns the home view the app published for them. */
async function openHome(user: keyof typeof USERS): Promise<{ view: RecordedView; json: string }> {
  const answer = await setup.as(user).openHome();
  await setup.slack.idle();
  expect(answer.status).toBe(200);
  const view = setup.standIn.views(USERS[user].id).find((candidate) => candidate.type === 'home');
  if (!view) throw new Error(`no App Home was published for ${user}`);
  expect(checkView(view.definition as unknown as View)).toEqual([]);
  return { view, json: JSON.stringify(view.definition.blocks) };
}

async function waitForApprovalRequest(managedCertificateId: string): Promise<void> {
  await setup.worker.waitFor(
    managedCertificateId,
    (state) => state.records.some((record) => record.kind === 'approval.requested'),
    'the approval request',
  );
}

describe('App Home', () => {
  it("R-MON-1: an owner sees their groups' certificates due in the next 90 days, soonest first, with Request renewal", async () => {
    const { json } = await openHome('alice');
    expect(json).toContain('Your groups: Payments');
    expect(json).toContain('Due in the next 90 days (2)');
    expect(json.indexOf('soon.example.com')).toBeLessThan(json.indexOf('later.example.com'));
    expect(json).not.toContain('far.example.com');
    expect(json).not.toContain('mail.example.com');
    expect(json).toContain(itemBlockId(BLOCK_IDS.homeDueItem, setup.ids['soon.example.com']));
    expect(json).toContain(ACTION_IDS.requestRenewal);
    expect(json).toContain('Waiting for your approval (0)');
  });

  it("R-OWN-1: a member of an owner group's Slack user group sees the group's certificates", async () => {
    const { json } = await openHome('erin');
    expect(json).toContain('Your groups: Edge');
    expect(json).toContain('Due in the next 90 days (1)');
    expect(json).toContain(itemBlockId(BLOCK_IDS.homeDueItem, setup.ids['edge.example.com']));
  });

  it('R-SEC-2: a stranger sees no certificates and no approvals', async () => {
    const { json } = await openHome('mallory');
    expect(json).toContain('You are in no owner group yet');
    expect(json).toContain('Due in the next 90 days (0)');
    expect(json).toContain('Waiting for your approval (0)');
    expect(json).not.toContain('example.com');
    expect(json).not.toContain(ACTION_IDS.requestRenewal);
  });

  it('an inventory failure publishes a Home that says so, and goes to the log', async () => {
    setup.failing.add('searchCertificates');
    try {
      const { json } = await openHome('dave');
      expect(json).toContain('certflow could not show your certificates');
      expect(json).not.toContain('disk I/O error');
    } finally {
      setup.failing.clear();
    }
    expect(setup.logged.some((line) => line.includes('App Home for U0DAVE failed: disk I/O error'))).toBe(true);
    expect((await openHome('dave')).json).toContain('mail.example.com');
  });

  it('R-RA-1: Request renewal on App Home asks the lifecycle and tells the owner in their DM', async () => {
    const id = setup.ids['later.example.com'];
    const { view } = await openHome('alice');
    const block = (view.definition.blocks as { block_id?: string; accessory?: { value?: string } }[]).find(
      (candidate) => candidate.block_id === itemBlockId(BLOCK_IDS.homeDueItem, id),
    );
    const managed = await setup.store.getManagedCertificate(id);
    expect(block?.accessory?.value).toBe(`${id}:${managed?.currentFingerprint.slice(0, 16)}`);
    // The driver clicks the first Request renewal of the view: the soonest certificate's, which is not this one.
    await setup.lifecycles.requestRenewal(setup.ids['soon.example.com'], {
      requestedBy: { id: `email:${USERS.alice.email}` },
      reason: 'the driver clicks the first button',
    });
    // App Home reads open requests from the inventory's phase mirror, which the lifecycle writes after answering.
    await waitForApprovalRequest(setup.ids['soon.example.com']);
    const fresh = await openHome('alice');
    await setup.as('alice').click({ viewId: fresh.view.id, actionId: ACTION_IDS.requestRenewal });
    await setup.slack.idle();
    const dm = setup.standIn.messages(USERS.alice.id);
    expect(dm.at(-1)?.text).toContain(`${id}.1.1`);
    expect((await setup.lifecycles.status(id)).request?.requestedBy.id).toBe(`slack:${USERS.alice.id}`);
  });

  it('R-RA-1: an approver sees the requests waiting for them with Approve and Reject, and Approve decides', async () => {
    const ids = [setup.ids['soon.example.com'], setup.ids['later.example.com']];
    for (const id of ids) await waitForApprovalRequest(id);
    const { view, json } = await openHome('bob');
    expect(json).toContain('Waiting for your approval (2)');
    for (const id of ids) expect(json).toContain(itemBlockId(BLOCK_IDS.homeApprovalActions, `${id}.1.1`));
    // Alice owns but does not approve.
    expect((await openHome('alice')).json).toContain('Waiting for your approval (0)');

    await setup.as('bob').click({ viewId: view.id, actionId: ACTION_IDS.approveRequest });
    await setup.slack.idle();
    const decided = await Promise.all(ids.map(async (id) => (await setup.lifecycles.status(id)).request));
    expect(decided.filter((request) => request?.decidedBy?.id === `slack:${USERS.bob.id}`)).toHaveLength(1);
    expect(setup.standIn.messages(USERS.bob.id)).toHaveLength(0);
  });

  it('R-SEC-2: Reject on a request no longer open is refused in the DM and audited', async () => {
    const { view } = await openHome('carol');
    const open = (
      view.definition.blocks as { block_id?: string; elements?: { action_id?: string; value?: string }[] }[]
    )
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === ACTION_IDS.rejectRequest);
    expect(open?.value).toBeDefined();
    await setup.lifecycles.decide({
      requestId: open?.value ?? '',
      decision: 'approve',
      decidedBy: { id: `email:${USERS.bob.email}` },
    });
    await setup.as('carol').click({ viewId: view.id, actionId: ACTION_IDS.rejectRequest });
    await setup.slack.idle();
    expect(setup.standIn.messages(USERS.carol.id).at(-1)?.text).toContain('no longer waiting for a decision');
    const audited = await setup.store.queryAudit(
      { action: 'slack.refused', actor: `slack:${USERS.carol.id}` },
      { limit: 10 },
    );
    expect(audited.items.map((entry) => [entry.subject, entry.details.action, entry.details.code])).toEqual([
      [open?.value, 'reject', 'not-open'],
    ]);
  });
});
