/** The `certflow campaign` command line: its actions and options parsed and checked, and the selector it names. */
import fs from 'node:fs/promises';
import { CAMPAIGN_LIMITS, type StartCampaignInput } from '../../core/application/campaign-operations';
import { CAMPAIGN_KINDS, type CampaignKind, type CampaignSelector } from '../../core/domain/campaigns/model';
import {
  CampaignSelectorError,
  parseCampaignSelectorText,
  validateCampaignSelector,
} from '../../core/domain/campaigns/selector';
import { InvalidDurationError, parseDuration } from '../../core/domain/duration';
import { ISSUER_NAME } from '../../core/domain/issuers/choose-issuer';
import { UsageError } from '../errors';
import { parseCommandLine, readInteger } from '../options';

const JSON_OPTION = { json: { type: 'boolean', default: false } } as const;
const SELECTOR_OPTIONS = { 'selector-file': { type: 'string' }, issuer: { type: 'string' }, ...JSON_OPTION } as const;
const START_OPTIONS = {
  ...SELECTOR_OPTIONS,
  reason: { type: 'string' },
  kind: { type: 'string' },
  title: { type: 'string' },
  deadline: { type: 'string' },
  'no-emergency': { type: 'boolean', default: false },
  parallel: { type: 'string' },
  'max-attempts': { type: 'string' },
  channel: { type: 'string' },
  yes: { type: 'boolean', default: false },
} as const;
const REASON_OPTIONS = { reason: { type: 'string' }, ...JSON_OPTION } as const;

/** The actions of `certflow campaign`, in the order help lists them. */
export const CAMPAIGN_ACTIONS = ['preview', 'start', 'status', 'pause', 'resume', 'cancel', 'report', 'list'] as const;

// The campaign client refuses more; the command line says so before anything is asked.
const { maxParallelism: MAX_PARALLEL, maxAttempts: MAX_ATTEMPTS } = CAMPAIGN_LIMITS;

/** Where the selector comes from: text in the Slack command's grammar, or a JSON file. */
type SelectorSource = { readonly selector: CampaignSelector } | { readonly file: string };

/** A parsed `certflow campaign` command line. */
export type CampaignCommand =
  | {
      readonly action: 'preview';
      readonly source: SelectorSource;
      /** The issuer `--issuer` names, to show where the members would be renewed. */
      readonly issuer?: string;
      readonly json: boolean;
    }
  | {
      readonly action: 'start';
      readonly source: SelectorSource;
      readonly launch: Omit<StartCampaignInput, 'selector' | 'launchedBy' | 'confirmedCount'>;
      readonly yes: boolean;
      readonly json: boolean;
    }
  | { readonly action: 'status'; readonly id: string | null; readonly watch: boolean; readonly json: boolean }
  | { readonly action: 'pause' | 'cancel'; readonly id: string; readonly reason: string; readonly json: boolean }
  | { readonly action: 'resume'; readonly id: string; readonly json: boolean }
  | {
      readonly action: 'report';
      readonly id: string;
      readonly format: 'markdown' | 'csv' | 'json';
      readonly output: string | null;
    }
  | { readonly action: 'list'; readonly limit: number; readonly json: boolean };

/**
 * The selector text the arguments spell. The shell has removed the quotes of `issuer="CN=Old CA, O=Example"`, so a
 * `key=value` argument with spaces gets them back, as the Slack command would have received it.
 */
export function selectorText(args: readonly string[]): string {
  return args
    .map((arg) => {
      const match = /^([A-Za-z][\w-]*)=([^"]*\s[^"]*)$/.exec(arg);
      return match ? `${match[1]}="${match[2]}"` : arg;
    })
    .join(' ')
    .trim();
}

function selectorSource(positionals: string[], file: string | undefined, usage: string): SelectorSource {
  const text = selectorText(positionals);
  if (file !== undefined && text !== '') {
    throw new UsageError('give the selector as text or with --selector-file, not both');
  }
  if (file !== undefined) return { file };
  if (text === '') throw new UsageError(`usage: ${usage}`);
  try {
    return { selector: parseCampaignSelectorText(text) };
  } catch (error) {
    if (error instanceof CampaignSelectorError) throw new UsageError(`selector "${text}": ${error.message}`);
    throw error;
  }
}

/** The selector of the command: parsed already, or read from its --selector-file and checked. */
export async function readSelector(source: SelectorSource): Promise<CampaignSelector> {
  if ('selector' in source) return source.selector;
  let text: string;
  try {
    text = await fs.readFile(source.file, 'utf8');
  } catch (error) {
    throw new UsageError(`--selector-file ${source.file}: cannot read it (${(error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--selector-file ${source.file} is not JSON: ${(error as Error).message}`);
  }
  try {
    return validateCampaignSelector(value);
  } catch (error) {
    if (error instanceof CampaignSelectorError)
      throw new UsageError(`--selector-file ${source.file}: ${error.message}`);
    throw error;
  }
}

function requireText(flag: string, value: string | undefined, why: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${flag} <text> is required: ${why}`);
  return value.trim();
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** `--deadline`: a duration from now (2d, 48h) or an ISO 8601 instant with its offset (a date alone is UTC midnight). */
export function readDeadline(raw: string, now: Date): string {
  const value = raw.trim();
  const invalid = `--deadline "${raw}" is neither a duration (2d, 48h) nor an ISO 8601 instant (2026-12-03T12:00:00Z)`;
  let at: number;
  if (/^\d/.test(value) && !value.includes('-')) {
    try {
      at = now.getTime() + parseDuration(value);
    } catch (error) {
      if (error instanceof InvalidDurationError) throw new UsageError(invalid);
      throw error;
    }
  } else {
    if (!ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) throw new UsageError(invalid);
    at = Date.parse(value);
  }
  if (at <= now.getTime()) {
    throw new UsageError(`--deadline "${raw}" is not in the future (now is ${now.toISOString()})`);
  }
  return new Date(at).toISOString();
}

function readKind(raw: string | undefined): CampaignKind {
  if (raw === undefined) return 'other';
  const kind = CAMPAIGN_KINDS.find((known) => known === raw.trim().toLowerCase());
  if (kind === undefined) throw new UsageError(`--kind "${raw}" must be one of ${CAMPAIGN_KINDS.join(', ')}`);
  return kind;
}

function readChannel(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[CG][A-Z0-9]{2,}$/.test(raw)) {
    throw new UsageError(
      `--channel "${raw}" is not a Slack channel id; copy the id (C…) from the bottom of the channel's details, not its #name`,
    );
  }
  return raw;
}

const SELECTOR_USAGE = '<selector…> | --selector-file <file.json>';

/** Parses `certflow campaign <action> …` without touching the inventory or Temporal; `now` anchors `--deadline`. */
export function readCampaignCommand(argv: string[], now: Date): CampaignCommand {
  const [action, ...rest] = argv;
  switch (action) {
    case 'preview': {
      const usage = `certflow campaign preview ${SELECTOR_USAGE} [--issuer <name>] [--json]`;
      const { values, positionals } = parseCommandLine(rest, SELECTOR_OPTIONS, { min: 0, max: Infinity, usage });
      const issuer = readIssuer(values.issuer);
      return {
        action,
        source: selectorSource(positionals, values['selector-file'], usage),
        ...(issuer === undefined ? {} : { issuer }),
        json: values.json,
      };
    }
    case 'start': {
      const usage = `certflow campaign start ${SELECTOR_USAGE} --reason <text> [options]`;
      const { values, positionals } = parseCommandLine(rest, START_OPTIONS, { min: 0, max: Infinity, usage });
      const source = selectorSource(positionals, values['selector-file'], usage);
      const reason = requireText('reason', values.reason, 'say why the campaign runs, e.g. "CA X compromised"');
      const title = values.title?.trim();
      const deadline = values.deadline === undefined ? undefined : readDeadline(values.deadline, now);
      const parallelism =
        values.parallel === undefined ? undefined : readInteger('parallel', values.parallel, 0, 1, MAX_PARALLEL);
      const maxAttempts =
        values['max-attempts'] === undefined
          ? undefined
          : readInteger('max-attempts', values['max-attempts'], 0, 1, MAX_ATTEMPTS);
      const channelId = readChannel(values.channel);
      const issuer = readIssuer(values.issuer);
      return {
        action,
        source,
        launch: {
          kind: readKind(values.kind),
          reason,
          emergency: !values['no-emergency'],
          ...(title ? { title } : {}),
          ...(deadline === undefined ? {} : { deadline }),
          ...(parallelism === undefined ? {} : { parallelism }),
          ...(maxAttempts === undefined ? {} : { maxAttempts }),
          ...(channelId === undefined ? {} : { channelId }),
          ...(issuer === undefined ? {} : { issuer }),
        },
        yes: values.yes,
        json: values.json,
      };
    }
    case 'status': {
      const { values, positionals } = parseCommandLine(
        rest,
        { watch: { type: 'boolean', default: false }, ...JSON_OPTION },
        { min: 0, max: 1, usage: 'certflow campaign status [<campaign id>] [--watch] [--json]' },
      );
      const id = positionals[0] ?? null;
      if (values.watch && id === null) throw new UsageError('--watch follows one campaign: give its id');
      return { action, id, watch: values.watch, json: values.json };
    }
    case 'pause':
    case 'cancel': {
      const { values, positionals } = parseCommandLine(rest, REASON_OPTIONS, {
        min: 1,
        max: 1,
        usage: `certflow campaign ${action} <campaign id> --reason <text> [--json]`,
      });
      const why = action === 'pause' ? 'say why it waits' : 'say why it stops';
      return { action, id: positionals[0] ?? '', reason: requireText('reason', values.reason, why), json: values.json };
    }
    case 'resume': {
      const { values, positionals } = parseCommandLine(rest, JSON_OPTION, {
        min: 1,
        max: 1,
        usage: 'certflow campaign resume <campaign id> [--json]',
      });
      return { action, id: positionals[0] ?? '', json: values.json };
    }
    case 'report': {
      const { values, positionals } = parseCommandLine(
        rest,
        { format: { type: 'string' }, output: { type: 'string' }, ...JSON_OPTION },
        { min: 1, max: 1, usage: 'certflow campaign report <campaign id> [--format markdown|csv] [--output <file>]' },
      );
      if (values.json && values.format !== undefined) throw new UsageError('--json and --format exclude each other');
      const format = values.json ? 'json' : (values.format ?? 'markdown');
      if (format !== 'markdown' && format !== 'csv' && format !== 'json') {
        throw new UsageError(`--format "${format}" must be markdown or csv (or --json for the summary)`);
      }
      return { action, id: positionals[0] ?? '', format, output: values.output ?? null };
    }
    case 'list': {
      const { values } = parseCommandLine(rest, { limit: { type: 'string' }, ...JSON_OPTION });
      return { action, limit: readInteger('limit', values.limit, 50, 1, 1000), json: values.json };
    }
    default:
      throw new UsageError(
        `${action === undefined ? 'certflow campaign needs an action' : `unknown campaign action "${action}"`}; ` +
          `use certflow campaign ${CAMPAIGN_ACTIONS.join(' | ')}`,
      );
  }
}

/** `--issuer <name>`: an issuer's configured name (checked against the configuration when the command runs). */
function readIssuer(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (!ISSUER_NAME.test(value)) {
    throw new UsageError(
      `--issuer "${raw}" is not an issuer name: give internal or acme:<name> as CERTFLOW_ISSUERS_FILE names it`,
    );
  }
  return value;
}
