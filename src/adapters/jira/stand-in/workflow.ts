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

/**
 * A stand-in's own workflows, as a Jira admin configures them: statuses beyond the defaults and, per issue type, a
 * workflow replacing the default one (e.g. a change workflow whose approval status is named "CAB approved").
 */
export interface StandInWorkflowOptions {
  readonly statuses?: readonly { readonly name: string; readonly category: StatusCategoryKey }[];
  readonly workflows?: Readonly<Record<string, Workflow>>;
}

/** A workflow option that names an unknown status; the message names it and the known ones. */
export class InvalidStandInWorkflowError extends Error {
  override readonly name = 'InvalidStandInWorkflowError';
}

/** The statuses and workflows of one stand-in: the defaults, and what its options add or replace. */
export class StandInWorkflows {
  private readonly statuses: ReadonlyMap<string, WorkflowStatus>;
  private readonly workflows: ReadonlyMap<string, Workflow>;

  constructor(options: StandInWorkflowOptions = {}) {
    const statuses = new Map(STATUSES);
    (options.statuses ?? []).forEach((status, index) =>
      statuses.set(status.name, { id: String(20000 + index), name: status.name, category: status.category }),
    );
    this.statuses = statuses;
    this.workflows = new Map(Object.entries(options.workflows ?? {}));
    for (const [issueType, workflow] of this.workflows) {
      const named = [
        workflow.initial,
        ...workflow.transitions.flatMap((transition) => [...transition.from, transition.to]),
      ];
      const unknown = named.find((name) => !statuses.has(name));
      if (unknown !== undefined) {
        throw new InvalidStandInWorkflowError(
          `the ${issueType} workflow names status "${unknown}", which the stand-in does not have: add it to ` +
            `statuses (known: ${[...statuses.keys()].join(', ')})`,
        );
      }
    }
  }

  /** The status of this name (every status a workflow names exists). */
  status(name: string): WorkflowStatus {
    const status = this.statuses.get(name);
    if (status === undefined) throw new InvalidStandInWorkflowError(`the stand-in has no status "${name}"`);
    return status;
  }

  /** The workflow of an issue type: its own, else Change's approval workflow or the task workflow. */
  workflowOf(issueType: string): Workflow {
    return this.workflows.get(issueType) ?? (issueType === 'Change' ? CHANGE_WORKFLOW : TASK_WORKFLOW);
  }

  /** The transitions available from a status. */
  transitionsFrom(issueType: string, status: string): readonly WorkflowTransition[] {
    return this.workflowOf(issueType).transitions.filter((transition) => transition.from.includes(status));
  }
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
