/** Every Slack listener of certflow, registered on one Bolt app. */
import type { App } from '@slack/bolt';
import type { LifecycleClient } from '../../../client/lifecycle-client';
import type { InventoryStore } from '../../../integrations/inventory/inventory-store';
import { registerApproveRequest } from './actions/approve-request';
import { registerRejectRequest } from './actions/reject-request';
import { registerRequestRenewal } from './actions/request-renewal';
import { registerCertflowCommand } from './commands/certflow-command';
import { registerAppHomeOpened } from './events/app-home-opened';
import { SlackIdentities } from './slack-identity';
import { registerRejectSubmission } from './views/reject-request-submission';

/**
 * What the listeners call: the lifecycle operations, the inventory (owner groups, certificates, the audit log of
 * refusals), and where failures that are not refusals are logged.
 */
export interface SlackListenerDependencies {
  readonly lifecycles: Pick<LifecycleClient, 'decide' | 'requestRenewal' | 'status'>;
  readonly store: InventoryStore;
  readonly log: (message: string) => void;
  /** The clock of answers and audit entries; the wall clock by default. */
  readonly now?: () => Date;
}

/** The dependencies plus who Slack users are to certflow, shared by every listener. */
export interface SlackListenerContext extends SlackListenerDependencies {
  readonly identities: SlackIdentities;
}

/** Registers the approval buttons, the reject modal, *Request renewal*, `/certflow` and App Home. */
export function registerListeners(app: App, dependencies: SlackListenerDependencies): void {
  const context: SlackListenerContext = { ...dependencies, identities: new SlackIdentities(dependencies.log) };
  registerApproveRequest(app, context);
  registerRejectRequest(app, context);
  registerRejectSubmission(app, context);
  registerRequestRenewal(app, context);
  registerCertflowCommand(app, context);
  registerAppHomeOpened(app, context);
}
