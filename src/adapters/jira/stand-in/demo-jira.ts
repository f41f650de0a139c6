/**
 * The Jira stand-in for `certflow start` without Jira credentials: a demo site (certflow's bot account, the demo
 * owner, a change manager), a CERT project, a change-window date field, an API token and webhook secret generated
 * per run, and webhooks to certflow's endpoint, so a newcomer can approve or decline a change in a browser.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { HttpPortInUseError } from '../../shared/http';
import { PortInUseError } from '../../shared/port-in-use-error';
import { type JiraStandIn, startJiraStandIn } from './jira-stand-in';
import type { JiraStandInCustomField } from './stand-in-model';

/** The demo site's people; the owner and change manager share their emails with the demo Slack workspace. */
export const DEMO_JIRA_USERS = {
  certflow: { accountId: '712020:certflow-demo-bot', email: 'certflow@example.com', displayName: 'certflow' },
  owner: { accountId: '712020:demo-owner', email: 'owner@example.com', displayName: 'Olivia Owner' },
  changeManager: {
    accountId: '712020:demo-change-manager',
    email: 'approver@example.com',
    displayName: 'Adam Approver',
  },
} as const;

/** The demo project change tickets go to. */
export const DEMO_JIRA_PROJECT = { key: 'CERT', name: 'Certificate changes' } as const;

/** The demo change-window start, a date field as many Jira sites have one. */
export const DEMO_CHANGE_WINDOW_FIELD = {
  id: 'customfield_10050',
  name: 'Change window start',
  type: 'date',
} as const satisfies JiraStandInCustomField;

/** The file in certflow's data folder where the demo stand-in journals its tickets. */
export const DEMO_JIRA_JOURNAL = 'jira-stand-in.jsonl';

/** The stand-in's port is taken: a PortInUseError (which the CLI reports as such) whose fix fits the stand-in. */
export class JiraStandInPortInUseError extends PortInUseError {
  constructor(port: number) {
    super(port, 'CERTFLOW_JIRA_STAND_IN_PORT');
    this.message =
      `port ${port} (CERTFLOW_JIRA_STAND_IN_PORT) of the Jira stand-in is already in use: is certflow already ` +
      'running? Stop the other instance, or choose another port with CERTFLOW_JIRA_STAND_IN_PORT=<port> (0 picks a ' +
      'free one)';
  }
}

/** A running demo stand-in and what certflow's Jira adapter and webhook endpoint need to use it. */
export interface DemoJira {
  readonly standIn: JiraStandIn;
  /** Basic auth for the adapter: the bot's email and API token. */
  readonly email: string;
  readonly apiToken: string;
  /** The secret certflow verifies the stand-in's webhooks with. */
  readonly webhookSecret: string;
}

/** Starts the stand-in with the demo site; `webhookUrl` is certflow's Jira webhook endpoint, if it has one. */
export async function startDemoJira(options: {
  readonly port: number;
  readonly webhookUrl?: string;
  /** certflow's data folder: the tickets are journalled there, so a restarted certflow finds the tickets it opened. */
  readonly dataDir?: string;
}): Promise<DemoJira> {
  // Fresh per run: nothing outside this process ever needs them, and a leaked one is worthless after a restart.
  const apiToken = `stand-in-${randomBytes(12).toString('hex')}`;
  const webhookSecret = randomBytes(24).toString('hex');
  try {
    const standIn = await startJiraStandIn({
      port: options.port,
      users: [{ ...DEMO_JIRA_USERS.certflow, apiToken }, DEMO_JIRA_USERS.owner, DEMO_JIRA_USERS.changeManager],
      projects: [DEMO_JIRA_PROJECT],
      customFields: [DEMO_CHANGE_WINDOW_FIELD],
      ...(options.dataDir === undefined ? {} : { journalFile: path.join(options.dataDir, DEMO_JIRA_JOURNAL) }),
      ...(options.webhookUrl === undefined ? {} : { webhook: { url: options.webhookUrl, secret: webhookSecret } }),
    });
    return { standIn, email: DEMO_JIRA_USERS.certflow.email, apiToken, webhookSecret };
  } catch (error) {
    if (error instanceof HttpPortInUseError) throw new JiraStandInPortInUseError(options.port);
    throw error;
  }
}
