/**
 * *Request renewal* on a reminder, an expiring list or App Home: asks the lifecycle for a renewal. A button on a
 * message about a version that was renewed, replaced or retired since (one Slack still shows with its button, because
 * it could not be updated or predates issue 14) is refused with what happened: the lifecycle would renew the new one.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { InventoryStore } from '../../../../core/ports/inventory-store';
import { LifecycleNotFoundError, LifecycleRefusedError } from '../../../../core/ports/lifecycle-port';
import { ACTION_IDS } from '../../views/block-ids';
import { errorAnswer, refusalAnswer, renewalRequestedAnswer } from '../../views/command-answers';
import type { SlackListenerContext } from '../index';
import { auditSlackRefusal } from '../refusal-audit';
import { ButtonClickError, type ButtonClick, readRenewalClick, tellClicker } from './button-click';

/** The button's version is gone (renewed, replaced or retired): says what happened; null when it is current. */
async function staleButton(
  store: Pick<InventoryStore, 'getManagedCertificate' | 'getCertificate'>,
  click: ButtonClick,
): Promise<string | null> {
  if (click.version === null) return null;
  const managed = await store.getManagedCertificate(click.value);
  // An unknown certificate is the lifecycle's to refuse, as before.
  if (managed === null) return null;
  if (!managed.retired && managed.currentFingerprint.startsWith(click.version)) return null;
  const shown = await store.getCertificate(click.version).catch(() => null);
  const name = shown?.facts.subject.commonName ?? shown?.facts.subjectAltNames.dns[0] ?? `certificate ${managed.id}`;
  const until = (iso: string) => iso.slice(0, 10);
  const version = shown
    ? `the version of ${name} valid until ${until(shown.facts.notAfter)} (SHA-256 ${click.version}…)`
    : `version ${click.version}… of ${name}`;
  if (managed.retired) {
    return `this message is about ${version}, which was revoked and retired since: there is nothing left to renew`;
  }
  const current = await store.getCertificate(managed.currentFingerprint);
  const now = current
    ? ` The current one is valid until ${until(current.facts.notAfter)} (SHA-256 ${managed.currentFingerprint.slice(0, 16)}…).`
    : '';
  return (
    `this message is about ${version}, which has been renewed or replaced since, so nothing was requested.${now} ` +
    `To renew the current one, use \`/certflow renew ${managed.id}\``
  );
}

/** Why a renewal asked for with the button says it was. */
export const SLACK_RENEWAL_REASON = 'requested in Slack';

/** Registers the *Request renewal* button listener. */
export function registerRequestRenewal(app: App, context: SlackListenerContext): void {
  const { lifecycles, log, identities } = context;
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.requestRenewal, async ({ ack, body, action, respond, client }) => {
    await ack();
    try {
      const click = readRenewalClick(body, action);
      const stale = await staleButton(context.store, click);
      if (stale !== null) {
        await auditSlackRefusal(context, {
          userId: body.user.id,
          action: 'request-renewal',
          subject: (action.value ?? '').slice(0, 80),
          code: 'stale-button',
          reason: stale,
        });
        await tellClicker(body, respond, client, refusalAnswer(stale));
        return;
      }
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
