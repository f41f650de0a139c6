/**
 * The stand-in's Jira configuration: status categories, statuses, the workflow of each issue type and the priorities.
 * Transition ids are numeric strings unlike their names, as in Jira, so an adapter has to resolve transitions by name
 * through the transitions API instead of hard-coding ids.
 */

/** Jira's three status categories, by key. */
export type StatusCategoryKey = 'new' | 'indeterminate' | 'done';

/** A status category as Jira renders it. */
export const STATUS_CATEGORIES = {
  new: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
} as const;

/** A workflow status. */
export interface WorkflowStatus {
  readonly id: string;
  readonly name: string;
  readonly category: StatusCategoryKey;
}

/** Every status any workflow uses, by name. */
export const STATUSES: ReadonlyMap<string, WorkflowStatus> = new Map(
  (
    [
      ['10000', 'To Do', 'new'],
      ['10001', 'Awaiting approval', 'new'],
      ['10002', 'Approved', 'indeterminate'],
      ['3', 'In Progress', 'indeterminate'],
      ['10003', 'Declined', 'done'],
      ['10004', 'Done', 'done'],
      ['10005', 'Cancelled', 'done'],
    ] as const
  ).map(([id, name, category]) => [name, { id, name, category }]),
);

/** A transition: from any of `from` to `to`. */
export interface WorkflowTransition {
  readonly id: string;
  readonly name: string;
  readonly from: readonly string[];
  readonly to: string;
}

/** An issue type's workflow. */
export interface Workflow {
  readonly initial: string;
  readonly transitions: readonly WorkflowTransition[];
}

// People approve or decline a change in Jira; certflow moves it on by the target status names.
const CHANGE_WORKFLOW: Workflow = {
  initial: 'Awaiting approval',
  transitions: [
    { id: '11', name: 'Approve', from: ['Awaiting approval'], to: 'Approved' },
    { id: '21', name: 'Decline', from: ['Awaiting approval'], to: 'Declined' },
    { id: '31', name: 'In Progress', from: ['Approved'], to: 'In Progress' },
    { id: '41', name: 'Done', from: ['In Progress'], to: 'Done' },
    { id: '51', name: 'Cancelled', from: ['Awaiting approval', 'Approved', 'In Progress'], to: 'Cancelled' },
  ],
};

const TASK_WORKFLOW: Workflow = {
  initial: 'To Do',
  transitions: [
    { id: '61', name: 'In Progress', from: ['To Do'], to: 'In Progress' },
    { id: '71', name: 'Done', from: ['In Progress'], to: 'Done' },
  ],
};

/** The issue types of a project that names none. */
export const DEFAULT_ISSUE_TYPES: readonly string[] = ['Change', 'Task', 'Epic', 'Incident'];

/** The workflow of an issue type: Change has the approval workflow, every other type the task workflow. */
export function workflowOf(issueType: string): Workflow {
  return issueType === 'Change' ? CHANGE_WORKFLOW : TASK_WORKFLOW;
}

/** The transitions available from a status. */
export function transitionsFrom(issueType: string, status: string): readonly WorkflowTransition[] {
  return workflowOf(issueType).transitions.filter((transition) => transition.from.includes(status));
}

/** Jira's default priorities, highest first, with their ids. */
export const PRIORITIES: readonly { readonly id: string; readonly name: string }[] = [
  { id: '1', name: 'Highest' },
  { id: '2', name: 'High' },
  { id: '3', name: 'Medium' },
  { id: '4', name: 'Low' },
  { id: '5', name: 'Lowest' },
];

/** The priority an issue gets when created without one. */
export const DEFAULT_PRIORITY = 'Medium';
