import { describe, expect, it } from 'vitest';
import type { CampaignDefinition, CampaignStateCounts } from '../../../../src/core/domain/campaigns/model';
import {
  buildCampaignProgress,
  campaignRoleRefusal,
  emptyStateCounts,
  finishedCount,
  inWorkCount,
  moveMembers,
  totalCounts,
  updateMilestones,
} from '../../../../src/core/domain/campaigns/progress';

const NOW = '2026-12-01T12:00:00.000Z';
const CAMPAIGN: CampaignDefinition = {
  id: 'cmp-20261201-abcdef',
  title: 'Replace Old CA',
  kind: 'ca-compromise',
  reason: 'Old CA compromised',
  selector: { issuerDn: 'CN=Old CA' },
  deadline: '2026-12-03T12:00:00.000Z',
  launchedBy: { id: 'email:sec@example.com' },
  launchedAt: NOW,
  emergency: true,
  parallelism: 50,
  maxAttempts: 3,
  channelId: null,
};

function counts(partial: Partial<CampaignStateCounts>): CampaignStateCounts {
  return { ...emptyStateCounts(), ...partial };
}

describe('campaign counters', () => {
  it('R-CAM-3: moves members between states per group and sums them exactly', () => {
    const groups: Record<string, CampaignStateCounts> = {};
    moveMembers(groups, 'web', null, 'pending', 3);
    moveMembers(groups, 'db', null, 'pending', 2);
    moveMembers(groups, 'web', 'pending', 'approved');
    moveMembers(groups, 'web', 'approved', 'issued');
    moveMembers(groups, 'db', 'pending', 'skipped');
    expect(groups.web).toEqual(counts({ pending: 2, issued: 1 }));
    expect(totalCounts(groups)).toEqual(counts({ pending: 3, issued: 1, skipped: 1 }));
    expect(inWorkCount(totalCounts(groups))).toBe(1);
    expect(finishedCount(totalCounts(groups))).toBe(1);
  });

  it('R-CAM-3: records 50, 90 and 100 % once, when first reached', () => {
    const none = { p50: null, p90: null, p100: null };
    const half = updateMilestones(none, counts({ 'old-revoked': 5, pending: 5 }), NOW);
    expect(half).toEqual({ p50: NOW, p90: null, p100: null });
    const later = '2026-12-02T00:00:00.000Z';
    const all = updateMilestones(half, counts({ 'old-revoked': 9, skipped: 1 }), later);
    expect(all).toEqual({ p50: NOW, p90: later, p100: later });
    expect(updateMilestones(none, emptyStateCounts(), NOW)).toEqual(none);
  });

  it('R-CAM-3: the progress lists groups by id and laggards least done first, empty groups left out', () => {
    const progress = buildCampaignProgress({
      campaign: CAMPAIGN,
      status: 'running',
      statusReason: null,
      groups: {
        web: counts({ 'old-revoked': 3, pending: 1 }),
        db: counts({ pending: 2 }),
        api: counts({ 'old-revoked': 2 }),
        gone: counts({}),
      },
      failedAttempts: 1,
      milestones: { p50: NOW, p90: null, p100: null },
      escalated: false,
      now: NOW,
    });
    expect(progress.groups.map((group) => group.group)).toEqual(['api', 'db', 'web']);
    expect(progress.laggards.map((group) => group.group)).toEqual(['db', 'web']);
    expect(progress.total).toBe(8);
    expect(progress.done).toBe(5);
  });

  it('R-SEC-2: only security leads and admins run campaigns', () => {
    const roles = { securityLeads: ['email:sec@example.com'], admins: ['user:root'] };
    expect(campaignRoleRefusal({ id: 'email:SEC@example.com' }, roles, 'start')).toBeNull();
    expect(campaignRoleRefusal({ id: 'user:root' }, roles, 'cancel')).toBeNull();
    expect(campaignRoleRefusal({ id: 'slack:U1', aliases: ['email:sec@example.com'] }, roles, 'preview')).toBeNull();
    expect(campaignRoleRefusal({ id: 'email:owner@example.com' }, roles, 'start')).toMatch(
      /not a security lead and cannot start campaigns.*CERTFLOW_SECURITY_LEADS/,
    );
  });
});
