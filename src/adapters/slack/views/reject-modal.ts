/** The modal that asks an approver why they reject a request (R-RA-1: reject with a reason), and reading its answer. */
import type { ModalView } from '@slack/types';
import { parseRequestId } from '../../../core/domain/lifecycle/request-id';
import type { CertificateSummary, LifecycleRequest } from '../../../core/domain/lifecycle/model';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from './block-ids';
import { context, plainText, section } from './blocks';
import { certificateName } from './certificate-text';
import { actorMrkdwn, escapeMrkdwn, SLACK_LIMITS, userText } from './mrkdwn';

/** Longest rejection reason the modal accepts. */
export const MAX_REJECT_REASON = 2000;

/** The reject modal for `request`; `private_metadata` is the request id and nothing else. */
export function rejectModal(request: LifecycleRequest, certificate: CertificateSummary | null): ModalView {
  const name = certificate ? certificateName(certificate) : request.id;
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.rejectRequest,
    private_metadata: request.id,
    title: plainText('Reject request', SLACK_LIMITS.modalTitle),
    submit: plainText('Reject', SLACK_LIMITS.modalTitle),
    close: plainText('Cancel', SLACK_LIMITS.modalTitle),
    blocks: [
      section(
        `Reject the *${request.kind}* of *${userText(name, 500)}* requested by ${actorMrkdwn(request.requestedBy)}?\n>${userText(request.reason || 'no reason given', 1500)}`,
        BLOCK_IDS.request,
      ),
      {
        type: 'input',
        block_id: BLOCK_IDS.rejectReason,
        optional: false,
        label: plainText('Why do you reject it?'),
        hint: plainText('The requester and the owners see this reason; it is kept in the audit log.'),
        element: {
          type: 'plain_text_input',
          action_id: ACTION_IDS.rejectReasonInput,
          multiline: true,
          min_length: 1,
          max_length: MAX_REJECT_REASON,
          placeholder: plainText('e.g. the names do not match the application'),
        },
      },
      context([`Request \`${escapeMrkdwn(request.id)}\``], BLOCK_IDS.more),
    ],
  };
}

/** A submitted reject modal that cannot be acted on; `blockId` says which input to flag in the modal. */
export class RejectSubmissionError extends Error {
  override readonly name = 'RejectSubmissionError';
  constructor(
    message: string,
    readonly blockId: string | null,
  ) {
    super(message);
  }
}

/** What a reject modal submission says. */
export interface RejectSubmission {
  readonly requestId: string;
  readonly reason: string;
}

/** The parts of a `view_submission` payload's view that {@link readRejectSubmission} reads. */
export interface SubmittedView {
  readonly callback_id?: string;
  readonly private_metadata?: string;
  readonly state?: { readonly values?: Record<string, Record<string, { readonly value?: string | null } | undefined>> };
}

/**
 * Reads the request id and reason from a submitted reject modal. Throws {@link RejectSubmissionError} for another
 * modal, a missing or malformed request id, or a blank or over-long reason (with the block to flag).
 */
export function readRejectSubmission(view: SubmittedView): RejectSubmission {
  if (view.callback_id !== CALLBACK_IDS.rejectRequest) {
    throw new RejectSubmissionError(
      `this is not certflow's reject modal (callback_id ${String(view.callback_id)}); close it and click Reject again`,
      null,
    );
  }
  const requestId = (view.private_metadata ?? '').trim();
  if (parseRequestId(requestId) === null) {
    throw new RejectSubmissionError(
      'the modal does not say which request to reject; close it and click Reject on the approval message again',
      null,
    );
  }
  const reason = (view.state?.values?.[BLOCK_IDS.rejectReason]?.[ACTION_IDS.rejectReasonInput]?.value ?? '').trim();
  if (reason.length === 0) {
    throw new RejectSubmissionError('write why you reject the request; the requester needs it', BLOCK_IDS.rejectReason);
  }
  if (reason.length > MAX_REJECT_REASON) {
    throw new RejectSubmissionError(
      `the reason is ${reason.length} characters; shorten it to ${MAX_REJECT_REASON}`,
      BLOCK_IDS.rejectReason,
    );
  }
  return { requestId, reason };
}
