/** The submitted reject modal: rejects the request with the approver's reason (R-RA-1, R-RA-2). */
import type { App } from '@slack/bolt';
import { LifecycleRefusedError } from '../../../../core/ports/lifecycle-port';
import { BLOCK_IDS, CALLBACK_IDS } from '../../views/block-ids';
import { errorAnswer, refusalAnswer } from '../../views/command-answers';
import { SLACK_LIMITS } from '../../views/mrkdwn';
import { readRejectSubmission, RejectSubmissionError, type RejectSubmission } from '../../views/reject-modal';
import { DEFAULT_ACK_BUDGET_MS, settleWithin } from '../ack-budget';
import type { SlackListenerContext } from '../index';
import { auditSlackRefusal } from '../refusal-audit';

/**
 * Registers the reject modal's submission listener. Unlike the buttons it acknowledges with the result: a refusal
 * goes back as a modal error (`response_action: 'errors'`), so the modal stays open with the reason. A decision that
 * takes longer than the acknowledgement budget closes the modal at once and reports a refusal or failure by DM.
 */
export function registerRejectSubmission(app: App, context: SlackListenerContext): void {
  const { lifecycles, log, identities } = context;
  const budgetMs = context.ackBudgetMs ?? DEFAULT_ACK_BUDGET_MS;
  app.view(CALLBACK_IDS.rejectRequest, async ({ ack, body, view, client }) => {
    const refuse = (blockId: string | null, message: string) =>
      ack({
        response_action: 'errors',
        errors: { [blockId ?? BLOCK_IDS.rejectReason]: message.slice(0, SLACK_LIMITS.inputError) },
      });
    const audit = (code: string, reason: string) =>
      auditSlackRefusal(context, {
        userId: body.user.id,
        action: 'reject',
        subject: view.private_metadata.slice(0, 80),
        code,
        reason,
      });
    const failed = (error: unknown) =>
      log(
        `Slack reject submission by ${body.user.id} failed: ${error instanceof Error ? error.message : String(error)}`,
      );

    let submission: RejectSubmission;
    try {
      submission = readRejectSubmission(view);
    } catch (error) {
      if (!(error instanceof RejectSubmissionError)) {
        failed(error);
        await refuse(null, 'certflow could not read the rejection; submit again in a minute');
        return;
      }
      await refuse(error.blockId, error.message);
      await audit('invalid-submission', error.message);
      return;
    }
    const deciding = identities.actorFor(client, body.user).then((decidedBy) =>
      lifecycles.decide({
        requestId: submission.requestId,
        decision: 'reject',
        decidedBy,
        reason: submission.reason,
      }),
    );
    const outcome = await settleWithin(deciding, budgetMs);
    if (outcome.state === 'fulfilled') {
      await ack();
      return;
    }
    if (outcome.state === 'rejected') {
      if (outcome.error instanceof LifecycleRefusedError) {
        // The modal error goes back in the acknowledgement, within Slack's 3 seconds; the audit entry follows it.
        await refuse(null, outcome.error.message);
        await audit(outcome.error.code, outcome.error.message);
        return;
      }
      failed(outcome.error);
      await refuse(null, 'certflow could not record the rejection; submit again in a minute');
      return;
    }
    // Slow: close the modal before Slack gives up on it; the decision's outcome follows.
    await ack();
    try {
      await deciding;
    } catch (error) {
      const refused = error instanceof LifecycleRefusedError;
      if (refused) await audit(error.code, error.message);
      else failed(error);
      const answer = refused
        ? refusalAnswer(`your rejection of ${submission.requestId} was not recorded: ${error.message}`)
        : errorAnswer(`your rejection of ${submission.requestId} was not recorded; reject it again in a minute`);
      await client.chat.postMessage({ channel: body.user.id, text: answer.text, blocks: answer.blocks });
    }
  });
}
