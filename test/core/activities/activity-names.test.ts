import { describe, expect, it } from 'vitest';
import { createActivities, type ActivityDeps } from '../../../src/core/activities';

// Workflows call activities by name and recorded histories replay against these names: moving an activity between
// files must keep its name, and renaming one is a change to the workflows' contract, not a refactoring.
const ACTIVITY_NAMES = [
  'observeCanaryFired',
  'loadLifecycleContext',
  'recordLifecycleStep',
  'sendLifecycleNotification',
  'showApprovalDecision',
  'ensureChangeTicket',
  'commentOnTicket',
  'transitionTicket',
  'escalateTicket',
  'issueReplacementCertificate',
  'installCertificate',
  'verifyInstallation',
  'rollbackInstallation',
  'activateCertificateVersion',
  'revokeCertificate',
  'loadCampaignContext',
  'enrolCampaignMembers',
  'claimCampaignMembers',
  'dispatchCampaignRenewals',
  'skipPendingCampaignMembers',
  'withdrawCampaignRequests',
  'recordCampaignStatus',
  'recordCampaignStep',
  'publishCampaignProgress',
  'syncCampaignTickets',
  'escalateCampaignLaggards',
  'postCampaignReport',
];

describe('createActivities', () => {
  it('registers every activity under the name workflows and recorded histories call it by', () => {
    // Creating the activities only closes over their ports; none is called, so empty stand-ins do.
    const deps = { lifecycle: {}, campaign: {} } as unknown as ActivityDeps;
    expect(Object.keys(createActivities(deps)).sort()).toEqual([...ACTIVITY_NAMES].sort());
  });
});
