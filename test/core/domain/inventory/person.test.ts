import { describe, expect, it } from 'vitest';
import {
  formatPerson,
  InvalidPersonError,
  parsePerson,
  peopleOfPrincipals,
} from '../../../../src/core/domain/inventory/person';

describe('parsePerson', () => {
  it.each([
    ['alice@example.com', { email: 'alice@example.com' }],
    ['Alice@Example.COM', { email: 'alice@example.com' }],
    ['Alice Doe <alice@example.com>', { name: 'Alice Doe', email: 'alice@example.com' }],
    ['email:Lead@Example.com', { email: 'lead@example.com' }],
    ['slack:U024BE7LH', { slackUserId: 'U024BE7LH' }],
    ['jira:5b10ac8d82e05b22cc7d4ef5', { jiraAccountId: '5b10ac8d82e05b22cc7d4ef5' }],
    [
      'Bob <bob@example.com> slack:W0123ABC, jira:557058:f58131cb',
      { name: 'Bob', email: 'bob@example.com', slackUserId: 'W0123ABC', jiraAccountId: '557058:f58131cb' },
    ],
  ])('R-OWN-1: reads %j as a person reachable in Slack and Jira', (text, expected) => {
    expect(parsePerson(text)).toEqual(expected);
    expect(parsePerson(formatPerson(parsePerson(text)))).toEqual(expected);
  });

  it('R-SEC-2: the security leads configured as principals are people to message; a user group alias is not', () => {
    expect(peopleOfPrincipals(['email:sec@example.com', 'slack:U024BE7LH', 'slackgroup:S0614TZR7', 'email:'])).toEqual([
      { email: 'sec@example.com' },
      { slackUserId: 'U024BE7LH' },
    ]);
  });

  it.each(['', 'Alice', 'Alice <>', 'slack:alice', 'teams:U024BE7LH', 'alice@', '<alice@example.com> nonsense'])(
    'refuses %j and shows the accepted forms',
    (text) => {
      expect(() => parsePerson(text)).toThrow(InvalidPersonError);
      expect(() => parsePerson(text)).toThrow(/e-mail address .* Slack user id .* Jira account id/);
    },
  );
});
