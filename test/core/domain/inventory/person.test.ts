import { describe, expect, it } from 'vitest';
import { formatPerson, InvalidPersonError, parsePerson } from '../../../../src/core/domain/inventory/person';

describe('parsePerson', () => {
  it.each([
    ['alice@example.com', { email: 'alice@example.com' }],
    ['Alice@Example.COM', { email: 'alice@example.com' }],
    ['Alice Doe <alice@example.com>', { name: 'Alice Doe', email: 'alice@example.com' }],
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

  it.each(['', 'Alice', 'Alice <>', 'slack:alice', 'teams:U024BE7LH', 'alice@', '<alice@example.com> nonsense'])(
    'refuses %j and shows the accepted forms',
    (text) => {
      expect(() => parsePerson(text)).toThrow(InvalidPersonError);
      expect(() => parsePerson(text)).toThrow(/e-mail address .* Slack user id .* Jira account id/);
    },
  );
});
