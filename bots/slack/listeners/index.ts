/** Every Slack listener of certflow, registered on one Bolt app. */
import type { App } from '@slack/bolt';
import type { LifecycleClient } from '../../../client/lifecycle-client';
import { registerApproveRequest } from './actions/approve-request';
import { registerRejectRequest } from './actions/reject-request';
import { registerRequestRenewal } from './actions/request-renewal';
import { registerRejectSubmission } from './views/reject-request-submission';

/** What the listeners call: the lifecycle operations, and where failures that are not refusals are logged. */
export interface SlackListenerDependencies {
  readonly lifecycles: Pick<LifecycleClient, 'decide' | 'requestRenewal' | 'status'>;
  readonly log: (message: string) => void;
}

/** Registers the approval buttons, the reject modal and *Request renewal*. */
export function registerListeners(app: App, dependencies: SlackListenerDependencies): void {
  registerApproveRequest(app, dependencies);
  registerRejectRequest(app, dependencies);
  registerRejectSubmission(app, dependencies);
  registerRequestRenewal(app, dependencies);
}
