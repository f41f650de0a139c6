import fs from 'node:fs/promises';
import path from 'node:path';
import { createTlsScanner } from '../../adapters/network/tls-scanner';
import { loadTrustStore, TrustStoreError, type TrustStore } from '../../adapters/network/trust-store';
import { SqlDiscoveryStore } from '../../adapters/database/sql-discovery-store';
import { discoverCertificates, type DiscoveryReport } from '../../core/application/discover-certificates';
import { startImportedLifecycles } from '../../core/application/imported-lifecycles';
import { parseDuration } from '../../core/domain/duration';
import {
  DEFAULT_MAX_SCAN_ADDRESSES,
  expandTargets,
  InvalidTargetError,
  parseTarget,
  parseTargetsFile,
  ScanTooLargeError,
  type TargetSpec,
} from '../../core/domain/discovery/targets';
import type { ScanLimits, ScanTarget } from '../../core/ports/network-scanner';
import { UsageError } from '../errors';
import { printable } from '../format/printable';
import { createProgressBar, SILENT_PROGRESS } from '../format/progress';
import { readInteger } from '../options';
import { plural } from './campaign-rendering';
import { describeLifecycles } from './import';
import { whenLifecyclesReachable, type LifecycleCommandContext } from './lifecycle';

/** Options of `certflow discover`. */
export const DISCOVER_OPTIONS = {
  'targets-file': { type: 'string', multiple: true },
  ports: { type: 'string' },
  concurrency: { type: 'string' },
  'connect-timeout': { type: 'string', default: '5s' },
  'handshake-timeout': { type: 'string', default: '10s' },
  rate: { type: 'string' },
  'trust-store': { type: 'string' },
  'max-addresses': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Parsed `certflow discover` command line; targets files are read when it runs. */
export interface DiscoverCommand {
  readonly targets: readonly string[];
  readonly targetsFiles: readonly string[];
  readonly ports: string | undefined;
  readonly limits: ScanLimits;
  readonly trustStore: string | undefined;
  readonly maxAddresses: number;
  readonly json: boolean;
}

const DEFAULT_CONCURRENCY = 64;
const MAX_TIMEOUT_MS = 5 * 60_000;
/** A target whose host ends without `:ports` (`10.0.0.0/24`, `[2001:db8::1]`, `www.example.com`). */
const WITHOUT_PORTS = /^(?:\[[^\]]*\]|[^:[\]=]+)(?:=.*)?$/;

function readTimeout(flag: string, raw: string): number {
  let ms: number;
  try {
    ms = parseDuration(raw);
  } catch {
    throw new UsageError(`--${flag} "${raw}" is not a duration; write e.g. 500ms, 5s or 1m`);
  }
  if (ms <= 0 || ms > MAX_TIMEOUT_MS) throw new UsageError(`--${flag} "${raw}" must be more than 0 and at most 5m`);
  return ms;
}

function readRate(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(raw.trim());
  const rate = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!(rate > 0) || rate > 1_000_000) {
    throw new UsageError(`--rate "${raw}" must be new connections per second, e.g. 200/s (more than 0)`);
  }
  return rate;
}

/** Turns `certflow discover` options into a {@link DiscoverCommand}, files resolved against `cwd`; bad flags are UsageErrors. */
export function readDiscoverCommand(
  cwd: string,
  targets: readonly string[],
  values: {
    'targets-file'?: string[];
    ports?: string;
    concurrency?: string;
    'connect-timeout'?: string;
    'handshake-timeout'?: string;
    rate?: string;
    'trust-store'?: string;
    'max-addresses'?: string;
    json?: boolean;
  },
): DiscoverCommand {
  const targetsFiles = (values['targets-file'] ?? []).map((file) => path.resolve(cwd, file));
  if (targets.length === 0 && targetsFiles.length === 0) {
    throw new UsageError(
      'usage: certflow discover <host:ports>... [--targets-file <file>]; certflow scans only what it is given, ' +
        'so name the targets (e.g. www.example.com:443, 10.0.0.0/24:443,8443)',
    );
  }
  const rate = readRate(values.rate);
  return {
    targets,
    targetsFiles,
    ports: values.ports,
    limits: {
      concurrency: readInteger('concurrency', values.concurrency, DEFAULT_CONCURRENCY, 1, 10_000),
      connectTimeoutMs: readTimeout('connect-timeout', values['connect-timeout'] ?? '5s'),
      handshakeTimeoutMs: readTimeout('handshake-timeout', values['handshake-timeout'] ?? '10s'),
      ...(rate === undefined ? {} : { connectionsPerSecond: rate }),
    },
    trustStore: values['trust-store'] === undefined ? undefined : path.resolve(cwd, values['trust-store']),
    maxAddresses: readInteger(
      'max-addresses',
      values['max-addresses'],
      DEFAULT_MAX_SCAN_ADDRESSES,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    json: values.json ?? false,
  };
}

/** Reads every target, one without ports taking `--ports`; a malformed one stops the command before any scan. */
export async function readTargets(command: DiscoverCommand): Promise<TargetSpec[]> {
  const withPorts = (text: string): string => {
    if (!WITHOUT_PORTS.test(text) || command.ports === undefined) return text;
    const equals = text.indexOf('=');
    return equals < 0 ? `${text}:${command.ports}` : `${text.slice(0, equals)}:${command.ports}${text.slice(equals)}`;
  };
  const specs: TargetSpec[] = [];
  for (const text of command.targets) {
    try {
      specs.push(parseTarget(withPorts(text.trim())));
    } catch (error) {
      if (!(error instanceof InvalidTargetError)) throw error;
      const hint = WITHOUT_PORTS.test(text.trim()) ? ', or give --ports 443,8443' : '';
      throw new UsageError(`target ${error.message}${hint}`);
    }
  }
  for (const file of command.targetsFiles) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--targets-file: cannot read ${file}: ${(error as Error).message}`);
    }
    // --ports completes the targets of a line, not the words of its comment.
    const completed = text
      .split(/\r?\n/)
      .map((line) => {
        const hash = line.indexOf('#');
        const code = hash < 0 ? line : line.slice(0, hash);
        return code.replace(/\S+/g, withPorts) + (hash < 0 ? '' : line.slice(hash));
      })
      .join('\n');
    try {
      specs.push(...parseTargetsFile(completed));
    } catch (error) {
      if (error instanceof InvalidTargetError) throw new UsageError(`--targets-file ${file}: ${error.message}`);
      throw error;
    }
  }
  return specs;
}

/** Loads `--trust-store`; an unreadable or empty bundle is a UsageError naming the fix. */
export function openTrustStore(path: string | undefined): TrustStore | undefined {
  if (path === undefined) return undefined;
  try {
    return loadTrustStore(path);
  } catch (error) {
    if (error instanceof TrustStoreError) throw new UsageError(`--trust-store: ${error.message}`);
    throw error;
  }
}

function describeDiscovery(report: DiscoveryReport, seconds: number): string[] {
  const { endpoints, certificates, findings } = report;
  const rate = seconds > 0 ? ` (${Math.round(endpoints.scanned / seconds).toLocaleString('en-US')}/s)` : '';
  const failedBy = Object.entries(endpoints.byOutcome)
    .filter(([outcome]) => outcome !== 'served')
    .map(([outcome, count]) => `${count.toLocaleString('en-US')} ${outcome}`);
  const lines = [
    `Scanned ${plural(endpoints.scanned, 'endpoint')} in ${seconds.toFixed(1)} s${rate}: ` +
      `${endpoints.served.toLocaleString('en-US')} served a certificate` +
      (failedBy.length > 0 ? `, ${endpoints.failed.toLocaleString('en-US')} did not (${failedBy.join(', ')})` : ''),
    `  certificates   ${certificates.read.toLocaleString('en-US')} read: ${certificates.new.toLocaleString('en-US')} new, ` +
      `${certificates.known.toLocaleString('en-US')} already known` +
      (certificates.nonCompliant > 0
        ? `, ${certificates.nonCompliant.toLocaleString('en-US')} non-compliant  → certflow list --violations`
        : ''),
    `  findings       ${findings.opened.toLocaleString('en-US')} opened, ${findings.resolved.toLocaleString('en-US')} resolved, ` +
      `${findings.stillOpen.toLocaleString('en-US')} still open` +
      (findings.opened + findings.stillOpen > 0 ? '  → certflow list --findings' : ''),
  ];
  const kinds = Object.entries(findings.openedByKind).map(([kind, count]) => `${count} ${kind}`);
  if (kinds.length > 0) lines.push(`    opened: ${kinds.join(', ')}`);
  if (findings.incidents > 0) {
    lines.push(
      `  INCIDENT       ${plural(findings.incidents, 'expired certificate')} still served: deploy the renewed ones now`,
    );
  }
  if (report.unowned.count > 0) {
    lines.push(
      `  unowned        ${plural(report.unowned.count, 'new certificate')} without an owner group  → certflow list --unowned`,
    );
  }
  if (report.failures.length > 0) {
    lines.push('  endpoints that served nothing:');
    for (const failure of report.failures) lines.push(`    ${printable(failure.message)}`);
    const more = endpoints.failed - report.failures.length;
    if (more > 0) lines.push(`    … and ${more.toLocaleString('en-US')} more (--json lists the first ones too)`);
  }
  if (report.errors.length > 0) {
    lines.push(`  unreadable     ${report.errorCount.toLocaleString('en-US')}:`);
    for (const issue of report.errors) lines.push(`    ${printable(issue.source)}: ${printable(issue.message)}`);
  }
  return lines;
}

/**
 * Runs `certflow discover`: scans the targets, records what they serve and the findings, and starts or tells the
 * lifecycles of managed certificates it found, as import does. Returns false (exit 1) when an endpoint served nothing
 * or a served certificate could not be read; findings are reported, not failures.
 */
export async function runDiscover(
  command: DiscoverCommand,
  context: LifecycleCommandContext,
  io: { out: (line: string) => void; progress?: (text: string) => void; columns?: number; now?: () => Date },
): Promise<boolean> {
  const specs = await readTargets(command);
  let targets: Iterable<ScanTarget>;
  try {
    targets = expandTargets(specs, { maxAddresses: command.maxAddresses, limitName: '--max-addresses' });
  } catch (error) {
    if (error instanceof ScanTooLargeError) throw new UsageError(error.message);
    throw error;
  }
  const trustStore = openTrustStore(command.trustStore);
  const scanner = createTlsScanner({ ...(trustStore ? { trustStore } : {}), ...(io.now ? { now: io.now } : {}) });
  const interactive = io.progress !== undefined && !command.json;
  const progress =
    interactive && io.progress
      ? createProgressBar({ label: 'scanning', write: io.progress, columns: io.columns ?? 80 })
      : SILENT_PROGRESS;
  const started = performance.now();
  const report = await discoverCertificates({
    targets,
    scanner,
    limits: command.limits,
    store: context.store,
    discovery: new SqlDiscoveryStore({ db: context.db }),
    policy: context.policy,
    actor: context.actor,
    where: context.where,
    ...(io.now ? { now: io.now } : {}),
    onProgress: (scanned) => progress.update(scanned),
  });
  progress.finish();
  const seconds = (performance.now() - started) / 1000;
  const lifecycles = await startImportedLifecycles(report.managed, {
    whenReachable: (work) => whenLifecyclesReachable(context, work),
    actor: context.actor,
    progress:
      interactive && io.progress
        ? createProgressBar({ label: 'lifecycles', write: io.progress, columns: io.columns ?? 80 })
        : SILENT_PROGRESS,
  });
  if (command.json) {
    io.out(JSON.stringify({ discovery: report, lifecycles }, null, 2));
  } else {
    describeDiscovery(report, seconds).forEach((line) => io.out(line));
    if (lifecycles) describeLifecycles(lifecycles).forEach((line) => io.out(line));
  }
  return report.endpoints.failed === 0 && report.errorCount === 0;
}
