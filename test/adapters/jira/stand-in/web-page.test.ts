import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JiraStandIn, startJiraStandIn } from '../../../../src/adapters/jira/stand-in/jira-stand-in';
import { ALICE, CERTFLOW_BOT, changeFields, jiraClient, OPTIONS } from './support';

let standIn: JiraStandIn;

beforeEach(async () => {
  standIn = await startJiraStandIn(OPTIONS);
  const jira = jiraClient(standIn);
  await jira.addNewIssue({ fields: changeFields({ summary: 'Renew <script>alert(1)</script> & co' }) });
  await jira.addComment('CERT-1', 'Approval requested from "web" <owners>');
});

afterEach(() => standIn.close());

function transition(body: string, contentType: string) {
  return fetch(`${standIn.url}/stand-in/transition`, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body,
    redirect: 'manual',
  });
}

describe('Jira stand-in page', () => {
  it('lists tickets with escaped text and one form per allowed transition, as the chosen user', async () => {
    const response = await fetch(`${standIn.url}/?user=${ALICE.accountId}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain('Renew &lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Approval requested from &quot;web&quot; &lt;owners&gt;');
    expect(html).toContain('Awaiting approval');
    expect(html).toContain('Medium');
    expect(html.match(/<form class="transition"/g)).toHaveLength(3);
    expect(html).toContain(`<input type="hidden" name="user" value="${ALICE.accountId}">`);
    expect(html).toContain(`<option value="${ALICE.accountId}" selected>`);
  });

  it('a form post moves the ticket as that user, sends it back to the page, and the page shows the next buttons', async () => {
    const form = new URLSearchParams({ key: 'CERT-1', toStatus: 'Approved', user: ALICE.accountId }).toString();
    const response = await transition(form, 'application/x-www-form-urlencoded');
    expect([response.status, response.headers.get('location')]).toEqual([303, `/?user=${ALICE.accountId}`]);
    expect(standIn.issue('CERT-1')?.transitions).toMatchObject([
      { to: 'Approved', via: 'person', by: { accountId: ALICE.accountId } },
    ]);
    const html = await (await fetch(`${standIn.url}/?user=${ALICE.accountId}`)).text();
    expect(html).toContain('>In Progress</button>');
    expect(html).not.toContain('>Approve</button>');
  });

  it('a decline asks for an optional comment, which is added with the transition', async () => {
    const html = await (await fetch(`${standIn.url}/?user=${ALICE.accountId}`)).text();
    // Decline and Cancelled close the ticket; Approve does not.
    expect(html.match(/<input type="text" name="comment"/g)).toHaveLength(2);
    const form = new URLSearchParams({
      key: 'CERT-1',
      toStatus: 'Declined',
      user: ALICE.accountId,
      comment: '  Overlaps the freeze.  ',
    }).toString();
    expect((await transition(form, 'application/x-www-form-urlencoded')).status).toBe(303);
    expect(standIn.issue('CERT-1')?.comments.at(-1)).toMatchObject({
      body: 'Overlaps the freeze.',
      author: { accountId: ALICE.accountId },
    });
    expect(
      (
        await transition(
          JSON.stringify({ key: 'CERT-1', toStatus: 'Done', user: ALICE.accountId, comment: 7 }),
          'application/json',
        )
      ).status,
    ).toBe(400);
  });

  it('a JSON post answers with the new status', async () => {
    const response = await transition(
      JSON.stringify({ key: 'CERT-1', toStatus: 'Declined', user: CERTFLOW_BOT.accountId }),
      'application/json',
    );
    expect(await response.json()).toEqual({ ok: true, key: 'CERT-1', status: 'Declined' });
  });

  it.each([
    ['{"key": ', 'application/json', 400, 'not JSON'],
    ['[]', 'application/json', 400, 'JSON object'],
    ['key=CERT-1&user=x', 'application/x-www-form-urlencoded', 400, 'give "toStatus"'],
    ['key=CERT-1&toStatus=Approved&user=nobody', 'application/x-www-form-urlencoded', 404, 'no user "nobody"'],
    [
      `key=CERT-9&toStatus=Approved&user=${ALICE.accountId}`,
      'application/x-www-form-urlencoded',
      404,
      'no ticket CERT-9',
    ],
    [
      `key=CERT-1&toStatus=Done&user=${ALICE.accountId}`,
      'application/x-www-form-urlencoded',
      409,
      "A transition to 'Done' is not valid",
    ],
    ['key=CERT-1', 'text/plain', 415, 'send the transition as a form'],
  ])('bad input %j (%s) is a %d that says why, and nothing moves', async (body, contentType, status, message) => {
    const response = await transition(body, contentType);
    expect(response.status).toBe(status);
    expect(await response.text()).toContain(message);
    expect(standIn.issue('CERT-1')?.fields.status.name).toBe('Awaiting approval');
  });

  it('the page refuses an unknown user and other methods; unknown paths are 404', async () => {
    expect((await fetch(`${standIn.url}/?user=nobody`)).status).toBe(404);
    expect((await fetch(`${standIn.url}/`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${standIn.url}/stand-in/transition`)).status).toBe(405);
    expect((await fetch(`${standIn.url}/elsewhere`)).status).toBe(404);
  });
});
