/**
 * Small constructors of Block Kit objects that apply Slack's limits on the way in, so no view can build a block
 * Slack would refuse for its size.
 */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/types';
import type { ActionId } from './block-ids';
import { SLACK_LIMITS, truncateMrkdwn, truncatePlain } from './mrkdwn';

/** A message as chat.postMessage, chat.update and response_url take it: blocks and their plain fallback. */
export interface SlackMessage {
  /** Plain fallback for notifications and screen readers (mrkdwn-escaped). */
  readonly text: string;
  readonly blocks: KnownBlock[];
}

/** A slash-command answer or refusal that only the person who asked sees. */
export interface EphemeralMessage extends SlackMessage {
  readonly response_type: 'ephemeral';
}

/** Plain text, cut to `max`. */
export function plainText(text: string, max: number = SLACK_LIMITS.text): PlainTextElement {
  return { type: 'plain_text', text: truncatePlain(text, max) || ' ', emoji: true };
}

/** Already-escaped mrkdwn, cut to Slack's text limit. */
export function mrkdwn(text: string, max: number = SLACK_LIMITS.text): MrkdwnElement {
  return { type: 'mrkdwn', text: truncateMrkdwn(text, max) };
}

/** A header block (plain text, at most 150 characters). */
export function header(text: string, blockId: string): HeaderBlock {
  return { type: 'header', block_id: blockId, text: plainText(text, SLACK_LIMITS.headerText) };
}

/** A section of escaped mrkdwn, with optional fields and one accessory button. */
export function section(
  text: string,
  blockId: string,
  options: { fields?: readonly string[]; accessory?: Button } = {},
): SectionBlock {
  const block: SectionBlock = { type: 'section', block_id: blockId, text: mrkdwn(text) };
  const fields = (options.fields ?? []).filter((field) => field.length > 0).slice(0, SLACK_LIMITS.sectionFields);
  if (fields.length > 0) block.fields = fields.map((field) => mrkdwn(field, SLACK_LIMITS.fieldText));
  if (options.accessory) block.accessory = options.accessory;
  return block;
}

/** A context block of escaped mrkdwn lines (at most 10). */
export function context(lines: readonly string[], blockId: string): ContextBlock {
  return {
    type: 'context',
    block_id: blockId,
    elements: lines.slice(0, SLACK_LIMITS.contextElements).map((line) => mrkdwn(line)),
  };
}

/** A divider. */
export function divider(): DividerBlock {
  return { type: 'divider' };
}

/** A button whose value is an id (request or managed certificate), never anything secret. */
export function button(
  label: string,
  actionId: ActionId,
  value: string,
  options: { style?: 'primary' | 'danger'; url?: string | null } = {},
): Button {
  const element: Button = {
    type: 'button',
    action_id: actionId,
    text: plainText(label, SLACK_LIMITS.buttonText),
    value: value.slice(0, SLACK_LIMITS.buttonValue),
  };
  if (options.style) element.style = options.style;
  if (options.url && /^https?:\/\/\S+$/.test(options.url) && options.url.length <= 3000) element.url = options.url;
  return element;
}

/** An actions block of buttons (at most 25). */
export function actions(buttons: readonly Button[], blockId: string): ActionsBlock {
  return { type: 'actions', block_id: blockId, elements: buttons.slice(0, SLACK_LIMITS.actionsElements) };
}

/** Plain fallback text, escaped and cut to Slack's limit. */
export function fallback(text: string): string {
  return truncateMrkdwn(text, SLACK_LIMITS.text);
}
