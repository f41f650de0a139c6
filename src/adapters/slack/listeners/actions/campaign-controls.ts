/**
 * *Pause*, *Resume* and *Cancel* on a campaign's progress message (R-CAM-2, R-SEC-2). Pause and cancel take the
 * fixed reason "from Slack by <user>" rather than a modal: the buttons act at once, and the audit log and the
 * progress message say who did it. The workflow updates the progress message itself.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import {
  CampaignNotFoundError,
  CampaignRefusedError,
  type CampaignOperations,
} from '../../../../core/application/campaign-operations';
import type { Actor } from '../../../../core/domain/lifecycle/model';
import { ACTION_IDS, BLOCK_IDS } from '../../views/block-ids';
import { section, type EphemeralMessage } from '../../views/blocks';
import { errorAnswer, refusalAnswer } from '../../views/command-answers';
import { escapeMrkdwn } from '../../views/mrkdwn';
import { CAMPAIGNS_UNAVAILABLE } from '../commands/campaign-command';
import type { SlackListenerContext } from '../index';
import { auditSlackRefusal } from '../refusal-audit';
import { tellClicker } from './button-click';

/** The reason a pause or cancel from a button gives. */
export function slackControlReason(user: { readonly id: string; readonly name?: string }): string {
  return `from Slack by ${user.name ?? user.id}`;
}

const CONTROLS = [
  { actionId: ACTION_IDS.campaignPause, verb: 'pause', done: 'paused' },
  { actionId: ACTION_IDS.campaignResume, verb: 'resume', done: 'resumed' },
  { actionId: ACTION_IDS.campaignCancel, verb: 'cancel', done: 'cancelled' },
] as const;

type Verb = (typeof CONTROLS)[number]['verb'];

function run(campaigns: CampaignOperations, verb: Verb, id: string, actor: Actor, reason: string) {
  switch (verb) {
    case 'pause':
      return campaigns.pause(id, actor, reason);
    case 'resume':
      return campaigns.resume(id, actor);
    case 'cancel':
      return campaigns.cancel(id, actor, reason);
  }
}

function doneAnswer(id: string, done: string): EphemeralMessage {
  return {
    response_type: 'ephemeral',
    text: `Campaign ${id} ${done}`,
    blocks: [section(`Campaign \`${escapeMrkdwn(id)}\` ${done}; its progress message follows.`, BLOCK_IDS.summary)],
  };
}

/** Registers the three campaign control buttons. */
export function registerCampaignControls(app: App, context: SlackListenerContext): void {
  for (const { actionId, verb, done } of CONTROLS) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      const id = (action.value ?? '').trim();
      const { campaigns } = context;
      try {
        if (campaigns === undefined) {
          await tellClicker(body, respond, client, errorAnswer(CAMPAIGNS_UNAVAILABLE));
          return;
        }
        const actor = await context.identities.actorFor(client, body.user);
        await run(campaigns, verb, id, actor, slackControlReason(body.user));
        await tellClicker(body, respond, client, doneAnswer(id, done));
      } catch (error) {
        if (error instanceof CampaignRefusedError || error instanceof CampaignNotFoundError) {
          await auditSlackRefusal(context, {
            userId: body.user.id,
            action: `campaign.${verb}`,
            subject: id.slice(0, 80),
            code: error instanceof CampaignRefusedError ? error.code : 'no-campaign',
            reason: error.message,
          });
          await tellClicker(body, respond, client, refusalAnswer(error.message));
          return;
        }
        context.log(
          `Slack campaign ${verb} of ${id} by ${body.user.id} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        await tellClicker(body, respond, client, errorAnswer(`the campaign was not ${done}; try again in a minute`));
      }
    });
  }
}
