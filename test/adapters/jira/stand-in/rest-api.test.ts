import JiraApi from 'jira-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JiraStandIn, startJiraStandIn } from '../../../../src/adapters/jira/stand-in/jira-stand-in';
import { ALICE, CERTFLOW_BOT, changeFields, jiraClient, OPTIONS, rest } from './support';

let standIn: JiraStandIn;

beforeEach(async () => {
  standIn = await startJiraStandIn(OPTIONS);
});

afterEach(() => standIn.close());

/** jira-client throws Error(JSON of the response body) for 4xx/5xx. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return JSON.parse((error as Error).message) as unknown;
}

describe('Jira stand-in REST API through jira-client', () => {
  it.each(['2', '3'] as const)('v%s: myself, create, find, comment, transitions by name, update', async (version) => {
    const jira = jiraClient(standIn, version);
    expect(await jira.getCurrentUser()).toMatchObject({
      accountId: CERTFLOW_BOT.accountId,
      emailAddress: CERTFLOW_BOT.email,
      displayName: CERTFLOW_BOT.displayName,
      active: true,
    });

    const created = (await jira.addNewIssue({ fields: changeFields() })) as { id: string; key: string; self: string };
    expect(created).toEqual({ id: '10000', key: 'CERT-1', self: `${standIn.url}/rest/api/${version}/issue/10000` });

    const found = (await jira.findIssue('CERT-1')) as { key: string; fields: Record<string, unknown> };
    expect(found.key).toBe('CERT-1');
    expect(found.fields).toMatchObject({
      summary: 'Renew www.example.com before 2027-01-15',
      labels: ['certflow', 'certflow-cycle-abc'],
      duedate: '2027-01-15',
      priority: { name: 'Medium' },
      assignee: null,
      issuetype: { name: 'Change' },
      project: { key: 'CERT', name: 'Certificates' },
      status: { name: 'Awaiting approval', statusCategory: { key: 'new' } },
    });
    expect(found.fields.description).toEqual(
      version === '2'
        ? 'Owner group: web\nExpires: 2027-01-31'
        : {
            type: 'doc',
            version: 1,
            content: [
              { type: 'paragraph', content: [{ type: 'text', text: 'Owner group: web' }] },
              { type: 'paragraph', content: [{ type: 'text', text: 'Expires: 2027-01-31' }] },
            ],
          },
    );

    const comment =
      version === '2'
        ? 'Reminder sent to web'
        : {
            type: 'doc',
            version: 1,
            content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Reminder sent to web' }] }],
          };
    const added = (await jira.addCommentAdvanced('CERT-1', { body: comment })) as { id: string; body: unknown };
    expect(added.body).toEqual(comment);
    await jira.addComment('CERT-1', 'Approval requested');
    expect(standIn.issue('CERT-1')?.comments.map((c) => [c.body, c.author.accountId])).toEqual([
      ['Reminder sent to web', CERTFLOW_BOT.accountId],
      ['Approval requested', CERTFLOW_BOT.accountId],
    ]);
    const listed = (await jira.getComments('CERT-1')) as { total: number; comments: { body: unknown }[] };
    expect(listed.total).toBe(2);

    const { transitions } = (await jira.listTransitions('CERT-1')) as {
      transitions: { id: string; name: string; to: { name: string; statusCategory: { key: string } } }[];
    };
    expect(transitions.map((t) => [t.name, t.to.name, t.to.statusCategory.key])).toEqual([
      ['Approve', 'Approved', 'indeterminate'],
      ['Decline', 'Declined', 'done'],
      ['Cancelled', 'Cancelled', 'done'],
    ]);
    for (const transition of transitions) expect(transition.id).toMatch(/^\d+$/);
    const approve = transitions.find((t) => t.to.name === 'Approved')!;
    await jira.transitionIssue('CERT-1', { transition: { id: approve.id } });
    expect(standIn.issue('CERT-1')?.fields.status).toMatchObject({
      name: 'Approved',
      statusCategory: { key: 'indeterminate' },
    });
    expect(standIn.issue('CERT-1')?.transitions).toMatchObject([
      { from: 'Awaiting approval', to: 'Approved', by: { accountId: CERTFLOW_BOT.accountId }, via: 'api' },
    ]);

    await jira.updateIssue('CERT-1', {
      fields: { priority: { name: 'Highest' } },
      update: {
        labels: [{ add: 'escalated' }, { remove: 'certflow-cycle-abc' }],
        comment: [{ add: { body: 'Escalated' } }],
      },
    });
    await jira.updateAssigneeWithId('CERT-1', ALICE.accountId);
    const issue = standIn.issue('CERT-1')!;
    expect(issue.fields.priority.name).toBe('Highest');
    expect(issue.fields.labels).toEqual(['certflow', 'escalated']);
    expect(issue.fields.assignee).toEqual({
      accountId: ALICE.accountId,
      displayName: ALICE.displayName,
      emailAddress: ALICE.email,
    });
    expect(issue.comments.at(-1)?.body).toBe('Escalated');
  });

  it('findIssue with a fields filter returns only those fields', async () => {
    const jira = jiraClient(standIn);
    await jira.addNewIssue({ fields: changeFields() });
    const found = (await jira.findIssue('CERT-1', '', 'summary,status')) as { fields: Record<string, unknown> };
    expect(Object.keys(found.fields).sort()).toEqual(['status', 'summary']);
  });

  it('an invalid transition id is a 400 that names the available ones; the status stays', async () => {
    const jira = jiraClient(standIn);
    await jira.addNewIssue({ fields: changeFields() });
    const body = await failure(jira.transitionIssue('CERT-1', { transition: { id: '41' } }));
    expect(body).toMatchObject({
      errorMessages: [expect.stringMatching(/Transition id '41' is not valid.*Available: 11 "Approve"/)],
    });
    expect(standIn.issue('CERT-1')?.fields.status.name).toBe('Awaiting approval');
  });

  it('create validates project, issue type, summary and unknown fields with Jira error bodies', async () => {
    const response = await rest(standIn, 'POST', '/rest/api/3/issue', {
      fields: { project: { key: 'NOPE' }, issuetype: { name: 'Change' }, summary: '' },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errorMessages: [],
      errors: { project: 'Specify a valid project ID or key', summary: 'You must specify a summary of the issue.' },
    });
    const unknown = await rest(standIn, 'POST', '/rest/api/3/issue', {
      fields: changeFields({ customfield_99999: 'x', issuetype: { name: 'Story' } }),
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      errors: {
        issuetype: expect.stringContaining('use one of Change, Task, Epic, Incident') as unknown,
        customfield_99999: "Field 'customfield_99999' cannot be set. It is not on the appropriate screen, or unknown.",
      },
    });
    const badValues = await rest(standIn, 'POST', '/rest/api/2/issue', {
      fields: changeFields({ labels: ['has space'], duedate: '15/01/2027', priority: { name: 'Urgent' } }),
    });
    expect(Object.keys((badValues.body as { errors: object }).errors).sort()).toEqual([
      'duedate',
      'labels',
      'priority',
    ]);
    expect(standIn.issues()).toEqual([]);
  });

  it('missing or wrong credentials are 401; a personal access token is accepted as Bearer', async () => {
    const none = await fetch(`${standIn.url}/rest/api/3/myself`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({
      errorMessages: [expect.stringContaining('not authenticated')],
      errors: {},
    });
    const wrong = await rest(standIn, 'GET', '/rest/api/3/myself', undefined, {
      Authorization: `Basic ${Buffer.from(`${ALICE.email}:wrong`).toString('base64')}`,
    });
    expect(wrong.status).toBe(401);
    const jira = jiraClient(standIn, '2', { ...CERTFLOW_BOT, apiToken: 'wrong' });
    expect(await failure(jira.getCurrentUser())).toMatchObject({
      errorMessages: [expect.stringContaining('not authenticated')],
    });
    const bearer = await rest(standIn, 'GET', '/rest/api/2/myself', undefined, {
      Authorization: `Bearer ${ALICE.personalAccessToken}`,
    });
    expect(bearer.body).toMatchObject({ accountId: ALICE.accountId });
    const withToken = new JiraApi({
      protocol: 'http',
      host: '127.0.0.1',
      port: String(standIn.port),
      bearer: ALICE.personalAccessToken,
      apiVersion: '2',
    });
    expect(await withToken.getCurrentUser()).toMatchObject({ accountId: ALICE.accountId });
    expect(standIn.calls.map((call) => call.status)).toEqual([401, 401, 401, 200, 200]);
  });

  it('an unknown issue is Jira’s 404 on every issue endpoint', async () => {
    const notFound = { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} };
    for (const [method, path, body] of [
      ['GET', '/rest/api/3/issue/CERT-99', undefined],
      ['PUT', '/rest/api/3/issue/CERT-99', { fields: {} }],
      ['GET', '/rest/api/3/issue/CERT-99/transitions', undefined],
      ['POST', '/rest/api/2/issue/CERT-99/comment', { body: 'x' }],
    ] as const) {
      const response = await rest(standIn, method, path, body);
      expect([method, path, response.status, response.body]).toEqual([method, path, 404, notFound]);
    }
  });

  it('bad JSON is a 400 and a body that is not JSON a 415; nothing is created', async () => {
    const bad = await rest(standIn, 'POST', '/rest/api/3/issue', '{"fields": ');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errorMessages: [expect.stringContaining('not valid JSON')] });
    const form = await rest(standIn, 'POST', '/rest/api/3/issue', 'a=b', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    const array = await rest(standIn, 'POST', '/rest/api/3/issue', []);
    expect(array.status).toBe(400);
    const encoding = await rest(standIn, 'GET', '/rest/api/3/issue/%E0%A4%A');
    expect([encoding.status, encoding.body]).toMatchObject([
      400,
      { errorMessages: [expect.stringContaining('percent-encoding')] },
    ]);
    const unknownPath = await rest(standIn, 'GET', '/rest/api/3/project');
    expect(unknownPath.status).toBe(404);
    const wrongMethod = await rest(standIn, 'DELETE', '/rest/api/3/myself');
    expect(wrongMethod.status).toBe(405);
    const empty = await rest(standIn, 'POST', '/rest/api/3/issue/CERT-1/comment', { body: '  ' });
    expect(empty.status).toBe(404);
    expect(standIn.issues()).toEqual([]);
  });

  it('a create refused for its update operations leaves no issue, and the next key is still CERT-1', async () => {
    const refused = await rest(standIn, 'POST', '/rest/api/2/issue', {
      fields: changeFields(),
      update: { comment: [{ add: { body: '' } }] },
    });
    expect([refused.status, refused.body]).toEqual([
      400,
      { errorMessages: [], errors: { comment: 'Comment body can not be empty!' } },
    ]);
    const created = await rest(standIn, 'POST', '/rest/api/2/issue', {
      fields: changeFields({ customfield_10050: '2026-12-05' }),
      update: { comment: [{ add: { body: 'Opened by certflow' } }] },
    });
    expect(created.body).toMatchObject({ key: 'CERT-1' });
    expect(standIn.issue('CERT-1')?.comments.map((comment) => comment.body)).toEqual(['Opened by certflow']);
    expect(standIn.issue('CERT-1')?.fields.customfield_10050).toBe('2026-12-05');
  });

  it('a transition may carry a comment; a refused one applies neither; expand=transitions lists them on the issue', async () => {
    const jira = jiraClient(standIn, '2');
    await jira.addNewIssue({ fields: changeFields() });
    const refused = await rest(standIn, 'POST', '/rest/api/2/issue/CERT-1/transitions', {
      transition: { id: '41' },
      update: { comment: [{ add: { body: 'Done' } }] },
    });
    expect(refused.status).toBe(400);
    expect(standIn.issue('CERT-1')?.comments).toEqual([]);
    await jira.transitionIssue('CERT-1', {
      transition: { id: '51' },
      update: { comment: [{ add: { body: 'Cancelled: replaced outside certflow' } }] },
    });
    expect(standIn.issue('CERT-1')?.fields.status.name).toBe('Cancelled');
    expect(standIn.issue('CERT-1')?.comments.map((comment) => comment.body)).toEqual([
      'Cancelled: replaced outside certflow',
    ]);
    const found = (await jira.findIssue('CERT-1', 'transitions')) as { transitions: unknown[] };
    expect(found.transitions).toEqual([]);
    const missing = await rest(standIn, 'POST', '/rest/api/2/issue/CERT-1/transitions', { transition: {} });
    expect(missing.body).toMatchObject({ errorMessages: [expect.stringContaining('Missing transition')] });
  });

  it('components must exist in the project; the Task workflow is To Do → In Progress → Done', async () => {
    await standIn.close();
    standIn = await startJiraStandIn({ ...OPTIONS, projects: [{ key: 'CERT', components: ['Web'] }] });
    const bad = await rest(standIn, 'POST', '/rest/api/3/issue', {
      fields: changeFields({ components: [{ name: 'Mail' }] }),
    });
    expect(bad.body).toMatchObject({ errors: { components: expect.stringContaining('the project has Web') } });
    const jira = jiraClient(standIn);
    await jira.addNewIssue({ fields: changeFields({ issuetype: { name: 'Task' }, components: [{ name: 'Web' }] }) });
    expect(standIn.issue('CERT-1')?.fields.components).toEqual([{ name: 'Web' }]);
    const names: string[] = [standIn.issue('CERT-1')!.fields.status.name];
    for (;;) {
      const { transitions } = (await jira.listTransitions('CERT-1')) as { transitions: { id: string }[] };
      if (transitions.length === 0) break;
      await jira.transitionIssue('CERT-1', { transition: { id: transitions[0]!.id } });
      names.push(standIn.issue('CERT-1')!.fields.status.name);
    }
    expect(names).toEqual(['To Do', 'In Progress', 'Done']);
  });

  it('custom fields are checked by type: a date-time takes ISO 8601 with an offset, nothing looser', async () => {
    await standIn.close();
    standIn = await startJiraStandIn({
      ...OPTIONS,
      customFields: [
        { id: 'customfield_10050', name: 'Change window start', type: 'datetime' },
        { id: 'customfield_10051', name: 'Risk score', type: 'number' },
      ],
    });
    for (const accepted of ['2026-12-05T22:00:00.000+0000', '2026-12-05T22:00Z', '2026-12-05T22:00:00+02:00']) {
      const response = await rest(standIn, 'POST', '/rest/api/3/issue', {
        fields: changeFields({ customfield_10050: accepted, customfield_10051: 3 }),
      });
      expect([accepted, response.status]).toEqual([accepted, 201]);
    }
    for (const refused of ['June 10', '2026-12-05', '2026-12-05T22:00:00']) {
      const response = await rest(standIn, 'POST', '/rest/api/3/issue', {
        fields: changeFields({ customfield_10050: refused, customfield_10051: 'high' }),
      });
      expect([refused, response.status, Object.keys((response.body as { errors: object }).errors)]).toEqual([
        refused,
        400,
        ['customfield_10050', 'customfield_10051'],
      ]);
    }
  });
});
