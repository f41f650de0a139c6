import fs from 'node:fs/promises';
import { NoInternalCaError, readInternalCaRecord } from '../../adapters/ca/internal-ca-record';
import { OWNER_GROUP_ID, type MetadataCsv } from '../../core/domain/inventory/metadata-row';
import type { CertificateMetadataPatch } from '../../core/domain/inventory/model';
import { certificateFileSource } from '../../adapters/certificate-files/certificate-file-source';
import { NotAnOpensslIndexError, openOpensslCaDatabase } from '../../adapters/certificate-files/openssl-ca-source';
import { readMetadataCsv } from '../../adapters/certificate-files/read-metadata-csv';
import { type CaImportReport, importCaRecord } from '../../core/application/import-ca-record';
import type { CaRecordSource } from '../../core/ports/ca-record-source';
import { internalCaFolder } from '../../runtime/services';
import { importCertificates, type ImportReport } from '../../core/application/import-certificates';
import { applyMetadataRows, wholeCsvReport, type MetadataImportReport } from '../../core/application/import-metadata';
import {
  startImportedLifecycles,
  tellLifecyclesOfMetadata,
  type ImportLifecycles,
  type MetadataLifecycles,
  type WhenLifecyclesReachable,
} from '../../core/application/imported-lifecycles';
import { UsageError } from '../errors';
import { printable } from '../format/printable';
import { createProgressBar, SILENT_PROGRESS, type ProgressReporter } from '../format/progress';
import { whenLifecyclesReachable, type LifecycleCommandContext } from './lifecycle';

/** Options of `certflow import`. */
export const IMPORT_OPTIONS = {
  password: { type: 'string', multiple: true },
  'password-env': { type: 'string', multiple: true },
  metadata: { type: 'string' },
  owner: { type: 'string' },
  tag: { type: 'string', multiple: true },
  application: { type: 'string' },
  host: { type: 'string' },
  json: { type: 'boolean', default: false },
  policy: { type: 'string' },
  'openssl-ca': { type: 'string' },
  'certs-dir': { type: 'string' },
  'internal-ca': { type: 'boolean', default: false },
} as const;

/** A CA's issuance record to import instead of files: an OpenSSL CA database, or certflow's internal CA. */
export type CaRecordRequest =
  | { readonly kind: 'openssl'; readonly index: string; readonly certsDir: string | undefined }
  | { readonly kind: 'internal' };

/** Parsed `certflow import` command line. */
export interface ImportCommand {
  readonly paths: readonly string[];
  readonly passwords: readonly string[];
  readonly metadataCsv: string | undefined;
  readonly patch: CertificateMetadataPatch | undefined;
  readonly host: string | undefined;
  readonly caRecord: CaRecordRequest | undefined;
  readonly json: boolean;
}

/** The CA record the flags ask for; a CA record comes alone (no paths, host or passwords): a UsageError otherwise. */
function readCaRecordRequest(
  paths: readonly string[],
  values: { 'openssl-ca'?: string; 'certs-dir'?: string; 'internal-ca'?: boolean; host?: string },
  passwords: readonly string[],
): CaRecordRequest | undefined {
  const index = values['openssl-ca'];
  if (values['certs-dir'] !== undefined && index === undefined) {
    throw new UsageError(
      '--certs-dir names the certificate folder of an OpenSSL CA: use it with --openssl-ca <index.txt>',
    );
  }
  if (index === undefined && !values['internal-ca']) return undefined;
  if (index !== undefined && values['internal-ca']) {
    throw new UsageError('--openssl-ca and --internal-ca each import one CA: run certflow import once for each');
  }
  const flag = index !== undefined ? '--openssl-ca' : '--internal-ca';
  if (paths.length > 0) {
    throw new UsageError(`${flag} imports a CA's record, not files: run certflow import ${paths.join(' ')} separately`);
  }
  if (values.host !== undefined || passwords.length > 0) {
    throw new UsageError(
      `${flag}: --host and --password are for files; a CA's record names no installed location and needs no password`,
    );
  }
  return index !== undefined ? { kind: 'openssl', index, certsDir: values['certs-dir'] } : { kind: 'internal' };
}

/** Turns `certflow import` options into an {@link ImportCommand}; bad flags are UsageErrors. */
export function readImportCommand(
  paths: readonly string[],
  values: {
    password?: string[];
    'password-env'?: string[];
    metadata?: string;
    owner?: string;
    tag?: string[];
    application?: string;
    host?: string;
    json?: boolean;
    'openssl-ca'?: string;
    'certs-dir'?: string;
    'internal-ca'?: boolean;
  },
  env: NodeJS.ProcessEnv,
): ImportCommand {
  const caRecord = readCaRecordRequest(paths, values, values.password ?? []);
  if (paths.length === 0 && !values.metadata && caRecord === undefined) {
    throw new UsageError(
      'usage: certflow import <file or folder>... | --openssl-ca <index.txt> [--certs-dir <folder>] | --internal-ca ' +
        '[--metadata <csv>]; name at least one path',
    );
  }
  const passwords = [...(values.password ?? [])];
  for (const variable of values['password-env'] ?? []) {
    const value = env[variable];
    if (value === undefined) throw new UsageError(`--password-env ${variable}: that environment variable is not set`);
    passwords.push(value);
  }
  if (values.owner !== undefined && !OWNER_GROUP_ID.test(values.owner)) {
    throw new UsageError(`--owner "${values.owner}" is not a group id (lowercase letters, digits, '.', '_', '-')`);
  }
  const patch: { -readonly [K in keyof CertificateMetadataPatch]: CertificateMetadataPatch[K] } = {};
  if (values.owner) patch.ownerGroup = values.owner;
  if (values.tag?.length) patch.tags = values.tag;
  if (values.application) patch.application = values.application;
  return {
    paths,
    passwords,
    metadataCsv: values.metadata,
    patch: Object.keys(patch).length > 0 ? patch : undefined,
    host: values.host,
    caRecord,
    json: values.json ?? false,
  };
}

function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? noun : many}`;
}

/** What an import read place by place: files, or the entries of a CA's record (index lines, issuance records). */
type ImportPlace = readonly [one: string, many: string];

function describeImport(report: PrintedImportReport, seconds: number, place: ImportPlace): string[] {
  const rate = seconds > 0 ? ` (${Math.round(report.certificatesRead / seconds).toLocaleString('en-US')}/s)` : '';
  const lines = [
    `Read ${plural(report.certificatesRead, 'certificate')} from ${plural(report.sourcesWithCertificates, ...place)} ` +
      `of ${report.sources.toLocaleString('en-US')} in ${seconds.toFixed(1)} s${rate}`,
    `  new            ${report.created.toLocaleString('en-US')}`,
    `  already known  ${report.updated.toLocaleString('en-US')} (metadata merged)`,
    `  repeated       ${report.repeated.toLocaleString('en-US')} (copies read again in this import, locations merged)`,
    `  non-compliant  ${report.nonCompliant.toLocaleString('en-US')}${report.nonCompliant > 0 ? '  → certflow list --violations' : ''}`,
    `  issuer links   ${report.issuerLinks.toLocaleString('en-US')}`,
    `  skipped        ${plural(report.skipped.length, ...place)} without certificates`,
  ];
  if (report.errors.length > 0) {
    lines.push(`  failed         ${report.errors.length.toLocaleString('en-US')}:`);
    // A file name may hold a newline or a terminal escape; --json keeps it exact.
    for (const issue of report.errors) lines.push(`    ${printable(issue.message)}`);
  }
  return lines;
}

/** An import report as `--json` prints it: the fingerprints told to lifecycles are for them, and may be thousands. */
export type PrintedImportReport = Omit<ImportReport, 'metadataMerged'> & Partial<Pick<CaImportReport, 'caRecord'>>;

function printedReport({
  metadataMerged: _told,
  ...report
}: PrintedImportReport & { readonly metadataMerged?: unknown }): PrintedImportReport {
  return report;
}

/** What an import did, to print: the certificates, their lifecycles, a metadata CSV's rows and what they told. */
export interface ImportResult {
  readonly certificates: PrintedImportReport | null;
  readonly lifecycles: ImportLifecycles | null;
  /** The metadata CSV's file and what its rows did. */
  readonly metadata: { readonly source: string; readonly report: MetadataImportReport } | null;
  readonly replanned: MetadataLifecycles | null;
  readonly seconds: number;
  readonly json: boolean;
}

/**
 * Reads `--metadata`'s CSV, before anything is imported, so that an unreadable file or header stops the command
 * with nothing changed; its text goes to the API as it is.
 */
export async function readMetadataCsvFile(file: string): Promise<{ readonly text: string; readonly csv: MetadataCsv }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--metadata: cannot read ${file}: ${(error as Error).message}`);
  }
  return { text, csv: readMetadataCsv(text, file) };
}

/** Prints what an import did, directly or through the API, as a report for people or `--json`. */
export function printImportResult(result: ImportResult, io: { out: (line: string) => void }): void {
  const { certificates, lifecycles, metadata, replanned } = result;
  if (result.json) {
    io.out(
      JSON.stringify(
        { certificates: certificates && printedReport(certificates), metadata: metadata?.report ?? null, lifecycles },
        null,
        2,
      ),
    );
    return;
  }
  if (certificates?.caRecord) io.out(describeCaRecord(certificates.caRecord));
  const place: ImportPlace = certificates?.caRecord ? ['entry', 'entries'] : ['file', 'files'];
  if (certificates) describeImport(certificates, result.seconds, place).forEach((line) => io.out(line));
  if (lifecycles) describeLifecycles(lifecycles).forEach((line) => io.out(line));
  if (metadata) describeMetadata(metadata.source, metadata.report).forEach((line) => io.out(line));
  if (replanned && 'done' in replanned)
    io.out(`  lifecycles     ${replanned.done} told to re-read owners and contacts`);
  else if (replanned) io.out(`lifecycles not told of the new metadata: ${replanned.unavailable}`);
}

/** Lines telling what an import or a discovery did to lifecycles. */
export function describeLifecycles(lifecycles: ImportLifecycles): string[] {
  if ('notStarted' in lifecycles) {
    return [
      `lifecycles not started: ${lifecycles.notStarted}; run \`certflow lifecycle sync\` once certflow is running`,
    ];
  }
  const lines = [
    `  lifecycles     ${lifecycles.started.toLocaleString('en-US')} started, ` +
      `${lifecycles.signalled.toLocaleString('en-US')} told of a newer version` +
      (lifecycles.alreadyRunning > 0 ? `, ${lifecycles.alreadyRunning.toLocaleString('en-US')} already running` : ''),
  ];
  for (const issue of lifecycles.failed)
    lines.push(`    lifecycle of ${issue.managedCertificateId} not started: ${printable(issue.reason)}`);
  const { told, unreachable } = lifecycles.campaigns;
  if (told.length > 0)
    lines.push(`  campaigns      ${plural(told.length, 'running campaign')} told of the new certificates`);
  for (const miss of unreachable) {
    lines.push(`    warning: campaign ${miss.campaignId} not told (it rescans on its own): ${printable(miss.reason)}`);
  }
  return lines;
}

function describeMetadata(source: string, report: MetadataImportReport): string[] {
  const lines = [
    `Metadata from ${printable(source)}: ${plural(report.rows, 'row')}, ${plural(report.certificatesUpdated, 'certificate')} updated`,
  ];
  for (const error of report.errors)
    lines.push(`    ${printable(source)} line ${error.line}: ${printable(error.message)}`);
  return lines;
}

/** Opens the CA record the command names; a file that is no OpenSSL index, or no internal CA, is a UsageError. */
async function openCaRecord(request: CaRecordRequest, context: LifecycleCommandContext): Promise<CaRecordSource> {
  try {
    return request.kind === 'openssl'
      ? await openOpensslCaDatabase(request.index, { certsDir: request.certsDir })
      : await readInternalCaRecord(internalCaFolder(context.config), { now: () => new Date() });
  } catch (error) {
    if (error instanceof NotAnOpensslIndexError || error instanceof NoInternalCaError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

function describeCaRecord(record: CaImportReport['caRecord']): string {
  return (
    `CA record ${printable(record.name)}: ${plural(record.valid, 'valid certificate')}, ${record.revoked.toLocaleString('en-US')} revoked ` +
    `(their revocations recorded), ${record.expired.toLocaleString('en-US')} expired (kept as history)`
  );
}

/** Runs `certflow import`; returns true when every item went in (exit 0), false when some failed (exit 1). */
export async function runImport(
  command: ImportCommand,
  context: LifecycleCommandContext,
  io: { out: (line: string) => void; progress?: (text: string) => void; columns?: number },
): Promise<boolean> {
  let progress: ProgressReporter = SILENT_PROGRESS;
  if (io.progress && !command.json) {
    progress = createProgressBar({ label: 'importing', write: io.progress, columns: io.columns ?? 80 });
  }
  const owner = command.patch?.ownerGroup;
  if (owner && !(await context.store.getOwnerGroup(owner))) {
    throw new UsageError(
      `--owner: owner group "${owner}" does not exist; create it with \`certflow groups create ${owner} --name …\``,
    );
  }
  const csv = command.metadataCsv ? (await readMetadataCsvFile(command.metadataCsv)).csv : null;
  // Open the CA's record before importing anything too: a file that is no index changes nothing.
  const caRecord = command.caRecord && (await openCaRecord(command.caRecord, context));
  const started = performance.now();
  let certificates: ImportReport | CaImportReport | null = null;
  const importOptions = {
    store: context.store,
    policy: context.policy,
    actor: context.actor,
    where: context.where,
    metadata: command.patch,
    onProgress: (done: number) => progress.update(done),
  };
  if (caRecord) {
    certificates = await importCaRecord(caRecord, importOptions);
    progress.finish();
  } else if (command.paths.length > 0) {
    const source = certificateFileSource(command.paths, {
      host: command.host,
      passwords: command.passwords,
      onFilesFound: (count) => progress.setTotal(count),
    });
    certificates = await importCertificates(source, importOptions);
    progress.finish();
  }
  const seconds = (performance.now() - started) / 1000;
  const whenReachable: WhenLifecyclesReachable = (work) => whenLifecyclesReachable(context, work);
  const lifecycles = certificates
    ? await startImportedLifecycles(certificates.managed, {
        whenReachable,
        actor: context.actor,
        progress:
          io.progress && !command.json
            ? createProgressBar({ label: 'lifecycles', write: io.progress, columns: io.columns ?? 80 })
            : SILENT_PROGRESS,
      })
    : null;

  let metadata: MetadataImportReport | null = null;
  // Known certificates that took --owner and the like, and rows of the metadata CSV: their lifecycles re-read them.
  const metadataChanged = new Set(certificates?.metadataMerged ?? []);
  if (csv && command.metadataCsv) {
    const applied = await applyMetadataRows(csv.rows, { ...context, source: command.metadataCsv });
    metadata = wholeCsvReport(csv, applied);
    for (const fingerprint of applied.updatedFingerprints) metadataChanged.add(fingerprint);
  }
  const replanned: MetadataLifecycles | null = await tellLifecyclesOfMetadata([...metadataChanged], {
    store: context.store,
    whenReachable,
    actor: context.actor,
  });

  printImportResult(
    {
      certificates,
      lifecycles,
      metadata: metadata && command.metadataCsv ? { source: command.metadataCsv, report: metadata } : null,
      replanned,
      seconds,
      json: command.json,
    },
    io,
  );
  return (certificates?.errors.length ?? 0) === 0 && (metadata?.errors.length ?? 0) === 0;
}
