import { describe, expect, it } from 'vitest';
import { browseUrl, JiraConfigError, parseJiraConfig, projectKeyFor } from '../../../src/adapters/jira/jira-config';
import { ownerGroupFixture } from '../../support/lifecycle-fixtures';

const cloud = {
  flavour: 'cloud',
  host: 'example.atlassian.net',
  auth: { email: 'certflow@example.com', apiToken: 'token-1' },
  projectKey: 'CHG',
};

function problems(input: unknown): string[] {
  try {
    parseJiraConfig(input);
  } catch (error) {
    if (error instanceof JiraConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a JiraConfigError');
}

describe('parseJiraConfig', () => {
  it('fills the defaults of a Cloud config: https, API 3, Change, the Change workflow names, High/Highest', () => {
    expect(parseJiraConfig(cloud)).toEqual({
      flavour: 'cloud',
      host: 'example.atlassian.net',
      protocol: 'https',
      port: null,
      basePath: '',
      apiVersion: '3',
      auth: { kind: 'basic', email: 'certflow@example.com', apiToken: 'token-1' },
      projectKey: 'CHG',
      issueType: 'Change',
      labels: [],
      transitions: { 'in-progress': 'In Progress', done: 'Done', rejected: 'Declined' },
      changeStatuses: {
        approved: ['Approved'],
        rejected: ['Declined', 'Rejected', 'Cancelled'],
        pending: ['Awaiting approval'],
      },
      priorities: { escalation: 'High', incident: 'Highest' },
      componentFromGroup: false,
      assignToGroupContact: false,
      reassignOnEscalation: false,
      customFields: {},
      timeoutMs: 30_000,
      rateLimitRetries: 3,
      maxRetryAfterSeconds: 10,
      searchLagSeconds: 30,
      campaigns: { epicIssueType: 'Epic', taskIssueType: 'Task', epicLinkField: null },
    });
  });

  it('takes a Data Center config with a personal access token, a port as text, a context path and custom fields', () => {
    const config = parseJiraConfig({
      flavour: 'data-center',
      host: 'jira.internal',
      protocol: 'http',
      port: '8080',
      basePath: '/jira',
      auth: { personalAccessToken: 'pat-1' },
      projectKey: 'OPS',
      labels: ['tls'],
      transitions: { done: 'Close' },
      customFields: {
        renewalDeadline: 'customfield_10042',
        changeWindowStart: { id: 'customfield_10050', type: 'datetime' },
        certificateId: 'customfield_10060',
      },
    });
    expect(config).toMatchObject({
      apiVersion: '2',
      port: 8080,
      auth: { kind: 'bearer', personalAccessToken: 'pat-1' },
      transitions: { 'in-progress': 'In Progress', done: 'Close', rejected: 'Declined' },
      customFields: {
        renewalDeadline: { id: 'customfield_10042', type: 'date' },
        changeWindowStart: { id: 'customfield_10050', type: 'datetime' },
        certificateId: { id: 'customfield_10060', type: 'text' },
      },
    });
    expect(browseUrl(config, 'OPS-7')).toBe('http://jira.internal:8080/jira/browse/OPS-7');
  });

  it.each([
    [{ ...cloud, flavour: 'server' }, 'jira.flavour: expected "cloud" (Jira Cloud, *.atlassian.net) or "data-center"'],
    [{ ...cloud, host: 'https://example.atlassian.net' }, 'jira.host: expected a host name only'],
    [{ ...cloud, port: 70000 }, 'jira.port: expected a TCP port from 1 to 65535'],
    [{ ...cloud, projectKey: 'chg' }, 'jira.projectKey: expected a Jira project key'],
    [{ ...cloud, projectKey: undefined }, 'jira.projectKey: expected the key of the Jira project'],
    [
      { ...cloud, auth: {} },
      'jira.auth: missing: set email and apiToken (create an API token at https://id.atlassian.com',
    ],
    [{ ...cloud, auth: { email: 'a@example.com' } }, 'jira.auth.apiToken: missing: the API token of a@example.com'],
    [{ ...cloud, auth: { personalAccessToken: 'p' } }, 'jira.auth.personalAccessToken: Jira Cloud has no personal'],
    [{ ...cloud, auth: { email: 'a', apiToken: 'b', personalAccessToken: 'c' } }, 'jira.auth: give either'],
    [{ ...cloud, flavour: 'data-center', apiVersion: 3 }, 'jira.apiVersion: Jira Data Center has REST API 2 only'],
    [{ ...cloud, labels: ['two words'] }, 'jira.labels.0: a Jira label cannot contain spaces'],
    [{ ...cloud, transitions: { done: '' } }, 'jira.transitions.done: expected the transition name'],
    [
      { ...cloud, customFields: { renewalDeadline: 'deadline' } },
      'jira.customFields.renewalDeadline: expected a custom field id',
    ],
    [
      { ...cloud, customFields: { window: 'customfield_1' } },
      'jira.customFields: unknown key window; check the spelling',
    ],
    [{ ...cloud, projectkey: 'CHG' }, 'jira: unknown key projectkey'],
  ])('names the field and the fix: %j', (input, expected) => {
    expect(problems(input).join('\n')).toContain(expected);
  });

  it("R-MON-2: takes the change workflow's own status names and a decline reason field", () => {
    const config = parseJiraConfig({
      ...cloud,
      changeStatuses: { approved: ['CAB approved', 'Pre-approved'], rejected: ['CAB rejected'] },
      customFields: { declineReason: 'customfield_10102' },
    });
    expect(config.changeStatuses).toEqual({
      approved: ['CAB approved', 'Pre-approved'],
      rejected: ['CAB rejected'],
      pending: ['Awaiting approval'],
    });
    expect(config.customFields.declineReason).toEqual({ id: 'customfield_10102', type: 'text' });
  });

  it.each([
    [{ ...cloud, changeStatuses: { approved: [] } }, 'jira.changeStatuses.approved: expected at least one'],
    [{ ...cloud, changeStatuses: { approved: [' '] } }, 'jira.changeStatuses.approved.0: expected the status names'],
    [{ ...cloud, changeStatuses: { rejected: 'Declined' } }, 'jira.changeStatuses.rejected: expected a list'],
    [
      { ...cloud, changeStatuses: { approved: ['Done'], rejected: ['done'] } },
      'jira.changeStatuses.rejected: "done" is also listed under changeStatuses.approved',
    ],
    [{ ...cloud, changeStatuses: { approve: ['x'] } }, 'jira.changeStatuses: unknown key approve'],
    [{ ...cloud, customFields: { declineReason: 'reason' } }, 'jira.customFields.declineReason: expected a custom'],
  ])('names the change status or reason field to fix: %j', (input, expected) => {
    expect(problems(input).join('\n')).toContain(expected);
  });

  it('lists every problem at once', () => {
    expect(problems({ flavour: 'cloud' })).toHaveLength(3);
  });

  it("uses the owner group's Jira project over the configured one", () => {
    const config = parseJiraConfig(cloud);
    expect(projectKeyFor(config, ownerGroupFixture())).toBe('CHG');
    expect(projectKeyFor(config, ownerGroupFixture({ jira: { projectKey: 'PAY' } }))).toBe('PAY');
    expect(projectKeyFor(config, null)).toBe('CHG');
  });
});
