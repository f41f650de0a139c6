import fs from 'node:fs/promises';
import type { ParsedCertificate } from '../domain/certificates/certificate-facts';
import { decodeCertificates } from '../domain/certificates/decode-certificates';
import type { CertificateParseError } from '../domain/certificates/errors';
import type { CertificateLocation, CertificateMetadataPatch, NewAuditEntry } from '../domain/inventory/model';
import { compilePolicy, evaluateCertificatePolicy } from '../domain/policy/evaluate-policy';
import type { Policy } from '../domain/policy/policy';
import { findCertificateFiles } from '../../adapters/certificate-files/find-certificate-files';
import { openPkcs12, Pkcs12PasswordError } from '../../adapters/certificate-files/pkcs12';
import type { InventoryStore } from '../ports/inventory-store';
import { reevaluatePolicy } from './reevaluate-policy';

/** Who runs an import and from where, for the audit log (R-LOG-1). */
export interface ImportActor {
  /** `user:<name>`, `system`, `workflow:<id>`. */
  readonly actor: string;
  /** Host name or `cli@<host>`. */
  readonly where: string;
}

/** One source of certificate bytes: a file, an endpoint, a CA's issuance record. */
export interface CertificateSource {
  /** Shown in reports and audit entries: a path or host:port. */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Where the certificate is installed, when the source says so (a file path, an endpoint). */
  readonly location?: CertificateLocation;
}

/** A source that could not be read or holds nothing to read; reported, never fatal. */
export interface UnreadableSource {
  readonly name: string;
  /** Set for failures the user must fix (missing file, no permission). */
  readonly error?: string;
  /** Set for sources deliberately passed over (too large, not a regular file). */
  readonly skipped?: string;
}

/** Options of {@link importCertificateSources} and {@link importCertificateFiles}. */
export interface ImportOptions extends ImportActor {
  readonly store: InventoryStore;
  readonly policy: Policy;
  /** Clock for seen/evaluated instants; injectable for tests. */
  readonly now?: () => Date;
  /** PKCS#12 passwords to try in order; the empty password is always tried first. */
  readonly passwords?: readonly string[];
  /** Metadata merged into every imported certificate (`--owner`, `--tag` on the command line). */
  readonly metadata?: CertificateMetadataPatch;
  /** Certificates per store transaction. */
  readonly batchSize?: number;
  /** Called after each source with the number of sources done. */
  readonly onProgress?: (done: number, source: string) => void;
}

/** A per-item problem: the rest of the import went on (R-INV-4). */
export interface ImportIssue {
  readonly source: string;
  readonly message: string;
}

/** A managed certificate whose current version an import replaced: a newer certificate with the same names. */
export interface ManagedReplacement {
  readonly managedCertificateId: string;
  readonly previousFingerprint: string;
  readonly fingerprint: string;
}

/** What an import did. Failures are listed item by item; the import itself does not throw on bad input. */
export interface ImportReport {
  readonly sources: number;
  /** Sources that held at least one certificate. */
  readonly sourcesWithCertificates: number;
  /** Certificates read, counting a certificate once per source it appeared in. */
  readonly certificatesRead: number;
  /** New to the inventory. */
  readonly created: number;
  /** Already in the inventory: metadata merged, last seen updated. */
  readonly updated: number;
  readonly nonCompliant: number;
  readonly issuerLinks: number;
  readonly errors: readonly ImportIssue[];
  /** Sources that hold no certificate (text, keys, other files) and were passed over. */
  readonly skipped: readonly ImportIssue[];
  /**
   * Managed certificates (issue 4): ids of those this import started, and those whose current version it replaced
   * (renewed outside certflow), so the caller can start and signal their lifecycles.
   */
  readonly managed: { readonly created: readonly string[]; readonly replaced: readonly ManagedReplacement[] };
}

const DEFAULT_BATCH = 500;
/** Audit entries keep this many per-item problems; the CLI report has them all. */
const AUDITED_ISSUES = 100;

interface Pending {
  parsed: ParsedCertificate;
  locations: CertificateLocation[];
}

/**
 * Imports certificates from byte sources through parse → policy → store (R-INV-2): decodes every format
 * `decodeCertificates` knows, opens PKCS#12 with the given passwords, evaluates the policy, upserts in batches
 * (idempotent by fingerprint), links issuers and writes audit entries. Bad sources become per-item errors.
 */
export async function importCertificateSources(
  sources: AsyncIterable<CertificateSource | UnreadableSource> | Iterable<CertificateSource | UnreadableSource>,
  options: ImportOptions,
): Promise<ImportReport> {
  const now = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const compiled = compilePolicy(options.policy);
  const version = compiled.version;
  const passwords = ['', ...(options.passwords ?? [])];
  const errors: ImportIssue[] = [];
  const skipped: ImportIssue[] = [];
  let pending = new Map<string, Pending>();
  let sourceCount = 0;
  let withCertificates = 0;
  let certificatesRead = 0;
  let created = 0;
  let updated = 0;
  let nonCompliant = 0;
  const managedCreated: string[] = [];
  const managedReplaced = new Map<string, ManagedReplacement>();

  const flush = async () => {
    if (pending.size === 0) return;
    const byFingerprint = pending;
    const batch = [...byFingerprint.values()];
    pending = new Map();
    const at = now().toISOString();
    const outcome = await options.store.upsertCertificates(
      batch.map(({ parsed, locations }) => ({
        facts: parsed.facts,
        der: parsed.der,
        metadata: mergePatch(options.metadata, locations),
      })),
      at,
    );
    const results = batch.map(({ parsed }) => evaluateCertificatePolicy(parsed.facts, compiled, at));
    await options.store.savePolicyResults(results);
    nonCompliant += results.filter((result) => !result.compliant).length;
    created += outcome.created.length;
    updated += outcome.updated.length;
    // Known certificates too: one imported before managed certificates existed is assigned when it is seen again.
    const assignment = await options.store.assignManagedCertificates([...byFingerprint.keys()], at);
    await options.store.appendAudit([
      ...outcome.created.map((fingerprint): NewAuditEntry => {
        const item = byFingerprint.get(fingerprint);
        return {
          at,
          actor: options.actor,
          action: 'certificate.imported',
          subject: fingerprint,
          where: options.where,
          details: {
            subject: item?.parsed.facts.subject.text,
            notAfter: item?.parsed.facts.notAfter,
            locations: item?.locations,
            policyVersion: version,
          },
        };
      }),
      ...assignment.created.map((managed): NewAuditEntry => ({
        at,
        actor: options.actor,
        action: 'lifecycle.managed-created',
        subject: managed.id,
        where: options.where,
        details: { fingerprint: managed.currentFingerprint, names: managed.namesKey },
      })),
      ...assignment.replaced.map(({ managed, previousFingerprint }): NewAuditEntry => ({
        at,
        actor: options.actor,
        action: 'certificate.replaced-outside-certflow',
        subject: managed.id,
        where: options.where,
        details: { previousFingerprint, fingerprint: managed.currentFingerprint, names: managed.namesKey },
      })),
    ]);
    managedCreated.push(...assignment.created.map((managed) => managed.id));
    for (const { managed, previousFingerprint } of assignment.replaced) {
      // Replaced twice in one import (two batches): the lifecycle needs the newest version and the first it had.
      const earlier = managedReplaced.get(managed.id);
      managedReplaced.set(managed.id, {
        managedCertificateId: managed.id,
        previousFingerprint: earlier?.previousFingerprint ?? previousFingerprint,
        fingerprint: managed.currentFingerprint,
      });
    }
  };

  const add = (parsed: ParsedCertificate, location: CertificateLocation | undefined) => {
    certificatesRead += 1;
    const fingerprint = parsed.facts.fingerprintSha256;
    const known = pending.get(fingerprint);
    const entry = known ?? { parsed, locations: [] };
    if (location) entry.locations.push(location);
    if (!known) pending.set(fingerprint, entry);
  };

  for await (const source of sources) {
    sourceCount += 1;
    if (!('bytes' in source)) {
      if (source.error) errors.push({ source: source.name, message: `${source.name}: ${source.error}` });
      else skipped.push({ source: source.name, message: source.skipped ?? 'not read' });
      options.onProgress?.(sourceCount, source.name);
      continue;
    }
    const decoded = decodeCertificates(source.bytes, source.name);
    let certificates: readonly ParsedCertificate[] = decoded.certificates;
    if (decoded.pkcs12) {
      certificates = openWithPasswords(source, passwords, errors);
    } else if (certificates.length === 0 && isForeignFile(source.name, decoded.errors)) {
      // A folder of certificates also holds READMEs and scripts: not being a certificate is no error for them.
      skipped.push({ source: source.name, message: decoded.errors[0]?.reason ?? skipReason(decoded.skipped) });
    } else {
      for (const error of decoded.errors) errors.push({ source: source.name, message: error.message });
    }
    if (certificates.length > 0) withCertificates += 1;
    for (const parsed of certificates) add(parsed, source.location);
    if (pending.size >= batchSize) await flush();
    options.onProgress?.(sourceCount, source.name);
  }
  await flush();
  const issuerLinks = await options.store.linkIssuers();
  // Approved CAs named by fingerprint match through issuer links, which exist only now: evaluate again with them.
  if (issuerLinks > 0 && options.policy.rules.approvedCas.cas.some((ca) => ca.fingerprintSha256)) {
    await reevaluatePolicy(options.store, options.policy, { ...options, now });
  }

  const report: ImportReport = {
    sources: sourceCount,
    sourcesWithCertificates: withCertificates,
    certificatesRead,
    created,
    updated,
    nonCompliant,
    issuerLinks,
    errors,
    skipped,
    managed: { created: managedCreated, replaced: [...managedReplaced.values()] },
  };
  await options.store.appendAudit([
    {
      at: now().toISOString(),
      actor: options.actor,
      action: 'import.completed',
      subject: 'inventory',
      where: options.where,
      details: {
        ...report,
        errors: report.errors.slice(0, AUDITED_ISSUES),
        errorCount: report.errors.length,
        skipped: undefined,
        skippedCount: report.skipped.length,
        managed: undefined,
        managedCreated: report.managed.created.length,
        managedReplaced: report.managed.replaced.length,
        policyVersion: version,
      },
    },
  ]);
  return report;
}

function openWithPasswords(
  source: CertificateSource,
  passwords: readonly string[],
  errors: ImportIssue[],
): readonly ParsedCertificate[] {
  for (const password of passwords) {
    try {
      return openPkcs12(source.bytes, password, source.name);
    } catch (error) {
      if (error instanceof Pkcs12PasswordError) continue;
      errors.push({ source: source.name, message: (error as Error).message });
      return [];
    }
  }
  errors.push({
    source: source.name,
    message:
      passwords.length > 1
        ? `${source.name}: none of the ${passwords.length - 1} given password(s) opens this PKCS#12 file — pass the right one with --password`
        : `${source.name}: this PKCS#12 file is password-protected — pass its password with --password`,
  });
  return [];
}

/** Names that promise certificate content: a file so named that holds none is an error, not a skip. */
const CERTIFICATE_FILE = /\.(pem|crt|cer|cert|der|p7b|p7c|p12|pfx|ca-bundle|chain)$/i;

/**
 * True when a file is no certificate material: it yielded nothing and no error at all, or it has no certificate name
 * and nothing in it even looked like a certificate.
 */
function isForeignFile(name: string, errors: readonly CertificateParseError[]): boolean {
  return errors.length === 0 || (!CERTIFICATE_FILE.test(name) && errors.every((error) => error.block === null));
}

function skipReason(skipped: readonly { reason: string }[]): string {
  return skipped[0]?.reason ?? 'holds no certificate';
}

function mergePatch(
  base: CertificateMetadataPatch | undefined,
  locations: readonly CertificateLocation[],
): CertificateMetadataPatch | undefined {
  if (locations.length === 0) return base;
  return { ...base, locations: [...(base?.locations ?? []), ...locations] };
}

/** Options of {@link importCertificateFiles}: files and folders instead of byte sources. */
export interface FileImportOptions extends ImportOptions {
  /** Host name recorded in the file locations of imported certificates. */
  readonly host?: string;
  /** Called once the files are found, before reading them. */
  readonly onFilesFound?: (count: number) => void;
}

/** Imports certificate files and folders (recursively); unreadable paths become per-item errors. */
export async function importCertificateFiles(
  paths: readonly string[],
  options: FileImportOptions,
): Promise<ImportReport> {
  const found = await findCertificateFiles(paths);
  options.onFilesFound?.(found.files.length + found.errors.length + found.skipped.length);
  async function* sources(): AsyncIterable<CertificateSource | UnreadableSource> {
    for (const issue of found.errors) yield { name: issue.path, error: issue.reason };
    for (const issue of found.skipped) yield { name: issue.path, skipped: issue.reason };
    for (const file of found.files) {
      try {
        const bytes = await fs.readFile(file.path);
        const location: CertificateLocation = options.host
          ? { kind: 'file', path: file.path, host: options.host }
          : { kind: 'file', path: file.path };
        yield { name: file.path, bytes, location };
      } catch (error) {
        yield { name: file.path, error: (error as Error).message };
      }
    }
  }
  return importCertificateSources(sources(), options);
}
