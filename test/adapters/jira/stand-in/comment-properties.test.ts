import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JiraStandIn, startJiraStandIn } from '../../../../src/adapters/jira/stand-in/jira-stand-in';
import { changeFields, jiraClient, OPTIONS, rest } from './support';

let standIn: JiraStandIn;

beforeEach(async () => {
  standIn = await startJiraStandIn(OPTIONS);
});

afterEach(() => standIn.close());

describe('Jira stand-in comment properties', () => {
  it('a comment created with properties shows them only when expanded, and by key; its page shows only the text', async () => {
    const jira = jiraClient(standIn, '2');
    const { key } = (await jira.addNewIssue({ fields: changeFields() })) as { key: string };
    const property = { key: 'certflow', value: { idempotencyKey: 'wf/c1/comment/issued' } };
    const created = (await jira.addCommentAdvanced(key, { body: 'Certificate issued.', properties: [property] })) as {
      id: string;
      properties?: unknown;
    };
    expect(created.properties).toBeUndefined();

    const plain = await rest(standIn, 'GET', `/rest/api/2/issue/${key}/comment`);
    expect((plain.body as { comments: Record<string, unknown>[] }).comments[0]).not.toHaveProperty('properties');
    const expanded = await rest(standIn, 'GET', `/rest/api/2/issue/${key}/comment?expand=properties`);
    expect((expanded.body as { comments: Record<string, unknown>[] }).comments[0]).toMatchObject({
      body: 'Certificate issued.',
      properties: [property],
    });
    expect(await rest(standIn, 'GET', `/rest/api/3/comment/${created.id}/properties/certflow`)).toMatchObject({
      status: 200,
      body: property,
    });
    expect(await rest(standIn, 'GET', `/rest/api/2/comment/${created.id}/properties`)).toMatchObject({
      status: 200,
      body: { keys: [{ key: 'certflow' }] },
    });
    expect((await rest(standIn, 'GET', `/rest/api/2/comment/${created.id}/properties/other`)).status).toBe(404);
    expect((await rest(standIn, 'GET', '/rest/api/2/comment/99999/properties/certflow')).status).toBe(404);

    const page = await (await fetch(`${standIn.url}/`)).text();
    expect(page).toContain('Certificate issued.');
    expect(page).not.toContain('idempotencyKey');
    expect(page).not.toContain('wf/c1/comment/issued');
  });

  it('refuses malformed properties and writes no comment', async () => {
    const jira = jiraClient(standIn, '2');
    const { key } = (await jira.addNewIssue({ fields: changeFields() })) as { key: string };
    for (const properties of [
      {},
      [{ value: 1 }],
      [{ key: 'k' }],
      [
        { key: 'k', value: 1 },
        { key: 'k', value: 2 },
      ],
    ]) {
      const answer = await rest(standIn, 'POST', `/rest/api/2/issue/${key}/comment`, { body: 'x', properties });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ errors: { properties: expect.any(String) } });
    }
    expect(standIn.issue(key)!.comments).toEqual([]);
  });
});
