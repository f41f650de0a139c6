/**
 * *View details* on a reminder, an approval request, an escalation or a renewal's progress. With a link Slack opens
 * certflow's certificate page and still sends the click, which must be acknowledged within 3 seconds or Slack shows
 * the user an error; without one the clicker gets the certificate's status, as `/certflow status` shows it.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { LifecycleNotFoundError } from '../../../../core/ports/lifecycle-port';
import { summarizeCertificate } from '../../../../core/domain/lifecycle/renewal-plan';
import { ACTION_IDS } from '../../views/block-ids';
import { errorAnswer, lifecycleStatusAnswer, refusalAnswer } from '../../views/command-answers';
import type { SlackListenerContext } from '../index';
import { auditSlackRefusal } from '../refusal-audit';
import { ButtonClickError, readRenewalClick, tellClicker } from './button-click';

/** Registers the *View details* button listener. */
export function registerViewDetails(app: App, context: SlackListenerContext): void {
  const { lifecycles, store, log } = context;
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.viewDetails, async ({ ack, body, action, respond, client }) => {
    await ack();
    // Slack opened the page in the clicker's browser: nothing is left to answer.
    if (action.url) return;
    try {
      const click = readRenewalClick(body, action);
      const managed = await store.getManagedCertificate(click.value);
      if (managed === null) throw new LifecycleNotFoundError(click.value);
      const view = await lifecycles.status(managed.id);
      // A lifecycle that has not read its context yet knows no certificate; the inventory does.
      const current = view.certificate ? null : await store.getCertificate(managed.currentFingerprint);
      const certificate = view.certificate ?? (current && summarizeCertificate(managed.id, current));
      const now = (context.now ?? (() => new Date()))().toISOString();
      await tellClicker(body, respond, client, lifecycleStatusAnswer({ ...view, certificate }, now));
    } catch (error) {
      if (error instanceof ButtonClickError || error instanceof LifecycleNotFoundError) {
        await auditSlackRefusal(context, {
          userId: body.user.id,
          action: 'view-details',
          subject: (action.value ?? '').slice(0, 80),
          code: error instanceof ButtonClickError ? 'bad-button' : 'no-lifecycle',
          reason: error.message,
        });
        await tellClicker(body, respond, client, refusalAnswer(error.message));
        return;
      }
      log(`Slack view details for ${body.user.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      await tellClicker(body, respond, client, errorAnswer('the details could not be read; try again in a minute'));
    }
  });
}
