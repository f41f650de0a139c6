/**
 * Text for Slack: mrkdwn escaping, Slack's size limits, and the short forms of people, actors and dates that every
 * view shares.
 */
import type { Person } from '../../../core/domain/inventory/model';
import type { Actor } from '../../../core/domain/lifecycle/model';
import { DAY_MS } from '../../../core/domain/duration';

/** Slack's documented limits that certflow's views must stay within; beyond them Slack refuses the whole message. */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  /** Section, context and fallback text. */
  text: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  blockId: 255,
  actionId: 255,
  actionsElements: 25,
  contextElements: 10,
  modalTitle: 24,
  privateMetadata: 3000,
  /** One modal input's error in a `response_action: 'errors'` answer. */
  inputError: 150,
} as const;

const ELLIPSIS = '…';

/** Escapes the three characters mrkdwn treats as control (`&`, `<`, `>`), so user text cannot link or mention. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts plain text to `max` characters, ending with an ellipsis when it was longer. */
export function truncatePlain(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}${ELLIPSIS}`;
}

/**
 * Cuts mrkdwn to `max` characters without splitting an entity (`&amp;`) or a Slack reference (`<@U…>`, `<url|…>`),
 * which Slack would show broken.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  const openReference = cut.lastIndexOf('<');
  if (openReference > cut.lastIndexOf('>')) cut = cut.slice(0, openReference);
  cut = cut.replace(/&[a-z]{0,4}$/, '');
  return `${cut}${ELLIPSIS}`;
}

/** Escaped user text, cut to `max` characters. */
export function userText(text: string, max: number = SLACK_LIMITS.text): string {
  return truncateMrkdwn(escapeMrkdwn(text), max);
}

/** A mrkdwn link whose label is user text; a plain label when there is no URL or the URL could break the markup. */
export function link(url: string | null, label: string): string {
  if (url === null || !/^https?:\/\/[^\s<>|]+$/.test(url)) return escapeMrkdwn(label);
  return `<${url}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}

const SLACK_PRINCIPAL = /^slack:([UW][A-Z0-9]{2,})$/;

/** An actor as mrkdwn: a Slack mention for Slack users, else the escaped display name or id. */
export function actorMrkdwn(actor: Actor): string {
  const slackUser = SLACK_PRINCIPAL.exec(actor.id)?.[1];
  if (slackUser) return `<@${slackUser}>`;
  if (actor.id === 'system') return 'certflow (schedule)';
  return escapeMrkdwn(actor.displayName ?? actor.id);
}

/** An actor as plain text, for fallback text and headers. */
export function actorPlain(actor: Actor): string {
  return actor.displayName ?? (actor.id === 'system' ? 'certflow (schedule)' : actor.id);
}

/** A person as mrkdwn: a Slack mention when their Slack id is known, else name or e-mail. */
export function personMrkdwn(person: Person): string {
  if (person.slackUserId) return `<@${person.slackUserId}>`;
  return escapeMrkdwn(person.name ?? person.email ?? person.jiraAccountId ?? 'someone');
}

/** `2025-03-01` for an ISO instant; the input as is when it is not a date. */
export function isoDay(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(0, 10);
}

/** `2025-03-01 14:05 UTC` for an ISO instant; the input as is when it is not a date. */
export function isoMinute(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A date Slack shows in each reader's time zone, with the UTC text as fallback for old clients. */
export function slackDate(iso: string, withTime = false): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  const format = withTime ? '{date_short_pretty} {time}' : '{date_short_pretty}';
  return `<!date^${Math.floor(ms / 1000)}^${format}|${withTime ? isoMinute(iso) : isoDay(iso)}>`;
}

/** Whole days from `now` to `iso` (negative once past), rounded down like the lifecycle's "days left". */
export function daysFrom(now: string, iso: string): number {
  return Math.floor((Date.parse(iso) - Date.parse(now)) / DAY_MS);
}

/** `in 12 days`, `today`, `3 days ago`. */
export function daysPhrase(days: number): string {
  if (days === 0) return 'today';
  if (days === 1) return 'in 1 day';
  if (days > 1) return `in ${days} days`;
  return days === -1 ? '1 day ago' : `${-days} days ago`;
}
