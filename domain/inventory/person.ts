import type { Person } from './model';

/** A person spec that names nobody certflow can reach. */
export class InvalidPersonError extends Error {
  override readonly name = 'InvalidPersonError';
  constructor(readonly input: string) {
    super(
      `"${input}" names nobody certflow can reach; write an e-mail address (alice@example.com), ` +
        '"Alice Doe <alice@example.com>", a Slack user id (slack:U024BE7LH) or a Jira account id (jira:5b10ac8d82e05b22cc7d4ef5)',
    );
  }
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
const JIRA_ACCOUNT = /^[A-Za-z0-9:-]{6,128}$/;

function identity(token: string): Partial<Person> | null {
  if (EMAIL.test(token)) return { email: token.toLowerCase() };
  const [scheme, value] = [token.slice(0, token.indexOf(':')), token.slice(token.indexOf(':') + 1)];
  if (scheme === 'slack' && SLACK_USER.test(value)) return { slackUserId: value };
  if (scheme === 'jira' && JIRA_ACCOUNT.test(value)) return { jiraAccountId: value };
  return null;
}

/**
 * Reads a person as written on the command line and in CSVs: identities separated by spaces or commas, optionally
 * after a display name with the e-mail in angle brackets: `Alice Doe <alice@example.com> slack:U024BE7LH`.
 */
export function parsePerson(text: string): Person {
  const trimmed = text.trim();
  const named = /^([^<>]*?)\s*<([^<>]+)>(.*)$/.exec(trimmed);
  const name = named?.[1]?.trim();
  const tokens = (named ? `${named[2]} ${named[3]}` : trimmed).split(/[\s,]+/).filter(Boolean);
  let person: Person = name ? { name } : {};
  for (const token of tokens) {
    const found = identity(token);
    if (!found) throw new InvalidPersonError(text);
    person = { ...person, ...found };
  }
  if (!person.email && !person.slackUserId && !person.jiraAccountId) throw new InvalidPersonError(text);
  return person;
}

/** The short human form of a person: name, else e-mail, else Slack or Jira id. */
export function formatPerson(person: Person): string {
  const ids = [
    person.email && (person.name ? `<${person.email}>` : person.email),
    person.slackUserId && `slack:${person.slackUserId}`,
    person.jiraAccountId && `jira:${person.jiraAccountId}`,
  ].filter(Boolean);
  return [person.name, ...ids].filter(Boolean).join(' ');
}
