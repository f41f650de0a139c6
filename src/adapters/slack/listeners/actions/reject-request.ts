/** *Reject* on an approval request: asks for the reason in the reject modal (R-RA-1). */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { LifecycleNotFoundError } from '../../../../core/ports/lifecycle-port';
import { parseRequestId } from '../../../../core/domain/lifecycle/request-id';
import { ACTION_IDS } from '../../views/block-ids';
import { errorAnswer, refusalAnswer } from '../../views/command-answers';
import { rejectModal } from '../../views/reject-modal';
import type { SlackListenerDependencies } from '../index';
import { auditSlackRefusal } from '../refusal-audit';
import { ButtonClickError, readRequestClick, tellClicker } from './button-click';

/**
 * Registers the *Reject* button listener. The modal shows the request, so the lifecycle is asked for it first; a
 * request no longer awaiting approval is refused right away instead of after the reason was typed.
 */
export function registerRejectRequest(app: App, dependencies: SlackListenerDependencies): void {
  const { lifecycles, log } = dependencies;
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.rejectRequest, async ({ ack, body, action, respond, client }) => {
    await ack();
    try {
      const click = readRequestClick(body, action);
      const managedCertificateId = parseRequestId(click.value)?.managedCertificateId ?? '';
      const view = await lifecycles.status(managedCertificateId);
      const request = view.request;
      if (request?.id !== click.value || request.status !== 'awaiting-approval') {
        const reason = `request ${click.value} is no longer waiting for a decision; nothing is left to reject`;
        await auditSlackRefusal(dependencies, {
          userId: body.user.id,
          action: 'reject',
          subject: click.value,
          code: 'not-open',
          reason,
        });
        await tellClicker(body, respond, client, refusalAnswer(reason));
        return;
      }
      await client.views.open({ trigger_id: click.triggerId, view: rejectModal(request, view.certificate) });
    } catch (error) {
      if (error instanceof ButtonClickError || error instanceof LifecycleNotFoundError) {
        await auditSlackRefusal(dependencies, {
          userId: body.user.id,
          action: 'reject',
          subject: (action.value ?? '').slice(0, 80),
          code: error instanceof ButtonClickError ? 'bad-button' : 'no-lifecycle',
          reason: error.message,
        });
        await tellClicker(body, respond, client, refusalAnswer(error.message));
        return;
      }
      log(`Slack reject by ${body.user.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      await tellClicker(body, respond, client, errorAnswer('the reject form could not be opened; try again'));
    }
  });
}
