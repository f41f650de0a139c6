/**
 * The files deployer (R-REN-2): writes a certificate, its chain, its full chain and its key as PEM files on this
 * machine, keeps the previous files for rollback, then runs a reload command so the server picks them up.
 *
 * File names follow from the certificate file `location.path`, e.g. `/etc/ssl/www.pem`: the chain (issuers, no
 * root) goes to `/etc/ssl/www.chain.pem`, leaf plus chain to `/etc/ssl/www.fullchain.pem`, the key to
 * `/etc/ssl/www.key` (0600). The base name drops a `.pem`, `.crt`, `.cer` or `.cert` extension and keeps any other
 * dot (`www.example.com.pem` → `www.example.com`). Before an installation replaces a file it copies it to
 * `<file>.certflow-previous`; `<base>.certflow-install.json` records which installation (idempotency key) those
 * backups belong to, so retries and rollbacks survive a restarted worker.
 *
 * The install and rollback machinery is shared with the TLS endpoint deployer, which uses other file names.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, type KeyObject, type X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { normalizeHex } from '../../core/domain/certificates/hex';
import type { CertificateLocation } from '../../core/domain/inventory/model';
import { formatLocation } from '../../core/domain/inventory/location';
import type { KeyStore } from '../../core/ports/key-store';
import { readTextIfExists, removeFile, writeFileAtomic } from './atomic-file';
import {
  DeployRejectedError,
  type Deployer,
  type InstallRequest,
  type InstallResult,
  type VerificationResult,
  type VerifyRequest,
} from '../../core/ports/deployer';
import { certificatesFromPem, fingerprintOf } from './verify-tls';

/** Suffix of the copy of a file that an installation replaced. */
export const PREVIOUS_SUFFIX = '.certflow-previous';

/** The files one installation writes; `fullchain` is optional because a TLS endpoint does not read one. */
export interface PemFiles {
  readonly certificate: string;
  readonly chain: string;
  readonly fullchain?: string;
  readonly key: string;
  /** Where the installation state (idempotency key, backups taken, reload done) is kept. */
  readonly state: string;
}

const CERTIFICATE_EXTENSIONS = ['.pem', '.crt', '.cer', '.cert'];

/** The file names for a certificate file path (see the module comment). */
export function pemFilesFor(certificatePath: string): Required<PemFiles> {
  const folder = path.dirname(certificatePath);
  const file = path.basename(certificatePath);
  const extension = CERTIFICATE_EXTENSIONS.find((candidate) => file.toLowerCase().endsWith(candidate));
  const base = extension && file.length > extension.length ? file.slice(0, -extension.length) : file;
  return {
    certificate: certificatePath,
    chain: path.join(folder, `${base}.chain.pem`),
    fullchain: path.join(folder, `${base}.fullchain.pem`),
    key: path.join(folder, `${base}.key`),
    state: path.join(folder, `${base}.certflow-install.json`),
  };
}

type FileRole = 'certificate' | 'chain' | 'fullchain' | 'key';
const ROLES: readonly FileRole[] = ['key', 'chain', 'fullchain', 'certificate'];
const modeOf = (role: FileRole): number => (role === 'key' ? 0o600 : 0o644);

/** What an installation recorded beside its files. */
interface InstallState {
  readonly idempotencyKey: string;
  readonly fingerprintSha256: string;
  readonly previousFingerprint: string | null;
  /** Files that existed before and have a backup; the others are removed by a rollback. */
  readonly previous: readonly FileRole[];
  readonly reloaded: boolean;
  readonly rolledBack: boolean;
}

async function readState(file: string): Promise<InstallState | null> {
  const text = await readTextIfExists(file);
  if (text === null) return null;
  try {
    const state = JSON.parse(text) as InstallState;
    return typeof state.idempotencyKey === 'string' && Array.isArray(state.previous) ? state : null;
  } catch {
    // A damaged state file only costs the retry shortcut: the next installation takes fresh backups.
    return null;
  }
}

const writeState = (file: string, state: InstallState) =>
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, 0o600);

function fingerprintOfText(text: string | null): string | null {
  if (text === null) return null;
  try {
    const [first] = certificatesFromPem(text, 'previous certificate');
    return first ? fingerprintOf(first) : null;
  } catch {
    return null;
  }
}

/** The checked content of an installation: what each file must hold. */
export interface PemContent {
  readonly certificate: string;
  readonly chain: string;
  readonly fullchain: string;
  readonly key: string;
  readonly fingerprintSha256: string;
}

/**
 * Checks an install request before anything is written: one certificate with the announced fingerprint, a chain of
 * certificates, and a key that belongs to the certificate. Anything else is a DeployRejectedError.
 */
export function preparePemContent(request: InstallRequest, keyPem: string): PemContent {
  const where = formatLocation(request.location);
  let leaves: X509Certificate[];
  let chain: X509Certificate[];
  try {
    leaves = certificatesFromPem(request.certificatePem, 'the certificate to install');
    chain = request.chainPems.flatMap((pem, index) => certificatesFromPem(pem, `chain certificate ${index + 1}`));
  } catch (error) {
    throw new DeployRejectedError(
      `cannot install at ${where}: ${error instanceof Error ? error.message : String(error)} — pass PEM certificates`,
    );
  }
  const [leaf] = leaves;
  if (!leaf || leaves.length !== 1) {
    throw new DeployRejectedError(
      `cannot install at ${where}: the certificate PEM holds ${leaves.length} certificates; pass the leaf alone and ` +
        'its issuing CAs as the chain',
    );
  }
  const fingerprint = fingerprintOf(leaf);
  if (fingerprint !== normalizeHex(request.fingerprintSha256)) {
    throw new DeployRejectedError(
      `cannot install at ${where}: the certificate's fingerprint is ${fingerprint}, not the requested ` +
        `${normalizeHex(request.fingerprintSha256)}; pass the certificate the request names`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new DeployRejectedError(
      `cannot install at ${where}: the key store entry ${request.keyRef} is not a readable private key; renew the ` +
        'certificate to get a new key',
    );
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new DeployRejectedError(
      `cannot install at ${where}: the key ${request.keyRef} does not belong to certificate ${fingerprint}; pass the ` +
        'key reference the certificate was issued for',
    );
  }
  const certificate = leaf.toString();
  const chainText = chain.map((issuer) => issuer.toString()).join('');
  return {
    certificate,
    chain: chainText,
    fullchain: certificate + chainText,
    key: keyPem.endsWith('\n') ? keyPem : `${keyPem}\n`,
    fingerprintSha256: fingerprint,
  };
}

/** What {@link installPemFiles} did. */
export interface PemInstallOutcome {
  readonly changed: boolean;
  readonly previousFingerprint: string | null;
  /** True when this call ran the reload (a first install, or a retry after a failed reload). */
  readonly reloaded: boolean;
}

/**
 * Installs `content` into `files` idempotently: backups of the replaced files are taken once per idempotency key,
 * a retry that finds everything in place and reloaded changes nothing, and a retry after a failed reload reloads.
 */
export async function installPemFiles(input: {
  readonly files: PemFiles;
  readonly idempotencyKey: string;
  readonly content: PemContent;
  readonly reload: () => Promise<void>;
}): Promise<PemInstallOutcome> {
  const { files, idempotencyKey, content } = input;
  const roles = ROLES.filter((role) => files[role] !== undefined);
  const current = new Map<FileRole, string | null>();
  for (const role of roles) current.set(role, await readTextIfExists(files[role]!));
  const inPlace = roles.every((role) => current.get(role) === content[role]);
  let state = await readState(files.state);
  const sameInstallation = state?.idempotencyKey === idempotencyKey && !state.rolledBack;

  if (inPlace && (!sameInstallation || state?.reloaded)) {
    return {
      changed: false,
      previousFingerprint: sameInstallation ? state!.previousFingerprint : null,
      reloaded: false,
    };
  }
  if (!sameInstallation || state === null) {
    const previous: FileRole[] = [];
    for (const role of roles) {
      const text = current.get(role) ?? null;
      const backup = files[role]! + PREVIOUS_SUFFIX;
      if (text === null) {
        await removeFile(backup);
      } else {
        await writeFileAtomic(backup, text, modeOf(role));
        previous.push(role);
      }
    }
    state = {
      idempotencyKey,
      fingerprintSha256: content.fingerprintSha256,
      previousFingerprint: fingerprintOfText(current.get('certificate') ?? null),
      previous,
      reloaded: false,
      rolledBack: false,
    };
    await writeState(files.state, state);
  } else if (state.reloaded) {
    state = { ...state, reloaded: false };
    await writeState(files.state, state);
  }
  for (const role of roles) {
    if (current.get(role) !== content[role]) await writeFileAtomic(files[role]!, content[role], modeOf(role));
  }
  try {
    await input.reload();
  } catch (error) {
    // The server did not take the new files: put the replaced ones back, so a server restart before the retry (or
    // after the renewal gives up) still finds the certificate it serves. The backups stay for the retry.
    await restoreFiles(files, state.previous);
    if (!(error instanceof ReloadCommandError)) throw error;
    throw new ReloadCommandError(`${error.message}; the previous files are back in place`);
  }
  await writeState(files.state, { ...state, reloaded: true });
  return { changed: true, previousFingerprint: state.previousFingerprint, reloaded: true };
}

/** Puts back the backed-up files of `previous` and removes the others an installation created. */
async function restoreFiles(files: PemFiles, previous: readonly FileRole[]): Promise<void> {
  for (const role of ROLES) {
    const file = files[role];
    if (file === undefined) continue;
    if (!previous.includes(role)) {
      await removeFile(file);
      continue;
    }
    const backup = await readTextIfExists(file + PREVIOUS_SUFFIX);
    if (backup === null) {
      throw new DeployRejectedError(
        `cannot roll back ${file}: its backup ${file + PREVIOUS_SUFFIX} is gone; restore the previous certificate ` +
          'by hand or install a new one',
      );
    }
    await writeFileAtomic(file, backup, modeOf(role));
  }
}

/** Restores the files an installation replaced (removing those it created), then reloads; false: nothing to restore. */
export async function rollbackPemFiles(input: {
  readonly files: PemFiles;
  readonly idempotencyKey: string;
  readonly reload: () => Promise<void>;
}): Promise<boolean> {
  const { files } = input;
  const state = await readState(files.state);
  if (state === null || state.idempotencyKey !== input.idempotencyKey || state.rolledBack) return false;
  await restoreFiles(files, state.previous);
  await input.reload();
  await writeState(files.state, { ...state, rolledBack: true });
  return true;
}

/** A reload command failed, timed out or could not start; the replaced files are put back and a retry installs again. */
export class ReloadCommandError extends Error {
  override readonly name = 'ReloadCommandError';
}

const STDERR_LINES = 5;

function lastLines(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
  return lines.slice(-STDERR_LINES).join(' | ').slice(-1000);
}

/** Runs the reload command (no shell) and resolves when it exits 0. */
export function runReloadCommand(argv: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv): Promise<void> {
  const [program, ...args] = argv;
  const shown = argv.map((part) => (/\s/.test(part) ? JSON.stringify(part) : part)).join(' ');
  if (!program) return Promise.reject(new ReloadCommandError('the reload command is empty; configure a program'));
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, ...env }, maxBuffer: 4 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        const tail = lastLines(String(stderr));
        const says = tail ? `; stderr: ${tail}` : '';
        const code = (error as NodeJS.ErrnoException).code as string | number | undefined;
        const signal = (error as { signal?: string | null }).signal;
        if (error.killed) {
          reject(
            new ReloadCommandError(
              `reload command ${shown} did not finish within ${timeoutMs} ms and was killed${says}; make it return promptly or raise reloadTimeoutMs`,
            ),
          );
        } else if (signal) {
          reject(
            new ReloadCommandError(
              `reload command ${shown} was killed by ${signal}${says}; check what stopped it, then retry`,
            ),
          );
        } else if (typeof code === 'string') {
          reject(
            new ReloadCommandError(
              `reload command ${shown} could not start (${code}); give the full path of an executable program`,
            ),
          );
        } else {
          reject(
            new ReloadCommandError(
              `reload command ${shown} failed with exit code ${code ?? 'unknown'}${says}; fix the command or the server configuration, then retry`,
            ),
          );
        }
      },
    );
  });
}

/** Options of the files deployer. */
export interface FileDeployerOptions {
  readonly keyStore: KeyStore;
  /**
   * Program and arguments run after installing and after rolling back (no shell), e.g. `['nginx', '-s', 'reload']`;
   * unset or empty: no reload (the server reads the files itself, or is reloaded by other means).
   */
  readonly reloadCommand?: readonly string[];
  /** How long the reload command may run; default 30 s. */
  readonly reloadTimeoutMs?: number;
  /** Other names of this machine, besides `localhost`, loopback addresses and its hostname. */
  readonly allowedHosts?: readonly string[];
}

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

/** Verification of installed PEM files on this machine. */
export async function verifyPemFiles(
  files: PemFiles,
  request: VerifyRequest,
  now: Date = new Date(),
): Promise<VerificationResult> {
  const problems: string[] = [];
  const failed = (problem: string): VerificationResult => ({
    location: request.location,
    ok: false,
    servedFingerprint: null,
    chainComplete: false,
    namesMatch: false,
    problems: [problem],
  });
  const certificateText = await readTextIfExists(files.certificate);
  if (certificateText === null) return failed(`no certificate file at ${files.certificate}`);
  let leaf: X509Certificate | undefined;
  try {
    [leaf] = certificatesFromPem(certificateText, files.certificate);
  } catch (error) {
    return failed(`${files.certificate} is not a readable certificate: ${(error as Error).message}`);
  }
  if (!leaf) return failed(`${files.certificate} holds no certificate`);
  const servedFingerprint = fingerprintOf(leaf);
  const expected = normalizeHex(request.expectedFingerprint);
  if (servedFingerprint !== expected) {
    problems.push(`${files.certificate} holds certificate ${servedFingerprint}, not the expected ${expected}`);
  }

  const keyText = await readTextIfExists(files.key);
  if (keyText === null) {
    problems.push(`no key file at ${files.key}`);
  } else {
    try {
      if (!leaf.checkPrivateKey(createPrivateKey(keyText)))
        problems.push(`the key in ${files.key} does not belong to the certificate in ${files.certificate}`);
    } catch {
      problems.push(`${files.key} is not a readable private key`);
    }
  }

  let intermediates: X509Certificate[] = [];
  const chainText = await readTextIfExists(files.chain);
  try {
    intermediates = chainText === null ? [] : certificatesFromPem(chainText, files.chain);
  } catch (error) {
    problems.push(`${files.chain} is not readable: ${(error as Error).message}`);
  }
  const chainProblems = checkChain(leaf, intermediates, request.trustAnchorPems, files.chain, now);
  problems.push(...chainProblems);

  const uncovered = request.names.filter((name) => !certificateCovers(leaf, name));
  if (uncovered.length > 0) problems.push(`the certificate does not cover ${uncovered.join(', ')}`);

  return {
    location: request.location,
    ok: problems.length === 0,
    servedFingerprint,
    chainComplete: chainProblems.length === 0,
    namesMatch: uncovered.length === 0,
    problems,
  };
}

function certificateCovers(certificate: X509Certificate, name: string): boolean {
  return net.isIP(name) ? certificate.checkIP(name) !== undefined : certificate.checkHost(name) !== undefined;
}

/** A subject as people read it, most specific first (`CN=…, O=…, C=…`). */
const subjectOf = (certificate: X509Certificate): string => certificate.subject.split('\n').reverse().join(', ');

const issued = (certificate: X509Certificate, issuer: X509Certificate): boolean =>
  certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);

/** Problems on the way from `leaf` through `intermediates` to one of the anchors; none when the chain is complete. */
function checkChain(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  trustAnchorPems: readonly string[],
  chainFile: string,
  now: Date,
): string[] {
  let anchors: X509Certificate[];
  try {
    anchors = trustAnchorPems.flatMap((pem, index) => certificatesFromPem(pem, `trust anchor ${index + 1}`));
  } catch (error) {
    return [`a trust anchor is not readable: ${(error as Error).message}`];
  }
  if (anchors.length === 0) return ['no trust anchor was given to check the chain against'];
  const problems: string[] = [];
  const checkValidity = (certificate: X509Certificate) => {
    if (new Date(certificate.validTo) < now)
      problems.push(`${subjectOf(certificate)} expired on ${certificate.validTo}`);
    if (new Date(certificate.validFrom) > now) {
      problems.push(`${subjectOf(certificate)} is not valid before ${certificate.validFrom}`);
    }
  };
  const used = new Set<X509Certificate>();
  let current = leaf;
  checkValidity(current);
  for (;;) {
    if (anchors.some((anchor) => issued(current, anchor) || fingerprintOf(anchor) === fingerprintOf(current))) {
      return problems;
    }
    const next = intermediates.find((candidate) => !used.has(candidate) && issued(current, candidate));
    if (!next) {
      problems.push(
        `the chain stops at "${subjectOf(current)}": neither ${chainFile} nor the trust anchors ` +
          'hold its issuer — put the issuing CA certificates in the chain',
      );
      return problems;
    }
    used.add(next);
    checkValidity(next);
    current = next;
  }
}

/** Installs PEM files on this machine and runs a reload command (see the module comment). */
export class FileDeployer implements Deployer {
  readonly name = 'files';
  /** The kind of location it installs at. */
  readonly locationKind = 'file' as const;
  private readonly localNames: Set<string>;

  constructor(private readonly options: FileDeployerOptions) {
    const hostname = os.hostname().toLowerCase();
    this.localNames = new Set([
      ...LOOPBACK,
      hostname,
      hostname.split('.')[0]!,
      ...(options.allowedHosts ?? []).map((host) => host.toLowerCase()),
    ]);
  }

  supports(location: CertificateLocation): boolean {
    return this.whyUnsupported(location) === null;
  }

  /** Why this deployer cannot install at `location`, or null when it can. */
  whyUnsupported(location: CertificateLocation): string | null {
    if (location.kind !== 'file') return `${formatLocation(location)} is not a file location`;
    if (location.host !== undefined && !this.localNames.has(location.host.toLowerCase())) {
      return (
        `${formatLocation(location)} is a file on another host (${location.host}); a remote file location needs a ` +
        `certflow agent on that host — install the files there yourself, or list the host in allowedHosts if it ` +
        `is this machine (${os.hostname()})`
      );
    }
    if (!path.isAbsolute(location.path)) return `${location.path} is not an absolute path; write the full path`;
    return null;
  }

  private filesOf(location: CertificateLocation): PemFiles {
    const reason = this.whyUnsupported(location);
    if (reason !== null || location.kind !== 'file') throw new DeployRejectedError(reason ?? 'not a file location');
    return pemFilesFor(location.path);
  }

  /** The configured reload command, or null when there is none (unset or empty: nothing to reload). */
  private get reloadCommand(): readonly string[] | null {
    const command = this.options.reloadCommand;
    return command === undefined || command.length === 0 ? null : command;
  }

  private async reload(files: PemFiles, action: 'install' | 'rollback'): Promise<void> {
    if (this.reloadCommand === null) return;
    await runReloadCommand(this.reloadCommand, this.options.reloadTimeoutMs ?? 30_000, {
      CERTFLOW_ACTION: action,
      CERTFLOW_CERTIFICATE_FILE: files.certificate,
      CERTFLOW_CHAIN_FILE: files.chain,
      CERTFLOW_FULLCHAIN_FILE: files.fullchain,
      CERTFLOW_KEY_FILE: files.key,
    });
  }

  async install(request: InstallRequest): Promise<InstallResult> {
    const files = this.filesOf(request.location);
    await assertFolder(path.dirname(files.certificate), request.location);
    const content = preparePemContent(request, await this.options.keyStore.readPrivateKeyPem(request.keyRef));
    const outcome = await installPemFiles({
      files,
      idempotencyKey: request.idempotencyKey,
      content,
      reload: () => this.reload(files, 'install'),
    });
    const written = `${files.certificate}, ${files.chain}, ${files.fullchain}, ${files.key} (0600)`;
    const reloaded = this.reloadCommand === null ? '' : `; ran ${this.reloadCommand.join(' ')}`;
    return {
      location: request.location,
      changed: outcome.changed,
      previousFingerprint: outcome.previousFingerprint,
      detail: outcome.changed ? `installed ${written}${reloaded}` : `already installed: ${files.certificate}`,
    };
  }

  async verify(request: VerifyRequest): Promise<VerificationResult> {
    return verifyPemFiles(this.filesOf(request.location), request);
  }

  async rollback(input: { readonly idempotencyKey: string; readonly location: CertificateLocation }): Promise<void> {
    const files = this.filesOf(input.location);
    await rollbackPemFiles({
      files,
      idempotencyKey: input.idempotencyKey,
      reload: () => this.reload(files, 'rollback'),
    });
  }
}

/** A missing folder is a wrong location, not a passing outage. */
async function assertFolder(folder: string, location: CertificateLocation): Promise<void> {
  const stat = await fs.stat(folder).catch(() => null);
  if (!stat?.isDirectory()) {
    throw new DeployRejectedError(
      `cannot install at ${formatLocation(location)}: the folder ${folder} does not exist; create it or correct the ` +
        'location',
    );
  }
}
