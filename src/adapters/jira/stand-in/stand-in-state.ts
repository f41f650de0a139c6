/**
 * What the Jira stand-in remembers: its people, projects and custom fields, and the issues with their comments and
 * status history. Every change goes through here and is validated as Jira would, failing with a JiraRequestError
 * that carries Jira's error body, so tests read outcomes the way a change manager would see them in Jira.
 */
import { adfText, isAdfDocument } from './adf';
import type { JqlIssueView } from './jql';
import {
  DEFAULT_ISSUE_TYPES,
  DEFAULT_PRIORITY,
  PRIORITIES,
  STATUS_CATEGORIES,
  type StandInWorkflowOptions,
  StandInWorkflows,
  type StatusCategoryKey,
  type WorkflowTransition,
} from './workflow';

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

/** A request Jira refuses, with Jira's error body: `{errorMessages, errors}`. */
export class JiraRequestError extends Error {
  override readonly name = 'JiraRequestError';
  constructor(
    readonly status: number,
    readonly errorMessages: readonly string[],
    readonly errors: Readonly<Record<string, string>> = {},
  ) {
    super([...errorMessages, ...Object.entries(errors).map(([field, message]) => `${field}: ${message}`)].join('; '));
  }
}

/** The 404 Jira gives for an issue that does not exist or is hidden. */
export function issueNotFound(): JiraRequestError {
  return new JiraRequestError(404, ['Issue does not exist or you do not have permission to see it.']);
}

/** A stand-in given contradictory or incomplete options at start. */
export class JiraStandInConfigError extends Error {
  override readonly name = 'JiraStandInConfigError';
}

/** Jira's timestamp format, in UTC: `2026-12-01T20:30:00.000+0000`. */
export function jiraTimestamp(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace('Z', '+0000');
}

const SYSTEM_FIELDS = new Set([
  'summary',
  'description',
  'labels',
  'priority',
  'assignee',
  'duedate',
  'issuetype',
  'project',
  'components',
  'parent',
]);

const ISSUE_TYPE_IDS = new Map([
  ['Change', '10100'],
  ['Task', '10001'],
  ['Epic', '10000'],
  ['Incident', '10101'],
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ISO 8601 with an offset, as Jira takes date-time fields; Date.parse alone would also take "June 10".
function isDateTime(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

function isDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

/** The stand-in's state; the REST API, transitionAs and setField all change it through these methods. */
export class StandInState {
  readonly users: readonly JiraStandInUser[];
  readonly projects: ReadonlyMap<
    string,
    { id: string; key: string; name: string; issueTypes: string[]; components: string[] }
  >;
  readonly customFields: ReadonlyMap<string, JiraStandInCustomField>;
  readonly workflows: StandInWorkflows;
  /** Told every change with the issue as it is now, for the stand-in's journal. */
  onChange: ((entry: StandInJournalEntry) => void) | null = null;
  private readonly byKey = new Map<string, StandInIssue>();
  private readonly sequences = new Map<string, number>();
  private nextIssueId = 10000;
  private nextCommentId = 10000;
  private nextChangelogId = 10000;

  constructor(
    readonly nowMilliseconds: () => number,
    options: {
      readonly users: readonly JiraStandInUser[];
      readonly projects: readonly JiraStandInProject[];
      readonly customFields?: readonly JiraStandInCustomField[];
      readonly workflows?: StandInWorkflowOptions;
    },
  ) {
    this.workflows = new StandInWorkflows(options.workflows);
    if (options.users.length === 0) throw new JiraStandInConfigError('give the Jira stand-in at least one user');
    if (options.projects.length === 0) throw new JiraStandInConfigError('give the Jira stand-in at least one project');
    this.users = options.users;
    this.projects = new Map(
      options.projects.map((project, index) => {
        if (!/^[A-Z][A-Z0-9_]+$/.test(project.key)) {
          throw new JiraStandInConfigError(
            `project key "${project.key}" is not a Jira key: use capital letters and digits, e.g. CERT`,
          );
        }
        return [
          project.key,
          {
            id: String(10000 + index),
            key: project.key,
            name: project.name ?? project.key,
            issueTypes: [...(project.issueTypes ?? DEFAULT_ISSUE_TYPES)],
            components: [...(project.components ?? [])],
          },
        ];
      }),
    );
    this.customFields = new Map(
      (options.customFields ?? []).map((field) => {
        if (!/^customfield_\d+$/.test(field.id)) {
          throw new JiraStandInConfigError(`custom field id "${field.id}" must look like customfield_10050`);
        }
        return [field.id, field];
      }),
    );
  }

  /** Every issue, oldest first. */
  issues(): readonly StandInIssue[] {
    return [...this.byKey.values()];
  }

  issue(key: string): StandInIssue | undefined {
    return this.byKey.get(key.toUpperCase());
  }

  /** The issue, or Jira's 404; `idOrKey` may be the numeric id, as in Jira's URLs. */
  require(idOrKey: string): StandInIssue {
    const issue = /^\d+$/.test(idOrKey)
      ? [...this.byKey.values()].find((candidate) => candidate.id === idOrKey)
      : this.issue(idOrKey);
    if (issue === undefined) throw issueNotFound();
    return issue;
  }

  person(accountId: string): StandInPerson | undefined {
    const user = this.users.find((candidate) => candidate.accountId === accountId);
    return user === undefined
      ? undefined
      : { accountId: user.accountId, displayName: user.displayName, emailAddress: user.email };
  }

  /** The person acting through the stand-in's own surfaces (transitionAs, setField, the page). */
  requirePerson(accountId: string): StandInPerson {
    const person = this.person(accountId);
    if (person === undefined) {
      throw new JiraRequestError(400, [
        `no user with accountId "${accountId}" in the Jira stand-in; use one of ` +
          this.users.map((user) => user.accountId).join(', '),
      ]);
    }
    return person;
  }

  /** The view JQL filters and sorts on. */
  jqlView(issue: StandInIssue): JqlIssueView {
    return {
      key: issue.key,
      projectKey: issue.fields.project.key,
      labels: issue.fields.labels,
      status: issue.fields.status.name,
      statusCategory: issue.fields.status.statusCategory.key,
      issueType: issue.fields.issuetype.name,
      createdMilliseconds: Date.parse(issue.fields.created.replace('+0000', 'Z')),
      updatedMilliseconds: Date.parse(issue.fields.updated.replace('+0000', 'Z')),
      sequence: Number(issue.id),
      parentKey: this.parentKeyOf(issue),
    };
  }

  /** The epic an issue is under: Cloud's `parent`, or a custom field named Epic Link (Data Center). */
  parentKeyOf(issue: StandInIssue): string | null {
    const parent = issue.fields.parent;
    if (isRecord(parent) && typeof parent.key === 'string') return parent.key;
    const epicLink = [...this.customFields.values()].find((field) => field.name === 'Epic Link');
    const linked = epicLink === undefined ? undefined : issue.fields[epicLink.id];
    return typeof linked === 'string' ? linked : null;
  }

  /**
   * Creates an issue from `fields` (and `update` operations) as POST /issue sends them; validates like Jira and
   * reports every bad field. A refused request leaves no issue behind, so a client's retry cannot make a second one.
   */
  create(fields: unknown, update: unknown, reporter: StandInPerson): StandInIssue {
    if (!isRecord(fields)) {
      throw new JiraRequestError(400, ['give the issue as {"fields": {"project": …, "issuetype": …, "summary": …}}']);
    }
    const errors: Record<string, string> = {};
    const projectValue = fields.project;
    const projectKey = isRecord(projectValue)
      ? typeof projectValue.key === 'string'
        ? projectValue.key
        : [...this.projects.values()].find((project) => project.id === projectValue.id)?.key
      : undefined;
    const project = projectKey === undefined ? undefined : this.projects.get(projectKey);
    if (project === undefined) errors.project = 'Specify a valid project ID or key';
    const typeValue = fields.issuetype;
    const typeName = isRecord(typeValue)
      ? typeof typeValue.name === 'string'
        ? typeValue.name
        : [...ISSUE_TYPE_IDS].find(([, id]) => id === typeValue.id)?.[0]
      : undefined;
    if (typeName === undefined) errors.issuetype = 'Specify an issue type';
    else if (project !== undefined && !project.issueTypes.includes(typeName)) {
      errors.issuetype = `The issue type "${typeName}" is not in project ${project.key}: use one of ${project.issueTypes.join(', ')}`;
    }
    if (typeof fields.summary !== 'string' || fields.summary.trim() === '') {
      errors.summary = 'You must specify a summary of the issue.';
    }
    // The other fields are checked even when project or type is wrong, so one answer names every problem.
    const knownType = typeName ?? 'Task';
    const status = this.workflows.status(this.workflows.workflowOf(knownType).initial);
    const now = jiraTimestamp(this.nowMilliseconds());
    const issueFields: StandInIssueFields = {
      summary: '',
      description: null,
      labels: [],
      priority: PRIORITIES.find((priority) => priority.name === DEFAULT_PRIORITY)!,
      assignee: null,
      reporter,
      duedate: null,
      issuetype: { id: ISSUE_TYPE_IDS.get(knownType) ?? '10001', name: knownType },
      project: { id: project?.id ?? '', key: project?.key ?? '', name: project?.name ?? '' },
      status: {
        id: status.id,
        name: status.name,
        statusCategory: { key: status.category, name: STATUS_CATEGORIES[status.category].name },
      },
      components: [],
      created: now,
      updated: now,
    };
    const rest = Object.fromEntries(
      Object.entries(fields).filter(([field]) => !['project', 'issuetype'].includes(field)),
    );
    this.applyFields(issueFields, project?.components ?? [], rest, errors);
    if (Object.keys(errors).length > 0 || project === undefined) throw new JiraRequestError(400, [], errors);
    const sequence = (this.sequences.get(project.key) ?? 0) + 1;
    const issue: StandInIssue = {
      id: String(this.nextIssueId),
      key: `${project.key}-${sequence}`,
      fields: issueFields,
      comments: [],
      transitions: [],
    };
    if (update !== undefined) this.edit(issue, undefined, update, reporter);
    this.nextIssueId++;
    this.sequences.set(project.key, sequence);
    this.byKey.set(issue.key, issue);
    this.onChange?.(this.entryOf(issue));
    return issue;
  }

  /**
   * Edits an issue as PUT /issue sends it: `fields` set values, `update` applies operations (set, add, remove on
   * labels and components, add on comment). Nothing changes unless every field is valid.
   */
  edit(issue: StandInIssue, fields: unknown, update: unknown, author: StandInPerson): ChangelogItem[] {
    if (fields !== undefined && !isRecord(fields)) throw new JiraRequestError(400, ['"fields" must be an object']);
    if (update !== undefined && !isRecord(update)) throw new JiraRequestError(400, ['"update" must be an object']);
    const errors: Record<string, string> = {};
    const draft: StandInIssueFields = {
      ...issue.fields,
      labels: [...issue.fields.labels],
      components: [...issue.fields.components],
    };
    const comments: string[] = [];
    const components = this.projects.get(issue.fields.project.key)?.components ?? [];
    this.applyFields(draft, components, fields ?? {}, errors);
    for (const [field, operations] of Object.entries(update ?? {})) {
      if (!Array.isArray(operations)) {
        errors[field] = 'give update operations as a list, e.g. [{"add": "x"}]';
        continue;
      }
      for (const operation of operations as unknown[]) {
        const [verb, value] = isRecord(operation) ? (Object.entries(operation)[0] ?? []) : [];
        if (field === 'comment' && verb === 'add' && isRecord(value)) {
          const body = commentText(value.body);
          if (body === undefined) errors.comment = 'Comment body can not be empty!';
          else comments.push(body);
        } else if ((field === 'labels' || field === 'components') && (verb === 'add' || verb === 'remove')) {
          const current = field === 'labels' ? draft.labels : draft.components.map((component) => component.name);
          const name = field === 'labels' ? value : isRecord(value) ? value.name : undefined;
          if (typeof name !== 'string') {
            errors[field] = `give each ${field} operation a ${field === 'labels' ? 'label string' : '{"name": …}'}`;
            continue;
          }
          const next = verb === 'add' ? [...new Set([...current, name])] : current.filter((item) => item !== name);
          this.applyFields(
            draft,
            components,
            { [field]: field === 'labels' ? next : next.map((n) => ({ name: n })) },
            errors,
          );
        } else if (verb === 'set') {
          this.applyFields(draft, components, { [field]: value }, errors);
        } else {
          errors[field] =
            `the stand-in supports set on any field, add/remove on labels and components, add on comment; got ${JSON.stringify(operation)}`;
        }
      }
    }
    if (Object.keys(errors).length > 0) throw new JiraRequestError(400, [], errors);
    const items = this.changelog(issue.fields, draft);
    Object.assign(issue.fields, draft);
    for (const body of comments) this.addComment(issue, body, author);
    if (items.length > 0 || comments.length > 0) this.touch(issue);
    return items;
  }

  addComment(
    issue: StandInIssue,
    body: string,
    author: StandInPerson,
    properties: readonly StandInProperty[] = [],
  ): StandInComment {
    const comment = {
      id: String(this.nextCommentId++),
      author,
      body,
      created: jiraTimestamp(this.nowMilliseconds()),
      properties,
    };
    issue.comments.push(comment);
    this.touch(issue);
    return comment;
  }

  /** The transitions available to an issue now. */
  transitions(issue: StandInIssue): readonly WorkflowTransition[] {
    return this.workflows.transitionsFrom(issue.fields.issuetype.name, issue.fields.status.name);
  }

  /**
   * The transition chosen by id (the REST API) or by its name or target status (a person in the UI); one that is not
   * available now is Jira's 400, naming the ones that are.
   */
  availableTransition(
    issue: StandInIssue,
    choose: { readonly id: string } | { readonly toStatus: string },
  ): WorkflowTransition {
    const available = this.transitions(issue);
    const transition =
      'id' in choose
        ? available.find((candidate) => candidate.id === choose.id)
        : available.find((candidate) => candidate.to === choose.toStatus || candidate.name === choose.toStatus);
    if (transition === undefined) {
      const offered = available.map((candidate) => `${candidate.id} "${candidate.name}" → ${candidate.to}`).join(', ');
      const asked = 'id' in choose ? `Transition id '${choose.id}'` : `A transition to '${choose.toStatus}'`;
      throw new JiraRequestError(400, [
        `${asked} is not valid for this issue in status '${issue.fields.status.name}'. ` +
          (offered === '' ? 'It has no transitions left.' : `Available: ${offered}.`),
      ]);
    }
    return transition;
  }

  /** Performs an available transition (see availableTransition) and records who did it and how. */
  transition(
    issue: StandInIssue,
    choose: { readonly id: string } | { readonly toStatus: string },
    by: StandInPerson,
    via: 'api' | 'person',
  ): ChangelogItem {
    const transition = this.availableTransition(issue, choose);
    const from = issue.fields.status;
    const to = this.workflows.status(transition.to);
    issue.fields.status = {
      id: to.id,
      name: to.name,
      statusCategory: { key: to.category, name: STATUS_CATEGORIES[to.category].name },
    };
    const at = jiraTimestamp(this.nowMilliseconds());
    issue.transitions.push({ from: from.name, to: to.name, by, at, via });
    this.touch(issue);
    return {
      field: 'status',
      fieldtype: 'jira',
      fieldId: 'status',
      from: from.id,
      fromString: from.name,
      to: to.id,
      toString: to.name,
    };
  }

  /** A fresh id for a changelog, as webhooks carry one. */
  changelogId(): string {
    return String(this.nextChangelogId++);
  }

  /** Puts back issues and counters an earlier run recorded (its journal, oldest first; the last entry per key wins). */
  restore(entries: readonly StandInJournalEntry[]): void {
    for (const entry of entries) {
      this.byKey.set(entry.issue.key, {
        ...entry.issue,
        comments: entry.issue.comments.map((comment) => ({ ...comment, properties: comment.properties ?? [] })),
      });
      this.sequences.clear();
      for (const [project, sequence] of entry.counters.sequences) this.sequences.set(project, sequence);
      this.nextIssueId = entry.counters.nextIssueId;
      this.nextCommentId = entry.counters.nextCommentId;
    }
  }

  private entryOf(issue: StandInIssue): StandInJournalEntry {
    return {
      issue,
      counters: {
        sequences: [...this.sequences],
        nextIssueId: this.nextIssueId,
        nextCommentId: this.nextCommentId,
      },
    };
  }

  private touch(issue: StandInIssue): void {
    issue.fields.updated = jiraTimestamp(this.nowMilliseconds());
    // Every change to an issue passes here, before the stand-in answers: a recorded change is never one Jira denied.
    this.onChange?.(this.entryOf(issue));
  }

  private changelog(before: StandInIssueFields, after: StandInIssueFields): ChangelogItem[] {
    const items: ChangelogItem[] = [];
    for (const field of Object.keys(after)) {
      if (JSON.stringify(before[field]) === JSON.stringify(after[field])) continue;
      const custom = this.customFields.get(field);
      items.push({
        field: custom?.name ?? field,
        fieldtype: custom === undefined ? 'jira' : 'custom',
        fieldId: field,
        from: rawValue(before[field]),
        fromString: displayValue(before[field]),
        to: rawValue(after[field]),
        toString: displayValue(after[field]),
      });
    }
    return items;
  }

  /** Validates and sets fields on `target`; problems go to `errors` by field id, as Jira reports them. */
  private applyFields(
    target: StandInIssueFields,
    components: readonly string[],
    fields: Record<string, unknown>,
    errors: Record<string, string>,
  ): void {
    for (const [field, value] of Object.entries(fields)) {
      const custom = this.customFields.get(field);
      if (!SYSTEM_FIELDS.has(field) && custom === undefined) {
        errors[field] = `Field '${field}' cannot be set. It is not on the appropriate screen, or unknown.`;
        continue;
      }
      if (custom !== undefined) {
        const problem = customFieldProblem(custom, value);
        if (problem === undefined) target[field] = value;
        else errors[field] = problem;
        continue;
      }
      switch (field) {
        case 'project':
        case 'issuetype':
          errors[field] = `the ${field} of an existing issue cannot be changed in the stand-in`;
          break;
        case 'summary':
          if (typeof value !== 'string' || value.trim() === '')
            errors.summary = 'You must specify a summary of the issue.';
          else if (value.length > 255) errors.summary = 'Summary must be less than 255 characters.';
          else target.summary = value;
          break;
        case 'description': {
          const text = value === null ? null : commentText(value);
          if (text === undefined) errors.description = 'give the description as text (v2) or an ADF document (v3)';
          else target.description = text;
          break;
        }
        case 'labels':
          if (!Array.isArray(value) || !value.every((label) => typeof label === 'string')) {
            errors.labels = 'give labels as a list of strings';
          } else {
            const spaced = value.find((label: string) => /\s/.test(label) || label === '');
            if (spaced !== undefined) errors.labels = `The label '${spaced}' contains spaces which is invalid.`;
            else target.labels = [...new Set(value)];
          }
          break;
        case 'priority': {
          const priority = isRecord(value)
            ? PRIORITIES.find((candidate) => candidate.name === value.name || candidate.id === value.id)
            : undefined;
          if (priority === undefined) {
            errors.priority = `Specify the priority by name or id: one of ${PRIORITIES.map((p) => p.name).join(', ')}`;
          } else target.priority = priority;
          break;
        }
        case 'assignee': {
          if (value === null) {
            target.assignee = null;
            break;
          }
          const wanted = isRecord(value) ? (value.accountId ?? value.name ?? value.id) : undefined;
          const user = this.users.find(
            (candidate) => typeof wanted === 'string' && (candidate.accountId === wanted || candidate.email === wanted),
          );
          if (user === undefined) {
            errors.assignee = `User '${String(wanted)}' does not exist: assign by {"accountId": …} of a known user`;
          } else target.assignee = this.person(user.accountId)!;
          break;
        }
        case 'duedate':
          if (value !== null && (typeof value !== 'string' || !isDate(value))) {
            errors.duedate = 'Error parsing date string: give the due date as YYYY-MM-DD';
          } else target.duedate = value;
          break;
        case 'parent': {
          // Jira Cloud's epic link: {key} or {id} of an existing Epic; the task shows it as {id, key}.
          const wanted = isRecord(value) ? (value.key ?? value.id) : undefined;
          const parent = [...this.byKey.values()].find((issue) => issue.key === wanted || issue.id === wanted);
          if (parent === undefined) errors.parent = `Could not find issue by id or key: ${String(wanted)}`;
          else if (parent.fields.issuetype.name !== 'Epic') errors.parent = `${parent.key} is not an Epic`;
          else target.parent = { id: parent.id, key: parent.key };
          break;
        }
        case 'components': {
          const names = Array.isArray(value)
            ? value.map((component) => (isRecord(component) ? component.name : undefined))
            : undefined;
          const unknown = names?.find((name) => typeof name !== 'string' || !components.includes(name));
          if (names === undefined) errors.components = 'give components as a list of {"name": …}';
          else if (unknown !== undefined || (names.length > 0 && components.length === 0)) {
            errors.components = `Component name '${String(unknown)}' is not valid: the project has ${components.join(', ') || 'no components'}`;
          } else target.components = (names as string[]).map((name) => ({ name }));
          break;
        }
      }
    }
  }
}

/** The comment with this id on any issue, or Jira's 404. */
export function requireComment(
  state: StandInState,
  commentId: string,
): { issue: StandInIssue; comment: StandInComment } {
  for (const issue of state.issues()) {
    const comment = issue.comments.find((candidate) => candidate.id === commentId);
    if (comment !== undefined) return { issue, comment };
  }
  throw new JiraRequestError(404, [`Can not find a comment for the id: ${commentId}.`]);
}

/** Entity properties as Jira takes them with a new comment: `[{key, value}]`, keys 1 to 255 characters, unique. */
export function entityProperties(value: unknown): StandInProperty[] {
  if (value === undefined) return [];
  const problem = 'give properties as a list of {"key": "…", "value": <JSON>} with keys of 1 to 255 characters';
  if (!Array.isArray(value)) throw new JiraRequestError(400, [], { properties: problem });
  const properties = value.map((entry: unknown) => {
    if (!isRecord(entry) || typeof entry.key !== 'string' || entry.key === '' || entry.key.length > 255) {
      throw new JiraRequestError(400, [], { properties: problem });
    }
    if (entry.value === undefined) throw new JiraRequestError(400, [], { properties: `give "${entry.key}" a value` });
    return { key: entry.key, value: entry.value };
  });
  if (new Set(properties.map((property) => property.key)).size !== properties.length) {
    throw new JiraRequestError(400, [], { properties: 'each property key may appear once' });
  }
  return properties;
}

/** A comment or description body as plain text: a string (v2) or an ADF document (v3); undefined when neither. */
export function commentText(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() === '' ? undefined : body;
  if (isAdfDocument(body)) {
    const text = adfText(body);
    return text.trim() === '' ? undefined : text;
  }
  return undefined;
}

function customFieldProblem(field: JiraStandInCustomField, value: unknown): string | undefined {
  if (value === null) return undefined;
  switch (field.type) {
    case 'string':
      return typeof value === 'string' ? undefined : `${field.name} takes text`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `${field.name} takes a number`;
    case 'date':
      return typeof value === 'string' && isDate(value) ? undefined : `${field.name} takes a date as YYYY-MM-DD`;
    case 'datetime':
      return typeof value === 'string' && isDateTime(value)
        ? undefined
        : `${field.name} takes a date and time, e.g. 2026-12-01T20:30:00.000+0000`;
  }
}

/** A field value as changelog text: scalars as they are, anything else as JSON. */
function scalarText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

function rawValue(value: unknown): string | null {
  if (value === null || value === undefined || Array.isArray(value)) return null;
  if (isRecord(value)) {
    const id = value.id ?? value.accountId;
    return id === undefined ? null : scalarText(id);
  }
  return scalarText(value);
}

function displayValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => scalarText(isRecord(item) ? item.name : item)).join(' ');
  if (isRecord(value)) return scalarText(value.name ?? value.displayName ?? '');
  return scalarText(value);
}
