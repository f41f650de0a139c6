import { describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../../../src/adapters/slack/views/block-ids';
import { checkMessage } from '../../../../src/adapters/slack/views/block-kit-check';
import { campaignPreviewAnswer } from '../../../../src/adapters/slack/views/campaign-answers';
import { readCampaignStartButtonValue } from '../../../../src/adapters/slack/views/campaign-start-modal';
import { previewFixture, allText, actionIds } from '../campaign-fixtures';

describe('campaign preview answer', () => {
  it('R-CAM-1: counts by owner group, issuer and expiry band, a sample and a start button with selector and count', () => {
    const answer = campaignPreviewAnswer({
      preview: previewFixture(),
      selectorText: 'issuer="CN=Old Issuing CA"',
      description: 'issuer CN=Old Issuing CA',
    });
    expect(checkMessage(answer)).toEqual([]);
    expect(answer.response_type).toBe('ephemeral');
    const text = allText(answer.blocks);
    for (const part of ['payments: 2', 'mail: 1', 'CN=Old Issuing CA: 3', '&lt;30d: 1', 'CN=api.example.com']) {
      expect(text).toContain(part);
    }
    const start = answer.blocks.flatMap((block) => (block.type === 'actions' ? block.elements : []))[0];
    expect(start && 'action_id' in start ? start.action_id : null).toBe(ACTION_IDS.campaignStartOpen);
    expect(readCampaignStartButtonValue(start && 'value' in start ? (start.value ?? '') : '')).toEqual({
      selectorText: 'issuer="CN=Old Issuing CA"',
      count: 3,
    });
  });

  it('has no start button when nothing is selected, and stays within limits with 200 groups', () => {
    const none = campaignPreviewAnswer({
      preview: previewFixture({ total: 0, byOwnerGroup: [], byIssuer: [], byExpiryBand: [], sample: [] }),
      selectorText: 'tag=none',
      description: 'tag none',
    });
    expect(actionIds(none.blocks)).toEqual([]);
    const many = campaignPreviewAnswer({
      preview: previewFixture({
        total: 1000,
        byOwnerGroup: Array.from({ length: 200 }, (_, index) => ({ key: `group-${index}`, count: 5 })),
        sample: Array.from({ length: 20 }, () => previewFixture().sample[0]!),
      }),
      selectorText: 'issuer="CN=Old Issuing CA"',
      description: 'issuer CN=Old Issuing CA',
    });
    expect(checkMessage(many)).toEqual([]);
    expect(allText(many.blocks)).toContain('… and 185 more');
  });
});
