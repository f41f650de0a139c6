import { describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../../../src/adapters/slack/views/block-ids';
import { checkMessage } from '../../../../src/adapters/slack/views/block-kit-check';
import {
  campaignEscalationMessage,
  campaignProgressMessage,
  campaignReportMessage,
  markdownToMrkdwn,
} from '../../../../src/adapters/slack/views/campaign-messages';
import { ownerGroupFixture } from '../../../support/lifecycle-fixtures';
import {
  campaignFixture,
  groupFixture,
  manyGroups,
  memberFixture,
  progressFixture,
  allText,
  actionIds,
} from '../campaign-fixtures';

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
