/** Which issuer renews a certificate (issue 19, R-REN-1): a table over the settings that decide it. */
import { describe, expect, it } from 'vitest';
import {
  chooseIssuer,
  describeIssuerChoice,
  type IssuerChoiceInput,
} from '../../../../src/core/domain/issuers/choose-issuer';

const CONFIGURED = ['internal', 'acme:pebble', 'acme:letsencrypt'];

function input(partial: Partial<IssuerChoiceInput>): IssuerChoiceInput {
  return {
    campaignIssuer: null,
    groupIssuer: null,
    policyIssuer: null,
    currentIssuer: null,
    defaultIssuer: 'internal',
    configured: CONFIGURED,
    ...partial,
  };
}

describe('chooseIssuer (R-REN-1)', () => {
  it.each([
    ['nothing set: the default', input({}), 'internal', 'default'],
    ['another default', input({ defaultIssuer: 'acme:letsencrypt' }), 'acme:letsencrypt', 'default'],
    [
      'the current version was issued by a configured issuer',
      input({ currentIssuer: 'acme:letsencrypt' }),
      'acme:letsencrypt',
      'current-issuer',
    ],
    [
      'the policy beats the current issuer',
      input({ policyIssuer: 'acme:pebble', currentIssuer: 'internal' }),
      'acme:pebble',
      'policy',
    ],
    [
      'the owner group beats the policy',
      input({ groupIssuer: 'internal', policyIssuer: 'acme:pebble' }),
      'internal',
      'owner-group',
    ],
    [
      'a campaign moving away from a CA beats everything',
      input({ campaignIssuer: 'acme:pebble', groupIssuer: 'internal', currentIssuer: 'internal' }),
      'acme:pebble',
      'campaign',
    ],
    [
      'an empty setting counts as unset',
      input({ groupIssuer: '', policyIssuer: 'acme:pebble' }),
      'acme:pebble',
      'policy',
    ],
  ])('%s', (_case, given, issuer, source) => {
    expect(chooseIssuer(given)).toEqual({ kind: 'chosen', issuer, source });
  });

  it.each([
    [
      'owner group',
      input({ groupIssuer: 'acme:gone', policyIssuer: 'acme:pebble' }),
      'owner-group',
      "owner group's issuer setting",
    ],
    ['policy', input({ policyIssuer: 'acme:typo' }), 'policy', "policy's issuer setting"],
    ['campaign', input({ campaignIssuer: 'acme:nope' }), 'campaign', "campaign's --issuer"],
  ])(
    'a %s setting naming an unconfigured issuer is refused with the fix, not skipped',
    (_case, given, source, words) => {
      const choice = chooseIssuer(given);
      expect(choice).toMatchObject({ kind: 'unknown-issuer', source });
      if (choice.kind !== 'unknown-issuer') return;
      expect(choice.fix).toContain(words);
      expect(choice.fix).toContain('CERTFLOW_ISSUERS_FILE');
      expect(choice.fix).toContain('internal, acme:pebble, acme:letsencrypt');
    },
  );
});

describe('describeIssuerChoice (R-REN-1)', () => {
  it.each([
    [{ kind: 'chosen', issuer: 'acme:pebble', source: 'owner-group' }, "acme:pebble (the owner group's setting)"],
    [{ kind: 'chosen', issuer: 'acme:pebble', source: 'campaign' }, "acme:pebble (the campaign's target issuer)"],
    [{ kind: 'chosen', issuer: 'internal', source: 'current-issuer' }, 'internal (issued the current certificate)'],
    [{ kind: 'chosen', issuer: 'internal', source: 'default' }, 'internal (the default issuer)'],
    [
      { kind: 'unknown-issuer', issuer: 'acme:gone', source: 'policy', fix: 'add it or change the setting' },
      'acme:gone, which is not configured: add it or change the setting',
    ],
  ] as const)('%j reads %s', (choice, text) => {
    expect(describeIssuerChoice(choice)).toBe(text);
  });
});
