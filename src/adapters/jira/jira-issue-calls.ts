/**
 * The REST calls both Jira adapters make (change tickets and campaign tickets): a label search through the search
 * API each flavour still has, transitions by name, comments written once by the idempotency key in their property, and every jira-client
 * call's failure turned into a TicketRejectedError with its fix or a retryable JiraUnavailableError.
 */
import type JiraApi from 'jira-client';
import { TicketRejectedError } from '../../core/ports/ticketing-port';
import {
  COMMENT_PROPERTY_KEY,
  commentProperty,
  legacyCommentMarker,
  textOf,
  type JiraText,
} from './change-ticket-fields';
import type { JiraConfig } from './jira-config';
import { jiraHttpFailure, JiraUnavailableError, ticketingFailure } from './jira-rest';
import type { JiraTicketStore } from './jira-ticket-store';

/** jira-client's generic request helpers: public in its JavaScript, declared private in @types/jira-client. */
interface GenericRequests {
  makeUri(options: { pathname: string; intermediatePath?: string }): string;
  makeRequestHeader(uri: string, options: Record<string, unknown>): Record<string, unknown>;
  doRequest(options: Record<string, unknown>): Promise<unknown>;
}

/** A transition as the transitions API lists it. */
export interface ListedTransition {
  readonly id: string;
  readonly name: string;
  readonly to: string;
}

/** Whether two Jira names are the same, ignoring case. */
export const sameName = (left: string | undefined, right: string): boolean =>
  left !== undefined && left.localeCompare(right, undefined, { sensitivity: 'accent' }) === 0;

/** The value as a record, or an empty one. */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** The value if it is a string. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value if it is an array, else an empty one. */
export function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** Jira calls shared by the adapters, on one client and configuration. */
export class JiraIssueCalls {
  constructor(
    readonly client: JiraApi,
    private readonly config: JiraConfig,
  ) {}

  /** Runs one jira-client call, turning its failure into a TicketRejectedError or a retryable JiraUnavailableError. */
  async call(what: string, run: () => Promise<unknown>, fix?: (said: readonly string[]) => string): Promise<unknown> {
    try {
      return await run();
    } catch (error) {
      throw ticketingFailure(error, what, this.config, fix);
    }
  }

  /** The oldest issue carrying the label, through the search API this flavour still has. */
  async findByLabel(label: string): Promise<string | undefined> {
    const generic = this.client as unknown as GenericRequests;
    const cloud = this.config.flavour === 'cloud';
    // jira-client's searchJira calls /rest/api/2/search, which Jira Cloud removed with 410 Gone.
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

  /** The transitions Jira offers from the issue's status. */
  async listTransitions(issueKey: string): Promise<ListedTransition[]> {
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

  /**
   * Moves the issue, now in `current`, through the transition (or to the status) named `name`; an issue already
   * there stays. `setting` and `purpose` name the configuration to fix when Jira offers no such transition.
   */
  async moveTo(issueKey: string, current: string, name: string, setting: string, purpose: string): Promise<void> {
    if (sameName(current, name)) return;
    const transitions = await this.listTransitions(issueKey);
    const match =
      transitions.find((transition) => sameName(transition.name, name)) ??
      transitions.find((transition) => sameName(transition.to, name));
    if (match === undefined) {
      const available = transitions.map((transition) => `"${transition.name}" (to ${transition.to})`).join(', ');
      throw new TicketRejectedError(
        `${issueKey} is in status "${current}", from which Jira offers no transition "${name}" ` +
          `(${setting}); available: ${available || 'none'}. Set ${setting} ` +
          `to the transition that ${purpose}, or move the ticket on in Jira first`,
      );
    }
    if (sameName(current, match.to)) return;
    await this.call(
      `move ${issueKey} to "${match.to}"`,
      () => this.client.transitionIssue(issueKey, { transition: { id: match.id } }),
      () => `Fill the fields Jira's "${match.name}" transition screen requires, or make them optional`,
    );
  }

  /**
   * Writes a comment unless the issue has one for the key already (a lost answer, a restart). The key is a comment
   * property created in the same request as the comment, so no crash can leave a comment without it; comments of
   * earlier versions are recognised by the marker that ended their text.
   */
  async commentOnce(issueKey: string, idempotencyKey: string, body: JiraText): Promise<void> {
    if (await this.hasComment(issueKey, idempotencyKey)) return;
    await this.call(`comment on ${issueKey}`, () =>
      this.client.addCommentAdvanced(issueKey, { body, properties: [commentProperty(idempotencyKey)] }),
    );
  }

  /** The issue's comments, oldest first, with their properties where Jira expands them. */
  private async listComments(issueKey: string): Promise<Record<string, unknown>> {
    const generic = this.client as unknown as GenericRequests;
    const uri = generic.makeUri({ pathname: `/issue/${encodeURIComponent(issueKey)}/comment` });
    return record(
      await this.call(`read the comments of ${issueKey}`, () =>
        generic.doRequest(
          generic.makeRequestHeader(uri, { method: 'GET', qs: { expand: 'properties', maxResults: 5000 } }),
        ),
      ),
    );
  }

  /** Whether a comment of the issue carries the key, in its property or (written before) its text's marker. */
  private async hasComment(issueKey: string, idempotencyKey: string): Promise<boolean> {
    const listed = await this.listComments(issueKey);
    const marker = legacyCommentMarker(idempotencyKey);
    const unexpanded: string[] = [];
    for (const value of arrayOf(listed.comments)) {
      const comment = record(value);
      if (textOf(comment.body).includes(marker)) return true;
      if (!Array.isArray(comment.properties)) {
        const id = stringOf(comment.id);
        if (id !== undefined) unexpanded.push(id);
      } else if (comment.properties.some((property) => carriesKey(record(property), idempotencyKey))) {
        return true;
      }
    }
    // A Jira that ignores expand=properties on this endpoint is asked comment by comment.
    for (const id of unexpanded) {
      const property = await this.commentProperty(issueKey, id);
      if (property !== undefined && carriesKey(property, idempotencyKey)) return true;
    }
    return false;
  }

  /** The text of the newest comment not written by certflow's own Jira user, or null when there is none. */
  async lastCommentByPerson(issueKey: string): Promise<string | null> {
    const me = userId(
      record(await this.call('read the Jira user certflow acts as', () => this.client.getCurrentUser())),
    );
    const comments = arrayOf((await this.listComments(issueKey)).comments).map(record);
    const theirs = comments.filter((comment) => userId(record(comment.author)) !== me);
    const text = textOf(theirs.at(-1)?.body).trim();
    return text === '' ? null : text;
  }

  /** certflow's property of a comment, or undefined when the comment has none (404). */
  private async commentProperty(issueKey: string, commentId: string): Promise<Record<string, unknown> | undefined> {
    const generic = this.client as unknown as GenericRequests;
    const uri = generic.makeUri({
      pathname: `/comment/${encodeURIComponent(commentId)}/properties/${COMMENT_PROPERTY_KEY}`,
    });
    try {
      return record(await generic.doRequest(generic.makeRequestHeader(uri, { method: 'GET' })));
    } catch (error) {
      if (jiraHttpFailure(error)?.status === 404) return undefined;
      throw ticketingFailure(error, `read the properties of a comment on ${issueKey}`, this.config);
    }
  }
}

/** A Jira user's identity: the account id on Cloud, the user key or name on Data Center. */
function userId(user: Record<string, unknown>): string | undefined {
  return stringOf(user.accountId) ?? stringOf(user.key) ?? stringOf(user.name);
}

function carriesKey(property: Record<string, unknown>, idempotencyKey: string): boolean {
  return property.key === COMMENT_PROPERTY_KEY && record(property.value).idempotencyKey === idempotencyKey;
}

/**
 * Refuses, as retryable, to create again while an earlier attempt for this key is younger than the search lag: that
 * attempt may have opened an issue whose answer was lost and which Jira's search does not show yet.
 */
export async function awaitSearchLag(
  store: JiraTicketStore,
  config: Pick<JiraConfig, 'searchLagSeconds'>,
  now: number,
  idempotencyKey: string,
  what: string,
): Promise<void> {
  const waited = now - (await store.noteCreateAttempt(idempotencyKey, now));
  const lag = config.searchLagSeconds * 1000;
  if (waited > 0 && waited < lag) {
    throw new JiraUnavailableError(
      `an attempt ${Math.ceil(waited / 1000)} s ago to open ${what} of ${idempotencyKey} got no answer ` +
        `and Jira's search does not show a ticket for it yet; certflow opens one only when the search still finds ` +
        `none ${config.searchLagSeconds} s after that attempt (jira.searchLagSeconds), so it never opens two; the ` +
        'step is retried',
      null,
    );
  }
}
