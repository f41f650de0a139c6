/**
 * The fields of a stand-in issue as Jira checks them: system and custom fields validated and set with Jira's error
 * messages, comment bodies and entity properties, and the changelog items a change makes.
 */
import { adfText, isAdfDocument } from './adf';
import { JiraRequestError } from './stand-in-errors';
import type {
  ChangelogItem,
  JiraStandInCustomField,
  JiraStandInUser,
  StandInIssue,
  StandInIssueFields,
  StandInPerson,
  StandInProperty,
} from './stand-in-model';
import { PRIORITIES } from './workflow';

/** What validating a field looks up in the stand-in: custom fields, people and the issues a parent may be. */
export interface FieldContext {
  readonly customFields: ReadonlyMap<string, JiraStandInCustomField>;
  readonly users: readonly JiraStandInUser[];
  person(accountId: string): StandInPerson | undefined;
  issues(): readonly StandInIssue[];
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

/** Whether `value` is a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
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

/** Validates and sets fields on `target`; problems go to `errors` by field id, as Jira reports them. */
export function applyFields(
  context: FieldContext,
  target: StandInIssueFields,
  components: readonly string[],
  fields: Record<string, unknown>,
  errors: Record<string, string>,
): void {
  for (const [field, value] of Object.entries(fields)) {
    const custom = context.customFields.get(field);
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
        const user = context.users.find(
          (candidate) => typeof wanted === 'string' && (candidate.accountId === wanted || candidate.email === wanted),
        );
        if (user === undefined) {
          errors.assignee = `User '${String(wanted)}' does not exist: assign by {"accountId": …} of a known user`;
        } else target.assignee = context.person(user.accountId)!;
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
        const parent = context.issues().find((issue) => issue.key === wanted || issue.id === wanted);
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

/** The changes from `before` to `after`, one changelog item per field that differs. */
export function changelogItems(
  customFields: ReadonlyMap<string, JiraStandInCustomField>,
  before: StandInIssueFields,
  after: StandInIssueFields,
): ChangelogItem[] {
  const items: ChangelogItem[] = [];
  for (const field of Object.keys(after)) {
    if (JSON.stringify(before[field]) === JSON.stringify(after[field])) continue;
    const custom = customFields.get(field);
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
