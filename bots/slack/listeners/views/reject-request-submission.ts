/** The submitted reject modal: rejects the request with the approver's reason (R-RA-1, R-RA-2). */
import type { App } from '@slack/bolt';
import { LifecycleRefusedError } from '../../../../client/lifecycle-client';
import { BLOCK_IDS, CALLBACK_IDS } from '../../views/block-ids';
import { readRejectSubmission, RejectSubmissionError } from '../../views/reject-modal';
import type { SlackListenerContext } from '../index';
import { auditSlackRefusal } from '../refusal-audit';

/** Slack's limit on one modal input error, in characters. */
const MAX_ERROR_TEXT = 150;

/**
 * Registers the reject modal's submission listener. Unlike the buttons it acknowledges last: a refusal must go back
 * in the acknowledgement as a modal error (`response_action: 'errors'`), so the modal stays open with the reason.
 */
export function registerRejectSubmission(app: App, context: SlackListenerContext): void {
  const { lifecycles, log, identities } = context;
  app.view(CALLBACK_IDS.rejectRequest, async ({ ack, body, view, client }) => {
    const refuse = (blockId: string | null, message: string) =>
      ack({
        response_action: 'errors',
        errors: { [blockId ?? BLOCK_IDS.rejectReason]: message.slice(0, MAX_ERROR_TEXT) },
      });
    try {
      const submission = readRejectSubmission(view);
      await lifecycles.decide({
        requestId: submission.requestId,
        decision: 'reject',
        decidedBy: await identities.actorFor(client, body.user),
        reason: submission.reason,
      });
      await ack();
    } catch (error) {
      if (error instanceof RejectSubmissionError || error instanceof LifecycleRefusedError) {
        // The modal error goes back in the acknowledgement, within Slack's 3 seconds; the audit entry follows it.
        await refuse(error instanceof RejectSubmissionError ? error.blockId : null, error.message);
        await auditSlackRefusal(context, {
          userId: body.user.id,
          action: 'reject',
          subject: view.private_metadata.slice(0, 80),
          code: error instanceof LifecycleRefusedError ? error.code : 'invalid-submission',
          reason: error.message,
        });
        return;
      }
      log(
        `Slack reject submission by ${body.user.id} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      await refuse(null, 'certflow could not record the rejection; submit again in a minute');
    }
  });
}
