/**
 * The submitted start modal (R-CAM-1, R-CAM-2, R-SEC-2): starts the campaign with the count the person confirmed.
 * Like the reject modal it acknowledges with the result, so a missing reason or a refusal (not a security lead, the
 * count changed) stays in the modal as a field error; a start slower than the acknowledgement budget closes the
 * modal and reports by message. The launcher is told the campaign id ephemerally in the channel it came from, or by
 * DM.
 */
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { CampaignRefusedError, type CampaignOperations } from '../../../../core/application/campaign-operations';
import type { CampaignDefinition } from '../../../../core/domain/campaigns/model';
import type { Actor } from '../../../../core/domain/lifecycle/model';
import { CampaignSelectorError, parseCampaignSelectorText } from '../../../../core/domain/campaigns/selector';
import { BLOCK_IDS, CALLBACK_IDS } from '../../views/block-ids';
import type { EphemeralMessage } from '../../views/blocks';
import { campaignStartedAnswer } from '../../views/campaign-answers';
import {
  CampaignStartSubmissionError,
  readCampaignStartSubmission,
  type CampaignStartSubmission,
} from '../../views/campaign-start-modal';
import { errorAnswer, refusalAnswer } from '../../views/command-answers';
import { SLACK_LIMITS } from '../../views/mrkdwn';
import { DEFAULT_ACK_BUDGET_MS, settleWithin } from '../ack-budget';
import { CAMPAIGNS_UNAVAILABLE } from '../commands/campaign-command';
import type { SlackListenerContext } from '../index';
import { auditSlackRefusal } from '../refusal-audit';

async function tell(client: WebClient, userId: string, channelId: string | null, message: EphemeralMessage) {
  if (channelId !== null) {
    try {
      await client.chat.postEphemeral({ channel: channelId, user: userId, text: message.text, blocks: message.blocks });
      return;
    } catch {
      // Not in that channel any more: the DM still reaches them.
    }
  }
  await client.chat.postMessage({ channel: userId, text: message.text, blocks: message.blocks });
}

function start(
  campaigns: CampaignOperations,
  submission: CampaignStartSubmission,
  launchedBy: Actor,
): Promise<CampaignDefinition> {
  return campaigns.start({
    selector: parseCampaignSelectorText(submission.selectorText),
    kind: submission.kind,
    reason: submission.reason,
    deadline: submission.deadline,
    emergency: submission.emergency,
    confirmedCount: submission.count,
    launchedBy,
    ...(submission.channelId === null ? {} : { channelId: submission.channelId }),
  });
}

/** Registers the start modal's submission listener. */
export function registerCampaignStartSubmission(app: App, context: SlackListenerContext): void {
  const budgetMs = context.ackBudgetMs ?? DEFAULT_ACK_BUDGET_MS;
  app.view(CALLBACK_IDS.campaignStart, async ({ ack, body, view, client }) => {
    const refuse = (blockId: string, message: string) =>
      ack({ response_action: 'errors', errors: { [blockId]: message.slice(0, SLACK_LIMITS.inputError) } });
    const audit = (code: string, reason: string) =>
      auditSlackRefusal(context, {
        userId: body.user.id,
        action: 'campaign.start',
        subject: view.private_metadata.slice(0, 200),
        code,
        reason,
      });
    const failed = (error: unknown) =>
      context.log(
        `Slack campaign start by ${body.user.id} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    const { campaigns } = context;
    if (campaigns === undefined) {
      await refuse(BLOCK_IDS.campaignReason, CAMPAIGNS_UNAVAILABLE);
      return;
    }
    let submission: CampaignStartSubmission;
    try {
      submission = readCampaignStartSubmission(view, (context.now ?? (() => new Date()))().toISOString());
    } catch (error) {
      if (!(error instanceof CampaignStartSubmissionError)) {
        failed(error);
        await refuse(BLOCK_IDS.campaignReason, 'certflow could not read the form; submit again in a minute');
        return;
      }
      await refuse(error.blockId, error.message);
      return;
    }
    const starting = context.identities
      .actorFor(client, body.user)
      .then((launchedBy) => start(campaigns, submission, launchedBy));
    const outcome = await settleWithin(starting, budgetMs);
    if (outcome.state === 'rejected') {
      const { error } = outcome;
      if (error instanceof CampaignRefusedError || error instanceof CampaignSelectorError) {
        await refuse(BLOCK_IDS.campaignReason, error.message);
        await audit(error instanceof CampaignRefusedError ? error.code : 'bad-selector', error.message);
        return;
      }
      failed(error);
      await refuse(BLOCK_IDS.campaignReason, 'certflow could not start the campaign; submit again in a minute');
      return;
    }
    await ack();
    let answer: EphemeralMessage;
    try {
      answer = campaignStartedAnswer(await starting, submission.count);
    } catch (error) {
      const refused = error instanceof CampaignRefusedError;
      if (refused) await audit(error.code, error.message);
      else failed(error);
      answer = refused
        ? refusalAnswer(`the campaign was not started: ${error.message}`)
        : errorAnswer('the campaign was not started; run `/certflow campaign start` again in a minute');
    }
    try {
      await tell(client, body.user.id, submission.channelId, answer);
    } catch (error) {
      failed(error);
    }
  });
}
