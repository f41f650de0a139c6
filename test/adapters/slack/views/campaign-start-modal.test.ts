import { allText } from '../campaign-fixtures';
import { describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../../../../src/adapters/slack/views/block-ids';
import { checkView } from '../../../../src/adapters/slack/views/block-kit-check';
import {
  campaignStartModal,
  CampaignStartSubmissionError,
  parseCampaignDeadline,
  readCampaignStartSubmission,
} from '../../../../src/adapters/slack/views/campaign-start-modal';
import { CAMPAIGN_KINDS } from '../../../../src/core/domain/campaigns/model';

const NOW = '2026-12-01T12:00:00.000Z';

describe('campaign start modal', () => {
  const metadata = { selectorText: 'issuer="CN=Old Issuing CA"', count: 3, channelId: 'C0CAMPAIGN' };

  it('R-CAM-1: states the count and the default deadline, with reason, kind, deadline and emergency inputs', () => {
    const modal = campaignStartModal({ metadata, description: 'issuer CN=Old Issuing CA', now: NOW });
    expect(checkView(modal)).toEqual([]);
    expect(modal.callback_id).toBe(CALLBACK_IDS.campaignStart);
    expect(JSON.parse(modal.private_metadata ?? '')).toEqual(metadata);
    const text = allText(modal.blocks);
    expect(text).toContain('*3* certificates');
    expect(text).toContain('2026-12-03 12:00 UTC');
    const kinds = JSON.stringify(modal.blocks.find((block) => block.block_id === BLOCK_IDS.campaignKind));
    for (const kind of CAMPAIGN_KINDS) expect(kinds).toContain(`"value":"${kind}"`);
    expect(kinds).toContain('"initial_option":{"text":{"type":"plain_text","text":"CA compromise"');
  });

  it('reads a submission in the shapes Slack sends (select, checkboxes) and defaults what is left out', () => {
    const view = {
      callback_id: CALLBACK_IDS.campaignStart,
      private_metadata: JSON.stringify(metadata),
      state: {
        values: {
          [BLOCK_IDS.campaignReason]: { [ACTION_IDS.campaignReasonInput]: { value: '  CA compromised ' } },
          [BLOCK_IDS.campaignKind]: { [ACTION_IDS.campaignKindInput]: { selected_option: { value: 'weak-key' } } },
          [BLOCK_IDS.campaignDeadline]: { [ACTION_IDS.campaignDeadlineInput]: { value: '36h' } },
          [BLOCK_IDS.campaignEmergency]: { [ACTION_IDS.campaignEmergencyInput]: { selected_options: [] } },
        },
      },
    };
    expect(readCampaignStartSubmission(view, NOW)).toEqual({
      ...metadata,
      reason: 'CA compromised',
      kind: 'weak-key',
      deadline: '2026-12-03T00:00:00.000Z',
      emergency: false,
    });
    const minimal = {
      ...view,
      state: { values: { [BLOCK_IDS.campaignReason]: view.state.values[BLOCK_IDS.campaignReason] } },
    };
    expect(readCampaignStartSubmission(minimal, NOW)).toMatchObject({
      kind: 'ca-compromise',
      deadline: '2026-12-03T12:00:00.000Z',
      emergency: true,
    });
  });

  it('refuses a blank reason, another modal and a bad deadline, naming the input', () => {
    const blank = { callback_id: CALLBACK_IDS.campaignStart, private_metadata: JSON.stringify(metadata) };
    expect(() => readCampaignStartSubmission(blank, NOW)).toThrow(CampaignStartSubmissionError);
    expect(() => readCampaignStartSubmission({ ...blank, callback_id: 'reject_request' }, NOW)).toThrow(
      /what to start/,
    );
    expect(() => parseCampaignDeadline('soon', NOW)).toThrow(/2d, 36h/);
    expect(() => parseCampaignDeadline('2026-11-30', NOW)).toThrow(/future/);
    expect(parseCampaignDeadline('2026-12-05', NOW)).toBe('2026-12-05T23:59:59.000Z');
    try {
      readCampaignStartSubmission(blank, NOW);
    } catch (error) {
      expect((error as CampaignStartSubmissionError).blockId).toBe(BLOCK_IDS.campaignReason);
    }
  });
});
