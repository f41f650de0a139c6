/**
 * The Jira adapter of the ticketing port (R-MON-2, R-MON-3, R-LOG-1), through jira-client, for Jira Cloud and Data
 * Center.
 *
 * One open ticket per renewal cycle, also under retries and restarts: the durable store is asked first; on a miss
 * Jira is searched for the cycle's label (a create whose answer was lost, or a store that is new), and only then is
 * a ticket created, and its key recorded before it is returned. A retry soon after an unanswered create waits for
 * the search to catch up (`jira.searchLagSeconds`) rather than risk a second ticket. Cloud searches through `GET /rest/api/3/search/jql`
 * (jira-client's `searchJira` calls `/rest/api/2/search`, which Jira Cloud removed with 410 Gone), Data Center
 * through the v2 search. Comments and escalations end in a marker of their key and are looked for before they are
 * written; transitions are resolved by their configured names and leave a ticket already there alone; every applied
 * key is recorded in the store.
 */
import type JiraApi from 'jira-client';
import type { OwnerGroup } from '../../domain/inventory/model';
import type { TicketRef } from '../../domain/lifecycle/model';
import {
  TicketRejectedError,
  type ChangeTicketRequest,
  type TicketEscalationLevel,
  type TicketingPort,
  type TicketState,
  type TicketStep,
} from '../ticketing/ticketing-port';
import {
  changeTicketFields,
  commentMarker,
  commentText,
  cycleLabel,
  escalationAssignee,
  escalationText,
  textOf,
  userField,
  type JiraText,
} from './change-ticket-fields';
import { browseUrl, projectKeyFor, type JiraConfig } from './jira-config';
import { createJiraClient, JiraUnavailableError, ticketingFailure, type JiraClientOptions } from './jira-rest';
import type { JiraTicketStore } from './jira-ticket-store';

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
}

/** jira-client's generic request helpers: public in its JavaScript, declared private in @types/jira-client. */
interface GenericRequests {
  makeUri(options: { pathname: string; intermediatePath?: string }): string;
  makeRequestHeader(uri: string, options: Record<string, unknown>): Record<string, unknown>;
  doRequest(options: Record<string, unknown>): Promise<unknown>;
}

/** A transition as the transitions API lists it. */
interface ListedTransition {
  readonly id: string;
  readonly name: string;
  readonly to: string;
}

const sameName = (left: string | undefined, right: string): boolean =>
  left !== undefined && left.localeCompare(right, undefined, { sensitivity: 'accent' }) === 0;

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

const PURPOSE: Readonly<Record<TicketState, string>> = {
  'in-progress': 'starts the change once it is approved',
  done: 'completes the change',
  rejected: 'declines the change',
};

/** Opens, comments, transitions and escalates change tickets in Jira, each idempotency key applied once. */
export class JiraTicketing implements TicketingPort {
  private readonly client: JiraApi;
  private readonly config: JiraConfig;
  private readonly store: JiraTicketStore;
  private readonly nowMs: () => number;

  constructor(options: JiraTicketingOptions) {
    this.config = options.config;
    this.store = options.store;
    this.nowMs = options.nowMs ?? Date.now;
    this.client = createJiraClient(options.config, options);
  }

  /** The cycle's ticket from the store, else found in Jira by its label, else created; recorded before returned. */
  async ensureChangeTicket(request: ChangeTicketRequest): Promise<TicketRef> {
    const known = await this.store.findTicket(request.idempotencyKey);
    if (known !== undefined) return known;
    const found = await this.findByLabel(cycleLabel(request.idempotencyKey));
    if (found !== undefined) return await this.store.saveTicket(request.idempotencyKey, this.ref(found));
    await this.awaitSearchLag(request.idempotencyKey);
    const project = projectKeyFor(this.config, request.group);
    const fields = changeTicketFields(request, this.config);
    const created = record(
      await this.call(
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
    const body = commentText(input.body, input.idempotencyKey, this.config.apiVersion);
    await this.commentOnce(input.ticket.key, input.idempotencyKey, body);
    await this.store.markApplied(input.idempotencyKey, input.ticket.key, 'comment');
  }

  /** Moves the ticket through the transition configured for `to`, resolved by name; a ticket already there stays. */
  async transition(input: { ticket: TicketRef; idempotencyKey: string; to: TicketState }): Promise<void> {
    if (await this.store.isApplied(input.idempotencyKey)) return;
    const issueKey = input.ticket.key;
    const name = this.config.transitions[input.to];
    const current = await this.readTicketStatus(issueKey);
    if (!sameName(current.status, name)) {
      const transitions = await this.listTransitions(issueKey);
      const match =
        transitions.find((transition) => sameName(transition.name, name)) ??
        transitions.find((transition) => sameName(transition.to, name));
      if (match === undefined) {
        const available = transitions.map((transition) => `"${transition.name}" (to ${transition.to})`).join(', ');
        throw new TicketRejectedError(
          `${issueKey} is in status "${current.status}", from which Jira offers no transition "${name}" ` +
            `(jira.transitions.${input.to}); available: ${available || 'none'}. Set jira.transitions.${input.to} ` +
            `to the transition that ${PURPOSE[input.to]}, or move the ticket on in Jira first`,
        );
      }
      if (!sameName(current.status, match.to)) {
        await this.call(
          `move ${issueKey} to "${match.to}"`,
          () => this.client.transitionIssue(issueKey, { transition: { id: match.id } }),
          () => `Fill the fields Jira's "${match.name}" transition screen requires, or make them optional`,
        );
      }
    }
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
      record(await this.call(`read ${issueKey}`, () => this.client.findIssue(issueKey, '', 'priority,assignee')))
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
      await this.call(
        `escalate ${issueKey} (priority ${wanted})`,
        () => this.client.updateIssue(issueKey, { fields: update }),
        () =>
          `Set jira.priorities.${input.level} to a priority name of this Jira (now "${wanted}")` +
          (update.assignee !== undefined ? ", and check that the group's management contact can be assigned" : ''),
      );
    }
    const body = escalationText(input, this.config.apiVersion, this.config.flavour);
    await this.commentOnce(issueKey, input.idempotencyKey, body);
    await this.store.markApplied(input.idempotencyKey, issueKey, 'escalation');
  }

  /** The ticket's status and change window start, for the webhook's polling fallback. */
  async readTicketStatus(issueKey: string): Promise<JiraTicketStatus> {
    const windowField = this.config.customFields.changeWindowStart?.id;
    const wanted = ['status', ...(windowField !== undefined ? [windowField] : [])].join(',');
    const issue = record(await this.call(`read ${issueKey}`, () => this.client.findIssue(issueKey, '', wanted)));
    const fields = record(issue.fields);
    const status = record(fields.status);
    return {
      key: stringOf(issue.key) ?? issueKey,
      status: stringOf(status.name) ?? 'unknown',
      statusCategory: stringOf(record(status.statusCategory).key) ?? 'unknown',
      changeWindowStart: windowField !== undefined ? (stringOf(fields[windowField]) ?? null) : null,
    };
  }

  /**
   * Refuses, as retryable, to create again while an earlier attempt of this cycle is younger than the search lag:
   * that attempt may have opened a ticket whose answer was lost and which Jira's search does not show yet.
   */
  private async awaitSearchLag(idempotencyKey: string): Promise<void> {
    const now = this.nowMs();
    const waited = now - (await this.store.noteCreateAttempt(idempotencyKey, now));
    const lag = this.config.searchLagSeconds * 1000;
    if (waited > 0 && waited < lag) {
      throw new JiraUnavailableError(
        `an attempt ${Math.ceil(waited / 1000)} s ago to open the change ticket of ${idempotencyKey} got no answer ` +
          `and Jira's search does not show a ticket for it yet; certflow opens one only when the search still finds ` +
          `none ${this.config.searchLagSeconds} s after that attempt (jira.searchLagSeconds), so a cycle never gets ` +
          'two; the step is retried',
        null,
      );
    }
  }

  private ref(key: string): TicketRef {
    return { key, url: browseUrl(this.config, key) };
  }

  /** The oldest issue carrying the cycle label, through the search API this flavour still has. */
  private async findByLabel(label: string): Promise<string | undefined> {
    const generic = this.client as unknown as GenericRequests;
    const cloud = this.config.flavour === 'cloud';
    const uri = generic.makeUri({
      pathname: cloud ? '/search/jql' : '/search',
      intermediatePath: cloud ? '/rest/api/3' : '/rest/api/2',
    });
    const jql = `labels = "${label}" ORDER BY created ASC`;
    const result = record(
      await this.call(`search Jira for the ticket labelled ${label}`, () =>
        generic.doRequest(
          generic.makeRequestHeader(uri, { method: 'GET', qs: { jql, fields: 'created', maxResults: 10 } }),
        ),
      ),
    );
    return arrayOf(result.issues)
      .map((issue) => stringOf(record(issue).key))
      .find((key) => key !== undefined);
  }

  private async listTransitions(issueKey: string): Promise<ListedTransition[]> {
    const listed = record(
      await this.call(`list the transitions of ${issueKey}`, () => this.client.listTransitions(issueKey)),
    );
    return arrayOf(listed.transitions).flatMap((value) => {
      const transition = record(value);
      const id = stringOf(transition.id);
      const name = stringOf(transition.name);
      return id !== undefined && name !== undefined
        ? [{ id, name, to: stringOf(record(transition.to).name) ?? name }]
        : [];
    });
  }

  /** Writes a comment unless one carrying the key's marker is already on the issue (a lost answer, a restart). */
  private async commentOnce(issueKey: string, idempotencyKey: string, body: JiraText): Promise<void> {
    const marker = commentMarker(idempotencyKey);
    const existing = record(
      await this.call(`read the comments of ${issueKey}`, () => this.client.getComments(issueKey)),
    );
    if (arrayOf(existing.comments).some((comment) => textOf(record(comment).body).includes(marker))) return;
    await this.call(`comment on ${issueKey}`, () => this.client.addCommentAdvanced(issueKey, { body }));
  }

  /** Runs one jira-client call, turning its failure into a TicketRejectedError or a retryable JiraUnavailableError. */
  private async call(
    what: string,
    run: () => Promise<unknown>,
    fix?: (said: readonly string[]) => string,
  ): Promise<unknown> {
    try {
      return await run();
    } catch (error) {
      throw ticketingFailure(error, what, this.config, fix);
    }
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
