/**
 * `/certflow campaign …` (R-CAM-1, R-CAM-3, R-SEC-2): preview a selector, open the start modal for it, show a
 * campaign's progress or list them. Preview and start are for security leads: the campaign operations refuse anyone
 * else, and the refusal is shown to the asker only and audited.
 */
import type { SlashCommand } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { CampaignNotFoundError, CampaignRefusedError } from '../../../../core/application/campaign-operations';
import {
  CampaignSelectorError,
  describeCampaignSelector,
  parseCampaignSelectorText,
} from '../../../../core/domain/campaigns/selector';
import type { CampaignCommand } from '../../commands/parse-certflow-command';
import type { EphemeralMessage } from '../../views/blocks';
import { campaignListAnswer, campaignPreviewAnswer, campaignStatusAnswer } from '../../views/campaign-answers';
import { campaignStartModal } from '../../views/campaign-start-modal';
import { errorAnswer, refusalAnswer } from '../../views/command-answers';
import type { SlackListenerContext } from '../index';
import { auditSlackRefusal } from '../refusal-audit';

/** What certflow answers when the Slack app runs without campaign operations. */
export const CAMPAIGNS_UNAVAILABLE =
  'campaigns are not available in this certflow: start the worker with the campaign workflow and the Slack app with it';

/** Campaigns a status without id lists. */
const RUNNING_LIMIT = 20;

/** The progress message's channel for a campaign launched from `channelId`: a channel, not a DM. */
export function campaignChannelOf(channelId: string | undefined): string | null {
  return channelId !== undefined && /^[CG][A-Z0-9]+$/.test(channelId) ? channelId : null;
}

/**
 * Answers `/certflow campaign …` for the user who typed it; null when the answer is the start modal it opened.
 * Refusals, bad selectors and unknown campaigns are answers; other failures throw for the command's handler.
 */
export async function answerCampaignCommand(
  context: SlackListenerContext,
  parsed: CampaignCommand,
  who: { readonly command: SlashCommand; readonly client: WebClient },
): Promise<EphemeralMessage | null> {
  const { campaigns } = context;
  if (campaigns === undefined) return errorAnswer(CAMPAIGNS_UNAVAILABLE);
  try {
    switch (parsed.action) {
      case 'preview':
      case 'start': {
        const selector = parseCampaignSelectorText(parsed.selectorText);
        const actor = await context.identities.actorFor(who.client, {
          id: who.command.user_id,
          name: who.command.user_name,
        });
        const preview = await campaigns.preview(selector, actor);
        const description = describeCampaignSelector(selector);
        if (parsed.action === 'preview') {
          return campaignPreviewAnswer({ preview, selectorText: parsed.selectorText, description });
        }
        if (preview.total === 0) {
          return errorAnswer(`the selector ${description} selects no certificate; nothing to start`);
        }
        const now = (context.now ?? (() => new Date()))().toISOString();
        const metadata = {
          selectorText: parsed.selectorText,
          count: preview.total,
          channelId: campaignChannelOf(who.command.channel_id),
        };
        await who.client.views.open({
          trigger_id: who.command.trigger_id,
          view: campaignStartModal({ metadata, description, now }),
        });
        return null;
      }
      case 'status':
        if (parsed.campaignId !== null) return campaignStatusAnswer(await campaigns.progress(parsed.campaignId));
        return campaignListAnswer(
          (await campaigns.list({ limit: 100 })).filter(({ status }) => status === 'running').slice(0, RUNNING_LIMIT),
          'Running campaigns',
        );
      case 'list':
        return campaignListAnswer(await campaigns.list({ limit: 50 }), 'Campaigns');
    }
  } catch (error) {
    if (error instanceof CampaignSelectorError || error instanceof CampaignNotFoundError) {
      return errorAnswer(error.message);
    }
    if (!(error instanceof CampaignRefusedError)) throw error;
    await auditSlackRefusal(context, {
      userId: who.command.user_id,
      action: `command.campaign.${parsed.action}`,
      subject: ('selectorText' in parsed ? parsed.selectorText : `campaign ${parsed.action}`).slice(0, 200),
      code: error.code,
      reason: error.message,
    });
    return refusalAnswer(error.message);
  }
}
