/**
 * How the stand-in renders its state as Jira Cloud's REST resources: issues, people, comments, transitions. REST v3
 * renders rich text (description, comment bodies) as ADF documents and v2 as plain text, as Jira does.
 */
import { adfDocument } from './adf';
import type { StandInComment, StandInIssue, StandInPerson } from './stand-in-model';
import { STATUS_CATEGORIES, type WorkflowStatus, type WorkflowTransition } from './workflow';

/** The REST API version a request came in on; `latest` renders as v2. */
export type ApiVersion = '2' | '3';

/** What rendering needs to know about the request. */
export interface RenderContext {
  /** The stand-in's base URL, for `self` links. */
  readonly baseUrl: string;
  readonly version: ApiVersion;
  readonly flavour: 'cloud' | 'data-center';
  /** The stand-in's status of a name (its own workflows included). */
  readonly status: (name: string) => WorkflowStatus;
}

function apiBase(context: RenderContext): string {
  return `${context.baseUrl}/rest/api/${context.version}`;
}

function richText(text: string | null, context: RenderContext): unknown {
  if (text === null) return null;
  return context.version === '3' ? adfDocument(text) : text;
}

/** A person as `/myself`, assignee and author fields show them. */
export function renderUser(person: StandInPerson, context: RenderContext): Record<string, unknown> {
  return {
    self: `${apiBase(context)}/user?accountId=${encodeURIComponent(person.accountId)}`,
    accountId: person.accountId,
    ...(context.flavour === 'data-center' ? { name: person.emailAddress, key: person.accountId } : {}),
    accountType: 'atlassian',
    emailAddress: person.emailAddress,
    displayName: person.displayName,
    active: true,
    timeZone: 'Etc/UTC',
    locale: 'en_US',
  };
}

/** A comment resource; its properties only when asked for (`expand=properties`), as Jira does. */
export function renderComment(
  issue: StandInIssue,
  comment: StandInComment,
  context: RenderContext,
  withProperties = false,
) {
  return {
    self: `${apiBase(context)}/issue/${issue.id}/comment/${comment.id}`,
    id: comment.id,
    author: renderUser(comment.author, context),
    body: richText(comment.body, context),
    updateAuthor: renderUser(comment.author, context),
    created: comment.created,
    updated: comment.created,
    jsdPublic: true,
    ...(withProperties ? { properties: comment.properties.map(({ key, value }) => ({ key, value })) } : {}),
  };
}

function renderStatus(name: string, context: RenderContext) {
  const status = context.status(name);
  const category = STATUS_CATEGORIES[status.category];
  return {
    self: `${apiBase(context)}/status/${status.id}`,
    description: '',
    iconUrl: `${context.baseUrl}/images/icons/statuses/generic.png`,
    name: status.name,
    id: status.id,
    statusCategory: { self: `${apiBase(context)}/statuscategory/${category.id}`, ...category },
  };
}

/** Every field of an issue, rendered; custom fields as stored. */
export function renderFields(issue: StandInIssue, context: RenderContext): Record<string, unknown> {
  const fields = issue.fields;
  const base = apiBase(context);
  return {
    ...fields,
    description: richText(fields.description, context),
    priority: { self: `${base}/priority/${fields.priority.id}`, iconUrl: '', ...fields.priority },
    assignee: fields.assignee === null ? null : renderUser(fields.assignee, context),
    reporter: renderUser(fields.reporter, context),
    creator: renderUser(fields.reporter, context),
    issuetype: {
      self: `${base}/issuetype/${fields.issuetype.id}`,
      ...fields.issuetype,
      description: '',
      subtask: false,
      hierarchyLevel: fields.issuetype.name === 'Epic' ? 1 : 0,
    },
    project: { self: `${base}/project/${fields.project.id}`, ...fields.project, projectTypeKey: 'software' },
    status: renderStatus(fields.status.name, context),
    statuscategorychangedate: issue.transitions.at(-1)?.at ?? fields.created,
    components: fields.components.map((component) => ({ ...component })),
    comment: {
      comments: issue.comments.map((comment) => renderComment(issue, comment, context)),
      self: `${base}/issue/${issue.id}/comment`,
      maxResults: issue.comments.length,
      total: issue.comments.length,
      startAt: 0,
    },
  };
}

/**
 * Which fields a request asked for, as Jira reads `fields`: names, `*all`, `*navigable`, `-name` to leave one out.
 * `byDefault` applies when the request names none.
 */
export function selectFields(requested: readonly string[] | undefined, byDefault: 'all' | 'none') {
  const names = (requested ?? [])
    .flatMap((entry) => entry.split(','))
    .map((name) => name.trim())
    .filter((n) => n !== '');
  const everything =
    names.length === 0 ? byDefault === 'all' : names.some((name) => name === '*all' || name === '*navigable');
  const included = new Set(names.filter((name) => !name.startsWith('-') && !name.startsWith('*')));
  const excluded = new Set(names.filter((name) => name.startsWith('-')).map((name) => name.slice(1)));
  return (field: string) => !excluded.has(field) && (everything || included.has(field));
}

/** An issue resource with the selected fields; none selected leaves out `fields`, as Cloud's search/jql does. */
export function renderIssue(
  issue: StandInIssue,
  context: RenderContext,
  include: (field: string) => boolean,
): Record<string, unknown> {
  const fields = Object.fromEntries(Object.entries(renderFields(issue, context)).filter(([name]) => include(name)));
  return {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: issue.id,
    self: `${apiBase(context)}/issue/${issue.id}`,
    key: issue.key,
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  };
}

/** A transition as `GET /issue/{key}/transitions` lists it. */
export function renderTransition(transition: WorkflowTransition, context: RenderContext, withFields: boolean) {
  return {
    id: transition.id,
    name: transition.name,
    to: renderStatus(transition.to, context),
    hasScreen: false,
    isGlobal: false,
    isInitial: false,
    isAvailable: true,
    isConditional: false,
    isLooped: false,
    ...(withFields ? { fields: {} } : {}),
  };
}
