/** *Request renewal* on a reminder, an expiring list or App Home: asks the lifecycle for a renewal. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { LifecycleNotFoundError, LifecycleRefusedError } from '../../../../client/lifecycle-client';
import { ACTION_IDS } from '../../views/block-ids';
import { errorAnswer, refusalAnswer, renewalRequestedAnswer } from '../../views/command-answers';
import type { SlackListenerContext } from '../index';
import { auditSlackRefusal } from '../refusal-audit';
import { ButtonClickError, readRenewalClick, tellClicker } from './button-click';

/** Why a renewal asked for with the button says it was. */
export const SLACK_RENEWAL_REASON = 'requested in Slack';

/** Registers the *Request renewal* button listener. */
export function registerRequestRenewal(app: App, context: SlackListenerContext): void {
  const { lifecycles, log, identities } = context;
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.requestRenewal, async ({ ack, body, action, respond, client }) => {
    await ack();
    try {
      const click = readRenewalClick(body, action);
      const request = await lifecycles.requestRenewal(click.value, {
        requestedBy: await identities.actorFor(client, body.user),
        reason: SLACK_RENEWAL_REASON,
      });
      await tellClicker(body, respond, client, renewalRequestedAnswer(request));
    } catch (error) {
      if (
        error instanceof LifecycleRefusedError ||
        error instanceof ButtonClickError ||
        error instanceof LifecycleNotFoundError
      ) {
        await auditSlackRefusal(context, {
          userId: body.user.id,
          action: 'request-renewal',
          subject: (action.value ?? '').slice(0, 80),
          code:
            error instanceof LifecycleRefusedError
              ? error.code
              : error instanceof ButtonClickError
                ? 'bad-button'
                : 'no-lifecycle',
          reason: error.message,
        });
        await tellClicker(body, respond, client, refusalAnswer(error.message));
        return;
      }
      log(`Slack renewal request by ${body.user.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      await tellClicker(body, respond, client, errorAnswer('the renewal was not requested; try again in a minute'));
    }
  });
}
