import type { AnyBlock, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../../../../src/adapters/slack/views/block-ids';
import { checkMessage, checkView } from '../../../../src/adapters/slack/views/block-kit-check';
import {
  campaignEscalationMessage,
  campaignPreviewAnswer,
  campaignProgressMessage,
  campaignReportMessage,
  campaignStartModal,
  CampaignStartSubmissionError,
  markdownToMrkdwn,
  parseCampaignDeadline,
  progressBar,
  readCampaignStartButtonValue,
  readCampaignStartSubmission,
} from '../../../../src/adapters/slack/views/campaign-messages';
import { CAMPAIGN_KINDS } from '../../../../src/core/domain/campaigns/model';
import { ownerGroupFixture } from '../../../support/lifecycle-fixtures';
import {
  campaignFixture,
  groupFixture,
  manyGroups,
  memberFixture,
  previewFixture,
  progressFixture,
} from '../campaign-fixtures';

const NOW = '2026-12-01T12:00:00.000Z';

function allText(blocks: readonly AnyBlock[]): string {
  return JSON.stringify(blocks);
}

function actionIds(blocks: readonly KnownBlock[]): string[] {
  return blocks.flatMap((block) =>
    block.type === 'actions'
      ? block.elements.map((element) => ('action_id' in element ? (element.action_id ?? '') : ''))
      : [],
  );
}

describe('progressBar', () => {
  it.each([
    [96, 200, '▓▓▓▓▓░░░░░ 48% (96/200)'],
    [0, 10, '░░░░░░░░░░ 0% (0/10)'],
    [10, 10, '▓▓▓▓▓▓▓▓▓▓ 100% (10/10)'],
    [199, 200, '▓▓▓▓▓▓▓▓▓░ 99% (199/200)'],
    [0, 0, '▓▓▓▓▓▓▓▓▓▓ 100% (0/0)'],
  ])('%i of %i is %s', (done, total, bar) => {
    expect(progressBar(done, total)).toBe(bar);
  });
});

describe('campaign progress message', () => {
  it('R-CAM-3: shows kind, reason, deadline, status, the overall bar, every state count and one bar per group', () => {
    const progress = progressFixture([groupFixture('payments', 3, 4), groupFixture('mail', 0, 2)]);
    const message = campaignProgressMessage(progress);
    expect(checkMessage(message)).toEqual([]);
    const text = allText(message.blocks);
    for (const part of ['CA compromise', 'Old Issuing CA compromised', 'running', '▓▓▓▓▓░░░░░ 50% (3/6)']) {
      expect(text).toContain(part);
    }
    for (const label of [
      'Pending',
      'Awaiting approval',
      'Approved',
      'Issued',
      'Installed',
      'Verified',
      'Old revoked',
      'Failed',
    ]) {
      expect(text).toContain(label);
    }
    expect(text).toContain('▓▓▓▓▓▓▓▓░░ 75% (3/4) *payments*');
    expect(text).toContain('░░░░░░░░░░ 0% (0/2) *mail*');
    expect(text).not.toContain('after the deadline');
  });

  it('R-CAM-2: Pause and Cancel while running, Resume and Cancel while paused, none once it ended; values are the id', () => {
    const groups = [groupFixture('payments', 1, 2)];
    expect(actionIds(campaignProgressMessage(progressFixture(groups)).blocks)).toEqual([
      ACTION_IDS.campaignPause,
      ACTION_IDS.campaignCancel,
    ]);
    expect(actionIds(campaignProgressMessage(progressFixture(groups, { status: 'paused' })).blocks)).toEqual([
      ACTION_IDS.campaignResume,
      ACTION_IDS.campaignCancel,
    ]);
    expect(actionIds(campaignProgressMessage(progressFixture(groups, { status: 'completed' })).blocks)).toEqual([]);
    const buttons = campaignProgressMessage(progressFixture(groups)).blocks.find((block) => block.type === 'actions');
    expect(JSON.stringify(buttons)).toContain(`"value":"${campaignFixture().id}"`);
  });

  it('R-CAM-3: after the deadline the laggards are listed', () => {
    const progress = progressFixture([groupFixture('payments', 3, 4), groupFixture('mail', 0, 2)], {
      asOf: '2026-12-04T00:00:00.000Z',
    });
    const text = allText(campaignProgressMessage(progress).blocks);
    expect(text).toContain('2 groups not done after the deadline');
    expect(text).toContain('*mail*: 2 left');
  });

  it('stays within Slack limits with 200 owner groups, ending with "… and N more groups"', () => {
    const progress = progressFixture(manyGroups(200, 50), { asOf: '2026-12-04T00:00:00.000Z' });
    const message = campaignProgressMessage(progress);
    expect(checkMessage(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(allText(message.blocks)).toContain('… and 160 more groups');
    expect(allText(message.blocks)).toContain('… and 135 more groups');
  });

  it('keeps within limits when every text is as long as it can be', () => {
    const long = 'x'.repeat(5000);
    const progress = progressFixture(
      Array.from({ length: 200 }, (_, index) => groupFixture(`${long}${index}`, 0, 1)),
      { campaign: campaignFixture({ title: long, reason: long }), statusReason: long, status: 'paused' },
    );
    expect(checkMessage(campaignProgressMessage(progress))).toEqual([]);
  });
});

describe('campaign escalation message', () => {
  it('R-CAM-3: lists the groups not done with counts, their contacts and a few example certificates', () => {
    const progress = progressFixture([groupFixture('payments', 1, 4)], { asOf: '2026-12-04T00:00:00.000Z' });
    const group = ownerGroupFixture({
      id: 'payments',
      name: 'Payments',
      managementContact: { slackUserId: 'U0BOSS' },
      incidentResponseContact: { email: 'ir@example.com', name: 'IR desk' },
    });
    const message = campaignEscalationMessage({
      progress,
      groups: [{ progress: progress.groups[0] ?? groupFixture('payments', 1, 4), group }],
      examples: [memberFixture({ subject: 'CN=api.example.com' })],
    });
    expect(checkMessage(message)).toEqual([]);
    const text = allText(message.blocks);
    expect(text).toContain('*Payments*: 3 of 4 left');
    expect(text).toContain('<@U0BOSS>');
    expect(text).toContain('IR desk');
    expect(text).toContain('CN=api.example.com');
  });

  it('stays within limits with 200 groups and many examples', () => {
    const groups = manyGroups(200);
    const progress = progressFixture(groups);
    const message = campaignEscalationMessage({
      progress,
      groups: groups.map((group) => ({ progress: group, group: null })),
      examples: Array.from({ length: 100 }, () => memberFixture()),
    });
    expect(checkMessage(message)).toEqual([]);
    expect(allText(message.blocks)).toContain('… and 180 more groups');
  });
});

describe('campaign report message', () => {
  it('converts Markdown to mrkdwn: headings, bold, links, lists, tables as code, escaping', () => {
    const mrkdwn = markdownToMrkdwn(
      '# Report\n**Done** <now> & [docs](https://example.com/r)\n- one\n\n| a | b |\n|---|---|\n| 1 | 2 |\nafter',
    );
    expect(mrkdwn).toBe(
      '*Report*\n*Done* &lt;now&gt; &amp; <https://example.com/r|docs>\n• one\n\n```\n| a | b |\n| 1 | 2 |\n```\nafter',
    );
  });

  it('splits a long report into sections within Slack limits and says where to read all of it', () => {
    const markdown = Array.from({ length: 5000 }, (_, index) => `| row ${index} | ${'y'.repeat(40)} |`).join('\n');
    const message = campaignReportMessage(progressFixture([groupFixture('payments', 4, 4)]), `# Report\n${markdown}`);
    expect(checkMessage(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(allText(message.blocks)).toContain('certflow campaign report cmp-20261201-7f3a2c');
    // Every section that cuts the table closes its code block.
    for (const block of message.blocks) {
      if (block.type === 'section' && block.text) expect((block.text.text.match(/```/g) ?? []).length % 2).toBe(0);
    }
  });
});

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
