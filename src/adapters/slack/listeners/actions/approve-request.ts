/** *Approve* on an approval request (R-RA-1, R-RA-2): the lifecycle decides whether the clicker may approve. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { LifecycleRefusedError } from '../../../../core/ports/lifecycle-port';
import { ACTION_IDS } from '../../views/block-ids';
import { errorAnswer, refusalAnswer } from '../../views/command-answers';
import type { SlackListenerContext } from '../index';
import { auditSlackRefusal } from '../refusal-audit';
import { ButtonClickError, readRequestClick, tellClicker } from './button-click';

/** Registers the *Approve* button listener. */
export function registerApproveRequest(app: App, context: SlackListenerContext): void {
  const { lifecycles, log, identities } = context;
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.approveRequest, async ({ ack, body, action, respond, client }) => {
    await ack();
    try {
      const click = readRequestClick(body, action);
      const decidedBy = await identities.actorFor(client, body.user);
      await lifecycles.decide({ requestId: click.value, decision: 'approve', decidedBy });
    } catch (error) {
      if (error instanceof LifecycleRefusedError || error instanceof ButtonClickError) {
        await auditSlackRefusal(context, {
          userId: body.user.id,
          action: 'approve',
          subject: (action.value ?? '').slice(0, 80),
          code: error instanceof LifecycleRefusedError ? error.code : 'bad-button',
          reason: error.message,
        });
        await tellClicker(body, respond, client, refusalAnswer(error.message));
        return;
      }
      log(`Slack approve by ${body.user.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      await tellClicker(body, respond, client, errorAnswer('the approval was not recorded; try again in a minute'));
    }
  });
}
