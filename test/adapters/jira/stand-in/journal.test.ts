/**
 * Issue 14 item 4 in the stand-in mode: `certflow start` without Jira credentials plays Jira with the demo stand-in,
 * and certflow keeps the keys of its tickets in the inventory database. A stand-in that forgot its issues on a
 * restart would make those keys name nothing (every sync failing) or, numbering again from CERT-1, other tickets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_JIRA_JOURNAL, DEMO_JIRA_USERS, startDemoJira } from '../../../../src/adapters/jira/stand-in/demo-jira';
import {
  JiraStandInConfigError,
  startJiraStandIn,
  type JiraStandIn,
} from '../../../../src/adapters/jira/stand-in/jira-stand-in';
import { ALICE, changeFields, jiraClient, OPTIONS, rest } from './support';

const folders: string[] = [];
const open: JiraStandIn[] = [];
afterEach(async () => {
  for (const standIn of open.splice(0)) await standIn.close();
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function journalFile(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-jira-journal-'));
  folders.push(folder);
  return path.join(folder, 'data', 'jira.jsonl');
}

async function started(file: string): Promise<JiraStandIn> {
  const standIn = await startJiraStandIn({ ...OPTIONS, journalFile: file });
  open.push(standIn);
  return standIn;
}

describe('the Jira stand-in journal', () => {
  it('a stand-in started on the same journal has every issue, comment, property and status, and numbers on', async () => {
    const file = journalFile();
    const first = await started(file);
    const jira = jiraClient(first, '2');
    const { key } = (await jira.addNewIssue({ fields: changeFields() })) as { key: string };
    const property = { key: 'certflow', value: { idempotencyKey: 'wf/c1/comment/issued' } };
    await jira.addCommentAdvanced(key, { body: 'Certificate issued.', properties: [property] });
    await first.transitionAs(key, 'Approved', ALICE.accountId);
    await first.close();

    const second = await started(file);
    expect(second.issue(key)).toMatchObject({
      fields: { summary: changeFields().summary, status: { name: 'Approved' } },
      comments: [{ body: 'Certificate issued.', properties: [property] }],
      transitions: [{ to: 'Approved' }],
    });
    const expanded = await rest(second, 'GET', `/rest/api/2/issue/${key}/comment?expand=properties`);
    expect(expanded.body).toMatchObject({ comments: [{ properties: [property] }] });
    const next = (await jiraClient(second, '2').addNewIssue({ fields: changeFields() })) as { key: string };
    expect(next.key).toBe('CERT-2');
    const comment = (await jiraClient(second, '2').addComment(next.key, 'x')) as { id: string };
    expect(Number(comment.id)).toBeGreaterThan(Number(second.issue(key)!.comments[0]!.id));
    // One line per issue after the restart compacted it, then one per change.
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('ignores a last line cut short by a crash, and refuses a journal damaged before it naming the fix', async () => {
    const file = journalFile();
    const first = await started(file);
    await jiraClient(first, '2').addNewIssue({ fields: changeFields() });
    await first.close();
    fs.appendFileSync(file, '{"issue": {"key": "CERT-2", "fie');
    const second = await started(file);
    expect(second.issues().map((issue) => issue.key)).toEqual(['CERT-1']);
    await second.close();

    fs.writeFileSync(file, `not json\n${fs.readFileSync(file, 'utf8')}`);
    const error = await startJiraStandIn({ ...OPTIONS, journalFile: file }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JiraStandInConfigError);
    expect((error as Error).message).toMatch(/journal .* is damaged at line 1 .*delete it to start the stand-in empty/);
  });

  it("the demo site keeps its tickets in certflow's data folder across runs", async () => {
    const dataDir = path.dirname(journalFile());
    const first = await startDemoJira({ port: 0, dataDir });
    open.push(first.standIn);
    const body = { fields: { project: { key: 'CERT' }, issuetype: { name: 'Change' }, summary: 'Renew demo' } };
    const auth = (demo: typeof first) => ({
      Authorization: `Basic ${Buffer.from(`${demo.email}:${demo.apiToken}`).toString('base64')}`,
    });
    await fetch(`${first.standIn.url}/rest/api/3/issue`, {
      method: 'POST',
      headers: { ...auth(first), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    await first.standIn.close();
    expect(fs.existsSync(path.join(dataDir, DEMO_JIRA_JOURNAL))).toBe(true);
    const second = await startDemoJira({ port: 0, dataDir });
    open.push(second.standIn);
    expect(second.standIn.issue('CERT-1')?.fields.reporter.accountId).toBe(DEMO_JIRA_USERS.certflow.accountId);
  });
});
