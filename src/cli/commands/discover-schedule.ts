/**
 * `certflow discover schedule …`: scheduled network discovery (R-INV-2, R-MON-6), one Temporal Schedule per scan
 * definition, through the discovery schedules use case. `create` takes the targets and limits `certflow discover`
 * takes and reads them (and the trust store) at once, so a malformed target is refused now, not at the first run.
 */
import {
  InvalidDiscoveryScheduleError,
  type DiscoveryScheduleDetails,
  type DiscoverySchedules,
  type DiscoveryScheduleSummary,
} from '../../core/application/discovery-schedules';
import { formatDuration, parseDuration } from '../../core/domain/duration';
import type { ScanDefinition } from '../../core/ports/discovery-scans';
import { UsageError } from '../errors';
import { printable } from '../format/printable';
import { parseCommandLine } from '../options';
import { DISCOVER_OPTIONS, openTrustStore, readDiscoverCommand, readTargets, type DiscoverCommand } from './discover';
import type { LifecycleCommandContext } from './lifecycle';

const USAGE =
  'certflow discover schedule create <name> --every <duration> <host:ports>... | list | show <name> | ' +
  'pause <name> [--reason <text>] | unpause <name> | trigger <name> | delete <name>';

/** A parsed `certflow discover schedule` command line. */
export type DiscoverScheduleCommand =
  | { readonly action: 'create'; readonly name: string; readonly everyMs: number; readonly scan: DiscoverCommand }
  | { readonly action: 'list'; readonly json: boolean }
  | { readonly action: 'show'; readonly name: string; readonly json: boolean }
  | { readonly action: 'pause'; readonly name: string; readonly reason: string | null }
  | { readonly action: 'unpause' | 'trigger' | 'delete'; readonly name: string };

const NAMED_OPTIONS = { json: { type: 'boolean', default: false } } as const;
const PAUSE_OPTIONS = { reason: { type: 'string' } } as const;
const CREATE_OPTIONS = { ...DISCOVER_OPTIONS, every: { type: 'string' } } as const;

function readEvery(raw: string | undefined): number {
  if (raw === undefined) throw new UsageError('create needs --every <duration>, e.g. --every 6h');
  try {
    return parseDuration(raw);
  } catch {
    throw new UsageError(`--every "${raw}" is not a duration; write e.g. 30m, 6h or 1d`);
  }
}

/** Reads `certflow discover schedule <action> …`; files named in it are resolved against `cwd` and read when it runs. */
export function readDiscoverScheduleCommand(cwd: string, args: readonly string[]): DiscoverScheduleCommand {
  const [action, ...rest] = args;
  switch (action) {
    case 'create': {
      const { values, positionals } = parseCommandLine(rest, CREATE_OPTIONS, {
        min: 1,
        max: Infinity,
        usage: 'certflow discover schedule create <name> --every <duration> <host:ports>... [--targets-file <file>]',
      });
      const [name = '', ...targets] = positionals;
      const everyMs = readEvery(values.every);
      return { action, name, everyMs, scan: readDiscoverCommand(cwd, targets, values) };
    }
    case 'list': {
      const { values } = parseCommandLine(rest, NAMED_OPTIONS);
      return { action, json: values.json };
    }
    case 'show': {
      const { values, positionals } = parseCommandLine(rest, NAMED_OPTIONS, {
        min: 1,
        max: 1,
        usage: 'certflow discover schedule show <name> [--json]',
      });
      return { action, name: positionals[0] ?? '', json: values.json };
    }
    case 'pause': {
      const { values, positionals } = parseCommandLine(rest, PAUSE_OPTIONS, {
        min: 1,
        max: 1,
        usage: 'certflow discover schedule pause <name> [--reason <text>]',
      });
      return { action, name: positionals[0] ?? '', reason: values.reason?.trim() || null };
    }
    case 'unpause':
    case 'trigger':
    case 'delete': {
      const { positionals } = parseCommandLine(
        rest,
        {},
        { min: 1, max: 1, usage: `certflow discover schedule ${action} <name>` },
      );
      return { action, name: positionals[0] ?? '' };
    }
    default:
      throw new UsageError(`usage: ${USAGE}`);
  }
}

/** The scan definition of `create`: every target read and the trust store loaded now, so a bad one is refused now. */
async function scanDefinition(scan: DiscoverCommand): Promise<ScanDefinition> {
  const specs = await readTargets(scan);
  openTrustStore(scan.trustStore);
  return {
    targets: specs.map((spec) => spec.text),
    limits: scan.limits,
    maxAddresses: scan.maxAddresses,
    trustStore: scan.trustStore ?? null,
  };
}

function every(ms: number | null): string {
  return ms === null ? '?' : formatDuration(ms);
}

function summaryLine(schedule: DiscoveryScheduleSummary): string {
  const state = schedule.paused
    ? `PAUSED${schedule.note ? ` (${schedule.note})` : ''}`
    : `next ${schedule.nextRunAt ?? '-'}`;
  const targets = schedule.targets.join(' ');
  return printable(`${schedule.name.padEnd(20)} every ${every(schedule.everyMs).padEnd(6)} ${state}  ${targets}`);
}

function describeDetails(schedule: DiscoveryScheduleDetails): string[] {
  const { definition } = schedule;
  const lines = [
    `discovery:${schedule.name}  every ${every(schedule.everyMs)}${schedule.paused ? '  PAUSED' : ''}`,
    `  targets        ${definition.targets.join(' ')}`,
    `  limits         concurrency ${definition.limits.concurrency}, connect ${formatDuration(definition.limits.connectTimeoutMs)}, ` +
      `handshake ${formatDuration(definition.limits.handshakeTimeoutMs)}` +
      (definition.limits.connectionsPerSecond === undefined ? '' : `, ${definition.limits.connectionsPerSecond}/s`) +
      `, at most ${definition.maxAddresses.toLocaleString('en-US')} addresses`,
    `  trust store    ${definition.trustStore ?? "the system's roots"}`,
    `  note           ${schedule.note ?? '-'}`,
    `  next run       ${schedule.paused ? '(paused)' : (schedule.nextRunAt ?? '-')}`,
  ];
  if (schedule.runs.length === 0)
    lines.push('  runs           none yet (certflow discover schedule trigger ' + schedule.name + ')');
  else lines.push('  recent runs (newest first):');
  for (const run of schedule.runs) {
    lines.push(`    ${run.startedAt}  ${run.status.padEnd(10)} ${run.workflowId}`);
    if (run.result !== null) {
      const { summary, delivered, failedDeliveries } = run.result;
      lines.push(
        `      endpoints ${summary.endpoints.scanned} (${summary.endpoints.served} served, ${summary.endpoints.failed} not); ` +
          `certificates ${summary.certificates.new} new, ${summary.certificates.known} known; ` +
          `findings ${summary.findings.opened} opened, ${summary.findings.resolved} resolved, ${summary.findings.stillOpen} still open` +
          (summary.findings.incidents > 0 ? `, ${summary.findings.incidents} INCIDENT` : '') +
          `; ${summary.unowned} unowned`,
        `      delivered ${delivered.digests} digest(s), ${delivered.certificates} certificate(s) told, ` +
          `${delivered.incidents} incident(s), ${delivered.unowned} unowned announced`,
      );
      for (const failure of summary.failures.slice(0, 5)) lines.push(`      served nothing: ${failure}`);
      for (const failure of failedDeliveries) lines.push(`      delivery failed: ${failure}`);
    }
    if (run.failure !== null) lines.push(`      failed: ${run.failure}`);
  }
  return lines.map(printable);
}

async function perform(
  command: DiscoverScheduleCommand,
  schedules: DiscoverySchedules,
  by: string,
  out: (line: string) => void,
): Promise<void> {
  switch (command.action) {
    case 'create': {
      const created = await schedules.create({
        name: command.name,
        everyMs: command.everyMs,
        definition: await scanDefinition(command.scan),
        by,
      });
      if (command.scan.json) out(JSON.stringify(created, null, 2));
      else {
        out(
          `created discovery:${created.name}: every ${every(created.everyMs)}, first run ${created.nextRunAt ?? '-'}`,
        );
        out(`  run it now: certflow discover schedule trigger ${created.name}`);
      }
      return;
    }
    case 'list': {
      const list = await schedules.list();
      if (command.json) out(JSON.stringify(list, null, 2));
      else if (list.length === 0)
        out('no discovery schedules: certflow discover schedule create <name> --every 6h <targets>');
      else list.forEach((schedule) => out(summaryLine(schedule)));
      return;
    }
    case 'show': {
      const details = await schedules.show(command.name);
      if (command.json) out(JSON.stringify(details, null, 2));
      else describeDetails(details).forEach((line) => out(line));
      return;
    }
    case 'pause':
      await schedules.pause(command.name, { by, reason: command.reason });
      out(`paused discovery:${command.name}; certflow discover schedule unpause ${command.name} resumes it`);
      return;
    case 'unpause':
      await schedules.unpause(command.name, { by });
      out(`unpaused discovery:${command.name}`);
      return;
    case 'trigger':
      await schedules.trigger(command.name, { by });
      out(
        `triggered discovery:${command.name} (skipped if a run is under way): certflow discover schedule show ${command.name}`,
      );
      return;
    case 'delete':
      await schedules.delete(command.name, { by });
      out(`deleted discovery:${command.name}; its findings stay in certflow list --findings`);
      return;
  }
}

/** Runs a `certflow discover schedule` command against the configured Temporal server. */
export async function runDiscoverSchedule(
  command: DiscoverScheduleCommand,
  context: LifecycleCommandContext,
  io: { out: (line: string) => void },
): Promise<void> {
  const session = await context.connect(context.config, context.store, context.where, context.db);
  try {
    const schedules = session.discoverySchedules;
    if (schedules === undefined) throw new Error('this session has no discovery schedules client');
    await perform(command, schedules, context.actor, io.out);
  } catch (error) {
    if (error instanceof InvalidDiscoveryScheduleError) throw new UsageError(error.message);
    throw error;
  } finally {
    await session.close();
  }
}
