/** *Reject* on an approval request: asks for the reason in the reject modal (R-RA-1). */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { LifecycleNotFoundError } from '../../../../client/lifecycle-client';
import { parseRequestId } from '../../../../workflows/definitions';
import { ACTION_IDS } from '../../views/block-ids';
import { errorAnswer, refusalAnswer } from '../../views/command-answers';
import { rejectModal } from '../../views/reject-modal';
import type { SlackListenerDependencies } from '../index';
import { ButtonClickError, readRequestClick, tellClicker } from './button-click';

/**
 * Registers the *Reject* button listener. The modal shows the request, so the lifecycle is asked for it first; a
 * request no longer awaiting approval is refused right away instead of after the reason was typed.
 */
export function registerRejectRequest(app: App, { lifecycles, log }: SlackListenerDependencies): void {
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.rejectRequest, async ({ ack, body, action, respond, client }) => {
    await ack();
    try {
      const click = readRequestClick(body, action);
      const managedCertificateId = parseRequestId(click.value)?.managedCertificateId ?? '';
      const view = await lifecycles.status(managedCertificateId);
      const request = view.request;
      if (request?.id !== click.value || request.status !== 'awaiting-approval') {
        await tellClicker(
          body,
          respond,
          client,
          refusalAnswer(`request ${click.value} is no longer waiting for a decision; nothing is left to reject`),
        );
        return;
      }
      await client.views.open({ trigger_id: click.triggerId, view: rejectModal(request, view.certificate) });
    } catch (error) {
      if (error instanceof ButtonClickError || error instanceof LifecycleNotFoundError) {
        await tellClicker(body, respond, client, refusalAnswer(error.message));
        return;
      }
      log(`Slack reject by ${body.user.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      await tellClicker(body, respond, client, errorAnswer('the reject form could not be opened; try again'));
    }
  });
}
