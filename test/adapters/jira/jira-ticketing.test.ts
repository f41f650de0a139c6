import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import JiraApi from 'jira-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { OwnerGroup } from '../../../src/core/domain/inventory/model';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import { cycleLabel } from '../../../src/adapters/jira/change-ticket-fields';
import { parseJiraConfig, type JiraConfig } from '../../../src/adapters/jira/jira-config';
import { JiraUnavailableError } from '../../../src/adapters/jira/jira-rest';
import { InMemoryJiraTicketStore, type JiraTicketStore } from '../../../src/adapters/jira/jira-ticket-store';
import { JiraTicketing } from '../../../src/adapters/jira/jira-ticketing';
import { SqlJiraTicketStore } from '../../../src/adapters/jira/sql-jira-ticket-store';
import { startJiraStandIn, type JiraStandIn } from '../../../src/adapters/jira/stand-in/jira-stand-in';
import { TicketRejectedError, type ChangeTicketRequest } from '../../../src/core/ports/ticketing-port';
import { ownerGroupFixture, summaryFixture } from '../../support/lifecycle-fixtures';

const CYCLE = 'lifecycle-a1b2c3d4e5f60718/c1/ticket';

const users = [
  {
    accountId: 'acc-certflow',
    email: 'certflow@example.com',
    displayName: 'certflow',
    apiToken: 'token-1',
    personalAccessToken: 'pat-1',
  },
  { accountId: 'acc-carla', email: 'carla@example.com', displayName: 'Carla Change', apiToken: 'token-2' },
  { accountId: 'acc-mona', email: 'mona@example.com', displayName: 'Mona Manager', apiToken: 'token-3' },
  { accountId: 'acc-ivan', email: 'ivan@example.com', displayName: 'Ivan Incident', apiToken: 'token-4' },
];

const group: OwnerGroup = ownerGroupFixture({
  managementContact: { name: 'Mona Manager', email: 'mona@example.com', jiraAccountId: 'acc-mona' },
  incidentResponseContact: { name: 'Ivan Incident', email: 'ivan@example.com', jiraAccountId: 'acc-ivan' },
});

const request = (overrides: Partial<ChangeTicketRequest> = {}): ChangeTicketRequest => ({
  idempotencyKey: CYCLE,
  certificate: summaryFixture(),
  group,
  renewalDeadline: '2025-06-17T12:00:00.000Z',
  violations: [],
  link: 'https://certflow.example.com/certificates/a1b2c3d4e5f60718',
  ...overrides,
});

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

/** A stand-in closed after the test; on Cloud the test fails if anything called the removed /rest/api/2/search. */
async function standIn(
  flavour: 'cloud' | 'data-center' = 'cloud',
  options: { callsRemovedSearch?: boolean; expandsCommentProperties?: boolean } = {},
): Promise<JiraStandIn> {
  const jira = await startJiraStandIn({
    flavour,
    expandsCommentProperties: options.expandsCommentProperties ?? true,
    users,
    projects: [{ key: 'CHG' }, { key: 'PAY' }],
    customFields: [
      { id: 'customfield_10050', name: 'Change window start', type: 'datetime' },
      { id: 'customfield_10051', name: 'Decline reason', type: 'string' },
    ],
  });
  open.push(async () => {
    await jira.close();
    if (flavour === 'cloud' && options.callsRemovedSearch !== true) {
      expect(jira.calls.filter((call) => call.path.startsWith('/rest/api/2/search'))).toEqual([]);
    }
  });
  return jira;
}

function configFor(jira: JiraStandIn, overrides: Record<string, unknown> = {}): JiraConfig {
  return parseJiraConfig({
    flavour: 'cloud',
    host: '127.0.0.1',
    protocol: 'http',
    port: jira.port,
    auth: { email: 'certflow@example.com', apiToken: 'token-1' },
    projectKey: 'CHG',
    customFields: { changeWindowStart: { id: 'customfield_10050', type: 'datetime' } },
    ...overrides,
  });
}

/** The adapter with a recorded sleep, so a Retry-After is honoured without waiting, and a clock the test moves. */
function adapter(
  jira: JiraStandIn,
  options: { store?: JiraTicketStore; config?: Record<string, unknown>; fetch?: typeof fetch } = {},
) {
  const sleeps: number[] = [];
  const clock = { nowMs: 1_000_000 };
  const ticketing = new JiraTicketing({
    config: configFor(jira, options.config),
    store: options.store ?? new InMemoryJiraTicketStore(),
    fetch: options.fetch,
    sleep: (milliseconds) => {
      sleeps.push(milliseconds);
      return Promise.resolve();
    },
    nowMs: () => clock.nowMs,
  });
  return { ticketing, sleeps, clock };
}

/** A fetch whose first create reaches Jira but whose answer is lost, as a 500 would lose it. */
function losingFirstCreate(): typeof fetch {
  let lost = false;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (
      !lost &&
      init?.method === 'POST' &&
      new URL(input instanceof Request ? input.url : input).pathname.endsWith('/issue')
    ) {
      lost = true;
      return new Response(JSON.stringify({ errorMessages: ['Internal server error'], errors: {} }), { status: 500 });
    }
    return response;
  };
}

const callsTo = (jira: JiraStandIn, method: string, pattern: RegExp) =>
  jira.calls.filter((call) => call.method === method && pattern.test(call.path));

describe('Jira ticketing adapter against the Jira stand-in (Cloud; no test but the pin calls /rest/api/2/search)', () => {
  it('R-MON-2: opens one Change ticket per cycle with labels, due date and an ADF description; asking again reads the store', async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira);
    const ticket = await ticketing.ensureChangeTicket(request());
    expect(ticket).toEqual({ key: 'CHG-1', url: `http://127.0.0.1:${jira.port}/browse/CHG-1` });
    const issue = jira.issue('CHG-1')!;
    expect(issue.fields).toMatchObject({
      summary: 'Renew TLS certificate shop.example.com (expires 2025-07-01)',
      issuetype: { name: 'Change' },
      status: { name: 'Awaiting approval' },
      duedate: '2025-06-17',
      labels: expect.arrayContaining(['certflow', cycleLabel(CYCLE)]),
    });
    expect(issue.fields.description).toContain('Issuer (CA): CN=Example Issuing CA');
    expect(callsTo(jira, 'POST', /^\/rest\/api\/3\/issue$/)).toHaveLength(1);

    const before = jira.calls.length;
    expect(await ticketing.ensureChangeTicket(request())).toEqual(ticket);
    expect(jira.calls.length).toBe(before);
  });

  it('R-MON-2: a 500 before the create is retried by the activity and opens one ticket once the search lag passed', async () => {
    const jira = await standIn();
    const { ticketing, clock } = adapter(jira);
    jira.faults.next('POST /issue', { status: 500 });
    const failure = await ticketing.ensureChangeTicket(request()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(JiraUnavailableError);
    expect((failure as Error).message).toMatch(/Jira failed \(500\).*the step is retried/);
    clock.nowMs += 30_000;
    await ticketing.ensureChangeTicket(request());
    expect(jira.issues()).toHaveLength(1);
  });

  it("R-MON-2: a retry while Jira Cloud's search does not show the lost create yet waits instead of creating again", async () => {
    const jira = await standIn();
    const lose = losingFirstCreate();
    let hidden = 2;
    const laggingSearch: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      if (url.pathname.endsWith('/search/jql') && hidden-- > 0) {
        return new Response(JSON.stringify({ issues: [], isLast: true }), { status: 200 });
      }
      return await lose(input, init);
    };
    const { ticketing, clock } = adapter(jira, { fetch: laggingSearch });
    await expect(ticketing.ensureChangeTicket(request())).rejects.toBeInstanceOf(JiraUnavailableError);
    clock.nowMs += 5_000;
    const waiting = await ticketing.ensureChangeTicket(request()).catch((error: unknown) => error);
    expect(waiting).toBeInstanceOf(JiraUnavailableError);
    expect((waiting as Error).message).toMatch(
      /^an attempt 5 s ago to open the change ticket .* \(jira\.searchLagSeconds\)/,
    );
    clock.nowMs += 5_000;
    expect((await ticketing.ensureChangeTicket(request())).key).toBe('CHG-1');
    expect(jira.issues()).toHaveLength(1);
    expect(callsTo(jira, 'POST', /^\/rest\/api\/3\/issue$/)).toHaveLength(1);
  });

  it('R-MON-2: a create whose answer is lost (500 after Jira created it) is found by its label on the retry, not created again', async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira, { fetch: losingFirstCreate() });
    await expect(ticketing.ensureChangeTicket(request())).rejects.toBeInstanceOf(JiraUnavailableError);
    expect(jira.issues()).toHaveLength(1);
    const ticket = await ticketing.ensureChangeTicket(request());
    expect(ticket.key).toBe('CHG-1');
    expect(jira.issues()).toHaveLength(1);
    expect(callsTo(jira, 'GET', /^\/rest\/api\/3\/search\/jql$/).length).toBeGreaterThanOrEqual(2);
  });

  it('R-MON-2: after a worker restart the SQL store returns the ticket without asking Jira', async () => {
    const jira = await standIn();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-jira-'));
    open.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const url = `sqlite:${path.join(dir, 'inventory.sqlite')}`;

    const first = await openInventoryDatabase({ url });
    const ticket = await adapter(jira, {
      store: new SqlJiraTicketStore({ db: first.db }),
    }).ticketing.ensureChangeTicket(request());
    await first.store.close();

    const second = await openInventoryDatabase({ url });
    open.push(() => second.store.close());
    const before = jira.calls.length;
    const restarted = adapter(jira, { store: new SqlJiraTicketStore({ db: second.db }) }).ticketing;
    expect(await restarted.ensureChangeTicket(request())).toEqual(ticket);
    expect(jira.calls.length).toBe(before);
    expect(jira.issues()).toHaveLength(1);
  });

  it('R-MON-2: with a cold store the ticket is found through /rest/api/3/search/jql; Cloud never calls /rest/api/2/search', async () => {
    const jira = await standIn();
    const ticket = await adapter(jira).ticketing.ensureChangeTicket(request());
    const cold = adapter(jira).ticketing;
    expect(await cold.ensureChangeTicket(request())).toEqual(ticket);
    expect(await cold.ensureChangeTicket(request({ idempotencyKey: 'lifecycle-a1b2c3d4e5f60718/c2/ticket' }))).toEqual(
      expect.objectContaining({ key: 'CHG-2' }),
    );
    expect(jira.issues()).toHaveLength(2);
    expect(callsTo(jira, 'GET', /^\/rest\/api\/3\/search\/jql$/)).toHaveLength(3);
    expect(jira.calls.filter((call) => call.path.startsWith('/rest/api/2/search'))).toEqual([]);
  });

  it("pins Jira Cloud's removal: jira-client's own searchJira gets 410 Gone from /rest/api/2/search", async () => {
    const jira = await standIn('cloud', { callsRemovedSearch: true });
    const client = new JiraApi({
      protocol: 'http',
      host: '127.0.0.1',
      port: String(jira.port),
      username: 'certflow@example.com',
      password: 'token-1',
      apiVersion: '2',
    });
    await expect(client.searchJira(`labels = "${cycleLabel(CYCLE)}"`)).rejects.toThrow(/removed/);
    expect(jira.calls.at(-1)).toEqual({ method: 'POST', path: '/rest/api/2/search', status: 410 });
  });

  it('R-LOG-1: comments a step once per key, also from a restarted adapter whose store lost the key', async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira);
    const ticket = await ticketing.ensureChangeTicket(request());
    const step = {
      ticket,
      idempotencyKey: `${CYCLE}/comment/issued`,
      step: 'issued' as const,
      body: 'Certificate issued.',
    };
    await ticketing.comment(step);
    await ticketing.comment(step);
    await adapter(jira).ticketing.comment(step);
    await ticketing.comment({ ...step, idempotencyKey: `${CYCLE}/comment/installed`, body: 'Installed.' });
    const comments = jira.issue(ticket.key)!.comments;
    // People read only the step; the idempotency key is a comment property, created with the comment.
    expect(comments.map((comment) => comment.body)).toEqual(['Certificate issued.', 'Installed.']);
    expect(comments.map((comment) => comment.properties)).toEqual([
      [{ key: 'certflow', value: { idempotencyKey: `${CYCLE}/comment/issued` } }],
      [{ key: 'certflow', value: { idempotencyKey: `${CYCLE}/comment/installed` } }],
    ]);
    expect(callsTo(jira, 'POST', /^\/rest\/api\/3\/issue\/CHG-1\/comment$/)).toHaveLength(2);
  });

  it('R-LOG-1: a comment whose answer was lost (500 after Jira wrote it) is found by its property, not written again', async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira);
    const ticket = await ticketing.ensureChangeTicket(request());
    const step = { ticket, idempotencyKey: `${CYCLE}/comment/approved`, step: 'approved' as const, body: 'Approved.' };
    jira.faults.next('POST /issue/*/comment', { status: 500, afterProcessing: true });
    await expect(ticketing.comment(step)).rejects.toBeInstanceOf(JiraUnavailableError);
    await ticketing.comment(step);
    await ticketing.comment({ ...step, idempotencyKey: `${CYCLE}/comment/other`, body: 'Approved.' });
    expect(jira.issue(ticket.key)!.comments.map((comment) => comment.body)).toEqual(['Approved.', 'Approved.']);
  });

  it("R-LOG-1: a Jira that ignores expand=properties on the comment list is asked for each comment's property", async () => {
    const jira = await standIn('cloud', { expandsCommentProperties: false });
    const { ticketing } = adapter(jira);
    const ticket = await ticketing.ensureChangeTicket(request());
    const step = { ticket, idempotencyKey: `${CYCLE}/comment/issued`, step: 'issued' as const, body: 'Issued.' };
    await ticketing.comment(step);
    await adapter(jira).ticketing.comment(step);
    await adapter(jira).ticketing.comment({
      ...step,
      idempotencyKey: `${CYCLE}/comment/installed`,
      body: 'Installed.',
    });
    expect(jira.issue(ticket.key)!.comments.map((comment) => comment.body)).toEqual(['Issued.', 'Installed.']);
    expect(callsTo(jira, 'GET', /^\/rest\/api\/3\/comment\/\d+\/properties\/certflow$/)).toHaveLength(2);
  });

  it('R-LOG-1: a comment an earlier version ended with its [certflow:…] marker is still recognised, and the web page shows no machine tag', async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira);
    const ticket = await ticketing.ensureChangeTicket(request());
    const client = new JiraApi({
      protocol: 'http',
      host: '127.0.0.1',
      port: String(jira.port),
      username: 'certflow@example.com',
      password: 'token-1',
      apiVersion: '2',
    });
    await client.addComment(ticket.key, `Certificate issued.\n[certflow:${CYCLE}/comment/issued]`);
    await ticketing.comment({
      ticket,
      idempotencyKey: `${CYCLE}/comment/issued`,
      step: 'issued',
      body: 'Certificate issued.',
    });
    await ticketing.comment({
      ticket,
      idempotencyKey: `${CYCLE}/comment/installed`,
      step: 'installed',
      body: 'Installed.',
    });
    await ticketing.escalate({
      ticket,
      idempotencyKey: `${CYCLE}/escalate/30d`,
      level: 'escalation',
      reason: 'Not renewed 30 days before expiry.',
      group,
    });
    expect(jira.issue(ticket.key)!.comments).toHaveLength(3);
    const page = await (await fetch(`${jira.url}/`)).text();
    expect(page).toContain('Installed.');
    expect(page).toContain('ESCALATION: Not renewed 30 days before expiry.');
    expect(page.match(/\[certflow:/g)).toHaveLength(1);
  });

  it('R-MON-2: transitions by the configured names through the Change workflow to Done, leaving a ticket already there alone', async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira);
    const ticket = await ticketing.ensureChangeTicket(request());

    const early = await ticketing
      .transition({ ticket, idempotencyKey: `${CYCLE}/transition/in-progress/early`, to: 'in-progress' })
      .catch((error: unknown) => error);
    expect(early).toBeInstanceOf(TicketRejectedError);
    expect((early as Error).message).toBe(
      'CHG-1 is in status "Awaiting approval", from which Jira offers no transition "In Progress" ' +
        '(jira.transitions.in-progress); available: "Approve" (to Approved), "Decline" (to Declined), ' +
        '"Cancelled" (to Cancelled). Set jira.transitions.in-progress to the transition that starts the change ' +
        'once it is approved, or move the ticket on in Jira first',
    );

    await jira.transitionAs(ticket.key, 'Approved', 'acc-carla');
    await ticketing.transition({ ticket, idempotencyKey: `${CYCLE}/transition/in-progress/r1`, to: 'in-progress' });
    await ticketing.transition({ ticket, idempotencyKey: `${CYCLE}/transition/in-progress/r1`, to: 'in-progress' });
    await adapter(jira).ticketing.transition({
      ticket,
      idempotencyKey: `${CYCLE}/transition/in-progress/r2`,
      to: 'in-progress',
    });
    expect((await ticketing.readTicketStatus(ticket.key)).status).toBe('In Progress');
    await ticketing.transition({ ticket, idempotencyKey: `${CYCLE}/transition/done/r1`, to: 'done' });

    expect(jira.issue(ticket.key)!.transitions.map(({ to, via }) => `${to} (${via})`)).toEqual([
      'Approved (person)',
      'In Progress (api)',
      'Done (api)',
    ]);
    expect(callsTo(jira, 'POST', /\/transitions$/)).toHaveLength(2);
    expect(await ticketing.readTicketStatus(ticket.key)).toEqual({
      key: 'CHG-1',
      status: 'Done',
      statusCategory: 'done',
      changeWindowStart: null,
      reason: null,
    });
  });

  it("reads a ticket's status and the change window a change manager set", async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira);
    const ticket = await ticketing.ensureChangeTicket(request());
    await jira.transitionAs(ticket.key, 'Approved', 'acc-carla');
    await jira.setField(ticket.key, 'customfield_10050', '2025-06-10T22:00:00.000+0000', 'acc-carla');
    expect(await ticketing.readTicketStatus(ticket.key)).toEqual({
      key: 'CHG-1',
      status: 'Approved',
      statusCategory: 'indeterminate',
      changeWindowStart: '2025-06-10T22:00:00.000+0000',
      reason: null,
    });
  });

  it("R-MON-2: reads a decline's reason from the configured field, else the newest comment a person wrote", async () => {
    const jira = await standIn();
    const config = { customFields: { declineReason: 'customfield_10051' } };
    const { ticketing } = adapter(jira, { config });
    const first = await ticketing.ensureChangeTicket(request());
    const second = await ticketing.ensureChangeTicket(request({ idempotencyKey: `${CYCLE}-2` }));
    await jira.transitionAs(first.key, 'Declined', 'acc-carla', {
      fields: { customfield_10051: 'change freeze' },
      comment: 'see the CAB minutes',
    });
    await jira.transitionAs(second.key, 'Declined', 'acc-carla', { comment: 'No rollback plan.' });
    // certflow's own comment after the decline is not the change manager's reason.
    await ticketing.comment({ ticket: second, idempotencyKey: `${CYCLE}-2/rejected`, step: 'rejected', body: 'x' });
    expect(await ticketing.readTicketStatus(first.key)).toMatchObject({ status: 'Declined', reason: 'change freeze' });
    expect(await ticketing.readTicketStatus(second.key)).toMatchObject({ reason: 'No rollback plan.' });
    expect(callsTo(jira, 'GET', /^\/rest\/api\/3\/issue\/CHG-1\/comment$/)).toHaveLength(0);
  });

  it('R-MON-3: an escalation raises the priority, comments to management and reassigns once; an incident goes to Highest and incident response, and stays there', async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira, { config: { reassignOnEscalation: true } });
    const ticket = await ticketing.ensureChangeTicket(request());
    const escalation = {
      ticket,
      idempotencyKey: `${CYCLE}/escalate/30d`,
      level: 'escalation' as const,
      reason: 'Not renewed 30 days before expiry.',
      group,
    };
    await ticketing.escalate(escalation);
    await ticketing.escalate(escalation);
    await adapter(jira).ticketing.escalate(escalation);
    let issue = jira.issue(ticket.key)!;
    expect(issue.fields.priority.name).toBe('High');
    expect(issue.fields.assignee?.accountId).toBe('acc-mona');
    expect(issue.comments).toHaveLength(1);
    expect(issue.comments[0]?.body).toContain('ESCALATION: Not renewed 30 days before expiry.');
    expect(issue.comments[0]?.body).toContain('Mona Manager <mona@example.com>: this change needs your attention.');

    await ticketing.escalate({
      ...escalation,
      idempotencyKey: `${CYCLE}/incident/expired`,
      level: 'incident',
      reason: 'Expired.',
    });
    await ticketing.escalate({
      ...escalation,
      idempotencyKey: `${CYCLE}/escalate/failed/r1`,
      reason: 'Renewal failed.',
    });
    issue = jira.issue(ticket.key)!;
    expect(issue.fields.priority.name).toBe('Highest');
    expect(issue.fields.assignee?.accountId).toBe('acc-ivan');
    expect(issue.comments.map((comment) => comment.body.split('\n')[0])).toEqual([
      'ESCALATION: Not renewed 30 days before expiry.',
      'INCIDENT: certificate expired: Expired.',
      'ESCALATION: Renewal failed.',
    ]);
  });

  it('bad credentials are a TicketRejectedError that says which settings to fix', async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira, { config: { auth: { email: 'certflow@example.com', apiToken: 'wrong' } } });
    const failure = await ticketing.ensureChangeTicket(request()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TicketRejectedError);
    expect((failure as Error).message).toMatch(
      /^Jira refused certflow's credentials \(401\) when it tried to search Jira .*: check jira\.auth\.email \(certflow@example\.com\) and jira\.auth\.apiToken/,
    );
  });

  it("an unknown project (400) is a TicketRejectedError with Jira's message and the fix", async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira);
    const failure = await ticketing
      .ensureChangeTicket(request({ group: ownerGroupFixture({ jira: { projectKey: 'NOPE' } }) }))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TicketRejectedError);
    expect((failure as Error).message).toBe(
      'Jira refused to open a change ticket in project NOPE (400, POST /rest/api/3/issue): project: Specify a ' +
        "valid project ID or key. Fix: set jira.projectKey, or the owner group's project (`certflow groups update " +
        "<group> --jira-project <key>`), to a project certflow's Jira user can create issues in (now NOPE)",
    );
    expect(jira.issues()).toEqual([]);
  });

  it('an issue type the project lacks (400) names jira.issueType as the fix', async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira, { config: { issueType: 'Story' } });
    const failure = await ticketing.ensureChangeTicket(request()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TicketRejectedError);
    expect((failure as Error).message).toMatch(
      /^Jira refused to open a change ticket in project CHG \(400, POST \/rest\/api\/3\/issue\): issuetype: .*\. Fix: set jira\.issueType to an issue type of project CHG \(now "Story"\)$/,
    );
  });

  it('a ticket deleted in Jira (404) is a TicketRejectedError saying so', async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira);
    const failure = await ticketing
      .comment({
        ticket: { key: 'CHG-99', url: '' },
        idempotencyKey: `${CYCLE}/comment/issued`,
        step: 'issued',
        body: 'x',
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TicketRejectedError);
    expect((failure as Error).message).toMatch(
      /^Jira refused to read the comments of CHG-99 \(404, GET \/rest\/api\/3\/issue\/CHG-99\/comment\?expand=properties[^)]*\): .*The issue was deleted or moved/,
    );
  });

  it('a 429 is waited out for its Retry-After and the call then succeeds; one that keeps coming is retryable', async () => {
    const jira = await standIn();
    const { ticketing, sleeps } = adapter(jira);
    jira.faults.next('POST /issue', { status: 429, retryAfterSeconds: 2 });
    await ticketing.ensureChangeTicket(request());
    expect(sleeps).toEqual([2000]);
    expect(jira.issues()).toHaveLength(1);

    jira.faults.next('any', { status: 429, retryAfterSeconds: 1 }, 4);
    const failure = await ticketing
      .comment({ ticket: { key: 'CHG-1', url: '' }, idempotencyKey: 'k', step: 'issued', body: 'x' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(JiraUnavailableError);
    expect((failure as Error).message).toMatch(/^Jira kept rate limiting \(429, Retry-After 1 s\)/);
  });

  it('an unreachable Jira is retryable', async () => {
    const jira = await standIn();
    const { ticketing } = adapter(jira);
    await jira.close();
    open.pop();
    const failure = await ticketing.ensureChangeTicket(request()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(JiraUnavailableError);
    expect((failure as Error).message).toMatch(/^Jira could not be reached: fetch failed/);
  });
});

describe('Jira ticketing adapter against the Jira stand-in (Data Center)', () => {
  const dataCenter = {
    flavour: 'data-center',
    auth: { personalAccessToken: 'pat-1' },
    customFields: {},
  };

  it('R-MON-2: opens with a personal access token, plain-text description, and finds the ticket through the v2 search', async () => {
    const jira = await standIn('data-center');
    const ticket = await adapter(jira, { config: dataCenter }).ticketing.ensureChangeTicket(request());
    expect(jira.issue(ticket.key)!.fields.description).toContain('Installed at:\n- TLS endpoint shop.example.com:443');
    const cold = adapter(jira, { config: dataCenter }).ticketing;
    expect(await cold.ensureChangeTicket(request())).toEqual(ticket);
    expect(jira.issues()).toHaveLength(1);
    expect(callsTo(jira, 'GET', /^\/rest\/api\/2\/search$/)).toHaveLength(2);
    expect(callsTo(jira, 'POST', /^\/rest\/api\/2\/issue$/)).toHaveLength(1);
  });

  it('R-LOG-1: comments as text once, and a bad token says which setting to fix', async () => {
    const jira = await standIn('data-center');
    const { ticketing } = adapter(jira, { config: dataCenter });
    const ticket = await ticketing.ensureChangeTicket(request());
    const step = { ticket, idempotencyKey: `${CYCLE}/comment/verified`, step: 'verified' as const, body: 'Verified.' };
    await ticketing.comment(step);
    await adapter(jira, { config: dataCenter }).ticketing.comment(step);
    expect(jira.issue(ticket.key)!.comments.map((comment) => [comment.body, comment.properties])).toEqual([
      ['Verified.', [{ key: 'certflow', value: { idempotencyKey: `${CYCLE}/comment/verified` } }]],
    ]);

    const wrong = adapter(jira, { config: { ...dataCenter, auth: { personalAccessToken: 'stale' } } }).ticketing;
    await expect(wrong.comment({ ...step, idempotencyKey: 'other' })).rejects.toThrow(
      /\(401\).*check jira\.auth\.personalAccessToken/,
    );
  });
});
