/**
 * `certflow import <files>` through the HTTP API (issue 20): the files and folders are found here as the direct
 * import finds them, uploaded a batch at a time to `POST /certificates/import` (which calls the same import use case
 * with the token's principal), and the batches' reports are added up into the one the direct import prints.
 */
import fs from 'node:fs/promises';
import { findCertificateFiles, type FoundFile } from '../adapters/certificate-files/find-certificate-files';
import type { ImportIssue } from '../core/application/import-certificates';
import type { ImportLifecycles, MetadataLifecycles } from '../core/application/imported-lifecycles';
import { UPLOAD_PASSPHRASE_FIX } from '../runtime/api-importer';
import { ApiRequestError, type ApiImportResult, type ApiMetadataResult, type CertflowApiClient } from './api-client';
import { NoApiRouteError } from './api-mode';
import { createProgressBar, SILENT_PROGRESS } from './format/progress';
import {
  printImportResult,
  readMetadataCsvFile,
  type ImportCommand,
  type PrintedImportReport,
} from './commands/import';

/**
 * Bytes of files per upload: below the server's default body limit of 1 MiB with room for the form's framing. A
 * larger file goes alone, and a server that takes less refuses it with a 413, reported against that file.
 */
export const UPLOAD_BATCH_BYTES = 768 * 1024;
/** Files per upload, so a folder of many small files shows progress and no upload holds the server long. */
const UPLOAD_BATCH_FILES = 200;

/** Groups files into uploads of at most `maxBytes` and `maxFiles` each, in order; a larger file goes alone. */
export function uploadBatches(
  files: readonly FoundFile[],
  maxBytes = UPLOAD_BATCH_BYTES,
  maxFiles = UPLOAD_BATCH_FILES,
): FoundFile[][] {
  const batches: FoundFile[][] = [];
  let current: FoundFile[] = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length > 0 && (bytes + file.size > maxBytes || current.length >= maxFiles)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** An import report of nothing: the sum's start. */
function emptyReport(): PrintedImportReport {
  return {
    sources: 0,
    sourcesWithCertificates: 0,
    certificatesRead: 0,
    created: 0,
    updated: 0,
    repeated: 0,
    nonCompliant: 0,
    issuerLinks: 0,
    errors: [],
    skipped: [],
    managed: { created: [], replaced: [] },
  };
}

/** Adds two import reports up. */
export function addImportReports(a: PrintedImportReport, b: PrintedImportReport): PrintedImportReport {
  return {
    sources: a.sources + b.sources,
    sourcesWithCertificates: a.sourcesWithCertificates + b.sourcesWithCertificates,
    certificatesRead: a.certificatesRead + b.certificatesRead,
    created: a.created + b.created,
    updated: a.updated + b.updated,
    repeated: a.repeated + b.repeated,
    nonCompliant: a.nonCompliant + b.nonCompliant,
    issuerLinks: a.issuerLinks + b.issuerLinks,
    errors: [...a.errors, ...b.errors],
    skipped: [...a.skipped, ...b.skipped],
    managed: {
      created: [...a.managed.created, ...b.managed.created],
      replaced: [...a.managed.replaced, ...b.managed.replaced],
    },
  };
}

/** Adds what two uploads did to lifecycles up; lifecycles not started in one are not started for the import. */
export function addImportLifecycles(a: ImportLifecycles | null, b: ImportLifecycles | null): ImportLifecycles | null {
  if (a === null || b === null) return a ?? b;
  if ('notStarted' in a) return a;
  if ('notStarted' in b) return b;
  return {
    started: a.started + b.started,
    alreadyRunning: a.alreadyRunning + b.alreadyRunning,
    signalled: a.signalled + b.signalled,
    failed: [...a.failed, ...b.failed],
    campaigns: {
      told: [...new Set([...a.campaigns.told, ...b.campaigns.told])],
      unreachable: [...a.campaigns.unreachable, ...b.campaigns.unreachable],
    },
  };
}

/** Adds what two uploads told lifecycles of changed metadata up. */
export function addMetadataLifecycles(
  a: MetadataLifecycles | null,
  b: MetadataLifecycles | null,
): MetadataLifecycles | null {
  if (a === null || b === null) return a ?? b;
  if ('unavailable' in a) return a;
  if ('unavailable' in b) return b;
  return { done: a.done + b.done };
}

/** What the server's 413 for one file says, as that file's problem in the report. */
function tooLargeIssue(file: FoundFile, error: ApiRequestError): ImportIssue {
  return {
    source: file.path,
    message:
      `${file.path}: ${error.problem.detail} (${file.size.toLocaleString('en-US')} bytes): import it with ` +
      "certflow import on the worker's machine after certflow logout (operator mode)",
  };
}

/** The server words a locked PKCS#12's fix for uploads (its passphrase field); here the fix is --password. */
function inCliWords(result: ApiImportResult): ApiImportResult {
  const errors = result.certificates.errors.map((issue) => ({
    ...issue,
    message: issue.message.replace(UPLOAD_PASSPHRASE_FIX, 'with --password'),
  }));
  return { ...result, certificates: { ...result.certificates, errors } };
}

/** Uploads one batch; a file the server finds too large is reported against it, not ending the import. */
async function upload(
  batch: readonly FoundFile[],
  command: ImportCommand,
  client: CertflowApiClient,
): Promise<ApiImportResult> {
  const files = [];
  for (const file of batch) files.push({ name: file.path, bytes: await fs.readFile(file.path) });
  try {
    return inCliWords(
      await client.importFiles(files, {
        passphrases: command.passwords,
        ...(command.patch?.ownerGroup ? { ownerGroup: command.patch.ownerGroup } : {}),
        ...(command.patch?.tags === undefined ? {} : { tags: command.patch.tags }),
        ...(command.patch?.application ? { application: command.patch.application } : {}),
        ...(command.host === undefined ? {} : { host: command.host }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ApiRequestError && error.status === 413 && batch.length === 1)) throw error;
    const report = { ...emptyReport(), sources: 1, errors: [tooLargeIssue(batch[0]!, error)] };
    return { certificates: report, lifecycles: null, metadataLifecycles: null };
  }
}

/**
 * Runs `certflow import <paths>` through the API; true when every file went in. With `--host`, each file's absolute
 * path there is recorded as its location; without, uploads record none (a path on this machine says nothing of
 * where the certificate is installed). A metadata CSV (`--metadata`) is read here first, so an unreadable file or
 * header changes nothing, and merged after the uploads by `POST /certificates/metadata` with the token's roles. CA
 * records are refused: they are read on the CA's machine, by an operator.
 */
export async function runImportThroughApi(
  command: ImportCommand,
  client: CertflowApiClient,
  io: { out: (line: string) => void; progress?: (text: string) => void; columns?: number },
): Promise<boolean> {
  if (command.caRecord !== undefined) {
    throw new NoApiRouteError(command.caRecord.kind === 'openssl' ? 'import --openssl-ca' : 'import --internal-ca');
  }
  const csv =
    command.metadataCsv === undefined
      ? null
      : { source: command.metadataCsv, text: (await readMetadataCsvFile(command.metadataCsv)).text };
  const progress =
    io.progress && !command.json
      ? createProgressBar({ label: 'uploading', write: io.progress, columns: io.columns ?? 80 })
      : SILENT_PROGRESS;
  const started = performance.now();
  const found = await findCertificateFiles(command.paths);
  progress.setTotal(found.files.length);
  let certificates: PrintedImportReport = {
    ...emptyReport(),
    sources: found.errors.length + found.skipped.length,
    errors: found.errors.map((issue) => ({ source: issue.path, message: `${issue.path}: ${issue.reason}` })),
    skipped: found.skipped.map((issue) => ({ source: issue.path, message: issue.reason })),
  };
  let lifecycles: ImportLifecycles | null = null;
  let replanned: MetadataLifecycles | null = null;
  let uploaded = 0;
  for (const batch of uploadBatches(found.files)) {
    const result = await upload(batch, command, client);
    certificates = addImportReports(certificates, result.certificates);
    lifecycles = addImportLifecycles(lifecycles, result.lifecycles);
    replanned = addMetadataLifecycles(replanned, result.metadataLifecycles);
    uploaded += batch.length;
    progress.update(uploaded);
  }
  progress.finish();
  let metadata: ApiMetadataResult['metadata'] | null = null;
  if (csv !== null) {
    const merged = await client.importMetadata(csv.text, csv.source);
    metadata = merged.metadata;
    replanned = addMetadataLifecycles(replanned, merged.lifecycles);
  }
  const seconds = (performance.now() - started) / 1000;
  printImportResult(
    {
      certificates: command.paths.length === 0 ? null : certificates,
      lifecycles,
      metadata: metadata && { source: metadata.source, report: metadata },
      replanned,
      seconds,
      json: command.json,
    },
    io,
  );
  return certificates.errors.length === 0 && (metadata?.errors.length ?? 0) === 0;
}
