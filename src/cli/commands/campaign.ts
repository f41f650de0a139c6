/**
 * `certflow campaign …` (R-CAM-1 … R-CAM-3, R-SEC-2): preview a selector, start a crypto-agility campaign after
 * confirming its count, follow its progress, pause, resume or cancel it, and write its report. The campaign
 * operations come with the lifecycle session, so tests inject a fake through the connector.
 */
import fs from 'node:fs/promises';
import readline from 'node:readline';
import {
  CAMPAIGN_LIMITS,
  CampaignRefusedError,
  type CampaignOperations,
  type StartCampaignInput,
} from '../../core/application/campaign-operations';
import {
  formatElapsed,
  renderCampaignReportCsv,
  renderCampaignReportMarkdown,
  summarizeCampaign,
} from '../../core/domain/campaigns/campaign-report';
import {
  CAMPAIGN_KINDS,
  campaignEnded,
  NO_OWNER_GROUP,
  type CampaignDefinition,
  type CampaignKind,
  type CampaignPreview,
  type CampaignProgress,
  type CampaignSelector,
} from '../../core/domain/campaigns/model';
import { inWorkCount } from '../../core/domain/campaigns/progress';
import {
  CampaignSelectorError,
  describeCampaignSelector,
  parseCampaignSelectorText,
  validateCampaignSelector,
} from '../../core/domain/campaigns/selector';
import { InvalidDurationError, parseDuration } from '../../core/domain/duration';
import type { Actor } from '../../core/domain/lifecycle/model';
import { ignoredRoleVariablesWarning } from '../../core/domain/lifecycle/roles';
import { UsageError } from '../errors';
import { renderTable } from '../format/table';
import { parseCommandLine, readInteger } from '../options';
import type { LifecycleCommandContext } from './lifecycle';

const JSON_OPTION = { json: { type: 'boolean', default: false } } as const;
const SELECTOR_OPTIONS = { 'selector-file': { type: 'string' }, ...JSON_OPTION } as const;
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
/** How often `status --watch` asks for the progress. */
export const WATCH_INTERVAL_MS = 2000;

/** Where the selector comes from: text in the Slack command's grammar, or a JSON file. */
type SelectorSource = { readonly selector: CampaignSelector } | { readonly file: string };

/** A parsed `certflow campaign` command line. */
export type CampaignCommand =
  | { readonly action: 'preview'; readonly source: SelectorSource; readonly json: boolean }
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

/** Output and input of the campaign commands; tests inject the prompt and the watch ticker. */
export interface CampaignIo {
  out: (line: string) => void;
  /** Warnings (stderr). */
  err?: (line: string) => void;
  /** Redraws (stderr on a terminal); absent when output is not interactive. */
  progress?: (text: string) => void;
  columns?: number;
  /** Asks a question on the terminal and returns the typed line; absent when stdin is not a terminal. */
  ask?: (question: string) => Promise<string>;
  /** Waits `ms` between `status --watch` polls; resolves false once the user interrupted (Ctrl-C). */
  tick?: (ms: number) => Promise<boolean>;
}

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

async function readSelector(source: SelectorSource): Promise<CampaignSelector> {
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
      const usage = `certflow campaign preview ${SELECTOR_USAGE} [--json]`;
      const { values, positionals } = parseCommandLine(rest, SELECTOR_OPTIONS, { min: 0, max: Infinity, usage });
      return { action, source: selectorSource(positionals, values['selector-file'], usage), json: values.json };
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

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function plural(value: number, one: string, many = `${one}s`): string {
  return `${count(value)} ${value === 1 ? one : many}`;
}

/** `█████░░░░░  50% 5/10`: a text bar of finished members. */
export function progressBar(done: number, total: number, width = 30): string {
  const fraction = total === 0 ? 1 : Math.min(done / total, 1);
  const filled = Math.round(fraction * width);
  const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${String(percent).padStart(3)}% ${count(done)}/${count(total)}`;
}

function countsTable(rows: readonly { key: string; count: number }[], header: string): string[] {
  return renderTable(rows, [
    { header, cell: (row) => row.key, maxWidth: 70 },
    { header: 'CERTIFICATES', cell: (row) => count(row.count), align: 'right' },
  ])
    .split('\n')
    .map((line) => `  ${line}`);
}

function describePreview(preview: CampaignPreview): string[] {
  const lines = [`Campaign preview: ${describeCampaignSelector(preview.selector)}`];
  if (preview.total === 0) {
    lines.push('Selects no certificate: nothing would start. Widen the selector.');
    return lines;
  }
  const owners = preview.byOwnerGroup.filter((group) => group.key !== NO_OWNER_GROUP).length;
  const unowned = preview.byOwnerGroup.find((group) => group.key === NO_OWNER_GROUP)?.count ?? 0;
  lines.push(
    `Selects ${plural(preview.total, 'certificate')} of ${plural(owners, 'owner group')}` +
      `${unowned > 0 ? ` (${count(unowned)} without a group)` : ''}; nothing has started.`,
    'By owner group',
    ...countsTable(preview.byOwnerGroup, 'OWNER GROUP'),
    'By issuer',
    ...countsTable(preview.byIssuer, 'ISSUER'),
    'By expiry',
    ...countsTable(preview.byExpiryBand, 'EXPIRES IN'),
  );
  if (preview.sample.length > 0) {
    lines.push(`Examples (${count(preview.sample.length)} of ${count(preview.total)})`);
    const table = renderTable(preview.sample, [
      { header: 'ID', cell: (row) => row.managedCertificateId },
      { header: 'SUBJECT', cell: (row) => row.subject, maxWidth: 50 },
      { header: 'OWNER GROUP', cell: (row) => row.ownerGroup, maxWidth: 24 },
      { header: 'EXPIRES', cell: (row) => row.notAfter.slice(0, 10) },
    ]);
    lines.push(...table.split('\n').map((line) => `  ${line}`));
  }
  return lines;
}

function relative(at: string, from: string): string {
  const ms = Date.parse(at) - Date.parse(from);
  return ms >= 0 ? `in ${formatElapsed(ms)}` : `${formatElapsed(-ms)} ago`;
}

function describeStatus(progress: CampaignProgress): string {
  return progress.statusReason ? `${progress.status} (${progress.statusReason})` : progress.status;
}

/** The one line `status --watch` redraws. */
function progressLine(progress: CampaignProgress): string {
  const failed = progress.counts.failed > 0 ? `, ${count(progress.counts.failed)} failed` : '';
  return (
    `${progress.campaign.id} ${progressBar(progress.done, progress.total)} finished, ` +
    `${count(inWorkCount(progress.counts))} in work${failed}, ${progress.status}`
  );
}

function describeProgress(progress: CampaignProgress): string[] {
  const { campaign, counts } = progress;
  const milestone = (share: string, at: string | null) =>
    `${share} ${at === null ? '—' : `${at} (${formatElapsed(Date.parse(at) - Date.parse(campaign.launchedAt))})`}`;
  const lines = [
    `Campaign ${campaign.id}: ${campaign.title}`,
    `  status       ${describeStatus(progress)}`,
    `  kind         ${campaign.kind}: "${campaign.reason}"`,
    `  launched     ${campaign.launchedAt} by ${campaign.launchedBy.displayName ?? campaign.launchedBy.id}`,
    `  deadline     ${campaign.deadline} (${relative(campaign.deadline, progress.asOf)})` +
      `${progress.escalated ? ', passed: laggards escalated' : ''}`,
    `  selector     ${describeCampaignSelector(campaign.selector)}`,
    `  renewals     ${count(campaign.parallelism)} at once, ${plural(campaign.maxAttempts, 'attempt')} each, ` +
      `${campaign.emergency ? 'pre-approved by the launching security lead' : 'approved by each owner group'}`,
    `  progress     ${progressBar(progress.done, progress.total)} finished`,
    `  states       pending ${count(counts.pending)}, awaiting approval ${count(counts['awaiting-approval'])}, ` +
      `approved ${count(counts.approved)}, issued ${count(counts.issued)}, installed ${count(counts.installed)}, ` +
      `verified ${count(counts.verified)}, revoked ${count(counts['old-revoked'])}, failed ${count(counts.failed)}, ` +
      `skipped ${count(counts.skipped)}`,
    `  failures     ${plural(progress.failedAttempts, 'failed attempt')} so far` +
      (progress.counts.failed > 0 ? `; ${plural(progress.counts.failed, 'member')} failed` : ''),
    ...(progress.failureReasons ?? []).map((failure) => `    ${count(failure.count)} × ${failure.reason}`),
    `  milestones   ${milestone('50 %', progress.milestones.p50)}, ${milestone('90 %', progress.milestones.p90)}, ` +
      milestone('100 %', progress.milestones.p100),
    `  as of        ${progress.asOf}`,
  ];
  if (progress.groups.length > 0) {
    lines.push('Owner groups');
    const table = renderTable(progress.groups, [
      { header: 'GROUP', cell: (group) => group.group, maxWidth: 30 },
      { header: 'DONE', cell: (group) => `${count(group.done)}/${count(group.total)}`, align: 'right' },
      { header: 'PENDING', cell: (group) => count(group.counts.pending), align: 'right' },
      { header: 'AWAITING', cell: (group) => count(group.counts['awaiting-approval']), align: 'right' },
      { header: 'IN WORK', cell: (group) => count(inWorkCount(group.counts)), align: 'right' },
      { header: 'REVOKED', cell: (group) => count(group.counts['old-revoked']), align: 'right' },
      { header: 'FAILED', cell: (group) => count(group.counts.failed), align: 'right' },
      { header: 'SKIPPED', cell: (group) => count(group.counts.skipped), align: 'right' },
    ]);
    lines.push(...table.split('\n').map((line) => `  ${line}`));
  }
  if (progress.laggards.length > 0) {
    lines.push('Laggards (least done first)');
    for (const group of progress.laggards.slice(0, 10)) {
      lines.push(`  ${group.group}: ${count(group.total - group.done)} of ${count(group.total)} left`);
    }
    if (progress.laggards.length > 10) lines.push(`  … and ${count(progress.laggards.length - 10)} more groups`);
  }
  return lines;
}

function describeLaunch(definition: CampaignDefinition, selected: number): string[] {
  return [
    `Started campaign ${definition.id}: ${definition.title}`,
    `  certificates ${count(selected)}`,
    `  deadline     ${definition.deadline} (${relative(definition.deadline, definition.launchedAt)})`,
    `  renewals     ${count(definition.parallelism)} at once, ${plural(definition.maxAttempts, 'attempt')} each, ` +
      `${definition.emergency ? 'pre-approved by you (emergency)' : 'approved by each owner group'}`,
    `  Slack        ${definition.channelId ?? 'no progress channel'}`,
    `Follow it with: certflow campaign status ${definition.id} --watch`,
  ];
}

function actorOf(context: LifecycleCommandContext): Actor {
  return { id: context.actor };
}

async function confirmStart(preview: CampaignPreview, json: boolean, io: CampaignIo): Promise<boolean> {
  if (json || !io.ask) {
    throw new UsageError(
      `add --yes to start without confirming (the preview selects ${plural(preview.total, 'certificate')})`,
    );
  }
  const answer = (await io.ask(`Type ${preview.total} to start replacing these certificates (anything else aborts): `))
    .trim()
    .replace(/,/g, '');
  if (answer === String(preview.total)) return true;
  io.out(`Not started: ${answer === '' ? 'nothing was typed' : `"${answer}" is not ${preview.total}`}.`);
  return false;
}

async function start(
  command: Extract<CampaignCommand, { action: 'start' }>,
  campaigns: CampaignOperations,
  context: LifecycleCommandContext,
  io: CampaignIo,
): Promise<boolean> {
  const selector = await readSelector(command.source);
  const launchedBy = actorOf(context);
  const preview = await campaigns.preview(selector, launchedBy);
  if (command.json && preview.total === 0) io.out(JSON.stringify({ campaign: null, selected: 0, preview }, null, 2));
  else if (!command.json) describePreview(preview).forEach((line) => io.out(line));
  if (preview.total === 0) return false;
  if (!command.yes && !(await confirmStart(preview, command.json, io))) return false;
  const definition = await campaigns.start({
    ...command.launch,
    selector,
    launchedBy,
    confirmedCount: preview.total,
  });
  if (command.json) io.out(JSON.stringify({ campaign: definition, selected: preview.total }, null, 2));
  else describeLaunch(definition, preview.total).forEach((line) => io.out(line));
  return true;
}

/** Interruptible wait: a timer, cut short by Ctrl-C (SIGINT), which then only ends the watch. */
export function waitOrInterrupt(ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const interrupted = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      process.off('SIGINT', interrupted);
      resolve(true);
    }, ms);
    process.once('SIGINT', interrupted);
  });
}

/** Reads one line on the terminal (stderr shows the question); Ctrl-C answers nothing. */
export function askOnTerminal(question: string): Promise<string> {
  const terminal = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    terminal.once('SIGINT', () => {
      terminal.close();
      process.stderr.write('\n');
      resolve('');
    });
    terminal.question(question, (answer) => {
      terminal.close();
      resolve(answer);
    });
  });
}

async function watch(id: string, json: boolean, campaigns: CampaignOperations, io: CampaignIo): Promise<boolean> {
  const tick = io.tick ?? waitOrInterrupt;
  const columns = io.columns ?? 80;
  let last = '';
  let progress: CampaignProgress;
  let interrupted = false;
  for (;;) {
    progress = await campaigns.progress(id);
    const line = progressLine(progress);
    if (json) io.out(JSON.stringify(progress));
    else if (io.progress) io.progress(`\r${line.slice(0, columns - 1).padEnd(columns - 1)}`);
    else if (line !== last) io.out(line);
    last = line;
    if (campaignEnded(progress.status)) break;
    if (!(await tick(WATCH_INTERVAL_MS))) {
      interrupted = true;
      break;
    }
  }
  const succeeded = interrupted || (progress.status === 'completed' && progress.counts.failed === 0);
  if (json) return succeeded;
  if (io.progress) io.progress('\n');
  if (interrupted) io.out(`Stopped watching; the campaign goes on (certflow campaign status ${id}).`);
  else describeProgress(progress).forEach((text) => io.out(text));
  return succeeded;
}

async function status(
  command: Extract<CampaignCommand, { action: 'status' }>,
  campaigns: CampaignOperations,
  io: CampaignIo,
): Promise<boolean> {
  if (command.id !== null) {
    if (command.watch) return await watch(command.id, command.json, campaigns, io);
    const progress = await campaigns.progress(command.id);
    if (command.json) io.out(JSON.stringify(progress, null, 2));
    else describeProgress(progress).forEach((line) => io.out(line));
    return true;
  }
  const open = (await campaigns.list({ limit: 1000 })).filter(
    (stored) => stored.status === 'running' || stored.status === 'paused',
  );
  const running: CampaignProgress[] = [];
  for (const stored of open) running.push(await campaigns.progress(stored.definition.id));
  if (command.json) {
    io.out(JSON.stringify(running, null, 2));
    return true;
  }
  if (running.length === 0) {
    io.out('No campaign is running (certflow campaign list shows the finished ones).');
    return true;
  }
  io.out(
    renderTable(running, [
      { header: 'ID', cell: (progress) => progress.campaign.id },
      { header: 'STATUS', cell: (progress) => progress.status },
      { header: 'TITLE', cell: (progress) => progress.campaign.title, maxWidth: 40 },
      { header: 'PROGRESS', cell: (progress) => progressBar(progress.done, progress.total, 20) },
      { header: 'FAILED', cell: (progress) => count(progress.counts.failed), align: 'right' },
      { header: 'DEADLINE', cell: (progress) => progress.campaign.deadline.slice(0, 16).replace('T', ' ') },
    ]),
  );
  return true;
}

async function control(
  command: Extract<CampaignCommand, { action: 'pause' | 'resume' | 'cancel' }>,
  campaigns: CampaignOperations,
  context: LifecycleCommandContext,
  io: CampaignIo,
): Promise<void> {
  const actor = actorOf(context);
  let progress: CampaignProgress;
  let headline: string;
  if (command.action === 'pause') {
    progress = await campaigns.pause(command.id, actor, command.reason);
    headline = `Paused campaign ${command.id}: no new renewal starts until certflow campaign resume ${command.id}`;
  } else if (command.action === 'cancel') {
    progress = await campaigns.cancel(command.id, actor, command.reason);
    headline = `Cancelled campaign ${command.id}: members not replaced yet are skipped`;
  } else {
    progress = await campaigns.resume(command.id, actor);
    headline = `Resumed campaign ${command.id}`;
  }
  if (command.json) {
    io.out(JSON.stringify(progress, null, 2));
    return;
  }
  io.out(headline);
  io.out(`  ${progressLine(progress)}`);
}

async function report(
  command: Extract<CampaignCommand, { action: 'report' }>,
  campaigns: CampaignOperations,
  io: CampaignIo,
): Promise<void> {
  const data = await campaigns.report(command.id);
  const text =
    command.format === 'csv'
      ? renderCampaignReportCsv(data)
      : command.format === 'json'
        ? `${JSON.stringify(summarizeCampaign(data), null, 2)}\n`
        : renderCampaignReportMarkdown(data);
  if (command.output === null) {
    io.out(text.replace(/\r?\n$/, ''));
    return;
  }
  try {
    await fs.writeFile(command.output, text, { flag: 'wx' });
  } catch (error) {
    throw new UsageError(`--output ${command.output}: ${(error as Error).message} (the file must not exist yet)`);
  }
  io.out(`wrote the ${command.format} report of ${plural(data.members.length, 'member')} to ${command.output}`);
}

async function list(
  command: Extract<CampaignCommand, { action: 'list' }>,
  campaigns: CampaignOperations,
  io: CampaignIo,
): Promise<void> {
  const stored = await campaigns.list({ limit: command.limit });
  if (command.json) {
    io.out(JSON.stringify(stored, null, 2));
    return;
  }
  if (stored.length === 0) {
    io.out('No campaign yet: preview one with certflow campaign preview <selector>.');
    return;
  }
  io.out(
    renderTable(stored, [
      { header: 'ID', cell: (row) => row.definition.id },
      { header: 'STATUS', cell: (row) => row.status },
      { header: 'KIND', cell: (row) => row.definition.kind },
      { header: 'TITLE', cell: (row) => row.definition.title, maxWidth: 40 },
      { header: 'LAUNCHED', cell: (row) => row.definition.launchedAt.slice(0, 16).replace('T', ' ') },
      { header: 'BY', cell: (row) => row.definition.launchedBy.displayName ?? row.definition.launchedBy.id },
      { header: 'DEADLINE', cell: (row) => row.definition.deadline.slice(0, 16).replace('T', ' ') },
    ]),
  );
}

/** A role refusal in the CLI's words: who you are, and where the role is given. */
function inCliWords(error: unknown, context: LifecycleCommandContext, action: string): unknown {
  if (!(error instanceof CampaignRefusedError) || error.code !== 'not-security-lead') return error;
  return new CampaignRefusedError(
    error.code,
    `you (${context.actor}) are not a security lead: only security leads and admins ${action} campaigns; ` +
      "an admin adds you to CERTFLOW_SECURITY_LEADS of the certflow worker's configuration and restarts it " +
      "(this command's own environment does not decide roles)",
  );
}

/** Runs a parsed `certflow campaign` command; false when nothing started, the watch ended badly or it was aborted. */
export async function runCampaign(
  command: CampaignCommand,
  context: LifecycleCommandContext,
  io: CampaignIo,
): Promise<boolean> {
  // Roles come from the worker alone: a role variable set for this command would mislead whoever set it.
  const warning = ignoredRoleVariablesWarning(context.config);
  if (warning !== null) io.err?.(`certflow: warning: ${warning}`);
  const session = await context.connect(context.config, context.store, context.where, context.db);
  try {
    const { campaigns } = session;
    switch (command.action) {
      case 'preview': {
        const preview = await campaigns.preview(await readSelector(command.source), actorOf(context));
        if (command.json) io.out(JSON.stringify(preview, null, 2));
        else describePreview(preview).forEach((line) => io.out(line));
        return true;
      }
      case 'start':
        return await start(command, campaigns, context, io);
      case 'status':
        return await status(command, campaigns, io);
      case 'report':
        await report(command, campaigns, io);
        return true;
      case 'list':
        await list(command, campaigns, io);
        return true;
      default:
        await control(command, campaigns, context, io);
        return true;
    }
  } catch (error) {
    throw inCliWords(error, context, command.action);
  } finally {
    await session.close();
  }
}
