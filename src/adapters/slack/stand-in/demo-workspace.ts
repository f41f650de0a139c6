/**
 * The Slack stand-in `certflow start` runs when no Slack credential is set: a demo workspace (an owner, an approver, a
 * stranger and a channel), a bot token and signing secret generated per run, and the demo owner group that routes the
 * demo endpoint's lifecycle to those people, so a newcomer can approve a renewal in a browser.
 */
import { randomBytes } from 'node:crypto';
import type { OwnerGroup } from '../../../core/domain/inventory/model';
import { HttpPortInUseError } from '../../shared/http';
import type { InventoryStore } from '../../../core/ports/inventory-store';
import { PortInUseError } from '../../shared/port-in-use-error';
import { type SlackStandIn, startSlackStandIn } from './slack-stand-in';
import type { StandInChannel, StandInUser } from './stand-in-state';

/** The demo workspace's people: the owner group's contact, its approver, and someone with no role. */
export const DEMO_USERS = {
  owner: { id: 'U0DEMOOWNER', name: 'olivia', realName: 'Olivia Owner', email: 'owner@example.com' },
  approver: { id: 'U0DEMOAPPROVER', name: 'adam', realName: 'Adam Approver', email: 'approver@example.com' },
  stranger: { id: 'U0DEMOSTRANGER', name: 'sam', realName: 'Sam Stranger', email: 'stranger@example.com' },
} as const satisfies Record<string, StandInUser>;

/** The demo owner group's channel. */
export const DEMO_CHANNEL = { id: 'C0CERTDEMO', name: 'certflow-demo' } as const satisfies StandInChannel;

/** Id of the owner group whose certificates the demo endpoints get (see startLifecycles in the CLI's start command). */
export const DEMO_GROUP_ID = 'demo';

/** The stand-in's port is taken: a PortInUseError (which the CLI reports as such) whose fix fits the stand-in. */
export class SlackStandInPortInUseError extends PortInUseError {
  constructor(port: number) {
    super(port, 'CERTFLOW_SLACK_STAND_IN_PORT');
    this.message =
      `port ${port} (CERTFLOW_SLACK_STAND_IN_PORT) of the Slack stand-in is already in use: is certflow already ` +
      'running? Stop the other instance, choose another port with CERTFLOW_SLACK_STAND_IN_PORT=<port> (0 picks a ' +
      'free one), or turn the stand-in off with CERTFLOW_SLACK=off';
  }
}

/** A running demo stand-in and the credentials certflow's Slack app and notifier use against it. */
export interface DemoSlack {
  readonly standIn: SlackStandIn;
  readonly botToken: string;
  readonly signingSecret: string;
}

/** Starts the stand-in with the demo workspace; `appUrl` is certflow's Bolt endpoint, where clicks are posted. */
export async function startDemoSlack(options: { readonly port: number; readonly appUrl: string }): Promise<DemoSlack> {
  // Fresh per run: nothing outside this process ever needs them, and a leaked one is worthless after a restart.
  const botToken = `xoxb-stand-in-${randomBytes(12).toString('hex')}`;
  const signingSecret = randomBytes(24).toString('hex');
  try {
    const standIn = await startSlackStandIn({
      port: options.port,
      botToken,
      signingSecret,
      users: Object.values(DEMO_USERS),
      channels: [DEMO_CHANNEL],
      appUrl: options.appUrl,
    });
    return { standIn, botToken, signingSecret };
  } catch (error) {
    if (error instanceof HttpPortInUseError) throw new SlackStandInPortInUseError(options.port);
    throw error;
  }
}

function person(user: StandInUser) {
  return { name: user.realName, email: user.email, slackUserId: user.id };
}

/** The demo owner group's people and channel under `id`: the demo owner as contact, the approver as approver. */
export function demoOwnerGroup(id: string, name: string): OwnerGroup {
  return {
    id,
    name,
    contacts: [person(DEMO_USERS.owner)],
    approvers: [person(DEMO_USERS.approver)],
    managementContact: null,
    incidentResponseContact: null,
    slack: { channelId: DEMO_CHANNEL.id },
    jira: {},
    reminderDays: null,
    autoRenew: false,
  };
}

/**
 * Creates the demo owner group (the demo owner as contact, the approver as approver, the demo channel) unless a group
 * `demo` exists: one the user made is theirs and stays as it is. Says whether it created it.
 */
export async function ensureDemoOwnerGroup(store: InventoryStore): Promise<boolean> {
  if ((await store.getOwnerGroup(DEMO_GROUP_ID)) !== null) return false;
  await store.upsertOwnerGroup(demoOwnerGroup(DEMO_GROUP_ID, 'Demo'));
  return true;
}
