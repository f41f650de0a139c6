/**
 * The JQL the stand-in understands: the subset a ticketing adapter needs, parsed properly so anything else is a 400
 * that says what is supported instead of a silently wrong answer. Clauses `field = value`, `field != value`,
 * `field in (…)` and `field not in (…)` on project, key, labels, status, statusCategory and issuetype, joined by
 * AND, then an optional `ORDER BY created|updated|key [ASC|DESC], …`.
 */
import { STATUS_CATEGORIES, type StatusCategoryKey } from './workflow';

/** What a JQL clause can look at in an issue. */
export interface JqlIssueView {
  readonly key: string;
  readonly projectKey: string;
  readonly labels: readonly string[];
  readonly status: string;
  readonly statusCategory: StatusCategoryKey;
  readonly issueType: string;
  readonly createdMilliseconds: number;
  readonly updatedMilliseconds: number;
  /** Issue ids grow with creation; the tie-breaker for equal timestamps. */
  readonly sequence: number;
  /** The epic the issue is under (Cloud's parent, Data Center's Epic Link field), or null. */
  readonly parentKey: string | null;
}

/** A query Jira would answer with 400: the message says what went wrong and what the stand-in supports. */
export class JqlError extends Error {
  override readonly name = 'JqlError';
}

/** A parsed query. */
export interface JqlQuery {
  matches(issue: JqlIssueView): boolean;
  /** Sorts issues as the ORDER BY says, newest created first when there is none (Jira's default for search). */
  sort<T extends JqlIssueView>(issues: readonly T[]): T[];
}

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'string'; readonly text: string; readonly at: number }
  | { readonly kind: 'symbol'; readonly text: string; readonly at: number };

const SUPPORTED =
  'the Jira stand-in supports project, key, labels, status, statusCategory, issuetype and parent with =, !=, in and not in, ' +
  'joined by AND, and ORDER BY created, updated or key';

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < jql.length) {
    const char = jql[at] ?? '';
    if (/\s/.test(char)) {
      at++;
    } else if (char === '"' || char === "'") {
      let text = '';
      let end = at + 1;
      for (; end < jql.length && jql[end] !== char; end++) {
        text += jql[end] === '\\' ? (jql[++end] ?? '') : jql[end];
      }
      if (end >= jql.length) throw new JqlError(`Error in the JQL Query: the quoted string at ${at} is not closed.`);
      tokens.push({ kind: 'string', text, at });
      at = end + 1;
    } else if (jql.startsWith('!=', at)) {
      tokens.push({ kind: 'symbol', text: '!=', at });
      at += 2;
    } else if ('=(),'.includes(char)) {
      tokens.push({ kind: 'symbol', text: char, at });
      at++;
    } else {
      const word = /^[\w.\-@]+/.exec(jql.slice(at))?.[0];
      if (word === undefined) {
        throw new JqlError(
          `Error in the JQL Query: the character '${char}' at position ${at} is not supported; ${SUPPORTED}.`,
        );
      }
      tokens.push({ kind: 'word', text: word, at });
      at += word.length;
    }
  }
  return tokens;
}

type Field = 'project' | 'key' | 'labels' | 'status' | 'statusCategory' | 'issuetype' | 'parent';

const FIELDS: ReadonlyMap<string, Field> = new Map([
  ['project', 'project'],
  ['key', 'key'],
  ['issuekey', 'key'],
  ['labels', 'labels'],
  ['status', 'status'],
  ['statuscategory', 'statusCategory'],
  ['issuetype', 'issuetype'],
  ['type', 'issuetype'],
  ['parent', 'parent'],
]);

const ORDER_FIELDS = ['created', 'updated', 'key'] as const;
type OrderField = (typeof ORDER_FIELDS)[number];

function statusCategoryKey(value: string): StatusCategoryKey {
  const wanted = value.toLowerCase();
  for (const category of Object.values(STATUS_CATEGORIES)) {
    if ([category.key, category.name.toLowerCase(), String(category.id)].includes(wanted)) return category.key;
  }
  throw new JqlError(
    `The value '${value}' does not exist for the field 'statusCategory': use To Do, In Progress or Done ` +
      `(or new, indeterminate, done).`,
  );
}

function keyNumber(key: string): number {
  return Number(/-(\d+)$/.exec(key)?.[1] ?? 0);
}

/** Parses `jql`; `projectKeys` are the projects that exist, so an unknown one is the 400 Jira gives. */
export function parseJql(jql: string, projectKeys: readonly string[]): JqlQuery {
  const tokens = tokenize(jql);
  let position = 0;
  const peek = () => tokens[position];
  const isWord = (token: Token | undefined, word: string) =>
    token?.kind === 'word' && token.text.toLowerCase() === word.toLowerCase();
  const describe = (token: Token | undefined) => (token === undefined ? 'the end of the query' : `'${token.text}'`);

  const value = (): string => {
    const token = tokens[position++];
    if (token === undefined || token.kind === 'symbol') {
      throw new JqlError(`Error in the JQL Query: expecting a value but got ${describe(token)}.`);
    }
    return token.text;
  };

  const predicates: ((issue: JqlIssueView) => boolean)[] = [];
  const clause = () => {
    const fieldToken = tokens[position++];
    if (fieldToken === undefined || fieldToken.kind === 'symbol') {
      throw new JqlError(
        `Error in the JQL Query: expecting a field name but got ${describe(fieldToken)}; ${SUPPORTED}.`,
      );
    }
    const field = FIELDS.get(fieldToken.text.toLowerCase());
    if (field === undefined) {
      throw new JqlError(
        `Field '${fieldToken.text}' does not exist or you do not have permission to view it; ${SUPPORTED}.`,
      );
    }
    let negated: boolean;
    let values: string[];
    const operator = peek();
    if (operator?.kind === 'symbol' && (operator.text === '=' || operator.text === '!=')) {
      position++;
      negated = operator.text === '!=';
      values = [value()];
    } else if (isWord(operator, 'in') || (isWord(operator, 'not') && isWord(tokens[position + 1], 'in'))) {
      negated = isWord(operator, 'not');
      position += negated ? 2 : 1;
      if (peek()?.text !== '(')
        throw new JqlError(`Error in the JQL Query: expecting '(' but got ${describe(peek())}.`);
      position++;
      values = [value()];
      while (peek()?.text === ',') {
        position++;
        values.push(value());
      }
      if (peek()?.text !== ')')
        throw new JqlError(`Error in the JQL Query: expecting ')' but got ${describe(peek())}.`);
      position++;
    } else {
      throw new JqlError(
        `Error in the JQL Query: expecting an operator (=, !=, in, not in) after '${fieldToken.text}' but got ` +
          `${describe(operator)}.`,
      );
    }
    const test = predicate(field, values, projectKeys);
    predicates.push(negated ? (issue) => !test(issue) : test);
  };

  if (peek() !== undefined && !isWord(peek(), 'order')) {
    clause();
    while (isWord(peek(), 'and')) {
      position++;
      clause();
    }
  }
  const order: { field: OrderField; descending: boolean }[] = [];
  if (isWord(peek(), 'order')) {
    position++;
    if (!isWord(peek(), 'by')) throw new JqlError(`Error in the JQL Query: expecting 'by' after 'order'.`);
    position++;
    do {
      if (order.length > 0) position++;
      const fieldToken = tokens[position++];
      const field = ORDER_FIELDS.find((name) => name === fieldToken?.text.toLowerCase());
      if (field === undefined) {
        throw new JqlError(`Error in the JQL Query: cannot order by ${describe(fieldToken)}; ${SUPPORTED}.`);
      }
      let descending = false;
      if (isWord(peek(), 'asc') || isWord(peek(), 'desc')) descending = isWord(tokens[position++], 'desc');
      order.push({ field, descending });
    } while (peek()?.text === ',');
  }
  if (peek() !== undefined) {
    const extra = peek();
    throw new JqlError(
      isWord(extra, 'or') || isWord(extra, 'not') || extra?.text === '('
        ? `Error in the JQL Query: ${describe(extra)} is not supported; ${SUPPORTED}.`
        : `Error in the JQL Query: expecting AND, ORDER BY or the end of the query but got ${describe(extra)}.`,
    );
  }
  if (order.length === 0) order.push({ field: 'created', descending: true });

  const compare = (a: JqlIssueView, b: JqlIssueView): number => {
    for (const { field, descending } of order) {
      const difference =
        field === 'key'
          ? a.projectKey.localeCompare(b.projectKey) || keyNumber(a.key) - keyNumber(b.key)
          : field === 'created'
            ? a.createdMilliseconds - b.createdMilliseconds || a.sequence - b.sequence
            : a.updatedMilliseconds - b.updatedMilliseconds;
      if (difference !== 0) return descending ? -difference : difference;
    }
    return 0;
  };
  return {
    matches: (issue) => predicates.every((test) => test(issue)),
    sort: (issues) => [...issues].sort(compare),
  };
}

function predicate(field: Field, values: readonly string[], projectKeys: readonly string[]) {
  switch (field) {
    case 'project': {
      const keys = values.map((project) => {
        const key = projectKeys.find((known) => known.toLowerCase() === project.toLowerCase());
        if (key === undefined) throw new JqlError(`The value '${project}' does not exist for the field 'project'.`);
        return key;
      });
      return (issue: JqlIssueView) => keys.includes(issue.projectKey);
    }
    case 'key': {
      const keys = values.map((key) => key.toUpperCase());
      return (issue: JqlIssueView) => keys.includes(issue.key);
    }
    case 'labels':
      return (issue: JqlIssueView) => issue.labels.some((label) => values.includes(label));
    case 'status': {
      const names = values.map((name) => name.toLowerCase());
      return (issue: JqlIssueView) => names.includes(issue.status.toLowerCase());
    }
    case 'statusCategory': {
      const keys = values.map(statusCategoryKey);
      return (issue: JqlIssueView) => keys.includes(issue.statusCategory);
    }
    case 'issuetype': {
      const names = values.map((name) => name.toLowerCase());
      return (issue: JqlIssueView) => names.includes(issue.issueType.toLowerCase());
    }
    case 'parent': {
      const keys = values.map((key) => key.toUpperCase());
      return (issue: JqlIssueView) => issue.parentKey !== null && keys.includes(issue.parentKey);
    }
  }
}
