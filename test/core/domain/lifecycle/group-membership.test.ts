import { describe, expect, it } from 'vitest';
import { groupMemberships } from '../../../../src/core/domain/lifecycle/group-membership';
import type { Actor } from '../../../../src/core/domain/lifecycle/model';
import { ownerGroupFixture } from '../../../support/lifecycle-fixtures';

const PAYMENTS = ownerGroupFixture({
  id: 'payments-web',
  contacts: [{ email: 'Owner@Example.com' }],
  approvers: [{ name: 'Ann', email: 'ann@example.com', slackUserId: 'U0ANN' }],
});
const MAIL = ownerGroupFixture({
  id: 'mail',
  contacts: [{ slackUserId: 'U0ANN' }],
  approvers: [{ email: 'bob@example.com' }],
});
const GROUPS = [PAYMENTS, MAIL];

describe('groupMemberships', () => {
  it.each<[string, Actor, [string, boolean][]]>([
    [
      'a contact by e-mail alias, any case',
      { id: 'slack:U0OWN', aliases: ['email:owner@EXAMPLE.com'] },
      [['payments-web', false]],
    ],
    [
      'an approver by Slack id, contact elsewhere',
      { id: 'slack:U0ANN' },
      [
        ['payments-web', true],
        ['mail', false],
      ],
    ],
    ['an approver by e-mail only', { id: 'email:bob@example.com' }, [['mail', true]]],
    ['a stranger', { id: 'slack:U0MALLORY', aliases: ['email:mallory@example.com'] }, []],
    ['nobody, with an empty alias list', { id: 'system', aliases: [] }, []],
  ])('R-SEC-2: %s', (_, actor, expected) => {
    expect(groupMemberships(actor, GROUPS).map((m) => [m.group.id, m.approver])).toEqual(expected);
  });

  it('R-OWN-1: a group with no people has no members', () => {
    const empty = ownerGroupFixture({ id: 'empty', contacts: [], approvers: [] });
    expect(groupMemberships({ id: 'slack:U0OWNER1' }, [empty])).toEqual([]);
  });
});
