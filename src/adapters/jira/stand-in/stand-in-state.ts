/**
 * What the Jira stand-in remembers: its people, projects and custom fields, and the issues with their comments and
 * status history. Every change goes through here and is validated as Jira would, failing with a JiraRequestError
 * that carries Jira's error body, so tests read outcomes the way a change manager would see them in Jira.
 */
import { applyFields, changelogItems, commentText, isRecord } from './issue-fields';
import type { JqlIssueView } from './jql';
import { issueNotFound, JiraRequestError, JiraStandInConfigError } from './stand-in-errors';
import {
  type ChangelogItem,
  type JiraStandInCustomField,
  type JiraStandInProject,
  type JiraStandInUser,
  jiraTimestamp,
  type StandInComment,
  type StandInIssue,
  type StandInIssueFields,
  type StandInJournalEntry,
  type StandInPerson,
  type StandInProperty,
} from './stand-in-model';
import {
  DEFAULT_ISSUE_TYPES,
  DEFAULT_PRIORITY,
  PRIORITIES,
  STATUS_CATEGORIES,
  type StandInWorkflowOptions,
  StandInWorkflows,
  type WorkflowTransition,
} from './workflow';

const ISSUE_TYPE_IDS = new Map([
  ['Change', '10100'],
  ['Task', '10001'],
  ['Epic', '10000'],
  ['Incident', '10101'],
]);

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
    applyFields(this, issueFields, project?.components ?? [], rest, errors);
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
    applyFields(this, draft, components, fields ?? {}, errors);
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
          applyFields(
            this,
            draft,
            components,
            { [field]: field === 'labels' ? next : next.map((n) => ({ name: n })) },
            errors,
          );
        } else if (verb === 'set') {
          applyFields(this, draft, components, { [field]: value }, errors);
        } else {
          errors[field] =
            `the stand-in supports set on any field, add/remove on labels and components, add on comment; got ${JSON.stringify(operation)}`;
        }
      }
    }
    if (Object.keys(errors).length > 0) throw new JiraRequestError(400, [], errors);
    const items = changelogItems(this.customFields, issue.fields, draft);
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
