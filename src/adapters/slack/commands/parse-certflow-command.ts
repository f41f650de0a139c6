/** Reads what a user typed after `/certflow` into one command, or a usage error that says what to type instead. */
import { DEFAULT_EXPIRING_DAYS } from '../views/command-answers';

/** The longest look-ahead `/certflow expiring` takes: a year, longer than any publicly trusted certificate lives. */
export const MAX_EXPIRING_DAYS = 366;

/** One `/certflow` subcommand with its arguments. */
export type CertflowCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'status'; readonly target: string }
  | { readonly kind: 'expiring'; readonly withinDays: number }
  | { readonly kind: 'renew'; readonly target: string }
  | { readonly kind: 'approvals' }
  | CampaignCommand;

/** `/certflow campaign …` (R-CAM-1, R-CAM-3): the selector stays text, read by the campaign selector parser. */
export type CampaignCommand =
  | { readonly kind: 'campaign'; readonly action: 'preview' | 'start'; readonly selectorText: string }
  | { readonly kind: 'campaign'; readonly action: 'status'; readonly campaignId: string | null }
  | { readonly kind: 'campaign'; readonly action: 'list' };

/** How each subcommand is typed, for usage errors. */
export const CERTFLOW_USAGE: Readonly<Record<CertflowCommand['kind'], string>> = {
  help: '/certflow help',
  status: '/certflow status <name|fingerprint|managed id>',
  expiring: '/certflow expiring [30d]',
  renew: '/certflow renew <name|fingerprint|managed id>',
  approvals: '/certflow approvals',
  campaign: '/certflow campaign preview <selector> | start <selector> | status [id] | list',
};

/** The text after `/certflow` is not a command certflow knows; the message says what to type instead. */
export class CertflowCommandError extends Error {
  override readonly name = 'CertflowCommandError';
  constructor(
    message: string,
    /** How to type the subcommand the user meant, or every subcommand when it is unknown. */
    readonly usage: string,
  ) {
    super(message);
  }
}

const ALL_USAGE = Object.values(CERTFLOW_USAGE).join('\n');

function isSubcommand(word: string): word is CertflowCommand['kind'] {
  return Object.hasOwn(CERTFLOW_USAGE, word);
}

/**
 * Undoes Slack's escaping of what it recognised in the text: `<http://api.example.com|api.example.com>` becomes the
 * label and `<http://api.example.com>` the host, so a name Slack linked still names the certificate.
 */
function unwrapSlackLinks(text: string): string {
  return text.replace(/<([^<>|]*)(?:\|([^<>]*))?>/g, (_, target: string, label: string | undefined) =>
    label !== undefined ? label : target.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/$/, ''),
  );
}

/** A fingerprint as openssl prints it (`AB:CD:…`) becomes plain lower-case hex; anything else stays as typed. */
function normalizeTarget(word: string): string {
  return /^[0-9a-f]{2}(?::[0-9a-f]{2})+$/i.test(word) ? word.replace(/:/g, '').toLowerCase() : word;
}

function parseDays(word: string): number {
  const match = /^(\d{1,6})d?$/i.exec(word);
  const days = match ? Number(match[1]) : NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRING_DAYS) {
    throw new CertflowCommandError(
      `"${word}" is not a number of days from 1d to ${MAX_EXPIRING_DAYS}d; for example \`/certflow expiring 30d\``,
      CERTFLOW_USAGE.expiring,
    );
  }
  return days;
}

function noMore(kind: CertflowCommand['kind'], extra: readonly string[]): void {
  if (extra.length > 0) {
    throw new CertflowCommandError(
      `\`${kind}\` takes no more than what \`${CERTFLOW_USAGE[kind]}\` shows; remove "${extra.join(' ')}"`,
      CERTFLOW_USAGE[kind],
    );
  }
}

function oneTarget(kind: 'status' | 'renew', args: readonly string[]): string {
  const [target, ...extra] = args;
  if (target === undefined) {
    throw new CertflowCommandError(
      `\`${kind}\` needs the certificate: a name such as api.example.com, a fingerprint or a managed id`,
      CERTFLOW_USAGE[kind],
    );
  }
  noMore(kind, extra);
  return normalizeTarget(target);
}

const CAMPAIGN_ACTIONS = ['preview', 'start', 'status', 'list'] as const;

/** Undoes Slack's escaping of `&`, `<` and `>` in command text, so `key-size<2048` arrives as typed. */
function decodeSlackEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** `campaign <action> …`; the selector is the rest of the text as typed (Slack's links and escapes undone). */
function parseCampaignCommand(text: string): CampaignCommand {
  const match = /^\s*\S+\s*(\S*)\s*([\s\S]*)$/.exec(decodeSlackEntities(unwrapSlackLinks(text)));
  const word = (match?.[1] ?? '').toLowerCase();
  const rest = (match?.[2] ?? '').trim();
  const action = CAMPAIGN_ACTIONS.find((candidate) => candidate === word);
  if (action === undefined) {
    throw new CertflowCommandError(
      `\`campaign\` takes preview, start, status or list${word ? `, not "${word}"` : ''}`,
      CERTFLOW_USAGE.campaign,
    );
  }
  switch (action) {
    case 'preview':
    case 'start':
      if (rest === '') {
        throw new CertflowCommandError(
          `\`campaign ${action}\` needs a selector, e.g. \`/certflow campaign ${action} issuer="CN=Old Issuing CA"\``,
          CERTFLOW_USAGE.campaign,
        );
      }
      return { kind: 'campaign', action, selectorText: rest };
    case 'status': {
      const [campaignId, ...extra] = rest.split(/\s+/).filter(Boolean);
      noMore('campaign', extra);
      return { kind: 'campaign', action, campaignId: campaignId ?? null };
    }
    case 'list':
      noMore('campaign', rest.split(/\s+/).filter(Boolean));
      return { kind: 'campaign', action };
  }
}

/** Parses the text of `/certflow …`; empty text is `help`. Throws {@link CertflowCommandError} on anything else. */
export function parseCertflowCommand(text: string): CertflowCommand {
  const [first, ...args] = unwrapSlackLinks(text).trim().split(/\s+/).filter(Boolean);
  const word = (first ?? 'help').toLowerCase();
  if (!isSubcommand(word)) {
    throw new CertflowCommandError(
      `certflow has no command "${first ?? ''}"; \`/certflow help\` lists them`,
      ALL_USAGE,
    );
  }
  switch (word) {
    case 'help':
    case 'approvals':
      noMore(word, args);
      return { kind: word };
    case 'status':
    case 'renew':
      return { kind: word, target: oneTarget(word, args) };
    case 'campaign':
      return parseCampaignCommand(text);
    case 'expiring': {
      const [days, ...extra] = args;
      noMore(word, extra);
      return { kind: word, withinDays: days === undefined ? DEFAULT_EXPIRING_DAYS : parseDays(days) };
    }
  }
}
