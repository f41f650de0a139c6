/**
 * `certflow campaign …` (R-CAM-1 … R-CAM-3, R-SEC-2): preview a selector, start a crypto-agility campaign after
 * confirming its count, follow its progress, pause, resume or cancel it, and write its report. The campaign
 * operations come with the lifecycle session, so tests inject a fake through the connector.
 */
import fs from 'node:fs/promises';
import readline from 'node:readline';
import { unconfiguredIssuer } from '../../adapters/acme/acme-issuers-config';
import { CampaignRefusedError, type CampaignOperations } from '../../core/application/campaign-operations';
import {
  renderCampaignReportCsv,
  renderCampaignReportMarkdown,
  summarizeCampaign,
} from '../../core/domain/campaigns/campaign-report';
import {
  campaignEnded,
  type CampaignPreview,
  type CampaignProgress,
  type CampaignSelector,
} from '../../core/domain/campaigns/model';
import type { Actor } from '../../core/domain/lifecycle/model';
import { messageOf } from '../../core/application/lifecycle-errors';
import { ignoredRoleVariablesWarning } from '../../core/domain/lifecycle/roles';
import { UsageError } from '../errors';
import { renderTable } from '../format/table';
import { type CampaignCommand, readSelector } from './campaign-command-line';
import {
  count,
  describeLaunch,
  campaignIssuerLine,
  describePreview,
  describeProgress,
  plural,
  progressBar,
  progressLine,
} from './campaign-rendering';
import type { LifecycleCommandContext } from './lifecycle';

/** How often `status --watch` asks for the progress. */
export const WATCH_INTERVAL_MS = 2000;

/** Failed reads in a row `status --watch` rides out (a busy or restarting server) before it gives up. */
export const WATCH_READ_RETRIES = 5;

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

/** The campaign operations the commands use; a preview is given the `--issuer` checked already, to check again. */
export type CampaignCommandOperations = Pick<
  CampaignOperations,
  'start' | 'list' | 'progress' | 'pause' | 'resume' | 'cancel' | 'report'
> & {
  preview(selector: CampaignSelector, actor: Actor, issuer: string | null): Promise<CampaignPreview>;
};

/**
 * What the campaign commands act on, and as whom: the campaign client on Temporal as the configured actor (operator
 * mode), or the HTTP API as a token's principal, where the server decides.
 */
export interface CampaignTarget {
  readonly campaigns: CampaignCommandOperations;
  readonly actor: Actor;
  /** `--issuer` checked against the configured issuers (a UsageError naming them); null when none is given. */
  readonly configuredIssuer: (issuer: string | undefined) => string | null;
  /** A refusal in the words of this way of acting (who you are, where the role is given). */
  readonly inWords: (error: unknown, action: string) => unknown;
}

/** The campaign client's operations as the commands use them; `--issuer` was checked against the configuration. */
function directCampaigns(client: CampaignOperations): CampaignCommandOperations {
  return {
    preview: (selector, actor) => client.preview(selector, actor),
    start: (input) => client.start(input),
    list: (options) => client.list(options),
    progress: (id) => client.progress(id),
    pause: (id, actor, reason) => client.pause(id, actor, reason),
    resume: (id, actor) => client.resume(id, actor),
    cancel: (id, actor, reason) => client.cancel(id, actor, reason),
    report: (id) => client.report(id),
  };
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
  { campaigns, actor: launchedBy, configuredIssuer }: CampaignTarget,
  io: CampaignIo,
): Promise<boolean> {
  const issuer = configuredIssuer(command.launch.issuer);
  const selector = await readSelector(command.source);
  const preview = await campaigns.preview(selector, launchedBy, issuer);
  if (command.json && preview.total === 0) io.out(JSON.stringify({ campaign: null, selected: 0, preview }, null, 2));
  else if (!command.json) describePreview(preview, issuer).forEach((line) => io.out(line));
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

async function watch(
  id: string,
  json: boolean,
  campaigns: CampaignCommandOperations,
  io: CampaignIo,
): Promise<boolean> {
  const tick = io.tick ?? waitOrInterrupt;
  const columns = io.columns ?? 80;
  let last = '';
  let progress: CampaignProgress | undefined;
  let interrupted = false;
  let failedReads = 0;
  for (;;) {
    try {
      progress = await campaigns.progress(id);
      failedReads = 0;
    } catch (error) {
      // A campaign read once exists: a failed read after that is the server busy or restarting, not the campaign gone.
      if (progress === undefined || ++failedReads > WATCH_READ_RETRIES) throw error;
      io.err?.(`certflow: could not read the progress (${messageOf(error)}); asking again`);
      if (!(await tick(WATCH_INTERVAL_MS))) {
        interrupted = true;
        break;
      }
      continue;
    }
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
  campaigns: CampaignCommandOperations,
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
  { campaigns, actor }: CampaignTarget,
  io: CampaignIo,
): Promise<void> {
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
  campaigns: CampaignCommandOperations,
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
  campaigns: CampaignCommandOperations,
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

/** A role refusal in operator mode's words: who you are, and where the role is given. */
function inCliWords(error: unknown, actor: string, action: string): unknown {
  if (!(error instanceof CampaignRefusedError) || error.code !== 'not-security-lead') return error;
  return new CampaignRefusedError(
    error.code,
    `you (${actor}) are not a security lead: only security leads and admins ${action} campaigns; ` +
      "an admin adds you to CERTFLOW_SECURITY_LEADS of the certflow worker's configuration and restarts it " +
      "(this command's own environment does not decide roles)",
  );
}

/** Runs a parsed `certflow campaign` command on `target`; false when nothing started, the watch ended badly or it was aborted. */
export async function runCampaignOn(
  command: CampaignCommand,
  target: CampaignTarget,
  io: CampaignIo,
): Promise<boolean> {
  const { campaigns } = target;
  try {
    switch (command.action) {
      case 'preview': {
        const issuer = target.configuredIssuer(command.issuer);
        const preview = await campaigns.preview(await readSelector(command.source), target.actor, issuer);
        if (command.json)
          io.out(JSON.stringify({ ...preview, issuer, renewedThrough: campaignIssuerLine(issuer) }, null, 2));
        else describePreview(preview, issuer).forEach((line) => io.out(line));
        return true;
      }
      case 'start':
        return await start(command, target, io);
      case 'status':
        return await status(command, campaigns, io);
      case 'report':
        await report(command, campaigns, io);
        return true;
      case 'list':
        await list(command, campaigns, io);
        return true;
      default:
        await control(command, target, io);
        return true;
    }
  } catch (error) {
    throw target.inWords(error, command.action);
  }
}

/** The issuer a command's `--issuer` names, if it takes one. */
function issuerNamed(command: CampaignCommand): string | undefined {
  if (command.action === 'preview') return command.issuer;
  return command.action === 'start' ? command.launch.issuer : undefined;
}

/** Runs a parsed `certflow campaign` command directly on Temporal as the configured actor (operator mode). */
export async function runCampaign(
  command: CampaignCommand,
  context: LifecycleCommandContext,
  io: CampaignIo,
): Promise<boolean> {
  // Roles come from the worker alone: a role variable set for this command would mislead whoever set it.
  const warning = ignoredRoleVariablesWarning(context.config);
  if (warning !== null) io.err?.(`certflow: warning: ${warning}`);
  const configuredIssuer = (issuer: string | undefined): string | null => {
    const problem = unconfiguredIssuer('--issuer', issuer, context.config.issuers);
    if (problem !== null) throw new UsageError(problem);
    return issuer ?? null;
  };
  // Bad input is told before Temporal is reached: with Temporal down, a wrong --issuer would hide behind "cannot connect".
  configuredIssuer(issuerNamed(command));
  const session = await context.connect(context.config, context.store, context.where, context.db);
  try {
    return await runCampaignOn(
      command,
      {
        campaigns: directCampaigns(session.campaigns),
        actor: { id: context.actor },
        configuredIssuer,
        inWords: (error, action) => inCliWords(error, context.actor, action),
      },
      io,
    );
  } finally {
    await session.close();
  }
}
