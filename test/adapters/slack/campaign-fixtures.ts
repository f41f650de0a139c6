import type { AnyBlock, KnownBlock } from '@slack/types';
/** Campaign progress, preview and members as the campaign workflow and store hand them to the Slack side. */
import {
  CAMPAIGN_MEMBER_STATES,
  type CampaignDefinition,
  type CampaignGroupProgress,
  type CampaignMember,
  type CampaignMemberState,
  type CampaignPreview,
  type CampaignProgress,
  type CampaignStateCounts,
} from '../../../src/core/domain/campaigns/model';

/** Counts with only the given states set. */
export function countsOf(counts: Partial<CampaignStateCounts> = {}): CampaignStateCounts {
  return Object.fromEntries(CAMPAIGN_MEMBER_STATES.map((state) => [state, counts[state] ?? 0])) as CampaignStateCounts;
}

/** A campaign launched by alice on 2026-12-01 with a deadline two days later. */
export function campaignFixture(overrides: Partial<CampaignDefinition> = {}): CampaignDefinition {
  return {
    id: 'cmp-20261201-7f3a2c',
    title: 'Replace certificates of Old Issuing CA',
    kind: 'ca-compromise',
    reason: 'Old Issuing CA compromised',
    selector: { issuerDn: 'CN=Old Issuing CA' },
    deadline: '2026-12-03T10:00:00.000Z',
    launchedBy: { id: 'slack:U0ALICE', displayName: 'alice' },
    launchedAt: '2026-12-01T10:00:00.000Z',
    emergency: true,
    parallelism: 10,
    maxAttempts: 3,
    channelId: 'C0CAMPAIGN',
    ...overrides,
  };
}

/** One group with `done` of `total` old-revoked and the rest pending. */
export function groupFixture(group: string, done: number, total: number): CampaignGroupProgress {
  return { group, total, done, counts: countsOf({ 'old-revoked': done, pending: total - done }) };
}

/** Progress over the given groups, laggards least done first. */
export function progressFixture(
  groups: readonly CampaignGroupProgress[],
  overrides: Partial<CampaignProgress> = {},
): CampaignProgress {
  const total = groups.reduce((sum, group) => sum + group.total, 0);
  const done = groups.reduce((sum, group) => sum + group.done, 0);
  const counts = countsOf();
  for (const group of groups) {
    for (const state of CAMPAIGN_MEMBER_STATES)
      (counts as Record<CampaignMemberState, number>)[state] += group.counts[state];
  }
  return {
    campaign: campaignFixture(),
    status: 'running',
    statusReason: null,
    total,
    counts,
    done,
    groups: [...groups].sort((a, b) => a.group.localeCompare(b.group)),
    laggards: groups.filter((group) => group.done < group.total).sort((a, b) => a.done / a.total - b.done / b.total),
    failedAttempts: 0,
    milestones: { p50: null, p90: null, p100: null },
    escalated: false,
    asOf: '2026-12-01T12:00:00.000Z',
    ...overrides,
  };
}

/** `count` groups named `group-000` … with 5 members each, the first `doneGroups` finished. */
export function manyGroups(count: number, doneGroups = 0): CampaignGroupProgress[] {
  return Array.from({ length: count }, (_, index) =>
    groupFixture(`group-${String(index).padStart(3, '0')}`, index < doneGroups ? 5 : 1, 5),
  );
}

/** A member of the campaign still pending. */
export function memberFixture(overrides: Partial<CampaignMember> = {}): CampaignMember {
  return {
    campaignId: campaignFixture().id,
    managedCertificateId: '3f2a9c1e0b7d4a65',
    fingerprintSha256: 'ab'.repeat(32),
    ownerGroup: 'payments',
    subject: 'CN=api.example.com',
    notAfter: '2027-03-01T00:00:00.000Z',
    state: 'pending',
    attempts: 0,
    detail: null,
    enrolledAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: null,
    ...overrides,
  };
}

/** A preview of 3 certificates in 2 groups. */
export function previewFixture(overrides: Partial<CampaignPreview> = {}): CampaignPreview {
  return {
    selector: { issuerDn: 'CN=Old Issuing CA' },
    total: 3,
    byOwnerGroup: [
      { key: 'payments', count: 2 },
      { key: 'mail', count: 1 },
    ],
    byIssuer: [{ key: 'CN=Old Issuing CA', count: 3 }],
    byExpiryBand: [
      { key: '<30d', count: 1 },
      { key: '90-365d', count: 2 },
    ],
    sample: [
      {
        managedCertificateId: '3f2a9c1e0b7d4a65',
        subject: 'CN=api.example.com',
        ownerGroup: 'payments',
        notAfter: '2027-03-01T00:00:00.000Z',
      },
    ],
    ...overrides,
  };
}

/** Every text of a Block Kit message, for asserting on what a reader sees. */
export function allText(blocks: readonly AnyBlock[]): string {
  return JSON.stringify(blocks);
}

/** The action ids of a message's buttons and menus, in order. */
export function actionIds(blocks: readonly KnownBlock[]): string[] {
  return blocks.flatMap((block) =>
    block.type === 'actions'
      ? block.elements.map((element) => ('action_id' in element ? (element.action_id ?? '') : ''))
      : [],
  );
}
