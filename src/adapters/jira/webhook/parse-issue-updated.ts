/**
 * Reading Jira's `jira:issue_updated` webhook (R-MON-2): which change ticket moved to which status, and what that
 * means for the renewal waiting on it. Pure, so every malformed payload is a table row in a test.
 */
import type { ChangeTicketUpdate } from '../../../core/ports/ticketing-port';
import { textOf } from '../change-ticket-fields';
import type { JiraChangeStatuses, JiraConfig } from '../jira-config';

/** How to read a payload: status names, and the fields holding the change window and the rejection reason. */
export interface IssueUpdatedReading {
  readonly statuses: JiraChangeStatuses;
  /** Field id of the change window's start (a date-time or date custom field), e.g. `customfield_10100`. */
  readonly changeWindowField: string | null;
  /**
   * Field id of the change manager's reason, e.g. `customfield_10101`; when it is empty, the comment made with the
   * decline, else the resolution's name.
   */
  readonly reasonField: string | null;
}

/** How to read the webhooks and polled statuses of the configured Jira (`changeStatuses`, custom fields). */
export function changeTicketReading(config: Pick<JiraConfig, 'changeStatuses' | 'customFields'>): IssueUpdatedReading {
  return {
    statuses: config.changeStatuses,
    changeWindowField: config.customFields.changeWindowStart?.id ?? null,
    reasonField: config.customFields.declineReason?.id ?? null,
  };
}

/** A payload certflow cannot read: not JSON, or not shaped like Jira's webhook. */
export class JiraWebhookPayloadError extends Error {
  override readonly name = 'JiraWebhookPayloadError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** A Jira date (`2026-12-03`) or date-time (`2026-12-03T08:00:00.000+0100`) as ISO 8601 UTC; null when unreadable. */
export function jiraInstant(value: unknown): string | null {
  const raw = text(value);
  if (raw === null) return null;
  // Jira writes offsets without a colon (+0100), which Date.parse does not read everywhere.
  const normalised = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** What a change ticket's status means to certflow (webhook and poller alike); null for a status it leaves alone. */
export function changeDecisionOf(name: string, statuses: JiraChangeStatuses): ChangeTicketUpdate['decision'] | null {
  const matches = (names: readonly string[]) =>
    names.some((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (matches(statuses.approved)) return 'approved';
  if (matches(statuses.rejected)) return 'rejected';
  if (matches(statuses.pending)) return 'pending';
  return null;
}

/** The text of a reason field: a text field (v2 string or v3 ADF) or a select list's value; null when empty. */
export function reasonFieldText(value: unknown): string | null {
  if (isObject(value) && typeof value.value === 'string') return text(value.value);
  return text(textOf(value));
}

/** Why a change was declined: the reason field, else the comment made with the decline, else the resolution. */
export function declineReasonOf(input: {
  readonly field: unknown;
  readonly comment: string | null;
  readonly resolution: unknown;
}): string | null {
  return (
    reasonFieldText(input.field) ??
    text(input.comment) ??
    (isObject(input.resolution) ? text(input.resolution.name) : null)
  );
}

/**
 * The change ticket update a webhook carries, or null when it is not one certflow acts on (another event, no status
 * change, a status outside the change workflow's approval). Throws JiraWebhookPayloadError on a malformed payload.
 */
export function parseIssueUpdated(body: unknown, reading: IssueUpdatedReading): ChangeTicketUpdate | null {
  if (!isObject(body)) throw new JiraWebhookPayloadError('the webhook body is not a JSON object');
  if (body.webhookEvent !== 'jira:issue_updated') return null;
  const issue = body.issue;
  if (!isObject(issue) || text(issue.key) === null) {
    throw new JiraWebhookPayloadError('a jira:issue_updated webhook without issue.key: is this Jira sending?');
  }
  const fields = isObject(issue.fields) ? issue.fields : {};
  const items: unknown[] =
    isObject(body.changelog) && Array.isArray(body.changelog.items) ? (body.changelog.items as unknown[]) : [];
  const changed = (field: string | null) =>
    items.find((item): item is Record<string, unknown> => isObject(item) && item.field === field);
  const statusChange = changed('status');
  // A change window moved on an approved ticket matters too: the lifecycle re-reads it from the current status.
  const statusName = statusChange
    ? // `toString` is the new value's name in Jira's changelog; read it as data, never as Object's method.
      text(Object.getOwnPropertyDescriptor(statusChange, 'toString')?.value)
    : changed(reading.changeWindowField) !== undefined && isObject(fields.status)
      ? text(fields.status.name)
      : null;
  if (statusName === null) return null;
  const decision = changeDecisionOf(statusName, reading.statuses);
  if (decision === null) return null;

  const user = isObject(body.user) ? body.user : {};
  const accountId = text(user.accountId) ?? text(user.name) ?? text(user.key);
  const displayName = text(user.displayName);
  const timestamp = typeof body.timestamp === 'number' ? new Date(body.timestamp) : null;
  if (timestamp === null || Number.isNaN(timestamp.getTime())) {
    throw new JiraWebhookPayloadError('a jira:issue_updated webhook without a numeric timestamp');
  }
  return {
    ticketKey: text(issue.key) ?? '',
    decision,
    reason:
      decision === 'rejected'
        ? declineReasonOf({
            field: reading.reasonField === null ? undefined : fields[reading.reasonField],
            // Jira adds the comment made on the transition screen to the same webhook.
            comment: isObject(body.comment) ? text(textOf(body.comment.body)) : null,
            resolution: fields.resolution,
          })
        : null,
    changeWindowStart: reading.changeWindowField === null ? null : jiraInstant(fields[reading.changeWindowField]),
    changedBy: {
      id: accountId === null ? 'jira:unknown' : `jira:${accountId}`,
      ...(displayName === null ? {} : { displayName }),
    },
    at: timestamp.toISOString(),
  };
}
