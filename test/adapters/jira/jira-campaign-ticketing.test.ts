import { afterEach, describe, expect, it } from 'vitest';
import type { CampaignGroupProgress } from '../../../src/core/domain/campaigns/model';
import type { OwnerGroup } from '../../../src/core/domain/inventory/model';
import { JiraCampaignTicketing } from '../../../src/adapters/jira/jira-campaign-ticketing';
import { JiraConfigError, parseJiraConfig } from '../../../src/adapters/jira/jira-config';
import { JiraUnavailableError } from '../../../src/adapters/jira/jira-rest';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import { InMemoryJiraTicketStore, type JiraTicketStore } from '../../../src/adapters/jira/jira-ticket-store';
import { SqlJiraTicketStore } from '../../../src/adapters/jira/sql-jira-ticket-store';
import { startJiraStandIn, type JiraStandIn } from '../../../src/adapters/jira/stand-in/jira-stand-in';
import { TicketRejectedError } from '../../../src/core/ports/ticketing-port';
import { campaignFixture, countsOf } from '../slack/campaign-fixtures';
import { ownerGroupFixture } from '../../support/lifecycle-fixtures';

const users = [
  {
    accountId: 'acc-certflow',
    email: 'certflow@example.com',
    displayName: 'certflow',
    apiToken: 'token-1',
    personalAccessToken: 'pat-1',
  },
  { accountId: 'acc-mona', email: 'mona@example.com', displayName: 'Mona Manager', apiToken: 'token-3' },
];

const campaign = campaignFixture();
const group: OwnerGroup = ownerGroupFixture({
  managementContact: { name: 'Mona Manager', email: 'mona@example.com', jiraAccountId: 'acc-mona' },
});
const EPIC_KEY = `${campaign.id}/jira/epic`;
const taskKey = (name: string) => `${campaign.id}/jira/task/${name}`;

const progress = (counts: Parameters<typeof countsOf>[0]): CampaignGroupProgress => {
  const all = countsOf(counts);
  const total = Object.values(all).reduce((sum, count) => sum + count, 0);
  return { group: group.id, total, counts: all, done: all['old-revoked'] + all.skipped };
};

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function standIn(flavour: 'cloud' | 'data-center'): Promise<JiraStandIn> {
  const jira = await startJiraStandIn({
    flavour,
    users,
    projects: [{ key: 'CERT' }, { key: 'NOEPIC', issueTypes: ['Task'] }],
    customFields: [{ id: 'customfield_10101', name: 'Epic Link', type: 'string' }],
  });
  open.push(() => jira.close());
  return jira;
}

function adapter(
  jira: JiraStandIn,
  flavour: 'cloud' | 'data-center',
  options: { store?: JiraTicketStore; config?: Record<string, unknown> } = {},
) {
  const clock = { nowMs: 1_000_000 };
  const ticketing = new JiraCampaignTicketing({
    config: parseJiraConfig({
      flavour,
      host: '127.0.0.1',
      protocol: 'http',
      port: jira.port,
      auth:
        flavour === 'cloud' ? { email: 'certflow@example.com', apiToken: 'token-1' } : { personalAccessToken: 'pat-1' },
      projectKey: 'CERT',
      ...(flavour === 'data-center' ? { campaigns: { epicLinkField: 'customfield_10101' } } : {}),
      ...options.config,
    }),
    store: options.store ?? new InMemoryJiraTicketStore(),
    sleep: () => Promise.resolve(),
    nowMs: () => clock.nowMs,
  });
  return { ticketing, clock };
}

describe.each(['cloud', 'data-center'] as const)('JiraCampaignTicketing against the Jira stand-in (%s)', (flavour) => {
  it('R-CAM-3: one epic per campaign, also after a 500 that followed the create and a new store', async () => {
    const jira = await standIn(flavour);
    const { ticketing, clock } = adapter(jira, flavour);
    jira.faults.next('POST /issue', { status: 500, afterProcessing: true });
    await expect(ticketing.ensureEpic({ idempotencyKey: EPIC_KEY, campaign })).rejects.toBeInstanceOf(
      JiraUnavailableError,
    );
    clock.nowMs += 1_000;
    const epic = await ticketing.ensureEpic({ idempotencyKey: EPIC_KEY, campaign });
    expect(await ticketing.ensureEpic({ idempotencyKey: EPIC_KEY, campaign })).toEqual(epic);
    const restarted = adapter(jira, flavour).ticketing;
    expect(await restarted.ensureEpic({ idempotencyKey: EPIC_KEY, campaign })).toEqual(epic);
    expect(jira.issues()).toHaveLength(1);
    expect(jira.issue(epic.key)!.fields).toMatchObject({
      summary: '[certflow] Replace certificates of Old Issuing CA',
      issuetype: { name: 'Epic' },
      duedate: '2026-12-03',
      labels: expect.arrayContaining(['certflow', `certflow-campaign-${campaign.id}`]),
    });
    const description = String(jira.issue(epic.key)!.fields.description);
    for (const text of ['ca-compromise', 'Old Issuing CA compromised', '2026-12-03T10:00:00.000Z', 'alice']) {
      expect(description).toContain(text);
    }
    expect(description).toContain('issuer "CN=Old Issuing CA"');
  });

  it('R-CAM-3: one task per group under the epic, its description following progress, In Progress then Done', async () => {
    const jira = await standIn(flavour);
    const { ticketing } = adapter(jira, flavour);
    const epic = await ticketing.ensureEpic({ idempotencyKey: EPIC_KEY, campaign });
    const start = progress({ pending: 4 });
    const input = { idempotencyKey: taskKey(group.id), epic, campaign, group, progress: start };
    const task = await ticketing.ensureGroupTask(input);
    expect(await ticketing.ensureGroupTask(input)).toEqual(task);
    expect(jira.issues()).toHaveLength(2);
    const fields = jira.issue(task.key)!.fields;
    expect(fields).toMatchObject({
      summary: `[certflow] ${campaign.title}: ${group.id}`,
      issuetype: { name: 'Task' },
      status: { name: 'To Do' },
      duedate: '2026-12-03',
    });
    if (flavour === 'cloud') expect(fields.parent).toEqual({ id: expect.any(String), key: epic.key });
    else expect(fields.customfield_10101).toBe(epic.key);
    expect(String(fields.description)).toContain('0/4 (0 %)');
    const search = flavour === 'cloud' ? '/rest/api/3/search/jql' : '/rest/api/2/search';
    const auth =
      flavour === 'cloud' ? `Basic ${Buffer.from('certflow@example.com:token-1').toString('base64')}` : 'Bearer pat-1';
    const found = (await (
      await fetch(`${jira.url}${search}?jql=${encodeURIComponent(`parent = ${epic.key}`)}&fields=summary`, {
        headers: { authorization: auth },
      })
    ).json()) as { issues: { key: string }[] };
    expect(found.issues.map((issue) => issue.key)).toEqual([task.key]);
    const page = await (await fetch(`${jira.url}/`)).text();
    expect(page).toContain(`in epic ${epic.key}`);
    expect(page).toContain(`tasks: ${task.key}`);

    await ticketing.syncGroupTask({ task, campaign, progress: start });
    expect(jira.calls.filter((call) => call.method === 'PUT')).toHaveLength(0);

    await ticketing.syncGroupTask({ task, campaign, progress: progress({ pending: 2, issued: 1, 'old-revoked': 1 }) });
    expect(jira.issue(task.key)!.fields.status.name).toBe('In Progress');
    expect(String(jira.issue(task.key)!.fields.description)).toContain('1/4 (25 %)');
    expect(String(jira.issue(task.key)!.fields.description)).toContain('issued: 1');

    const done = progress({ 'old-revoked': 3, skipped: 1 });
    await ticketing.syncGroupTask({ task, campaign, progress: done });
    await ticketing.syncGroupTask({ task, campaign, progress: done });
    const issue = jira.issue(task.key)!;
    expect(issue.fields.status.name).toBe('Done');
    expect(issue.transitions.map((transition) => transition.to)).toEqual(['In Progress', 'Done']);
    expect(String(issue.fields.description)).toContain('4/4 (100 %)');
  });

  it('R-CAM-3: one epic and one task per key across a lost task create and a worker restart over the inventory database', async () => {
    const jira = await standIn(flavour);
    const { db, store } = await openInventoryDatabase({ url: ':memory:' });
    open.push(() => store.close());
    const first = adapter(jira, flavour, { store: new SqlJiraTicketStore({ db }) });
    const epic = await first.ticketing.ensureEpic({ idempotencyKey: EPIC_KEY, campaign });
    const input = { idempotencyKey: taskKey(group.id), epic, campaign, group, progress: progress({ pending: 2 }) };
    jira.faults.next('POST /issue', { status: 500, afterProcessing: true });
    await expect(first.ticketing.ensureGroupTask(input)).rejects.toBeInstanceOf(JiraUnavailableError);

    // A restarted worker: a new adapter over the same database finds the epic in it and the task by its label.
    const restarted = adapter(jira, flavour, { store: new SqlJiraTicketStore({ db }) });
    restarted.clock.nowMs += 60_000;
    expect(await restarted.ticketing.ensureEpic({ idempotencyKey: EPIC_KEY, campaign })).toEqual(epic);
    const task = await restarted.ticketing.ensureGroupTask(input);
    expect(await first.ticketing.ensureGroupTask(input)).toEqual(task);
    await restarted.ticketing.syncGroupTask({ task, campaign, progress: progress({ pending: 1, issued: 1 }) });
    expect(jira.issues().map((issue) => [issue.key, issue.fields.issuetype.name])).toEqual([
      [epic.key, 'Epic'],
      [task.key, 'Task'],
    ]);
    expect(jira.issue(task.key)!.fields.status.name).toBe('In Progress');
    expect(jira.calls.filter((call) => call.method === 'POST' && call.path.endsWith('/issue'))).toHaveLength(2);
  });

  it('R-CAM-3: a group done before its first sync passes through In Progress to Done', async () => {
    const jira = await standIn(flavour);
    const { ticketing } = adapter(jira, flavour);
    const epic = await ticketing.ensureEpic({ idempotencyKey: EPIC_KEY, campaign });
    const task = await ticketing.ensureGroupTask({
      idempotencyKey: taskKey(group.id),
      epic,
      campaign,
      group,
      progress: progress({ pending: 1 }),
    });
    await ticketing.syncGroupTask({ task, campaign, progress: progress({ 'old-revoked': 1 }) });
    expect(jira.issue(task.key)!.fields.status.name).toBe('Done');
  });

  it('R-CAM-3: escalation raises the priority and comments once per key', async () => {
    const jira = await standIn(flavour);
    const store = new InMemoryJiraTicketStore();
    const { ticketing } = adapter(jira, flavour, { store });
    const epic = await ticketing.ensureEpic({ idempotencyKey: EPIC_KEY, campaign });
    const task = await ticketing.ensureGroupTask({
      idempotencyKey: taskKey(group.id),
      epic,
      campaign,
      group,
      progress: progress({ pending: 2 }),
    });
    const escalation = {
      idempotencyKey: `${campaign.id}/escalation/${group.id}`,
      task,
      reason: 'deadline passed with 2 of 2 certificates not replaced',
      group,
    };
    jira.faults.next(`POST /issue/${task.key}/comment`, { status: 500, afterProcessing: true });
    await expect(ticketing.escalateGroupTask(escalation)).rejects.toBeInstanceOf(JiraUnavailableError);
    await ticketing.escalateGroupTask(escalation);
    await adapter(jira, flavour).ticketing.escalateGroupTask(escalation);
    const issue = jira.issue(task.key)!;
    expect(issue.fields.priority.name).toBe('High');
    expect(issue.comments).toHaveLength(1);
    expect(JSON.stringify(issue.comments[0])).toContain('deadline passed with 2 of 2');
  });

  it('an issue type the project lacks is refused naming the setting to fix', async () => {
    const jira = await standIn(flavour);
    const { ticketing } = adapter(jira, flavour, { config: { projectKey: 'NOEPIC' } });
    const failure = await ticketing.ensureEpic({ idempotencyKey: EPIC_KEY, campaign }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TicketRejectedError);
    expect((failure as Error).message).toContain(
      'issue type Epic does not exist in project NOEPIC: set campaigns.epicIssueType in JIRA_CONFIG_FILE',
    );
  });
});

describe('JiraCampaignTicketing configuration', () => {
  it('Data Center without campaigns.epicLinkField refuses a task naming the setting', async () => {
    const jira = await standIn('data-center');
    const ticketing = new JiraCampaignTicketing({
      config: parseJiraConfig({
        flavour: 'data-center',
        host: '127.0.0.1',
        protocol: 'http',
        port: jira.port,
        auth: { personalAccessToken: 'pat-1' },
        projectKey: 'CERT',
      }),
      store: new InMemoryJiraTicketStore(),
    });
    const epic = await ticketing.ensureEpic({ idempotencyKey: EPIC_KEY, campaign });
    await expect(
      ticketing.ensureGroupTask({ idempotencyKey: taskKey('x'), epic, campaign, group, progress: progress({}) }),
    ).rejects.toThrow(/set campaigns\.epicLinkField in JIRA_CONFIG_FILE/);
  });

  it('refuses an epic link field on Cloud and a malformed field id', () => {
    const base = {
      flavour: 'cloud',
      host: 'x.atlassian.net',
      auth: { email: 'a@b.c', apiToken: 't' },
      projectKey: 'CERT',
    };
    expect(() => parseJiraConfig({ ...base, campaigns: { epicLinkField: 'customfield_1' } })).toThrow(
      /jira\.campaigns\.epicLinkField: Jira Cloud links a task to its epic with the parent field/,
    );
    expect(() =>
      parseJiraConfig({ ...base, flavour: 'data-center', campaigns: { epicLinkField: 'Epic Link' } }),
    ).toThrow(JiraConfigError);
    expect(() => parseJiraConfig({ ...base, campaigns: { epicType: 'Epic' } })).toThrow(/unknown key epicType/);
  });
});
