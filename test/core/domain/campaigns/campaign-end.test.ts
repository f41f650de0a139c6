/** How a campaign ends and how its failure reasons are kept: pure, table-tested (issue 14: "completed, 100 %" for nothing). */
import { describe, expect, it } from 'vitest';
import {
  campaignEnded,
  type CampaignStateCounts,
  type CampaignStatus,
} from '../../../../src/core/domain/campaigns/model';
import {
  campaignEndStatus,
  emptyStateCounts,
  KEPT_FAILURE_REASONS,
  OTHER_FAILURE_REASONS,
  recordFailureReason,
  topFailureReasons,
} from '../../../../src/core/domain/campaigns/progress';

function counts(partial: Partial<CampaignStateCounts>): CampaignStateCounts {
  return { ...emptyStateCounts(), ...partial };
}

describe('campaignEndStatus', () => {
  it.each([
    ['every member replaced', counts({ 'old-revoked': 20 }), 'completed'],
    ['replaced and skipped, none failed', counts({ 'old-revoked': 3, skipped: 2 }), 'completed'],
    ['nothing left to replace (all skipped)', counts({ skipped: 4 }), 'completed'],
    ['some replaced, some failed', counts({ 'old-revoked': 17, failed: 3 }), 'completed-with-failures'],
    ['every member refused by its lifecycle (issue 14)', counts({ failed: 20 }), 'failed'],
    ['nothing replaced, some failed, some skipped', counts({ failed: 1, skipped: 5 }), 'failed'],
  ])('%s: %s', (_case, given, expected) => {
    expect(campaignEndStatus(given)).toBe(expected);
  });
});

describe('campaignEnded', () => {
  it.each<[CampaignStatus, boolean]>([
    ['running', false],
    ['paused', false],
    ['completed', true],
    ['completed-with-failures', true],
    ['failed', true],
    ['cancelled', true],
  ])('%s: %s', (status, ended) => {
    expect(campaignEnded(status)).toBe(ended);
  });
});

describe('failure reasons', () => {
  it('counts attempts per reason, on one line, most frequent first', () => {
    const reasons: Record<string, number> = {};
    recordFailureReason(reasons, 'disk full at /etc/ssl/a.pem');
    recordFailureReason(reasons, 'neither an approver\nnor a security lead');
    recordFailureReason(reasons, 'neither an approver nor a security lead');
    recordFailureReason(reasons, null);
    expect(topFailureReasons(reasons)).toEqual([
      { reason: 'neither an approver nor a security lead', count: 2 },
      { reason: 'disk full at /etc/ssl/a.pem', count: 1 },
      { reason: 'no reason given', count: 1 },
    ]);
  });

  it('keeps a bounded number of distinct reasons and long reasons cut, so the carried counters stay small', () => {
    const reasons: Record<string, number> = {};
    for (let i = 0; i < KEPT_FAILURE_REASONS + 5; i += 1) recordFailureReason(reasons, `reason ${i}`);
    recordFailureReason(reasons, 'x'.repeat(1000));
    expect(Object.keys(reasons)).toHaveLength(KEPT_FAILURE_REASONS + 1);
    expect(reasons[OTHER_FAILURE_REASONS]).toBe(6);
    recordFailureReason(reasons, 'reason 0');
    expect(reasons['reason 0']).toBe(2);
    const long: Record<string, number> = {};
    recordFailureReason(long, 'y'.repeat(1000));
    expect(Object.keys(long)[0]).toHaveLength(300);
    expect(topFailureReasons(reasons)).toHaveLength(5);
  });
});
