import { describe, expect, it } from 'vitest';
import type { LifecycleRequest } from '../../../../src/core/domain/lifecycle/model';
import type { LifecycleView } from '../../../../src/core/domain/lifecycle/lifecycle-view';
import { appHomeView, HOME_MAX_APPROVALS, HOME_MAX_DUE } from '../../../../src/adapters/slack/views/app-home';
import { checkMessage, checkView } from '../../../../src/adapters/slack/views/block-kit-check';
import {
  APPROVALS_MAX_ITEMS,
  approvalsAnswer,
  errorAnswer,
  EXPIRING_MAX_ITEMS,
  expiringAnswer,
  helpAnswer,
  lifecycleStatusAnswer,
  refusalAnswer,
} from '../../../../src/adapters/slack/views/command-answers';
import {
  readRejectSubmission,
  rejectModal,
  RejectSubmissionError,
} from '../../../../src/adapters/slack/views/reject-modal';
import { FIXTURE_NOW, fixtureCertificateId, requestFixture, summaryFixture } from '../../../support/lifecycle-fixtures';

function due(index: number, daysLeft: number, openRequest: LifecycleRequest | null = null) {
  const id = fixtureCertificateId(index);
  return {
    certificate: summaryFixture({
      managedCertificateId: id,
      id,
      commonName: `host-${index}.example.com`,
      notAfter: new Date(Date.parse(FIXTURE_NOW) + daysLeft * 86_400_000).toISOString(),
    }),
    openRequest,
  };
}

function approval(index: number) {
  const id = fixtureCertificateId(index);
  return {
    request: requestFixture({ id: `${id}.1.1` }),
    certificate: summaryFixture({ managedCertificateId: id, id }),
  };
}

/** Every button anywhere in the blocks. */
function buttons(blocks: unknown): { action_id: string; value: string }[] {
  const json = JSON.stringify(blocks);
  return [...json.matchAll(/"type":"button","action_id":"([a-z_]+)","text":\{[^}]*\},"value":"([^"]+)"/g)].map((m) => ({
    action_id: m[1]!,
    value: m[2]!,
  }));
}

const VIEW: LifecycleView = {
  managedCertificateId: 'a1b2c3d4e5f60718',
  workflowId: 'certflow-lifecycle-a1b2c3d4e5f60718',
  cycle: 1,
  phase: 'awaiting-approval',
  certificate: summaryFixture(),
  ownerGroup: 'payments-web',
  renewalDeadline: '2025-06-01T12:00:00.000Z',
  plan: [],
  next: { at: '2025-06-01T12:00:00.000Z', level: 'escalation' },
  request: requestFixture(),
  ticket: { key: 'CHG-42', url: 'https://jira.example.com/browse/CHG-42' },
  pendingRevocation: null,
  records: Array.from({ length: 8 }, (_, i) => ({ at: FIXTURE_NOW, kind: 'reminder', detail: `record ${i}` })),
  lastProblem: 'verification failed: <chain incomplete>',
};

describe('reject modal', () => {
  it('R-RA-1: asks for a required multiline reason and carries only the request id', () => {
    const modal = rejectModal(requestFixture(), summaryFixture());
    expect(checkView(modal)).toEqual([]);
    expect(modal).toMatchObject({
      type: 'modal',
      callback_id: 'reject_request',
      private_metadata: 'a1b2c3d4e5f60718.1.1',
    });
    expect(modal.blocks[1]).toMatchObject({
      type: 'input',
      block_id: 'reject_reason',
      optional: false,
      element: { type: 'plain_text_input', action_id: 'reject_reason_input', multiline: true },
    });
  });

  const submitted = (reason: string | null, metadata = 'a1b2c3d4e5f60718.1.1', callbackId = 'reject_request') => ({
    callback_id: callbackId,
    private_metadata: metadata,
    state: { values: { reject_reason: { reject_reason_input: { value: reason } } } },
  });

  it('R-RA-1: reads the request id and the reason from a submission', () => {
    expect(readRejectSubmission(submitted('  names do not match  '))).toEqual({
      requestId: 'a1b2c3d4e5f60718.1.1',
      reason: 'names do not match',
    });
  });

  it.each([
    ['a blank reason', submitted('   '), 'reject_reason'],
    ['no reason', submitted(null), 'reject_reason'],
    ['an over-long reason', submitted('x'.repeat(2001)), 'reject_reason'],
    ['a forged request id', submitted('why', 'not-a-request'), null],
    ['another modal', submitted('why', 'a1b2c3d4e5f60718.1.1', 'other'), null],
    ['an empty view', {}, null],
  ])('refuses %s with a typed error naming the block to flag', (_case, view, blockId) => {
    let error: unknown;
    try {
      readRejectSubmission(view);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RejectSubmissionError);
    expect((error as RejectSubmissionError).blockId).toBe(blockId);
  });
});

describe('App Home', () => {
  it("R-MON-1: lists my groups' certificates due in the next 90 days and my pending approvals, with buttons", () => {
    const home = appHomeView({
      now: FIXTURE_NOW,
      groups: ['Payments Web'],
      certificates: [due(1, 10), due(2, 200), due(3, 89, requestFixture({ id: '0000000000000003.1.1' })), due(1, 10)],
      approvals: [approval(7)],
    });
    expect(checkView(home)).toEqual([]);
    expect(home.type).toBe('home');
    const json = JSON.stringify(home.blocks);
    expect(json).toContain('host-1.example.com');
    expect(json).toContain('host-3.example.com');
    expect(json).not.toContain('host-2.example.com');
    expect(buttons(home.blocks)).toEqual([
      { action_id: 'request_renewal', value: '0000000000000001:a1b2c3d4e5f60718' },
      { action_id: 'approve_request', value: '0000000000000007.1.1' },
      { action_id: 'reject_request', value: '0000000000000007.1.1' },
    ]);
  });

  it('stays within 100 blocks for hundreds of certificates and approvals, saying how many more', () => {
    const home = appHomeView({
      now: FIXTURE_NOW,
      groups: [],
      certificates: Array.from({ length: 300 }, (_, i) => due(i, i % 90)),
      approvals: Array.from({ length: 100 }, (_, i) => approval(i)),
    });
    expect(checkView(home)).toEqual([]);
    const json = JSON.stringify(home.blocks);
    expect(json).toContain(`and ${300 - HOME_MAX_DUE} more`);
    expect(json).toContain(`and ${100 - HOME_MAX_APPROVALS} more`);
    expect(json).toContain('You are in no owner group yet');
  });

  it('says when nothing is due and nothing waits', () => {
    const home = appHomeView({ now: FIXTURE_NOW, groups: ['a'], certificates: [], approvals: [] });
    expect(checkView(home)).toEqual([]);
    expect(JSON.stringify(home.blocks)).toContain('No request waits for your decision');
  });
});

describe('/certflow answers', () => {
  it('help lists every subcommand', () => {
    const answer = helpAnswer();
    expect(checkMessage(answer)).toEqual([]);
    expect(answer.response_type).toBe('ephemeral');
    for (const sub of ['status', 'expiring', 'renew', 'approvals', 'help'])
      expect(JSON.stringify(answer)).toContain(`/certflow ${sub}`);
  });

  it('R-RA-1: status shows the phase, the open request with its buttons, the last problem and the latest records', () => {
    const answer = lifecycleStatusAnswer(VIEW, FIXTURE_NOW);
    expect(checkMessage(answer)).toEqual([]);
    expect(answer.text).toBe('shop.example.com: waiting for approval');
    expect(buttons(answer.blocks).map((b) => b.action_id)).toEqual(['approve_request', 'reject_request']);
    const json = JSON.stringify(answer.blocks);
    expect(json).toContain('&lt;chain incomplete&gt;');
    expect(json).toContain('record 7');
    expect(json).not.toContain('record 2');
  });

  it('status of a lifecycle without certificate or request still answers', () => {
    const answer = lifecycleStatusAnswer(
      {
        ...VIEW,
        certificate: null,
        request: null,
        next: null,
        ticket: null,
        records: [],
        lastProblem: null,
        phase: 'retired',
      },
      FIXTURE_NOW,
    );
    expect(checkMessage(answer)).toEqual([]);
    expect(buttons(answer.blocks)).toEqual([]);
  });

  it('R-MON-1: expiring lists certificates within the window, soonest first, within 50 blocks', () => {
    const answer = expiringAnswer({
      now: FIXTURE_NOW,
      withinDays: 30,
      certificates: [due(1, 25), due(2, 5), due(3, 31), due(4, -2)],
    });
    expect(checkMessage(answer)).toEqual([]);
    expect(buttons(answer.blocks).map((b) => b.value)).toEqual([
      '0000000000000004:a1b2c3d4e5f60718',
      '0000000000000002:a1b2c3d4e5f60718',
      '0000000000000001:a1b2c3d4e5f60718',
    ]);
    expect(JSON.stringify(answer.blocks)).toContain('2 days ago');
    const many = expiringAnswer({
      now: FIXTURE_NOW,
      withinDays: 30,
      certificates: Array.from({ length: 100 }, (_, i) => due(i, i % 30)),
    });
    expect(checkMessage(many)).toEqual([]);
    expect(JSON.stringify(many.blocks)).toContain(`and ${100 - EXPIRING_MAX_ITEMS} more`);
    expect(JSON.stringify(expiringAnswer({ now: FIXTURE_NOW, withinDays: 7, certificates: [] }))).toContain(
      'Nothing of your groups',
    );
  });

  it('R-RA-1: approvals lists each pending request with Approve and Reject, within 50 blocks', () => {
    const answer = approvalsAnswer(Array.from({ length: 60 }, (_, i) => approval(i)));
    expect(checkMessage(answer)).toEqual([]);
    expect(buttons(answer.blocks)).toHaveLength(APPROVALS_MAX_ITEMS * 2);
    expect(JSON.stringify(answer.blocks)).toContain(`and ${60 - APPROVALS_MAX_ITEMS} more`);
    expect(checkMessage(approvalsAnswer([]))).toEqual([]);
  });

  it('R-RA-2: a refusal and an error are ephemeral and escape the message', () => {
    for (const answer of [
      refusalAnswer('only approvers of group <payments> can approve'),
      errorAnswer('Temporal unreachable & down'),
    ]) {
      expect(answer.response_type).toBe('ephemeral');
      expect(checkMessage(answer)).toEqual([]);
      expect(JSON.stringify(answer)).not.toMatch(/<payments>| & /);
    }
  });
});
