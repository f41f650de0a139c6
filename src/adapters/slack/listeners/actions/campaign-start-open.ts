/** *Start campaign…* on a campaign preview: opens the start modal for the previewed selector and count (R-CAM-1). */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { describeCampaignSelector, parseCampaignSelectorText } from '../../../../core/domain/campaigns/selector';
import { ACTION_IDS } from '../../views/block-ids';
import { campaignStartModal, readCampaignStartButtonValue } from '../../views/campaign-start-modal';
import { errorAnswer, refusalAnswer } from '../../views/command-answers';
import { campaignChannelOf } from '../commands/campaign-command';
import type { SlackListenerContext } from '../index';
import { auditSlackRefusal } from '../refusal-audit';
import { tellClicker } from './button-click';

/**
 * Registers the *Start campaign…* button listener. The modal opens for anyone who clicks; starting is refused to
 * all but security leads when the modal is submitted (R-SEC-2).
 */
export function registerCampaignStartOpen(app: App, context: SlackListenerContext): void {
  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.campaignStartOpen,
    async ({ ack, body, action, respond, client }) => {
      await ack();
      const request = readCampaignStartButtonValue(action.value ?? '');
      try {
        if (request === null) {
          const reason = 'the button does not say what to start; run `/certflow campaign start <selector>` instead';
          await auditSlackRefusal(context, {
            userId: body.user.id,
            action: 'campaign.start-open',
            subject: (action.value ?? '').slice(0, 80),
            code: 'bad-button',
            reason,
          });
          await tellClicker(body, respond, client, refusalAnswer(reason));
          return;
        }
        const description = describeCampaignSelector(parseCampaignSelectorText(request.selectorText));
        const now = (context.now ?? (() => new Date()))().toISOString();
        const metadata = { ...request, channelId: campaignChannelOf(body.channel?.id) };
        await client.views.open({
          trigger_id: body.trigger_id,
          view: campaignStartModal({ metadata, description, now }),
        });
      } catch (error) {
        context.log(
          `Slack campaign start form for ${body.user.id} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        await tellClicker(body, respond, client, errorAnswer('the start form could not be opened; try again'));
      }
    },
  );
}
