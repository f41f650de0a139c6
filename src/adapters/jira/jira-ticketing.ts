/**
 * The Jira adapter of the ticketing port (R-MON-2, R-MON-3, R-LOG-1), through jira-client, for Jira Cloud and Data
 * Center.
 *
 * One open ticket per renewal cycle, also under retries and restarts: the durable store is asked first; on a miss
 * Jira is searched for the cycle's label (a create whose answer was lost, or a store that is new), and only then is
 * a ticket created, and its key recorded before it is returned. A retry soon after an unanswered create waits for
 * the search to catch up (`jira.searchLagSeconds`) rather than risk a second ticket. Cloud searches through `GET /rest/api/3/search/jql`
 * (jira-client's `searchJira` calls `/rest/api/2/search`, which Jira Cloud removed with 410 Gone), Data Center
 * through the v2 search. Comments and escalations carry their key in a comment property (created with the comment)
 * and are looked for before they are written; transitions are resolved by their configured names and leave a ticket already there alone; every applied
 * key is recorded in the store.
 */
import type JiraApi from 'jira-client';
import type { OwnerGroup } from '../../core/domain/inventory/model';
import type { TicketRef } from '../../core/domain/lifecycle/model';
import {
  TicketRejectedError,
  type ChangeTicketRequest,
  type TicketEscalationLevel,
  type TicketingPort,
  type TicketState,
  type TicketStep,
} from '../../core/ports/ticketing-port';
import {
  changeTicketFields,
  commentText,
  cycleLabel,
  escalationAssignee,
  escalationText,
  userField,
} from './change-ticket-fields';
import { browseUrl, projectKeyFor, type JiraConfig } from './jira-config';
import { awaitSearchLag, JiraIssueCalls, record, sameName, stringOf } from './jira-issue-calls';
import { createJiraClient, type JiraClientOptions } from './jira-rest';
import type { JiraTicketStore } from './jira-ticket-store';
import { changeDecisionOf, declineReasonOf, reasonFieldText } from './webhook/parse-issue-updated';

/** Options of {@link JiraTicketing}. */
export interface JiraTicketingOptions extends JiraClientOptions {
  readonly config: JiraConfig;
  /** Where tickets and applied keys are kept: the inventory database's store in the worker. */
  readonly store: JiraTicketStore;
  /** The clock of create attempts (see `jira.searchLagSeconds`); `Date.now` by default. */
  readonly nowMs?: () => number;
}

/** A ticket's workflow status, for following changes made in Jira. */
export interface JiraTicketStatus {
  readonly key: string;
  /** The status name, e.g. `Awaiting approval`. */
  readonly status: string;
  /** Jira's status category key: `new`, `indeterminate` or `done`. */
  readonly statusCategory: string;
  /** The change window start (`jira.customFields.changeWindowStart`) as Jira holds it, or null. */
  readonly changeWindowStart: string | null;
  /**
   * Why the change was declined, when the status is a declined one (`jira.changeStatuses.rejected`): the decline
   * reason field, else the last comment a person wrote, else the resolution; null otherwise.
   */
  readonly reason: string | null;
}

const PURPOSE: Readonly<Record<TicketState, string>> = {
  'in-progress': 'starts the change once it is approved',
  done: 'completes the change',
  rejected: 'declines the change',
};

/** Opens, comments, transitions and escalates change tickets in Jira, each idempotency key applied once. */
export class JiraTicketing implements TicketingPort {
  private readonly client: JiraApi;
  private readonly issues: JiraIssueCalls;
  private readonly config: JiraConfig;
  private readonly store: JiraTicketStore;
  private readonly nowMs: () => number;

  constructor(options: JiraTicketingOptions) {
    this.config = options.config;
    this.store = options.store;
    this.nowMs = options.nowMs ?? Date.now;
    this.client = createJiraClient(options.config, options);
    this.issues = new JiraIssueCalls(this.client, options.config);
  }

  /** The cycle's ticket from the store, else found in Jira by its label, else created; recorded before returned. */
  async ensureChangeTicket(request: ChangeTicketRequest): Promise<TicketRef> {
    const known = await this.store.findTicket(request.idempotencyKey);
    if (known !== undefined) return known;
    const found = await this.issues.findByLabel(cycleLabel(request.idempotencyKey));
    if (found !== undefined) return await this.store.saveTicket(request.idempotencyKey, this.ref(found));
    await awaitSearchLag(this.store, this.config, this.nowMs(), request.idempotencyKey, 'the change ticket');
    const project = projectKeyFor(this.config, request.group);
    const fields = changeTicketFields(request, this.config);
    const created = record(
      await this.issues.call(
        `open a change ticket in project ${project}`,
        () => this.client.addNewIssue({ fields }),
        (said) => createFix(said, project, this.config),
      ),
    );
    const key = stringOf(created.key);
    if (key === undefined) {
      throw new TicketRejectedError(
        `Jira answered the creation of a change ticket in project ${project} without an issue key ` +
          `(${JSON.stringify(created).slice(0, 200)}): check that jira.host points at Jira's REST API`,
      );
    }
    return await this.store.saveTicket(request.idempotencyKey, this.ref(key));
  }

  /** Adds the step's comment once: a key recorded, or a comment carrying its marker, is not written again. */
  async comment(input: { ticket: TicketRef; idempotencyKey: string; step: TicketStep; body: string }): Promise<void> {
    if (await this.store.isApplied(input.idempotencyKey)) return;
    const body = commentText(input.body, this.config.apiVersion);
    await this.issues.commentOnce(input.ticket.key, input.idempotencyKey, body);
    await this.store.markApplied(input.idempotencyKey, input.ticket.key, 'comment');
  }

  /** Moves the ticket through the transition configured for `to`, resolved by name; a ticket already there stays. */
  async transition(input: { ticket: TicketRef; idempotencyKey: string; to: TicketState }): Promise<void> {
    if (await this.store.isApplied(input.idempotencyKey)) return;
    const issueKey = input.ticket.key;
    const name = this.config.transitions[input.to];
    const current = await this.readTicketStatus(issueKey);
    await this.issues.moveTo(issueKey, current.status, name, `jira.transitions.${input.to}`, PURPOSE[input.to]);
    await this.store.markApplied(input.idempotencyKey, issueKey, 'transition');
  }

  /** Raises the priority (never lowers it), reassigns when configured, and comments to management, once per key. */
  async escalate(input: {
    ticket: TicketRef;
    idempotencyKey: string;
    level: TicketEscalationLevel;
    reason: string;
    group: OwnerGroup | null;
  }): Promise<void> {
    if (await this.store.isApplied(input.idempotencyKey)) return;
    const issueKey = input.ticket.key;
    const fields = record(
      record(await this.issues.call(`read ${issueKey}`, () => this.client.findIssue(issueKey, '', 'priority,assignee')))
        .fields,
    );
    const priority = stringOf(record(fields.priority).name);
    const wanted = this.config.priorities[input.level];
    const update: Record<string, unknown> = {};
    // An incident's priority and assignee stay when a later escalation comes: escalating never lowers a ticket.
    const higherAlready = input.level === 'escalation' && sameName(priority, this.config.priorities.incident);
    if (!sameName(priority, wanted) && !higherAlready) update.priority = { name: wanted };
    const assignee =
      this.config.reassignOnEscalation && !higherAlready ? escalationAssignee(input.group, input.level) : null;
    if (assignee !== null) {
      const now = record(fields.assignee);
      const currentId = stringOf(this.config.flavour === 'cloud' ? now.accountId : now.name);
      if (currentId !== assignee.jiraAccountId) update.assignee = userField(this.config.flavour, assignee);
    }
    if (Object.keys(update).length > 0) {
      await this.issues.call(
        `escalate ${issueKey} (priority ${wanted})`,
        () => this.client.updateIssue(issueKey, { fields: update }),
        () =>
          `Set jira.priorities.${input.level} to a priority name of this Jira (now "${wanted}")` +
          (update.assignee !== undefined ? ", and check that the group's management contact can be assigned" : ''),
      );
    }
    const body = escalationText(input, this.config.apiVersion, this.config.flavour);
    await this.issues.commentOnce(issueKey, input.idempotencyKey, body);
    await this.store.markApplied(input.idempotencyKey, issueKey, 'escalation');
  }

  /** The ticket's status, change window start and decline reason, for the webhook's polling fallback. */
  async readTicketStatus(issueKey: string): Promise<JiraTicketStatus> {
    const windowField = this.config.customFields.changeWindowStart?.id;
    const reasonField = this.config.customFields.declineReason?.id;
    const wanted = ['status', 'resolution', windowField, reasonField].filter((field) => field !== undefined).join(',');
    const issue = record(await this.issues.call(`read ${issueKey}`, () => this.client.findIssue(issueKey, '', wanted)));
    const fields = record(issue.fields);
    const status = record(fields.status);
    const name = stringOf(status.name) ?? 'unknown';
    const declined = changeDecisionOf(name, this.config.changeStatuses) === 'rejected';
    const field = reasonField === undefined ? undefined : fields[reasonField];
    // Comments are read only for a decline whose reason field is empty: a poll of waiting tickets stays one call each.
    const comment =
      declined && reasonFieldText(field) === null ? await this.issues.lastCommentByPerson(issueKey) : null;
    return {
      key: stringOf(issue.key) ?? issueKey,
      status: name,
      statusCategory: stringOf(record(status.statusCategory).key) ?? 'unknown',
      changeWindowStart: windowField !== undefined ? (stringOf(fields[windowField]) ?? null) : null,
      reason: declined ? declineReasonOf({ field, comment, resolution: fields.resolution }) : null,
    };
  }

  private ref(key: string): TicketRef {
    return { key, url: browseUrl(this.config, key) };
  }
}

/** The fix for a refused create, from the fields Jira names in its errors. */
function createFix(said: readonly string[], project: string, config: JiraConfig): string {
  const fixes: string[] = [];
  const about = (field: RegExp) => said.some((message) => field.test(message));
  if (about(/^project:/)) {
    fixes.push(
      `set jira.projectKey, or the owner group's project (\`certflow groups update <group> --jira-project <key>\`), ` +
        `to a project certflow's Jira user can create issues in (now ${project})`,
    );
  }
  if (about(/^issuetype:/)) {
    fixes.push(`set jira.issueType to an issue type of project ${project} (now "${config.issueType}")`);
  }
  if (about(/^customfield_/)) {
    fixes.push(
      'check jira.customFields: each id must be on the create screen of the project and issue type, with its type',
    );
  }
  if (about(/^components:/)) {
    fixes.push("create the group's component in the project, or set jira.componentFromGroup to false");
  }
  if (about(/^assignee:/)) {
    fixes.push(
      "make the group's first Jira contact assignable in the project, or set jira.assignToGroupContact to false",
    );
  }
  if (about(/^duedate:|^labels:/)) fixes.push("add Due date and Labels to the project's create screen");
  return fixes.length > 0
    ? `Fix: ${fixes.join('; ')}`
    : `Check jira.projectKey (${project}), jira.issueType and jira.customFields against the project's create screen`;
}
