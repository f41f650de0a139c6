import type { Person } from './model';

/**
 * A person spec that names nobody certflow can reach, from `--contact` and its siblings or a metadata CSV's
 * `contacts` and `approvers` cells alike: the message says why and which forms work.
 */
export class InvalidPersonError extends Error {
  override readonly name = 'InvalidPersonError';
  constructor(
    readonly input: string,
    readonly reason = 'names nobody certflow can reach',
  ) {
    super(
      `${JSON.stringify(input)} ${reason}; write an e-mail address (alice@example.com), ` +
        '"Alice Doe <alice@example.com>", a Slack user id (slack:U024BE7LH) or a Jira account id (jira:5b10ac8d82e05b22cc7d4ef5)',
    );
  }
}

// RFC 5322's dot-atom: no quotes, parentheses or commas, so `=HYPERLINK("mailto:a@b.c")` is no address.
const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
const JIRA_ACCOUNT = /^[A-Za-z0-9:-]{6,128}$/;
// What a spreadsheet runs as a formula when the cell starts with it (CSV injection), and what forges lines.
const FORMULA_START = /^[=+\-@]/;
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function identity(token: string): Partial<Person> | null {
  if (EMAIL.test(token)) return { email: token.toLowerCase() };
  // A bare Slack user id, as Slack shows it and as metadata CSVs have always held it.
  if (SLACK_USER.test(token)) return { slackUserId: token };
  const [scheme, value] = [token.slice(0, token.indexOf(':')), token.slice(token.indexOf(':') + 1)];
  // `email:` as principals write it (CERTFLOW_SECURITY_LEADS, API tokens' actors), beside the bare address.
  if (scheme.toLowerCase() === 'email' && EMAIL.test(value)) return { email: value.toLowerCase() };
  if (scheme === 'slack' && SLACK_USER.test(value)) return { slackUserId: value };
  if (scheme === 'jira' && JIRA_ACCOUNT.test(value)) return { jiraAccountId: value };
  return null;
}

/**
 * Reads a person as written on the command line and in metadata CSVs (one grammar for both): identities separated
 * by spaces or commas, optionally after a display name with the e-mail in angle brackets:
 * `Alice Doe <alice@example.com> slack:U024BE7LH`. Formulas and control characters are refused.
 */
export function parsePerson(text: string): Person {
  const trimmed = text.trim();
  if (FORMULA_START.test(trimmed)) {
    throw new InvalidPersonError(text, `starts with "${trimmed[0]}", which a spreadsheet would run as a formula`);
  }
  if (CONTROL.test(text)) throw new InvalidPersonError(text, 'holds a control character');
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

/**
 * The people among configured principals (`email:…`, `slack:…`, `jira:…`), for messages to them; principals that
 * name no person (a Slack user group's alias) are left out, since they reach people through their group.
 */
export function peopleOfPrincipals(principals: readonly string[]): Person[] {
  return principals.flatMap((principal) => {
    try {
      return [parsePerson(principal)];
    } catch {
      return [];
    }
  });
}

/**
 * The entries a certificate's metadata keeps for a person (its `contacts` and `approvers` lists hold identities):
 * the e-mail address, `slack:<id>` and `jira:<id>` it names. The display name has no place there.
 */
export function personIdentities(person: Person): string[] {
  return [
    person.email,
    person.slackUserId && `slack:${person.slackUserId}`,
    person.jiraAccountId && `jira:${person.jiraAccountId}`,
  ].filter((entry): entry is string => typeof entry === 'string' && entry !== '');
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
