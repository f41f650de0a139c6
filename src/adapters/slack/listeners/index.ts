/** Every Slack listener of certflow, registered on one Bolt app. */
import type { App } from '@slack/bolt';
import type { CampaignOperations } from '../../../core/application/campaign-operations';
import type { LifecycleClient } from '../../../core/application/lifecycle-client';
import type { InventoryStore } from '../../../core/ports/inventory-store';
import { registerApproveRequest } from './actions/approve-request';
import { registerCampaignControls } from './actions/campaign-controls';
import { registerCampaignStartOpen } from './actions/campaign-start-open';
import { registerRejectRequest } from './actions/reject-request';
import { registerRequestRenewal } from './actions/request-renewal';
import { registerViewDetails } from './actions/view-details';
import { registerCertflowCommand } from './commands/certflow-command';
import { registerAppHomeOpened } from './events/app-home-opened';
import { SlackIdentities } from './slack-identity';
import { registerUnknownRequests } from './unknown-requests';
import { registerCampaignStartSubmission } from './views/campaign-start-submission';
import { registerRejectSubmission } from './views/reject-request-submission';

/**
 * What the listeners call: the lifecycle operations, the inventory (owner groups, certificates, the audit log of
 * refusals), and where failures that are not refusals are logged.
 */
export interface SlackListenerDependencies {
  readonly lifecycles: Pick<LifecycleClient, 'decide' | 'requestRenewal' | 'status'>;
  readonly store: InventoryStore;
  /** Crypto-agility campaigns; without them `/certflow campaign` answers that campaigns are not available. */
  readonly campaigns?: CampaignOperations;
  readonly log: (message: string) => void;
  /** The clock of answers and audit entries; the wall clock by default. */
  readonly now?: () => Date;
  /** How long a listener that answers in its acknowledgement waits for the lifecycle (2.5 s by default). */
  readonly ackBudgetMs?: number;
}

/** The dependencies plus who Slack users are to certflow, shared by every listener. */
export interface SlackListenerContext extends SlackListenerDependencies {
  readonly identities: SlackIdentities;
}

/** The Slack user groups that owner groups give roles to, read afresh each time so a changed group applies at once. */
async function roleUserGroups(store: InventoryStore): Promise<string[]> {
  return (await store.listOwnerGroups())
    .flatMap(({ slack }) => [slack.userGroupId, slack.approverUserGroupId])
    .filter((id): id is string => id !== undefined);
}

/**
 * Registers the approval buttons, the reject modal, *Request renewal*, *View details*, `/certflow`, App Home and the
 * campaign UI, after the middleware that acknowledges what none of them takes.
 */
export function registerListeners(app: App, dependencies: SlackListenerDependencies): void {
  const identities = new SlackIdentities(dependencies.log, { userGroups: () => roleUserGroups(dependencies.store) });
  const context: SlackListenerContext = { ...dependencies, identities };
  registerUnknownRequests(app, dependencies.log);
  registerApproveRequest(app, context);
  registerRejectRequest(app, context);
  registerRejectSubmission(app, context);
  registerRequestRenewal(app, context);
  registerViewDetails(app, context);
  registerCertflowCommand(app, context);
  registerAppHomeOpened(app, context);
  registerCampaignStartOpen(app, context);
  registerCampaignStartSubmission(app, context);
  registerCampaignControls(app, context);
}
