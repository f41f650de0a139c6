import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidJiraFaultError,
  type JiraStandIn,
  startJiraStandIn,
} from '../../../../src/adapters/jira/stand-in/jira-stand-in';
import { changeFields, jiraClient, OPTIONS, rest } from './support';

let standIn: JiraStandIn;

beforeEach(async () => {
  standIn = await startJiraStandIn(OPTIONS);
});

afterEach(() => standIn.close());

describe('Jira stand-in faults', () => {
  it('a 500 fault fails the matching call once, creates nothing, and the retry succeeds', async () => {
    standIn.faults.next('POST /issue', { status: 500 });
    const jira = jiraClient(standIn);
    await expect(jira.addNewIssue({ fields: changeFields() })).rejects.toThrow('Internal server error');
    expect(standIn.issues()).toEqual([]);
    await jira.addNewIssue({ fields: changeFields() });
    expect(standIn.issues().map((issue) => issue.key)).toEqual(['CERT-1']);
    expect(standIn.calls).toEqual([
      { method: 'POST', path: '/rest/api/3/issue', status: 500 },
      { method: 'POST', path: '/rest/api/3/issue', status: 201 },
    ]);
  });

  it('a 500 after processing creates the issue and then fails, as a lost answer does: the client must look before retrying', async () => {
    standIn.faults.next('POST /issue', { status: 500, afterProcessing: true });
    const jira = jiraClient(standIn);
    await expect(jira.addNewIssue({ fields: changeFields() })).rejects.toThrow('Internal server error');
    expect(standIn.issues().map((issue) => issue.key)).toEqual(['CERT-1']);
    expect(standIn.calls).toEqual([{ method: 'POST', path: '/rest/api/3/issue', status: 500 }]);
  });

  it('a 429 fault answers with Retry-After; faults match by pattern and are consumed in order', async () => {
    await rest(standIn, 'POST', '/rest/api/3/issue', { fields: changeFields() });
    standIn.faults.next('/issue/*/transitions', { status: 429, retryAfterSeconds: 7 }, 2);
    const other = await rest(standIn, 'GET', '/rest/api/3/issue/CERT-1');
    expect(other.status).toBe(200);
    for (let attempt = 0; attempt < 2; attempt++) {
      const limited = await rest(standIn, 'GET', '/rest/api/2/issue/CERT-1/transitions');
      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
      expect(limited.body).toEqual({ errorMessages: ['Rate limit exceeded.'], errors: {} });
    }
    expect((await rest(standIn, 'GET', '/rest/api/2/issue/CERT-1/transitions')).status).toBe(200);
  });

  it("'any' matches every REST call, even without credentials", async () => {
    standIn.faults.next('any', { status: 500 });
    const response = await fetch(`${standIn.url}/rest/api/3/myself`);
    expect(response.status).toBe(500);
    expect((await fetch(`${standIn.url}/rest/api/3/myself`)).status).toBe(401);
  });

  it('a delay fault holds the answer until the delay passes, and close() drops held calls', async () => {
    standIn.faults.next('/myself', { delayMs: 60_000 });
    const held = fetch(`${standIn.url}/rest/api/3/myself`).then(
      () => 'answered',
      () => 'dropped',
    );
    await standIn.close();
    expect(await held).toBe('dropped');
    standIn = await startJiraStandIn(OPTIONS);
    standIn.faults.next('/myself', { delayMs: 1 });
    expect((await rest(standIn, 'GET', '/rest/api/3/myself')).status).toBe(200);
  });

  it.each([
    ['/myself', { status: 500 } as const, 0, 'times'],
    ['/myself', { delayMs: -1 }, 1, 'delayMs'],
    ['/myself', { status: 429, retryAfterSeconds: 1.5 } as const, 1, 'retryAfterSeconds'],
    ['myself', { status: 500 } as const, 1, 'pattern'],
    ['FETCH /myself', { status: 500 } as const, 1, 'pattern'],
  ])('refuses the fault %j %j ×%d (%s)', (pattern, fault, times, detail) => {
    expect(() => standIn.faults.next(pattern, fault, times)).toThrow(InvalidJiraFaultError);
    expect(() => standIn.faults.next(pattern, fault, times)).toThrow(detail);
  });
});
