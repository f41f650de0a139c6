/**
 * A local stand-in for Jira: the REST API a ticketing adapter calls at `<url>/rest/api/{2,3}/…` (point jira-client
 * at host 127.0.0.1, its port and protocol http), Jira Cloud's shapes and errors, a workflow of statuses per issue
 * type, switchable faults, signed outgoing `jira:issue_updated` webhooks, recorded state for tests, and a page at
 * `<url>/` where a person moves tickets. The cloud flavour answers the removed `/rest/api/2/search` with 410 Gone.
 */
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { errorCode } from '../../shared/durable-file';
import { type RunningHttpServer, startHttpServer } from '../../shared/http';
import { JiraFaults } from './faults';
import { renderComment, renderFields } from './rendering';
import { createRestApi, type RecordedJiraCall } from './rest-api';
import { JiraStandInConfigError } from './stand-in-errors';
import type {
  ChangelogItem,
  JiraStandInCustomField,
  JiraStandInProject,
  JiraStandInUser,
  StandInComment,
  StandInIssue,
  StandInPerson,
  StandInJournalEntry,
  TransitionScreen,
} from './stand-in-model';
import { StandInState } from './stand-in-state';
import type { StandInWorkflowOptions } from './workflow';
import { type JiraWebhookTarget, type WebhookDelivery, WebhookSender } from './webhooks';
import { createStandInPage } from './web-page';

export type {
  JiraStandInCustomField,
  JiraStandInProject,
  JiraStandInUser,
  StandInComment,
  StandInIssue,
  StandInTransitionRecord,
  TransitionScreen,
} from './stand-in-model';
export { JiraRequestError, JiraStandInConfigError } from './stand-in-errors';
export type { JiraFault } from './faults';
export { InvalidJiraFaultError, JiraFaults } from './faults';
export type { StandInWorkflowOptions } from './workflow';
export { InvalidStandInWorkflowError } from './workflow';
export type { RecordedJiraCall } from './rest-api';
export type { WebhookDelivery } from './webhooks';
export { webhookSignature } from './webhooks';

/** How to start the stand-in. */
export interface JiraStandInOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on; `127.0.0.1` by default. */
  readonly host?: string;
  /** `cloud` (the default): `/rest/api/2/search` answers 410 Gone like Jira Cloud; `data-center` serves it. */
  readonly flavour?: 'cloud' | 'data-center';
  /** Basic auth with email:apiToken, or Bearer personalAccessToken. */
  readonly users: readonly JiraStandInUser[];
  /** Issue types default to Change, Task, Epic, Incident. */
  readonly projects: readonly JiraStandInProject[];
  /** Custom fields issues may carry, e.g. a change window date. */
  readonly customFields?: readonly JiraStandInCustomField[];
  /** Statuses and per-issue-type workflows beyond the defaults, e.g. a change workflow with its own status names. */
  readonly workflows?: StandInWorkflowOptions;
  /** Where `jira:issue_updated` goes on status changes and setField, signed with `secret`. */
  readonly webhook?: JiraWebhookTarget;
  /** The clock for created/updated and webhook timestamps; `Date.now` by default. */
  readonly nowMilliseconds?: () => number;
  /**
   * Whether `GET …/issue/{key}/comment` honours `expand=properties` (true by default); false acts as a Jira that
   * ignores it there, so a client must read `GET …/comment/{id}/properties/{key}`.
   */
  readonly expandsCommentProperties?: boolean;
  /**
   * Where the stand-in journals its issues, one JSON line per change, written before it answers; a stand-in started
   * on the same file finds them again (a restarted `certflow start`), so keys certflow recorded still name the same
   * issues and new keys never repeat old ones. In memory only when left out.
   */
  readonly journalFile?: string;
}

/** A running stand-in. */
export interface JiraStandIn {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  readonly faults: JiraFaults;
  /** Every REST call so far, oldest first (faulted and refused calls included). */
  readonly calls: readonly RecordedJiraCall[];
  /** Every webhook delivery so far, oldest first, with the receiver's status or the error. */
  readonly webhookDeliveries: readonly WebhookDelivery[];
  /** Every issue, oldest first. */
  issues(): readonly StandInIssue[];
  issue(key: string): StandInIssue | undefined;
  /**
   * A person moves the ticket in Jira's UI: changes status (must be a valid transition), with the transition screen's
   * fields and comment if given, records it, and sends one webhook carrying the changelog and the comment.
   */
  transitionAs(key: string, toStatus: string, accountId: string, screen?: TransitionScreen): Promise<void>;
  /** A person sets a field (e.g. a change-window date custom field); sends the webhook with a changelog item. */
  setField(key: string, fieldId: string, value: unknown, accountId: string): Promise<void>;
  /** Resolves once every webhook sent so far (including those of REST transitions) was answered or failed. */
  webhooksSettled(): Promise<void>;
  /** Stops the server after pending webhooks; calls held by a delay fault are dropped unanswered. */
  close(): Promise<void>;
}

/** Restores the issues journalled in `file`, compacts it to one line per issue, and journals every change to it. */
function keepJournal(state: StandInState, file: string): void {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const entries = lines.flatMap((line, index) => {
    try {
      return [JSON.parse(line) as StandInJournalEntry];
    } catch (error) {
      // A line cut short by a crash while it was written is the last one: that change was never answered.
      if (index === lines.length - 1) return [];
      throw new JiraStandInConfigError(
        `the Jira stand-in's journal ${file} is damaged at line ${index + 1} (${(error as Error).message}): ` +
          'delete it to start the stand-in empty',
      );
    }
  });
  state.restore(entries);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const compacted = state.issues().map((issue) => JSON.stringify({ ...entries.at(-1), issue }));
  fs.writeFileSync(`${file}.tmp`, compacted.map((line) => `${line}\n`).join(''));
  fs.renameSync(`${file}.tmp`, file);
  // Synchronous, so the change is in the file before the REST call that made it is answered.
  state.onChange = (entry) => fs.appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

/** Starts the stand-in; resolves once it listens. */
export async function startJiraStandIn(options: JiraStandInOptions): Promise<JiraStandIn> {
  const nowMilliseconds = options.nowMilliseconds ?? (() => Date.now());
  const state = new StandInState(nowMilliseconds, options);
  if (options.journalFile !== undefined) keepJournal(state, options.journalFile);
  const flavour = options.flavour ?? 'cloud';
  const faults = new JiraFaults();
  const calls: RecordedJiraCall[] = [];
  const webhooks = new WebhookSender(options.webhook);
  const held = new Set<{ timer: NodeJS.Timeout; response: ServerResponse; release: (go: boolean) => void }>();
  let baseUrl = '';

  const hold = (milliseconds: number, response: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      const entry = {
        timer: setTimeout(() => entry.release(true), milliseconds),
        response,
        release: (go: boolean) => {
          clearTimeout(entry.timer);
          held.delete(entry);
          resolve(go);
        },
      };
      held.add(entry);
    });

  const sendWebhook = (
    issue: StandInIssue,
    items: readonly ChangelogItem[],
    by: StandInPerson,
    comment?: StandInComment,
  ): Promise<void> => {
    const context = {
      baseUrl,
      version: '2',
      flavour,
      status: (name: string) => state.workflows.status(name),
    } as const;
    return webhooks.send({
      timestamp: nowMilliseconds(),
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: items.some((item) => item.field === 'status') ? 'issue_generic' : 'issue_updated',
      user: { accountId: by.accountId, displayName: by.displayName, emailAddress: by.emailAddress, active: true },
      issue: {
        id: issue.id,
        self: `${baseUrl}/rest/api/2/issue/${issue.id}`,
        key: issue.key,
        fields: renderFields(issue, context),
      },
      changelog: { id: state.changelogId(), items },
      // Jira adds a comment made with the change to the same event.
      ...(comment === undefined ? {} : { comment: renderComment(issue, comment, context) }),
    });
  };

  const transitionAs = async (key: string, toStatus: string, accountId: string, screen: TransitionScreen = {}) => {
    const person = state.requirePerson(accountId);
    const issue = state.require(key);
    // Checked first, so a refused transition applies neither the screen's fields nor its comment.
    state.availableTransition(issue, { toStatus });
    const fields = screen.fields === undefined ? [] : state.edit(issue, screen.fields, undefined, person);
    const comment = screen.comment === undefined ? undefined : state.addComment(issue, screen.comment, person);
    const item = state.transition(issue, { toStatus }, person, 'person');
    await sendWebhook(issue, [...fields, item], person, comment);
  };

  const restApi = createRestApi({
    state,
    flavour,
    faults,
    calls,
    baseUrl: () => baseUrl,
    expandsCommentProperties: options.expandsCommentProperties ?? true,
    hold,
    changed: (issue, items, by) => void sendWebhook(issue, items, by),
  });
  const page = createStandInPage({ state, transitionAs });
  const server: RunningHttpServer = await startHttpServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    handlers: [
      { prefix: '/rest', handler: restApi },
      // Last: the most specific prefix wins, so the page only gets what the REST API does not take.
      { prefix: '/', handler: page },
    ],
  });
  baseUrl = server.url;

  return {
    url: server.url,
    port: server.port,
    faults,
    calls,
    webhookDeliveries: webhooks.deliveries,
    issues: () => state.issues(),
    issue: (key) => state.issue(key),
    transitionAs,
    setField: async (key, fieldId, value, accountId) => {
      const person = state.requirePerson(accountId);
      const issue = state.require(key);
      const items = state.edit(issue, { [fieldId]: value }, undefined, person);
      if (items.length > 0) await sendWebhook(issue, items, person);
    },
    webhooksSettled: () => webhooks.settled(),
    close: async () => {
      for (const entry of [...held]) {
        entry.response.destroy();
        entry.release(false);
      }
      await webhooks.settled();
      await server.close();
    },
  };
}
