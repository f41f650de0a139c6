/**
 * The Slack answers of `/certflow campaign` (R-CAM-1, R-CAM-3), shown to the asker only: the preview with its
 * *Start…* button, one campaign's status, the campaign list, and the launcher's confirmation once a campaign started.
 */
import type { KnownBlock } from '@slack/types';
import type { CampaignDefinition, CampaignPreview, CampaignProgress } from '../../../core/domain/campaigns/model';
import type { StoredCampaign } from '../../../core/ports/campaign-store';
import { ACTION_IDS, BLOCK_IDS } from './block-ids';
import { actions, button, context, fallback, header, section, type EphemeralMessage } from './blocks';
import { campaignProgressMessage, packLines, STATUS_LABELS } from './campaign-messages';
import { campaignStartButtonValue } from './campaign-start-modal';
import { escapeMrkdwn, slackDate, userText } from './mrkdwn';

function ephemeral(text: string, blocks: KnownBlock[]): EphemeralMessage {
  return { response_type: 'ephemeral', text: fallback(text), blocks };
}

function countLines(entries: CampaignPreview['byOwnerGroup'], max: number): string {
  const lines = entries.slice(0, max).map(({ key, count }) => `${userText(key, 120)}: ${count}`);
  if (entries.length > max) lines.push(`… and ${entries.length - max} more`);
  return lines.length > 0 ? lines.join('\n') : '—';
}

/** `/certflow campaign preview` (R-CAM-1): counts by owner group, issuer and expiry band, a sample and *Start…*. */
export function campaignPreviewAnswer(input: {
  readonly preview: CampaignPreview;
  readonly selectorText: string;
  /** The selector as people read it. */
  readonly description: string;
}): EphemeralMessage {
  const { preview } = input;
  const title = `Campaign preview: ${preview.total} certificates`;
  const blocks: KnownBlock[] = [
    header(title, BLOCK_IDS.header),
    section(
      `The selector ${userText(input.description, 1500)} selects *${preview.total}* certificates of *${preview.byOwnerGroup.length}* owner groups. Nothing has started.`,
      BLOCK_IDS.summary,
      {
        fields: [
          `*By owner group*\n${countLines(preview.byOwnerGroup, 15)}`,
          `*By issuer*\n${countLines(preview.byIssuer, 5)}`,
          `*By expiry*\n${countLines(preview.byExpiryBand, 5)}`,
        ],
      },
    ),
  ];
  const sample = preview.sample.slice(0, 10);
  if (sample.length > 0) {
    blocks.push(
      section(
        `*For example:*\n${sample
          .map(
            (item) =>
              `• ${userText(item.subject, 150)} (${userText(item.ownerGroup, 60)}, expires ${slackDate(item.notAfter)})`,
          )
          .join('\n')}`,
        BLOCK_IDS.campaignSample,
      ),
    );
  }
  const value = campaignStartButtonValue({ selectorText: input.selectorText, count: preview.total });
  if (preview.total > 0 && value !== null) {
    blocks.push(
      actions(
        [button('Start campaign…', ACTION_IDS.campaignStartOpen, value, { style: 'primary' })],
        BLOCK_IDS.actions,
      ),
    );
  } else if (preview.total > 0) {
    blocks.push(
      context(
        ['The selector is too long for a button: start with `/certflow campaign start <selector>`.'],
        BLOCK_IDS.more,
      ),
    );
  }
  return ephemeral(title, blocks);
}

/** `/certflow campaign status <id>`: the progress message, to the asker only. */
export function campaignStatusAnswer(progress: CampaignProgress): EphemeralMessage {
  const message = campaignProgressMessage(progress);
  return ephemeral(message.text, message.blocks);
}

/** `/certflow campaign list` and `status` without id: campaigns newest first. */
export function campaignListAnswer(campaigns: readonly StoredCampaign[], title: string): EphemeralMessage {
  if (campaigns.length === 0)
    return ephemeral(`${title}: none`, [section(`*${escapeMrkdwn(title)}:* none.`, BLOCK_IDS.summary)]);
  const lines = campaigns.map(
    ({ definition, status }) =>
      `• \`${escapeMrkdwn(definition.id)}\` *${userText(definition.title, 150)}*: ${STATUS_LABELS[status]}, deadline ${slackDate(definition.deadline, true)}`,
  );
  const packed = packLines(lines, BLOCK_IDS.listItem, 10);
  return ephemeral(`${title}: ${campaigns.length}`, [
    header(`${title}: ${campaigns.length}`, BLOCK_IDS.header),
    ...packed.blocks,
    ...(packed.left > 0
      ? [context([`… and ${packed.left} more: \`certflow campaign list\` shows all`], BLOCK_IDS.more)]
      : []),
    context(['`/certflow campaign status <id>` shows one campaign with its buttons.'], BLOCK_IDS.usage),
  ]);
}

/** What the launcher is told once the campaign started. */
export function campaignStartedAnswer(campaign: CampaignDefinition, count: number): EphemeralMessage {
  return ephemeral(`Campaign ${campaign.id} started`, [
    section(
      `✅ Campaign \`${escapeMrkdwn(campaign.id)}\` started: *${userText(campaign.title, 300)}*, ${count} certificates, deadline ${slackDate(campaign.deadline, true)}.\n` +
        `\`/certflow campaign status ${escapeMrkdwn(campaign.id)}\` shows its progress.`,
      BLOCK_IDS.summary,
    ),
  ]);
}
