import { describe, expect, it } from 'vitest';
import type { LifecycleRequest } from '../../../../src/core/domain/lifecycle/model';
import {
  buildRoster,
  checkDecisionAllowed,
  checkRequestAllowed,
  normalizePrincipal,
  rolesOf,
  samePerson,
} from '../../../../src/core/domain/lifecycle/roles';
import { ownerGroupFixture, requestFixture } from '../../../support/lifecycle-fixtures';

const GROUP = ownerGroupFixture({
  name: 'Payments web',
  contacts: [{ email: 'owner@example.com' }],
  approvers: [{ name: 'Ann', email: 'ann@example.com', slackUserId: 'U0ANN' }, { email: 'bob@example.com' }],
  managementContact: { email: 'boss@example.com' },
  slack: { channelId: 'C0PAY' },
});

const ROSTER = buildRoster({
  group: GROUP,
  metadata: { ownerGroup: 'payments-web', contacts: ['U0CONTACT'], approvers: ['carol@example.com'] },
  securityLeads: ['Email:Sec@Example.com'],
  admins: [],
});

const REQUEST = requestFixture({
  id: '0123456789abcdef.1.1',
  requestedBy: { id: 'email:ann@example.com' },
  requestedAt: '2026-11-01T00:00:00.000Z',
  reason: 'due',
});

describe('lifecycle roster', () => {
  it.each([
    ['Email:Alice@Example.COM', 'email:alice@example.com'],
    ['alice@example.com', 'email:alice@example.com'],
    ['slack:U0ANN', 'slack:U0ANN'],
    ['SLACK:U0ANN', 'slack:U0ANN'],
    ['system', 'system'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normalizePrincipal(input)).toBe(expected);
  });

  it('R-OWN-1: group contacts and approvers, the certificate’s own lists and global roles make the roster', () => {
    expect(ROSTER.approvers).toEqual([
      'email:ann@example.com',
      'email:bob@example.com',
      'email:carol@example.com',
      'slack:U0ANN',
    ]);
    expect(ROSTER.owners).toContain('email:owner@example.com');
    expect(ROSTER.owners).toContain('slack:U0CONTACT');
    expect(ROSTER.owners).toContain('slack:U0ANN');
    expect(ROSTER.securityLeads).toEqual(['email:sec@example.com']);
  });

  it.each([
    ['slack:U0ANN', ['owner', 'approver']],
    ['email:owner@example.com', ['owner']],
    ['email:sec@example.com', ['security-lead']],
    ['email:stranger@example.com', []],
  ])('R-SEC-2: %s holds %j', (id, roles) => {
    expect(rolesOf({ id }, ROSTER)).toEqual(roles);
  });
});

describe('R-SEC-2: a person acting under another principal', () => {
  it('a Slack user whose e-mail an owner group lists holds that role, and is the same person as that e-mail', () => {
    const clicker = { id: 'slack:U0BOB', aliases: ['email:Bob@Example.com'] };
    expect(rolesOf(clicker, ROSTER)).toEqual(['owner', 'approver']);
    expect(samePerson(clicker, { id: 'email:bob@example.com' })).toBe(true);
    expect(samePerson(clicker, { id: 'slack:U0ANN' })).toBe(false);
  });
});

describe('R-SEC-2: roles through Slack user groups', () => {
  const roster = buildRoster({
    group: ownerGroupFixture({
      approvers: [],
      contacts: [],
      slack: { userGroupId: 'S0OWNERS', approverUserGroupId: 'S0APPROVERS' },
    }),
    metadata: { ownerGroup: 'payments-web', contacts: [], approvers: [] },
    securityLeads: [],
    admins: [],
  });

  it.each([
    [['slack-usergroup:S0APPROVERS'], ['owner', 'approver']],
    [['slack-usergroup:S0OWNERS'], ['owner']],
    [['slack-usergroup:S0OTHER'], []],
    [[], []],
  ])('a Slack user with aliases %j holds %j', (aliases, roles) => {
    expect(rolesOf({ id: 'slack:U0ANY', aliases }, roster)).toEqual(roles);
  });

  it('two members of the approvers’ user group are not the same person', () => {
    const alias = ['slack-usergroup:S0APPROVERS'];
    const request = requestFixture({ id: REQUEST.id, requestedBy: { id: 'slack:U0ONE', aliases: alias } });
    expect(
      checkDecisionAllowed(
        { actor: { id: 'slack:U0TWO', aliases: alias }, requestId: REQUEST.id, decision: 'approve' },
        request,
        roster,
      ),
    ).toBeNull();
  });
});

describe('R-RA-2: who may request and decide', () => {
  it('owners, approvers and security leads may request; strangers are told whom to ask', () => {
    expect(
      checkRequestAllowed({ actor: { id: 'email:owner@example.com' }, kind: 'renewal', source: 'owner' }, ROSTER),
    ).toBeNull();
    expect(
      checkRequestAllowed({ actor: { id: 'email:sec@example.com' }, kind: 'revocation', source: 'owner' }, ROSTER),
    ).toBeNull();
    expect(
      checkRequestAllowed({ actor: { id: 'email:x@example.com' }, kind: 'revocation', source: 'owner' }, ROSTER),
    ).toEqual({
      code: 'not-owner',
      message:
        'email:x@example.com is not an owner, approver or security lead of group payments-web and cannot request a revocation; ask one of its owners',
    });
    expect(checkRequestAllowed({ actor: { id: 'system' }, kind: 'renewal', source: 'schedule' }, ROSTER)).toBeNull();
  });

  it.each<[string, Parameters<typeof checkDecisionAllowed>[0], LifecycleRequest | null, string | null]>([
    [
      'another approver approves',
      { actor: { id: 'email:bob@example.com' }, requestId: REQUEST.id, decision: 'approve' },
      REQUEST,
      null,
    ],
    [
      'an approver named on the certificate approves',
      { actor: { id: 'carol@example.com' }, requestId: REQUEST.id, decision: 'approve' },
      REQUEST,
      null,
    ],
    [
      'a non-approver is refused',
      { actor: { id: 'email:owner@example.com' }, requestId: REQUEST.id, decision: 'approve' },
      REQUEST,
      'not-approver',
    ],
    [
      'the requester is refused, under another identity too',
      { actor: { id: 'email:Ann@example.com' }, requestId: REQUEST.id, decision: 'approve' },
      REQUEST,
      'self-approval',
    ],
    [
      'a rejection without reason is refused',
      { actor: { id: 'email:bob@example.com' }, requestId: REQUEST.id, decision: 'reject', reason: '  ' },
      REQUEST,
      'reason-required',
    ],
    [
      'an unknown request id is refused',
      { actor: { id: 'email:bob@example.com' }, requestId: 'ffffffffffffffff.1.9', decision: 'approve' },
      REQUEST,
      'unknown-request',
    ],
    [
      'no open request is refused',
      { actor: { id: 'email:bob@example.com' }, requestId: REQUEST.id, decision: 'approve' },
      null,
      'unknown-request',
    ],
    [
      'a decided request is refused (double click)',
      { actor: { id: 'email:bob@example.com' }, requestId: REQUEST.id, decision: 'approve' },
      {
        ...REQUEST,
        status: 'approved',
        decidedBy: { id: 'email:carol@example.com' },
        decidedAt: '2026-11-02T00:00:00.000Z',
      },
      'already-decided',
    ],
  ])('%s', (_name, input, request, code) => {
    expect(checkDecisionAllowed(input, request, ROSTER)?.code ?? null).toBe(code);
  });

  it('says a failed request was approved by its approver, not failed by them', () => {
    const failed = {
      ...REQUEST,
      status: 'failed' as const,
      decidedBy: { id: 'email:bob@example.com' },
      decidedAt: '2026-11-02T10:00:00.000Z',
    };
    expect(
      checkDecisionAllowed(
        { actor: { id: 'email:bob@example.com' }, requestId: REQUEST.id, decision: 'approve' },
        failed,
        ROSTER,
      )?.message,
    ).toBe(
      'request 0123456789abcdef.1.1 is failed (approved by email:bob@example.com at 2026-11-02T10:00:00.000Z); nothing is left to decide',
    );
  });

  it('tells a second clicker who decided and when', () => {
    const decided = {
      ...REQUEST,
      status: 'approved' as const,
      decidedBy: { id: 'slack:U0BOB', displayName: 'Bob' },
      decidedAt: '2026-11-02T10:00:00.000Z',
    };
    expect(
      checkDecisionAllowed(
        { actor: { id: 'email:bob@example.com' }, requestId: REQUEST.id, decision: 'approve' },
        decided,
        ROSTER,
      )?.message,
    ).toBe('request 0123456789abcdef.1.1 was already approved by Bob at 2026-11-02T10:00:00.000Z');
  });
});
