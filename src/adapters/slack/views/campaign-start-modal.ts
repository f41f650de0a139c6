/**
 * Starting a campaign from Slack (R-CAM-1, R-CAM-2): what the *Start…* button carries, the start modal (reason, kind,
 * deadline, emergency pre-approval) and the reading of its submission.
 */
import type { ModalView } from '@slack/types';
import { CAMPAIGN_KINDS, type CampaignKind } from '../../../core/domain/campaigns/model';
import { DAY_MS } from '../../../core/domain/duration';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from './block-ids';
import { plainText, section } from './blocks';
import { KIND_LABELS } from './campaign-messages';
import { SLACK_LIMITS, slackDate, userText } from './mrkdwn';

/** Days after the start a campaign's deadline defaults to (R-CAM-2). */
export const DEFAULT_DEADLINE_DAYS = 2;
/** Longest reason the start modal accepts. */
export const MAX_CAMPAIGN_REASON = 500;

/** What the `campaign_start_open` button carries: the selector as typed and the count it previewed. */
export interface CampaignStartRequest {
  readonly selectorText: string;
  readonly count: number;
}

/** The start button's value; null when the selector text is too long for a button (the command still works). */
export function campaignStartButtonValue(request: CampaignStartRequest): string | null {
  const value = JSON.stringify({ selector: request.selectorText, count: request.count });
  return value.length <= SLACK_LIMITS.buttonValue ? value : null;
}

/** Reads a `campaign_start_open` button's value; null when it is not what the button carries. */
export function readCampaignStartButtonValue(value: string): CampaignStartRequest | null {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { selector, count } = parsed as Record<string, unknown>;
    if (typeof selector !== 'string' || typeof count !== 'number' || !Number.isInteger(count) || count < 0) return null;
    return { selectorText: selector, count };
  } catch {
    return null;
  }
}

/** What the start modal carries between opening and submission. */
export interface CampaignStartMetadata extends CampaignStartRequest {
  /** Where the progress message goes; null for the configured campaign channel. */
  readonly channelId: string | null;
}

/** The start modal (R-CAM-1, R-CAM-2): reason, kind, deadline and emergency pre-approval for the previewed count. */
export function campaignStartModal(input: {
  readonly metadata: CampaignStartMetadata;
  readonly description: string;
  readonly now: string;
}): ModalView {
  const { metadata } = input;
  const deadline = new Date(Date.parse(input.now) + DEFAULT_DEADLINE_DAYS * DAY_MS).toISOString();
  const kindOption = (kind: CampaignKind) => ({ text: plainText(KIND_LABELS[kind], 75), value: kind });
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.campaignStart,
    private_metadata: JSON.stringify(metadata),
    title: plainText('Start campaign', SLACK_LIMITS.modalTitle),
    submit: plainText('Start', SLACK_LIMITS.modalTitle),
    close: plainText('Cancel', SLACK_LIMITS.modalTitle),
    blocks: [
      section(
        `This replaces *${metadata.count}* certificates selected by ${userText(input.description, 1500)}, each through its renewal.\n` +
          `Deadline by default: ${slackDate(deadline, true)} (${DEFAULT_DEADLINE_DAYS} days). The start is refused if the selector no longer selects exactly ${metadata.count}.`,
        BLOCK_IDS.summary,
      ),
      {
        type: 'input',
        block_id: BLOCK_IDS.campaignReason,
        optional: false,
        label: plainText('Why?'),
        hint: plainText('Everyone watching the campaign sees this; it is kept in the audit log.'),
        element: {
          type: 'plain_text_input',
          action_id: ACTION_IDS.campaignReasonInput,
          min_length: 1,
          max_length: MAX_CAMPAIGN_REASON,
          placeholder: plainText('e.g. Old Issuing CA compromised'),
        },
      },
      {
        type: 'input',
        block_id: BLOCK_IDS.campaignKind,
        label: plainText('Kind'),
        hint: plainText('It sets the revocation reason of the replaced certificates.'),
        element: {
          type: 'static_select',
          action_id: ACTION_IDS.campaignKindInput,
          options: CAMPAIGN_KINDS.map(kindOption),
          initial_option: kindOption('ca-compromise'),
        },
      },
      {
        type: 'input',
        block_id: BLOCK_IDS.campaignDeadline,
        label: plainText('Deadline'),
        hint: plainText('A duration such as 2d or 36h, a day (2026-12-03, end of day UTC) or an ISO 8601 instant.'),
        element: {
          type: 'plain_text_input',
          action_id: ACTION_IDS.campaignDeadlineInput,
          initial_value: `${DEFAULT_DEADLINE_DAYS}d`,
          max_length: 40,
        },
      },
      {
        type: 'input',
        block_id: BLOCK_IDS.campaignEmergency,
        optional: true,
        label: plainText('Approval'),
        element: {
          type: 'checkboxes',
          action_id: ACTION_IDS.campaignEmergencyInput,
          options: [
            {
              text: plainText('Emergency: I pre-approve every renewal (audited per certificate)', 75),
              value: 'emergency',
            },
          ],
          initial_options: [
            {
              text: plainText('Emergency: I pre-approve every renewal (audited per certificate)', 75),
              value: 'emergency',
            },
          ],
        },
      },
    ],
  };
}

/** A start modal submission that cannot be acted on; `blockId` names the input to flag. */
export class CampaignStartSubmissionError extends Error {
  override readonly name = 'CampaignStartSubmissionError';
  constructor(
    message: string,
    readonly blockId: string,
  ) {
    super(message);
  }
}

/** What a start modal submission says. */
export interface CampaignStartSubmission extends CampaignStartMetadata {
  readonly reason: string;
  readonly kind: CampaignKind;
  /** ISO 8601 UTC. */
  readonly deadline: string;
  readonly emergency: boolean;
}

/** The state of one input of a submitted view, in the shapes the start modal's elements send. */
interface SubmittedValue {
  readonly value?: string | null;
  readonly selected_option?: { readonly value?: string } | null;
  readonly selected_options?: ReadonlyArray<{ readonly value?: string }>;
}

/** The parts of a `view_submission` view {@link readCampaignStartSubmission} reads. */
export interface SubmittedCampaignView {
  readonly callback_id?: string;
  readonly private_metadata?: string;
  readonly state?: { readonly values?: Record<string, Record<string, SubmittedValue | undefined>> };
}

function readMetadata(text: string | undefined): CampaignStartMetadata | null {
  try {
    const value = JSON.parse(text ?? '') as Record<string, unknown>;
    const { selectorText, count, channelId } = value;
    if (typeof selectorText !== 'string' || typeof count !== 'number' || !Number.isInteger(count)) return null;
    if (channelId !== null && typeof channelId !== 'string') return null;
    return { selectorText, count, channelId };
  } catch {
    return null;
  }
}

const MAX_DEADLINE_MS = 366 * DAY_MS;

/** A deadline as typed (`2d`, `36h`, `2026-12-03`, an ISO instant) as an ISO instant after `now`. */
export function parseCampaignDeadline(text: string, now: string): string {
  const typed = text.trim();
  const nowMs = Date.parse(now);
  const relative = /^(\d{1,4})\s*([dh])$/i.exec(typed);
  let at: number;
  if (relative) at = nowMs + Number(relative[1]) * (relative[2]?.toLowerCase() === 'd' ? DAY_MS : 3_600_000);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(typed)) at = Date.parse(`${typed}T23:59:59Z`);
  else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(typed)) at = Date.parse(typed);
  else at = NaN;
  if (Number.isNaN(at)) {
    throw new CampaignStartSubmissionError(
      `"${typed.slice(0, 40)}" is not a deadline: type 2d, 36h, a day like 2026-12-03 or an ISO 8601 instant`,
      BLOCK_IDS.campaignDeadline,
    );
  }
  if (at <= nowMs || at - nowMs > MAX_DEADLINE_MS) {
    throw new CampaignStartSubmissionError(
      'the deadline must be in the future and within a year',
      BLOCK_IDS.campaignDeadline,
    );
  }
  return new Date(at).toISOString();
}

/**
 * Reads a submitted start modal. Throws {@link CampaignStartSubmissionError} for another modal, metadata it did not
 * write, a blank or over-long reason, an unknown kind or a deadline it cannot read. Inputs the payload leaves out take
 * the modal's defaults.
 */
export function readCampaignStartSubmission(view: SubmittedCampaignView, now: string): CampaignStartSubmission {
  const metadata = view.callback_id === CALLBACK_IDS.campaignStart ? readMetadata(view.private_metadata) : null;
  if (metadata === null) {
    throw new CampaignStartSubmissionError(
      'this form does not say what to start; close it and run `/certflow campaign start <selector>` again',
      BLOCK_IDS.campaignReason,
    );
  }
  const values = view.state?.values ?? {};
  const input = (blockId: string, actionId: string) => values[blockId]?.[actionId];
  const reason = (input(BLOCK_IDS.campaignReason, ACTION_IDS.campaignReasonInput)?.value ?? '').trim();
  if (reason.length === 0) {
    throw new CampaignStartSubmissionError(
      'write why the campaign runs; everyone watching it reads this',
      BLOCK_IDS.campaignReason,
    );
  }
  if (reason.length > MAX_CAMPAIGN_REASON) {
    throw new CampaignStartSubmissionError(
      `the reason is ${reason.length} characters; shorten it to ${MAX_CAMPAIGN_REASON}`,
      BLOCK_IDS.campaignReason,
    );
  }
  const kindValue =
    input(BLOCK_IDS.campaignKind, ACTION_IDS.campaignKindInput)?.selected_option?.value ?? 'ca-compromise';
  const kind = CAMPAIGN_KINDS.find((candidate) => candidate === kindValue);
  if (kind === undefined) {
    throw new CampaignStartSubmissionError(
      `choose one of the kinds: ${CAMPAIGN_KINDS.join(', ')}`,
      BLOCK_IDS.campaignKind,
    );
  }
  const deadlineText =
    input(BLOCK_IDS.campaignDeadline, ACTION_IDS.campaignDeadlineInput)?.value ?? `${DEFAULT_DEADLINE_DAYS}d`;
  const emergencyInput = input(BLOCK_IDS.campaignEmergency, ACTION_IDS.campaignEmergencyInput);
  const emergency =
    emergencyInput?.selected_options === undefined
      ? true
      : emergencyInput.selected_options.some((option) => option.value === 'emergency');
  return { ...metadata, reason, kind, deadline: parseCampaignDeadline(deadlineText, now), emergency };
}
