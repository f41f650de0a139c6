/** Reading what a button click says (what the button names, where to answer) and answering the clicker. */
import type { BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { parseRequestId } from '../../../../core/domain/lifecycle/request-id';
import type { EphemeralMessage } from '../../views/blocks';

/** A button click certflow cannot act on: its value is missing or not the id the button should carry. */
export class ButtonClickError extends Error {
  override readonly name = 'ButtonClickError';
}

/** What a button click says, in certflow's terms. */
export interface ButtonClick {
  /** The button's value: a request id or a managed certificate id. */
  readonly value: string;
  /** The start of the SHA-256 of the certificate version the message showed; null when the button does not say. */
  readonly version: string | null;
  /** The clicker's Slack user id. */
  readonly userId: string;
  readonly triggerId: string;
}

function readClick(body: BlockAction, action: ButtonAction): ButtonClick {
  return {
    value: (action.value ?? '').trim(),
    version: null,
    userId: body.user.id,
    triggerId: body.trigger_id,
  };
}

/** A click on *Approve* or *Reject*: the button's value must be a request id. */
export function readRequestClick(body: BlockAction, action: ButtonAction): ButtonClick {
  const click = readClick(body, action);
  if (parseRequestId(click.value) === null) {
    throw new ButtonClickError(
      `the button does not name a request ("${click.value.slice(0, 80)}"); use \`/certflow approvals\` to decide instead`,
    );
  }
  return click;
}

/**
 * A click on *Request renewal* or *View details*: the button's value must be a managed certificate id, optionally
 * with the version it showed (`<id>:<SHA-256 prefix>`, messages since issue 14).
 */
export function readRenewalClick(body: BlockAction, action: ButtonAction): ButtonClick {
  const click = readClick(body, action);
  const parts = /^([0-9a-f]{8,64})(?::([0-9a-f]{16,64}))?$/.exec(click.value);
  if (parts === null) {
    throw new ButtonClickError(
      `the button does not name a managed certificate ("${click.value.slice(0, 80)}"); use \`/certflow renew <name>\` instead`,
    );
  }
  return { ...click, value: parts[1] ?? '', version: parts[2] ?? null };
}

/**
 * Shows a message to the clicker only: through the click's response_url on a message, or in the app's DM with them
 * when the button was on a view (App Home, a modal), which has no response_url.
 */
export async function tellClicker(
  body: BlockAction,
  respond: RespondFn,
  client: WebClient,
  message: EphemeralMessage,
): Promise<void> {
  if (body.response_url) {
    await respond({ ...message, replace_original: false });
    return;
  }
  await client.chat.postMessage({ channel: body.user.id, text: message.text, blocks: message.blocks });
}
