import { describe, expect, it } from 'vitest';
import { DEFAULT_CHANGE_STATUSES, parseJiraConfig } from '../../../../src/adapters/jira/jira-config';
import {
  changeTicketReading,
  JiraWebhookPayloadError,
  parseIssueUpdated,
  type IssueUpdatedReading,
} from '../../../../src/adapters/jira/webhook/parse-issue-updated';

const READING: IssueUpdatedReading = {
  statuses: DEFAULT_CHANGE_STATUSES,
  changeWindowField: 'customfield_10100',
  reasonField: 'customfield_10101',
};
const AT = Date.parse('2026-12-01T10:00:00Z');

/** ADF paragraphs nested `depth` deep around one text node, as JSON.parse returns a body of that shape. */
function nestedAdf(depth: number, text: string): unknown {
  let node: unknown = { type: 'text', text };
  for (let level = 0; level < depth; level++) node = { type: 'paragraph', content: [node] };
  return node;
}

function webhook(options: {
  to?: string;
  fields?: Record<string, unknown>;
  items?: unknown[];
  event?: string;
  user?: Record<string, unknown>;
  comment?: unknown;
}): Record<string, unknown> {
  return {
    ...(options.comment === undefined ? {} : { comment: options.comment }),
    webhookEvent: options.event ?? 'jira:issue_updated',
    timestamp: AT,
    user: options.user ?? { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Chris Change' },
    issue: { key: 'CHG-7', fields: { status: { name: options.to ?? 'Approved' }, ...options.fields } },
    changelog: {
      items: options.items ?? [
        { field: 'status', fromString: 'Awaiting approval', toString: options.to ?? 'Approved' },
      ],
    },
  };
}

describe('R-MON-2: reading Jira’s issue_updated webhook', () => {
  it.each([
    ['approved', webhook({}), { decision: 'approved', reason: null, changeWindowStart: null }],
    [
      'approved with a change window (Jira’s offset without a colon)',
      webhook({ fields: { customfield_10100: '2026-12-03T08:00:00.000+0100' } }),
      { decision: 'approved', changeWindowStart: '2026-12-03T07:00:00.000Z' },
    ],
    [
      'approved with a date-only change window',
      webhook({ fields: { customfield_10100: '2026-12-04' } }),
      { decision: 'approved', changeWindowStart: '2026-12-04T00:00:00.000Z' },
    ],
    [
      'declined with the reason field',
      webhook({ to: 'Declined', fields: { customfield_10101: 'not during the freeze' } }),
      { decision: 'rejected', reason: 'not during the freeze' },
    ],
    [
      'declined with a select-list reason',
      webhook({ to: 'Declined', fields: { customfield_10101: { value: 'Too risky' } } }),
      { decision: 'rejected', reason: 'Too risky' },
    ],
    [
      'declined with an empty reason field and a comment on the transition screen: the comment',
      webhook({
        to: 'Declined',
        fields: { customfield_10101: ' ', resolution: { name: 'Declined' } },
        comment: { body: 'Overlaps the payment freeze; retry on 6 January.' },
      }),
      { decision: 'rejected', reason: 'Overlaps the payment freeze; retry on 6 January.' },
    ],
    [
      'declined with the reason field and a comment: the field',
      webhook({
        to: 'Declined',
        fields: { customfield_10101: 'freeze' },
        comment: { body: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x' }] }] } },
      }),
      { decision: 'rejected', reason: 'freeze' },
    ],
    [
      'declined with an ADF comment (API v3 shape)',
      webhook({
        to: 'Declined',
        comment: {
          body: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Too risky' }] }] },
        },
      }),
      { decision: 'rejected', reason: 'Too risky' },
    ],
    [
      'cancelled, the resolution as reason',
      webhook({ to: 'Cancelled', fields: { resolution: { name: "Won't Do" } } }),
      { decision: 'rejected', reason: "Won't Do" },
    ],
    [
      // Found by test/fuzz/jira-webhook.fuzz.ts: reading the reason recursively overflowed the stack, a 500 Jira retried.
      'declined with a reason field nested 20,000 deep (ADF as an attacker may send it)',
      webhook({ to: 'Declined', fields: { customfield_10101: nestedAdf(20_000, 'too deep') } }),
      { decision: 'rejected', reason: 'too deep' },
    ],
    ['back to awaiting approval (any case)', webhook({ to: 'AWAITING APPROVAL' }), { decision: 'pending' }],
    [
      'a change window moved on an approved ticket',
      webhook({
        items: [{ field: 'customfield_10100', toString: '3/Dec/26 8:00 AM' }],
        fields: { customfield_10100: '2026-12-03T08:00:00.000+0000' },
      }),
      { decision: 'approved', changeWindowStart: '2026-12-03T08:00:00.000Z' },
    ],
  ])('%s', (_, body, expected) => {
    expect(parseIssueUpdated(body, READING)).toMatchObject({
      ticketKey: 'CHG-7',
      changedBy: { id: 'jira:5b10ac8d82e05b22cc7d4ef5', displayName: 'Chris Change' },
      at: '2026-12-01T10:00:00.000Z',
      ...expected,
    });
  });

  it.each([
    ['another event', webhook({ event: 'jira:issue_created' })],
    ['In Progress, which certflow sets itself', webhook({ to: 'In Progress' })],
    ['Done, which certflow sets itself', webhook({ to: 'Done' })],
    ['no status change', webhook({ items: [{ field: 'priority', toString: 'High' }] })],
    ['a changelog item whose toString is not its own', webhook({ items: [{ field: 'status' }] })],
  ])('ignores %s', (_, body) => {
    expect(parseIssueUpdated(body, READING)).toBeNull();
  });

  it('R-MON-2: reads the status names and the decline reason field JIRA_CONFIG_FILE configures', () => {
    const reading = changeTicketReading(
      parseJiraConfig({
        flavour: 'cloud',
        host: 'example.atlassian.net',
        auth: { email: 'certflow@example.com', apiToken: 't' },
        projectKey: 'CHG',
        changeStatuses: { approved: ['CAB approved'], rejected: ['CAB rejected'], pending: ['Pending CAB'] },
        customFields: { changeWindowStart: 'customfield_10100', declineReason: 'customfield_10102' },
      }),
    );
    expect(reading).toEqual({
      statuses: { approved: ['CAB approved'], rejected: ['CAB rejected'], pending: ['Pending CAB'] },
      changeWindowField: 'customfield_10100',
      reasonField: 'customfield_10102',
    });
    expect(parseIssueUpdated(webhook({ to: 'cab approved' }), reading)).toMatchObject({ decision: 'approved' });
    expect(parseIssueUpdated(webhook({ to: 'Approved' }), reading)).toBeNull();
    expect(
      parseIssueUpdated(webhook({ to: 'CAB rejected', fields: { customfield_10102: 'no rollback plan' } }), reading),
    ).toMatchObject({ decision: 'rejected', reason: 'no rollback plan' });
  });

  it('takes a Data Center user by name', () => {
    expect(parseIssueUpdated(webhook({ user: { name: 'chris', displayName: 'Chris' } }), READING)?.changedBy).toEqual({
      id: 'jira:chris',
      displayName: 'Chris',
    });
  });

  it.each([
    ['an array', []],
    ['no issue key', { ...webhook({}), issue: { fields: {} } }],
    ['no timestamp', { ...webhook({}), timestamp: 'yesterday' }],
  ])('refuses %s with a clear error', (_, body) => {
    expect(() => parseIssueUpdated(body, READING)).toThrow(JiraWebhookPayloadError);
  });
});
