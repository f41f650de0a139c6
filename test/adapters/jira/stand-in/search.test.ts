import type JiraApi from 'jira-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type JiraStandIn, startJiraStandIn } from '../../../../src/adapters/jira/stand-in/jira-stand-in';
import { changeFields, jiraClient, OPTIONS, rest } from './support';

let standIn: JiraStandIn;
let clock = Date.parse('2026-12-01T08:00:00Z');

async function start(flavour: 'cloud' | 'data-center' = 'cloud'): Promise<JiraApi> {
  // Each issue is created a minute after the previous one, so created order is well defined.
  standIn = await startJiraStandIn({ ...OPTIONS, flavour, nowMilliseconds: () => (clock += 60_000) });
  return jiraClient(standIn, flavour === 'cloud' ? '3' : '2');
}

afterEach(() => standIn.close());

/** POST through jira-client's own request machinery, as an adapter does for endpoints it has no method for. */
function post(jira: JiraApi, pathname: string, body: unknown): Promise<unknown> {
  const client = jira as unknown as {
    makeUri(options: { pathname: string }): string;
    makeRequestHeader(uri: string, options: object): object;
    doRequest(options: object): Promise<unknown>;
  };
  return client.doRequest(client.makeRequestHeader(client.makeUri({ pathname }), { method: 'POST', body }));
}

async function seed(jira: JiraApi) {
  await jira.addNewIssue({ fields: changeFields({ labels: ['certflow', 'cycle-1'] }) });
  await jira.addNewIssue({ fields: changeFields({ labels: ['certflow', 'cycle-2'] }) });
  await jira.addNewIssue({ fields: changeFields({ project: { key: 'OPS' }, labels: ['cycle-1'] }) });
  await jira.addNewIssue({ fields: changeFields({ issuetype: { name: 'Task' }, labels: ['certflow'] }) });
  await standIn.transitionAs('CERT-2', 'Declined', OPTIONS.users[0]!.accountId);
}

describe('Jira stand-in search', () => {
  it('search/jql (GET via genericGet, POST via doRequest) filters, orders newest first and returns only ids by default', async () => {
    const jira = await start();
    await seed(jira);
    const byGet = (await jira.genericGet(
      `search/jql?jql=${encodeURIComponent('project = CERT AND labels = "certflow" AND statusCategory != Done ORDER BY created DESC')}&fields=summary,status`,
    )) as { issues: { key: string; fields: Record<string, unknown> }[]; isLast: boolean };
    expect(byGet.issues.map((issue) => issue.key)).toEqual(['CERT-3', 'CERT-1']);
    expect(Object.keys(byGet.issues[0]!.fields).sort()).toEqual(['status', 'summary']);
    expect(byGet.isLast).toBe(true);
    expect(byGet).not.toHaveProperty('nextPageToken');

    const byPost = (await post(jira, '/search/jql', { jql: 'labels in (cycle-1, "cycle-2") ORDER BY key ASC' })) as {
      issues: Record<string, unknown>[];
    };
    expect(byPost.issues.map((issue) => issue.key)).toEqual(['CERT-1', 'CERT-2', 'OPS-1']);
    expect(byPost.issues[0]).not.toHaveProperty('fields');

    const byKey = (await post(jira, '/search/jql', {
      jql: 'key = CERT-2 AND status = Declined',
      fields: ['*all'],
    })) as {
      issues: { fields: { status: { name: string } } }[];
    };
    expect(byKey.issues.map((issue) => issue.fields.status.name)).toEqual(['Declined']);
  });

  it('search/jql pages with nextPageToken until isLast', async () => {
    const jira = await start();
    await seed(jira);
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const page = (await post(jira, '/search/jql', {
        jql: 'project = CERT ORDER BY created ASC',
        maxResults: 2,
        ...(token === undefined ? {} : { nextPageToken: token }),
      })) as { issues: { key: string }[]; nextPageToken?: string; isLast: boolean };
      pages++;
      keys.push(...page.issues.map((issue) => issue.key));
      if (page.isLast) break;
      token = page.nextPageToken;
    }
    expect([pages, keys]).toEqual([2, ['CERT-1', 'CERT-2', 'CERT-3']]);
    const bad = await rest(standIn, 'POST', '/rest/api/3/search/jql', { jql: 'project = CERT', nextPageToken: 'x' });
    expect(bad.status).toBe(400);
    const none = await rest(standIn, 'GET', '/rest/api/3/search/jql?jql=project%3DCERT&maxResults=0');
    expect(none.body).toEqual({ errorMessages: ['maxResults must be at least 1'], errors: {} });
  });

  it.each([
    ['project = NOPE', "The value 'NOPE' does not exist for the field 'project'."],
    ['reporter = bob', "Field 'reporter' does not exist"],
    ['project = CERT OR labels = x', "'OR' is not supported"],
    ['labels = "open', 'is not closed'],
    ['project CERT', 'expecting an operator'],
    ['labels in (a, b', "expecting ')'"],
    ['statusCategory = Finished', "does not exist for the field 'statusCategory'"],
    ['project = CERT ORDER BY priority', 'cannot order by'],
    ['', 'Unbounded JQL queries are not allowed'],
  ])('bad JQL %j is a 400 that says what is wrong', async (jql, message) => {
    await start();
    const response = await rest(standIn, 'POST', '/rest/api/3/search/jql', { jql });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errorMessages: [expect.stringContaining(message)], errors: {} });
  });

  it('cloud: the removed /search answers 410 Gone with Jira Cloud’s body, also through searchJira', async () => {
    const jira = await start();
    const body = {
      errorMessages: [
        'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration ' +
          'guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046',
      ],
      errors: {},
    };
    for (const path of ['/rest/api/2/search?jql=project%20%3D%20CERT', '/rest/api/3/search']) {
      const response = await rest(standIn, 'GET', path);
      expect([response.status, response.body]).toEqual([410, body]);
    }
    await expect(jira.searchJira('project = CERT')).rejects.toThrow('The requested API has been removed');
  });

  it('data center: searchJira works with startAt and total, and there is no search/jql', async () => {
    const jira = await start('data-center');
    await seed(jira);
    const found = (await jira.searchJira('project = CERT AND statusCategory != Done', {
      startAt: 1,
      maxResults: 1,
      fields: ['summary'],
    })) as { startAt: number; maxResults: number; total: number; issues: { key: string; fields: object }[] };
    expect(found).toMatchObject({ startAt: 1, maxResults: 1, total: 2, issues: [{ key: 'CERT-1' }] });
    expect(Object.keys(found.issues[0]!.fields)).toEqual(['summary']);
    const response = await rest(standIn, 'POST', '/rest/api/2/search/jql', { jql: 'project = CERT' });
    expect(response.status).toBe(404);
  });
});
