/** The campaign activities with MockActivityEnvironment and fakes: what asking each member's lifecycle does. */
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import {
  createCampaignActivities,
  type DispatchCampaign,
  type DispatchOutcome,
} from '../../../src/core/activities/campaign';
import type { CampaignMember } from '../../../src/core/domain/campaigns/model';
import type { LifecycleRequest } from '../../../src/core/domain/lifecycle/model';
import type { CampaignStore, ClaimedMember, MemberStateChange } from '../../../src/core/ports/campaign-store';
import { RecordingNotifier } from '../../support/fakes/recording-notifier';
import { RecordingTicketing } from '../../support/fakes/recording-ticketing';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import {
  LifecycleNotFoundError,
  LifecycleRefusedError,
  type EnsureReport,
  type LifecyclePort,
  type RequestRenewalInput,
} from '../../../src/core/ports/lifecycle-port';

const CAMPAIGN: DispatchCampaign = {
  id: 'cmp-20261201-abcdef',
  title: 'Old CA',
  kind: 'ca-compromise',
  reason: 'Old CA compromised',
  launchedBy: { id: 'email:sec@example.com' },
  emergency: true,
};
const AT = '2026-12-01T12:00:00.000Z';

function member(id: string): ClaimedMember {
  return {
    managedCertificateId: id,
    fingerprintSha256: `fp-${id}`,
    ownerGroup: 'web',
    previousState: 'pending',
    attempt: 1,
  };
}

/** A lifecycle client whose lifecycles answer as `answers` says, recording what was asked. */
function fakeLifecycles(answers: Record<string, Array<'ok' | 'not-found' | Error>>) {
  const asked: Array<{ id: string; input: RequestRenewalInput }> = [];
  const ensured: string[] = [];
  const client = {
    requestRenewal: (id: string, input: RequestRenewalInput) => {
      asked.push({ id, input });
      const answer = answers[id]?.shift() ?? 'ok';
      if (answer === 'not-found') return Promise.reject(new LifecycleNotFoundError(id));
      if (answer instanceof Error) return Promise.reject(answer);
      return Promise.resolve({ id: `${id}.1.1` } as LifecycleRequest);
    },
    ensureLifecycles: (ids: Iterable<string>) => {
      ensured.push(...ids);
      const report: EnsureReport = { started: 1, alreadyRunning: 0, skipped: [], failed: [] };
      return Promise.resolve(report);
    },
  } as unknown as LifecyclePort;
  return { client, asked, ensured };
}

function fakeStore(rows: Record<string, Partial<CampaignMember>>) {
  const changes: MemberStateChange[] = [];
  const campaigns = {
    getMember: (_campaignId: string, fingerprint: string) =>
      Promise.resolve((rows[fingerprint] as CampaignMember | undefined) ?? null),
    updateMemberState: (change: MemberStateChange) => {
      changes.push(change);
      return Promise.resolve();
    },
  } as unknown as CampaignStore;
  return { campaigns, changes };
}

function activities(lifecycles: LifecyclePort, campaigns: CampaignStore) {
  return createCampaignActivities({
    store: { appendAudit: () => Promise.resolve([]) } as unknown as InventoryStore,
    campaigns,
    notifier: new RecordingNotifier(),
    ticketing: new RecordingTicketing('CAMP'),
    lifecycles: () => lifecycles,
    securityLeads: ['email:sec@example.com'],
    admins: [],
  });
}

/** Runs the dispatch activity for these members in a mock activity context. */
async function dispatch(
  lifecycles: LifecyclePort,
  campaigns: CampaignStore,
  members: ClaimedMember[],
): Promise<DispatchOutcome[]> {
  const acts = activities(lifecycles, campaigns);
  type Input = Parameters<typeof acts.dispatchCampaignRenewals>[0];
  return await new MockActivityEnvironment().run((input: Input) => acts.dispatchCampaignRenewals(input), {
    campaign: CAMPAIGN,
    members,
    at: AT,
  });
}

describe('dispatchCampaignRenewals', () => {
  it('R-CAM-2: asks each lifecycle for the campaign renewal, pre-approved by the launching security lead', async () => {
    const { client, asked } = fakeLifecycles({});
    const { campaigns } = fakeStore({});
    const outcomes = await dispatch(client, campaigns, [member('a1'), member('b2')]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['requested', 'requested']);
    expect(asked[0]?.input).toMatchObject({
      source: 'campaign',
      campaignId: CAMPAIGN.id,
      preApprovedBy: CAMPAIGN.launchedBy,
      campaignMember: { fingerprintSha256: 'fp-a1', ownerGroup: 'web', revocationReason: 'cACompromise' },
    });
  });

  it('R-CAM-2: starts a missing lifecycle and asks again', async () => {
    const { client, asked, ensured } = fakeLifecycles({ a1: ['not-found', 'ok'] });
    const { campaigns } = fakeStore({});
    const [outcome] = await dispatch(client, campaigns, [member('a1')]);
    expect(outcome?.outcome).toBe('requested');
    expect(ensured).toEqual(['a1']);
    expect(asked).toHaveLength(2);
  });

  it('R-CAM-4: a retried dispatch of a member its lifecycle already replaced is already-handled, not skipped', async () => {
    const replaced = new LifecycleRefusedError('already-replaced', 'the campaign selected fp-a1, but …');
    const { client } = fakeLifecycles({ a1: [replaced], b2: [replaced] });
    const { campaigns, changes } = fakeStore({ 'fp-a1': { state: 'issued' }, 'fp-b2': { state: 'pending' } });
    const outcomes = await dispatch(client, campaigns, [member('a1'), member('b2')]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['already-handled', 'skipped']);
    expect(changes).toEqual([
      expect.objectContaining({
        fingerprintSha256: 'fp-b2',
        state: 'skipped',
        detail: expect.stringContaining('already replaced'),
      }),
    ]);
  });

  it('R-CAM-2: a refused member is skipped with the refusal; a transient failure fails the activity for a retry', async () => {
    const retired = new LifecycleRefusedError('not-active', 'this certificate is retired; nothing to renew');
    const { client } = fakeLifecycles({ a1: [retired], b2: [new Error('Temporal is not reachable')] });
    const { campaigns, changes } = fakeStore({});
    const run = dispatch(client, campaigns, [member('a1'), member('b2')]);
    await expect(run).rejects.toThrow('Temporal is not reachable');
    expect(changes.map((change) => [change.fingerprintSha256, change.state, change.detail])).toEqual([
      ['fp-a1', 'skipped', 'this certificate is retired; nothing to renew'],
    ]);
  });

  it('R-CAM-2: a member whose lifecycle refuses the pre-approval fails at once with the reason, without burning its attempts; one another campaign has is skipped', async () => {
    const notApprover = new LifecycleRefusedError(
      'not-approver',
      'email:sec@example.com is neither an approver nor a security lead and cannot approve in advance',
    );
    const selfApproval = new LifecycleRefusedError('self-approval', 'a request cannot be approved in advance by …');
    const otherCampaign = new LifecycleRefusedError('in-other-campaign', 'campaign cmp-x is already replacing this');
    const { client, asked } = fakeLifecycles({ a1: [notApprover], b2: [selfApproval], c3: [otherCampaign] });
    const { campaigns, changes } = fakeStore({});
    const outcomes = await dispatch(client, campaigns, [member('a1'), member('b2'), member('c3')]);
    expect(outcomes.map((outcome) => [outcome.outcome, outcome.detail])).toEqual([
      ['failed', expect.stringContaining('neither an approver nor a security lead')],
      ['failed', expect.stringContaining('(self-approval)')],
      ['skipped', 'campaign cmp-x is already replacing this'],
    ]);
    expect(changes.map((change) => [change.fingerprintSha256, change.state, change.final ?? false])).toEqual([
      ['fp-a1', 'failed', true],
      ['fp-b2', 'failed', true],
      ['fp-c3', 'skipped', false],
    ]);
    expect(asked).toHaveLength(3);
  });
});
