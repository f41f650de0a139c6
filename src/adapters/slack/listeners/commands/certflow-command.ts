/**
 * `/certflow`: help, status, expiring, renew, approvals and campaign, answered to the asker only (R-SEC-2, R-RA-1,
 * R-MON-1, R-CAM-1). Slack wants the acknowledgement within 3 seconds, so it goes first and empty; the answer follows
 * on the command's response_url once the inventory and the lifecycles have been asked.
 */
import type { App, RespondFn, SlashCommand } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { LifecycleNotFoundError, LifecycleRefusedError } from '../../../../core/ports/lifecycle-port';
import { ManagedCertificateNotFoundError } from '../../../../core/application/resolve-managed-certificate';
import type { Actor } from '../../../../core/domain/lifecycle/model';
import { summarizeCertificate } from '../../../../core/domain/lifecycle/renewal-plan';
import { AmbiguousIdError, InventoryInputError } from '../../../../core/ports/inventory-errors';
import {
  CertflowCommandError,
  parseCertflowCommand,
  type CertflowCommand,
} from '../../commands/parse-certflow-command';
import type { EphemeralMessage } from '../../views/blocks';
import {
  APPROVALS_MAX_ITEMS,
  approvalsAnswer,
  errorAnswer,
  EXPIRING_MAX_ITEMS,
  expiringAnswer,
  helpAnswer,
  lifecycleStatusAnswer,
  refusalAnswer,
  renewalRequestedAnswer,
  usageAnswer,
} from '../../views/command-answers';
import { SLACK_RENEWAL_REASON } from '../actions/request-renewal';
import type { SlackListenerContext } from '../index';
import { auditSlackRefusal } from '../refusal-audit';
import { answerCampaignCommand } from './campaign-command';
import {
  AmbiguousCertificateNameError,
  dueCertificates,
  myGroups,
  pendingApprovals,
  resolveCertificateTarget,
} from './my-certificates';

/** The slash command, as configured in the Slack app's settings. */
export const CERTFLOW_COMMAND = '/certflow';

/** Errors whose message tells the user what they typed wrong and how to find the right certificate. */
function isLookupError(error: unknown): error is Error {
  return (
    error instanceof ManagedCertificateNotFoundError ||
    error instanceof AmbiguousCertificateNameError ||
    error instanceof AmbiguousIdError ||
    error instanceof InventoryInputError ||
    error instanceof LifecycleNotFoundError
  );
}

/** Answers one parsed command for the user who typed it. */
async function answer(
  context: SlackListenerContext,
  parsed: CertflowCommand,
  who: { readonly command: SlashCommand; readonly client: WebClient },
): Promise<EphemeralMessage | null> {
  const { store, lifecycles } = context;
  const now = (context.now ?? (() => new Date()))();
  const actor = (): Promise<Actor> =>
    context.identities.actorFor(who.client, { id: who.command.user_id, name: who.command.user_name });
  switch (parsed.kind) {
    case 'help':
      return helpAnswer();
    case 'status': {
      const managed = await resolveCertificateTarget(store, parsed.target);
      const view = await lifecycles.status(managed.id);
      // A lifecycle that has not read its context yet knows no certificate; the inventory does.
      const current = view.certificate ? null : await store.getCertificate(managed.currentFingerprint);
      const certificate = view.certificate ?? (current && summarizeCertificate(managed.id, current));
      return lifecycleStatusAnswer({ ...view, certificate }, now.toISOString());
    }
    case 'expiring': {
      const groups = await myGroups(store, await actor());
      const certificates = await dueCertificates(
        context,
        groups.map(({ group }) => group.id),
        { now, withinDays: parsed.withinDays, show: EXPIRING_MAX_ITEMS },
      );
      return expiringAnswer({
        now: now.toISOString(),
        withinDays: parsed.withinDays,
        certificates,
        inNoGroup: groups.length === 0,
      });
    }
    case 'renew': {
      const managed = await resolveCertificateTarget(store, parsed.target);
      try {
        const request = await lifecycles.requestRenewal(managed.id, {
          requestedBy: await actor(),
          reason: SLACK_RENEWAL_REASON,
        });
        return renewalRequestedAnswer(request);
      } catch (error) {
        if (!(error instanceof LifecycleRefusedError)) throw error;
        await auditSlackRefusal(context, {
          userId: who.command.user_id,
          action: 'command.renew',
          subject: managed.id,
          code: error.code,
          reason: error.message,
        });
        return refusalAnswer(error.message);
      }
    }
    case 'approvals': {
      const me = await actor();
      const groups = await myGroups(store, me);
      const approverOf = groups.filter(({ approver }) => approver).map(({ group }) => group.id);
      const found = await pendingApprovals(context, me, approverOf, APPROVALS_MAX_ITEMS);
      return approvalsAnswer(found.approvals, found.unchecked);
    }
    case 'campaign':
      return answerCampaignCommand(context, parsed, who);
  }
}

/**
 * certflow answers people of its Slack workspace only: someone Slack's directory does not list (a member of another
 * organisation in a shared channel, a deactivated account) is refused like any other unknown person, and so is
 * everyone while Slack cannot say who they are. Null when the asker is listed.
 */
async function directoryRefusal(
  context: SlackListenerContext,
  command: SlashCommand,
  client: WebClient,
  kind: CertflowCommand['kind'],
): Promise<EphemeralMessage | null> {
  const status = await context.identities.directoryStatus(client, command.user_id);
  if (status === 'listed') return null;
  const reason =
    status === 'not-listed'
      ? "certflow answers only people of this Slack workspace, and the workspace's directory does not list you: " +
        'ask a workspace admin to make you a member'
      : 'certflow could not ask Slack who you are; try again in a minute';
  await auditSlackRefusal(context, {
    userId: command.user_id,
    action: `command.${kind}`,
    subject: command.text.slice(0, 80),
    code: status === 'not-listed' ? 'not-in-directory' : 'directory-unavailable',
    reason,
  });
  return refusalAnswer(reason);
}

/**
 * What the asker sees for the text they typed: the answer, a usage error, a refusal or what failed; null when the
 * answer was a modal.
 */
async function answerText(
  context: SlackListenerContext,
  command: SlashCommand,
  client: WebClient,
): Promise<EphemeralMessage | null> {
  let parsed: CertflowCommand;
  try {
    parsed = parseCertflowCommand(command.text);
  } catch (error) {
    if (error instanceof CertflowCommandError) return usageAnswer(error.message, error.usage);
    throw error;
  }
  if (parsed.kind !== 'help') {
    const refusal = await directoryRefusal(context, command, client, parsed.kind);
    if (refusal !== null) return refusal;
  }
  try {
    return await answer(context, parsed, { command, client });
  } catch (error) {
    if (isLookupError(error)) return errorAnswer(error.message);
    context.log(
      `Slack ${CERTFLOW_COMMAND} ${parsed.kind} by ${command.user_id} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return errorAnswer(
      `\`${CERTFLOW_COMMAND} ${parsed.kind}\` did not get an answer from certflow; try again in a minute`,
    );
  }
}

async function send(
  context: SlackListenerContext,
  respond: RespondFn,
  command: SlashCommand,
  message: EphemeralMessage,
) {
  try {
    await respond(message);
  } catch (error) {
    // The response_url expired (30 minutes) or Slack is down: nobody is left to tell but the log.
    context.log(
      `Slack ${CERTFLOW_COMMAND} answer to ${command.user_id} was not delivered: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Registers `/certflow`. */
export function registerCertflowCommand(app: App, context: SlackListenerContext): void {
  app.command(CERTFLOW_COMMAND, async ({ ack, command: sent, respond, client }) => {
    await ack();
    // Slack always sends `text`, empty for a bare `/certflow`; a request without it is read as that, not a crash.
    const command: SlashCommand = { ...sent, text: typeof sent.text === 'string' ? sent.text : '' };
    const message = await answerText(context, command, client);
    if (message !== null) await send(context, respond, command, message);
  });
}
