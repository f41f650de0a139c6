import type { AnyBlock } from '@slack/types';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS } from '../../../../../src/adapters/slack/views/block-ids';
import { checkMessage } from '../../../../../src/adapters/slack/views/block-kit-check';
import { decisionButtons } from '../../../../../src/adapters/slack/views/notification-messages';
import type { LifecycleRequest } from '../../../../../src/core/domain/lifecycle/model';
import { startSlackLifecycleSetup, USERS, type SlackLifecycleSetup } from '../slack-lifecycle-setup';

let setup: SlackLifecycleSetup;

beforeAll(async () => {
  setup = await startSlackLifecycleSetup();
});

afterAll(async () => {
  await setup?.close();
});

/** Runs `/certflow <text>` as `user` and returns the acknowledgement and what the app posted to the response_url. */
async function certflow(user: keyof typeof USERS, text: string) {
  const ack = await setup.as(user).slashCommand('/certflow', text);
  await setup.slack.idle();
  const posts = setup.standIn.responseUrl(ack.responseUrl ?? '')?.posts ?? [];
  expect(posts).toHaveLength(1);
  const answer = posts[0] as { response_type?: string; text: string; blocks: AnyBlock[] };
  // Every answer is one Slack would take: sizes, ids and element counts within its limits.
  expect(checkMessage(answer)).toEqual([]);
  return { ack, answer, json: JSON.stringify(answer.blocks) };
}

async function slackRefusals(actor: string) {
  const page = await setup.store.queryAudit({ action: 'slack.refused', actor }, { limit: 50 });
  return page.items.map((entry) => ({ subject: entry.subject, where: entry.where, details: entry.details }));
}

describe('/certflow', () => {
  it('R-SEC-2: help is acknowledged empty at once, then answered only to the asker', async () => {
    const { ack, answer } = await certflow('mallory', 'help');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('certflow commands');
    expect(setup.standIn.messages(setup.standIn.dmChannel(USERS.mallory.id) ?? '')).toHaveLength(0);
  });

  it.each([
    ['frobnicate', /no command "frobnicate"/],
    ['expiring 30x', /"30x" is not a number of days/],
    ['expiring 0d', /"0d" is not a number of days/],
    ['expiring 9999d', /"9999d" is not a number of days/],
    ['renew', /`renew` needs the certificate/],
    ['status a.example.com b.example.com', /remove "b.example.com"/],
  ])('R-SEC-2: bad input "%s" gets an ephemeral usage error and changes nothing', async (text, message) => {
    const { answer, json } = await certflow('alice', text);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(message);
    expect(json).toContain(`"block_id":"${BLOCK_IDS.usage}"`);
    expect((await setup.lifecycles.status(setup.ids['soon.example.com'])).request).toBeNull();
  });

  it('R-MON-1: status by name, by managed id and by fingerprint shows the lifecycle', async () => {
    const id = setup.ids['later.example.com'];
    const byName = await certflow('mallory', 'status LATER.example.com');
    expect(byName.answer.response_type).toBe('ephemeral');
    expect(byName.answer.text).toBe('later.example.com: monitoring');
    expect(byName.json).toContain('payments');
    expect((await certflow('alice', `status ${id}`)).answer.text).toBe('later.example.com: monitoring');
    const managed = await setup.store.getManagedCertificate(id);
    const colons = (managed?.currentFingerprint ?? '').toUpperCase().match(/../g)?.join(':') ?? '';
    expect((await certflow('alice', `status ${colons}`)).answer.text).toBe('later.example.com: monitoring');
  });

  it('status of an unknown name or id says so and how to find the certificate', async () => {
    const unknownName = await certflow('alice', 'status nowhere.example.com');
    expect(unknownName.answer.response_type).toBe('ephemeral');
    expect(unknownName.answer.text).toContain('no managed certificate is named "nowhere.example.com"');
    expect(unknownName.answer.text).toContain('/certflow expiring 366d');
    const unknownId = await certflow('alice', 'status ffffffffffffffff');
    expect(unknownId.answer.text).toContain('no certificate matches "ffffffffffffffff"');
  });

  it("R-MON-1: expiring lists my groups' certificates within the window, soonest first, with Request renewal", async () => {
    const { answer, json } = await certflow('alice', 'expiring');
    expect(answer.text).toBe('Expiring within 30 days: 1');
    expect(json).toContain('soon.example.com');
    expect(json).not.toContain('mail.example.com');
    expect(json).toContain(ACTION_IDS.requestRenewal);
    const wider = await certflow('alice', 'expiring 90d');
    expect(wider.answer.text).toBe('Expiring within 90 days: 2');
    expect(wider.json.indexOf('soon.example.com')).toBeLessThan(wider.json.indexOf('later.example.com'));
    expect(wider.json).not.toContain('far.example.com');
    expect((await certflow('dave', 'expiring')).json).toContain('mail.example.com');
  });

  it('R-SEC-2: a stranger has no groups and sees nothing expiring', async () => {
    const { answer, json } = await certflow('mallory', 'expiring 366d');
    expect(answer.text).toBe('Expiring within 366 days: 0');
    expect(json).toContain('You are in no owner group yet');
  });

  it('R-SEC-2: renew by a stranger is refused, told why, and audited', async () => {
    const id = setup.ids['soon.example.com'];
    const { answer } = await certflow('mallory', 'renew soon.example.com');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(/Not done: .*not an owner, approver or security lead of group payments/);
    expect((await setup.lifecycles.status(id)).request).toBeNull();
    expect(await slackRefusals(`slack:${USERS.mallory.id}`)).toEqual([
      {
        subject: id,
        where: 'slack',
        details: { action: 'command.renew', code: 'not-owner', reason: expect.stringContaining('not an owner') },
      },
    ]);
  });

  it('R-LOG-1: when the audit log fails, the refusal is still shown and the failure is logged', async () => {
    setup.failing.add('appendAudit');
    try {
      const { answer } = await certflow('mallory', 'renew later.example.com');
      expect(answer.text).toMatch(/Not done: .*not an owner/);
    } finally {
      setup.failing.clear();
    }
    expect(setup.logged.some((line) => /command.renew .* was not audited: disk I\/O error/.test(line))).toBe(true);
  });

  it('an inventory failure gives the asker a generic error and goes to the log', async () => {
    setup.failing.add('listOwnerGroups');
    try {
      const { answer } = await certflow('alice', 'expiring');
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toContain('`/certflow expiring` did not get an answer from certflow; try again in a minute');
      expect(answer.text).not.toContain('disk I/O error');
    } finally {
      setup.failing.clear();
    }
    expect(setup.logged.some((line) => line.includes('/certflow expiring by U0ALICE failed: disk I/O error'))).toBe(
      true,
    );
  });

  it('R-RA-1: renew by an owner opens a request; approvals shows it to the approvers, not to the owner', async () => {
    const id = setup.ids['soon.example.com'];
    const { answer } = await certflow('alice', 'renew soon.example.com');
    expect(answer.text).toBe(`Renewal requested: request ${id}.1.1 now waits for an approver of the group.`);
    // The lifecycle records the request in the inventory, where approvals finds it, after it answered the update.
    await setup.worker.waitFor(
      id,
      (view) => view.records.some((record) => record.kind === 'approval.requested'),
      'the approval request',
    );

    const forBob = await certflow('bob', 'approvals');
    expect(forBob.answer.text).toBe('Waiting for your approval: 1');
    expect(forBob.json).toContain(`${id}.1.1`);
    expect(forBob.json).toContain(ACTION_IDS.approveRequest);
    expect(forBob.json).toContain(ACTION_IDS.rejectRequest);
    expect((await certflow('alice', 'approvals')).answer.text).toBe('Waiting for your approval: 0');
    expect((await certflow('mallory', 'approvals')).answer.text).toBe('Waiting for your approval: 0');

    // The open request replaces the button in the list, and status shows it with the decision buttons.
    const expiring = await certflow('alice', 'expiring');
    expect(expiring.json).toContain(`${id}.1.1`);
    expect(expiring.json).not.toContain(ACTION_IDS.requestRenewal);
    const status = await certflow('carol', 'status soon.example.com');
    expect(status.answer.text).toBe('soon.example.com: waiting for approval');
    expect(status.json).toContain(ACTION_IDS.approveRequest);
  });

  it('R-RA-2: a refused approval or rejection is shown to the clicker only and audited with the lifecycle refusal code', async () => {
    const id = setup.ids['soon.example.com'];
    const request = (await setup.lifecycles.status(id)).request as LifecycleRequest;
    expect(request.status).toBe('awaiting-approval');
    const web = new WebClient('xoxb-test-token', { slackApiUrl: setup.standIn.apiUrl });
    const posted = await web.chat.postMessage({
      channel: 'C0PAYMENTS',
      text: 'approval needed',
      blocks: [{ type: 'actions', block_id: BLOCK_IDS.actions, elements: decisionButtons(request) }],
    });
    for (const user of ['mallory', 'alice'] as const) {
      await setup.as(user).click({ channel: 'C0PAYMENTS', ts: posted.ts ?? '', actionId: ACTION_IDS.approveRequest });
    }
    await setup.slack.idle();
    expect(setup.standIn.ephemeral(USERS.mallory.id).at(-1)?.text).toMatch(/only approvers of group payments/);
    expect(setup.standIn.ephemeral(USERS.alice.id).at(-1)?.text).toMatch(
      /only approvers of group payments.*alice is not one/,
    );
    expect((await slackRefusals(`slack:${USERS.mallory.id}`)).at(-1)).toEqual({
      subject: request.id,
      where: 'slack',
      details: { action: 'approve', code: 'not-approver', reason: expect.stringContaining('only approvers') },
    });
    expect(await slackRefusals(`slack:${USERS.alice.id}`)).toEqual([
      {
        subject: request.id,
        where: 'slack',
        details: { action: 'approve', code: 'not-approver', reason: expect.stringContaining('alice is not one') },
      },
    ]);
    expect((await setup.lifecycles.status(id)).request?.status).toBe('awaiting-approval');

    // The reject modal opens for anyone; its submission by a non-approver is refused in the modal, and audited.
    await setup.as('mallory').click({ channel: 'C0PAYMENTS', ts: posted.ts ?? '', actionId: ACTION_IDS.rejectRequest });
    await setup.slack.idle();
    const modal = setup.standIn.views(USERS.mallory.id).find((view) => view.type === 'modal');
    const submitted = await setup.as('mallory').submitView(modal?.id ?? '', {
      [BLOCK_IDS.rejectReason]: { [ACTION_IDS.rejectReasonInput]: 'looks wrong' },
    });
    await setup.slack.idle();
    expect(submitted.json).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK_IDS.rejectReason]: expect.stringContaining('only approvers of group payments') },
    });
    expect((await slackRefusals(`slack:${USERS.mallory.id}`)).at(-1)).toEqual({
      subject: request.id,
      where: 'slack',
      details: { action: 'reject', code: 'not-approver', reason: expect.stringContaining('only approvers') },
    });
    expect((await setup.lifecycles.status(id)).request?.status).toBe('awaiting-approval');
  });
});
