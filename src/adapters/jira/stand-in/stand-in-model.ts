/** The Jira stand-in's data: its people, projects and custom fields, and issues with their comments and history. */
import type { StatusCategoryKey } from './workflow';

/** A person in the stand-in's Jira: Basic auth with email and API token, or Bearer with a personal access token. */
export interface JiraStandInUser {
  readonly accountId: string;
  readonly email: string;
  readonly displayName: string;
  readonly apiToken?: string;
  readonly personalAccessToken?: string;
}

/** A project; issue types default to Change, Task, Epic and Incident. */
export interface JiraStandInProject {
  readonly key: string;
  readonly name?: string;
  readonly issueTypes?: readonly string[];
  /** Component names issues may take; none by default. */
  readonly components?: readonly string[];
}

/** A custom field (`customfield_10050`), e.g. a change window date; `date` values are `YYYY-MM-DD`. */
export interface JiraStandInCustomField {
  readonly id: string;
  readonly name: string;
  readonly type: 'string' | 'date' | 'datetime' | 'number';
}

/** A person as issues show them. */
export interface StandInPerson {
  readonly accountId: string;
  readonly displayName: string;
  readonly emailAddress: string;
}

/** An entity property of a comment: data for apps, never shown to people. */
export interface StandInProperty {
  readonly key: string;
  readonly value: unknown;
}

/** A comment, kept as plain text whichever API version posted it. */
export interface StandInComment {
  readonly id: string;
  readonly author: StandInPerson;
  readonly body: string;
  /** Jira's timestamp format, e.g. `2026-12-01T20:30:00.000+0000`. */
  readonly created: string;
  /** Set with the comment (`properties` of POST …/comment); read with `expand=properties` or …/properties/{key}. */
  readonly properties: readonly StandInProperty[];
}

/** What a person fills in on a transition screen. */
export interface TransitionScreen {
  /** Field values by id, e.g. a decline reason custom field. */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** A comment added with the transition, e.g. why the change was declined. */
  readonly comment?: string;
}

/** One line of the stand-in's journal: an issue as a change left it, and the counters new keys and ids come from. */
export interface StandInJournalEntry {
  readonly issue: StandInIssue;
  readonly counters: {
    readonly sequences: readonly (readonly [string, number])[];
    readonly nextIssueId: number;
    readonly nextCommentId: number;
  };
}

/** One status change. */
export interface StandInTransitionRecord {
  readonly from: string;
  readonly to: string;
  readonly by: StandInPerson;
  readonly at: string;
  /** `api` for a REST client's transition, `person` for transitionAs (someone in Jira's UI). */
  readonly via: 'api' | 'person';
}

/** An issue's fields as the stand-in keeps them; custom fields sit beside them under their ids. */
export interface StandInIssueFields {
  summary: string;
  description: string | null;
  labels: string[];
  priority: { readonly id: string; readonly name: string };
  assignee: StandInPerson | null;
  reporter: StandInPerson;
  duedate: string | null;
  issuetype: { readonly id: string; readonly name: string };
  project: { readonly id: string; readonly key: string; readonly name: string };
  status: {
    readonly id: string;
    readonly name: string;
    readonly statusCategory: { readonly key: StatusCategoryKey; readonly name: string };
  };
  components: { readonly name: string }[];
  created: string;
  updated: string;
  [customFieldId: string]: unknown;
}

/** An issue with its comments and status history, oldest first. */
export interface StandInIssue {
  readonly id: string;
  readonly key: string;
  readonly fields: StandInIssueFields;
  readonly comments: StandInComment[];
  readonly transitions: StandInTransitionRecord[];
}

/** One change to an issue, as a webhook's changelog item. */
export interface ChangelogItem {
  readonly field: string;
  readonly fieldtype: 'jira' | 'custom';
  readonly fieldId: string;
  readonly from: string | null;
  readonly fromString: string | null;
  readonly to: string | null;
  readonly toString: string | null;
}

/** Jira's timestamp format, in UTC: `2026-12-01T20:30:00.000+0000`. */
export function jiraTimestamp(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace('Z', '+0000');
}
