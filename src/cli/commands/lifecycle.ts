import {
  InvalidRequestIdError,
  LifecycleTimeoutError,
  SearchAttributesMissingError,
  TemporalUnavailableError,
} from '../../core/application/lifecycle-errors';
import { resolveManagedCertificate } from '../../core/application/resolve-managed-certificate';
import type { EnsureReport } from '../../core/ports/lifecycle-port';
import {
  REVOCATION_REASONS,
  type Actor,
  type LifecycleRequest,
  type RevocationReason,
} from '../../core/domain/lifecycle/model';
import type { ManagedCertificate } from '../../core/ports/inventory-store';
import type { CertflowConfig } from '../../runtime/config';
import { parseRequestId } from '../../core/domain/lifecycle/request-id';
import type { LifecycleView } from '../../core/domain/lifecycle/lifecycle-view';
import { TemporalUnreachableError, UsageError } from '../errors';
import { createProgressBar, SILENT_PROGRESS, type ProgressReporter } from '../format/progress';
import { renderTable } from '../format/table';
import type { InventoryContext } from '../inventory-context';
import type { LifecycleConnector, LifecycleSession } from '../lifecycle-connection';
import { DAY_MS } from '../../core/domain/duration';

/** Options of `certflow lifecycle sync`. */
export const LIFECYCLE_SYNC_OPTIONS = {
  concurrency: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Options of `certflow lifecycle status`. */
export const LIFECYCLE_STATUS_OPTIONS = { json: { type: 'boolean', default: false } } as const;

/** Options of `certflow renew`. */
export const RENEW_OPTIONS = {
  reason: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Options of `certflow approve`. */
export const APPROVE_OPTIONS = {
  note: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Options of `certflow reject`. */
export const REJECT_OPTIONS = {
  reason: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Options of `certflow revoke`. */
export const REVOKE_OPTIONS = {
  reason: { type: 'string' },
  'revocation-reason': { type: 'string' },
  'no-replace': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/** What the lifecycle commands work with: the inventory, who acts, and how to reach the lifecycles. */
export interface LifecycleCommandContext extends InventoryContext {
  readonly config: CertflowConfig;
  readonly connect: LifecycleConnector;
}

/** Output of the lifecycle commands. */
export interface LifecycleIo {
  out: (line: string) => void;
  progress?: (text: string) => void;
  columns?: number;
}

async function withSession<T>(context: LifecycleCommandContext, work: (session: LifecycleSession) => Promise<T>) {
  const session = await context.connect(context.config, context.store, context.where, context.db);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

/**
 * Runs `work` on the lifecycles when certflow is running; when it is not (or cannot take the work), returns why,
 * for commands whose own job is done without Temporal (import, groups update).
 */
export async function whenLifecyclesReachable<T>(
  context: LifecycleCommandContext,
  work: (session: LifecycleSession) => Promise<T>,
): Promise<{ readonly done: T } | { readonly unavailable: string }> {
  try {
    return { done: await withSession(context, work) };
  } catch (error) {
    const unavailable =
      error instanceof TemporalUnreachableError ||
      error instanceof TemporalUnavailableError ||
      error instanceof LifecycleTimeoutError ||
      error instanceof SearchAttributesMissingError;
    if (unavailable) return { unavailable: error.message };
    throw error;
  }
}

function actorOf(context: InventoryContext): Actor {
  return { id: context.actor };
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** Reads `--concurrency`; absent means the client's default. */
function readConcurrency(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1024) {
    throw new UsageError(`--concurrency "${raw}" must be a whole number from 1 to 1024`);
  }
  return Number(raw);
}

function describeEnsure(report: EnsureReport & { total: number }, seconds: number): string[] {
  const rate = seconds > 0 ? ` (${count(Math.round(report.total / seconds))}/s)` : '';
  const lines = [
    `Lifecycles of ${count(report.total)} managed certificate${report.total === 1 ? '' : 's'} in ${seconds.toFixed(1)} s${rate}`,
    `  started          ${count(report.started)}`,
    `  already running  ${count(report.alreadyRunning)}`,
  ];
  if (report.skipped.length > 0) lines.push(`  skipped          ${count(report.skipped.length)}`);
  if (report.failed.length > 0) {
    lines.push(`  failed           ${count(report.failed.length)}:`);
    for (const issue of report.failed.slice(0, 20)) lines.push(`    ${issue.managedCertificateId}: ${issue.reason}`);
    if (report.failed.length > 20)
      lines.push(`    … and ${count(report.failed.length - 20)} more (--json lists them all)`);
  }
  return lines;
}

/** `certflow lifecycle sync`: starts the lifecycle of every managed certificate that lacks one; false when some failed. */
export async function runLifecycleSync(
  values: { concurrency?: string; json?: boolean },
  context: LifecycleCommandContext,
  io: LifecycleIo,
): Promise<boolean> {
  const concurrency = readConcurrency(values.concurrency);
  return await withSession(context, async ({ lifecycles }) => {
    let progress: ProgressReporter = SILENT_PROGRESS;
    if (io.progress && !values.json) {
      progress = createProgressBar({ label: 'lifecycles', write: io.progress, columns: io.columns ?? 80 });
    }
    const started = performance.now();
    const report = await lifecycles.syncLifecycles({
      concurrency,
      onProgress: ({ done, total }) => {
        if (total !== null) progress.setTotal(total);
        progress.update(done);
      },
    });
    progress.finish();
    const seconds = (performance.now() - started) / 1000;
    if (values.json) io.out(JSON.stringify({ ...report, seconds }, null, 2));
    else describeEnsure(report, seconds).forEach((line) => io.out(line));
    return report.failed.length === 0;
  });
}

function daysUntil(at: string, now: Date): number {
  return Math.floor((Date.parse(at) - now.getTime()) / DAY_MS);
}

function describeRequest(request: LifecycleRequest): string {
  const kind =
    request.kind === 'revocation'
      ? `revocation (${request.revocationReason ?? 'unspecified'}${request.replace ? ', replace first' : ', no replacement'})`
      : 'renewal';
  const note = request.decisionReason ? ` ("${request.decisionReason}")` : '';
  const decided = request.decidedBy
    ? `, ${request.status} by ${request.decidedBy.id} at ${request.decidedAt}${note}`
    : '';
  return `${request.id}: ${kind}, ${request.status}, requested by ${request.requestedBy.id} at ${request.requestedAt}${decided}: "${request.reason}"`;
}

function decideHint(request: LifecycleRequest): string[] {
  if (request.status !== 'awaiting-approval') return [];
  return [`decide with: certflow approve ${request.id}   or   certflow reject ${request.id} --reason <text>`];
}

function describeStatus(view: LifecycleView, managed: ManagedCertificate, subject: string | null, now: Date): string[] {
  const certificate = view.certificate;
  const expires = certificate
    ? `${certificate.id} ${certificate.subject}, expires ${certificate.notAfter} (${daysUntil(certificate.notAfter, now)} days)`
    : `${managed.currentFingerprint.slice(0, 16)}${subject ? ` ${subject}` : ''}`;
  const lines = [
    `Lifecycle of ${view.managedCertificateId} (workflow ${view.workflowId}), cycle ${view.cycle}`,
    `  certificate   ${expires}`,
    `  phase         ${view.phase}`,
    `  owner group   ${view.ownerGroup ?? '— (unowned)'}`,
    `  renew by      ${view.renewalDeadline ?? '—'}`,
    `  next step     ${view.next ? `${view.next.level} at ${view.next.at}` : '—'}`,
    `  request       ${view.request ? describeRequest(view.request) : '—'}`,
    ...(view.request ? decideHint(view.request).map((hint) => `                ${hint}`) : []),
    `  ticket        ${view.ticket ? `${view.ticket.key} ${view.ticket.url}` : '—'}`,
  ];
  if (view.pendingRevocation) {
    const pending = view.pendingRevocation;
    lines.push(`  revocation    serial ${pending.serialNumber} (${pending.reason}) due ${pending.dueAt}`);
  }
  if (view.lastProblem) lines.push(`  problem       ${view.lastProblem}`);
  if (view.plan.length > 0) {
    lines.push('Plan');
    const table = renderTable(view.plan, [
      { header: 'WHEN', cell: (entry) => entry.at },
      { header: 'STEP', cell: (entry) => entry.kind },
      { header: 'DAYS BEFORE EXPIRY', cell: (entry) => String(entry.daysBeforeExpiry), align: 'right' },
      { header: 'STATUS', cell: (entry) => entry.status },
    ]);
    lines.push(...table.split('\n').map((line) => `  ${line}`));
  }
  if (view.records.length > 0) {
    lines.push('Last records');
    for (const record of view.records.slice(-10)) lines.push(`  ${record.at}  ${record.kind}  ${record.detail}`);
  }
  return lines;
}

/** What the lifecycle commands ask of certflow: of Temporal and the inventory directly, or of certflow's HTTP API. */
export interface LifecycleActions {
  /** The lifecycle of a managed certificate id, or of the id, fingerprint or an 8+ digit prefix of a version. */
  status(idOrPrefix: string): Promise<{ readonly managed: ManagedCertificate; readonly lifecycle: LifecycleView }>;
  /** The subject of an inventory certificate; null when the inventory has none. */
  subjectOf(fingerprint: string): Promise<string | null>;
  /** Asks for a renewal; `namesKey` is the managed certificate's names when known. */
  renew(
    idOrPrefix: string,
    reason: string,
  ): Promise<{ readonly request: LifecycleRequest; readonly namesKey?: string }>;
  decide(requestId: string, decision: 'approve' | 'reject', reason: string | undefined): Promise<LifecycleRequest>;
  revoke(
    idOrPrefix: string,
    input: { readonly reason: string; readonly revocationReason: RevocationReason; readonly replace: boolean },
  ): Promise<{ readonly request: LifecycleRequest; readonly namesKey?: string }>;
}

/** The lifecycle commands acting directly on Temporal and the inventory as the CLI's configured actor. */
export function directLifecycleActions(context: LifecycleCommandContext): LifecycleActions {
  const requestedBy = actorOf(context);
  return {
    status: async (idOrPrefix) => {
      const managed = await resolveManagedCertificate(context.store, idOrPrefix);
      const lifecycle = await withSession(context, ({ lifecycles }) => lifecycles.status(managed.id));
      return { managed, lifecycle };
    },
    subjectOf: async (fingerprint) => (await context.store.getCertificate(fingerprint))?.facts.subject.text ?? null,
    renew: async (idOrPrefix, reason) => {
      const managed = await resolveManagedCertificate(context.store, idOrPrefix);
      const request = await withSession(context, ({ lifecycles }) =>
        lifecycles.requestRenewal(managed.id, { requestedBy, reason, source: 'owner' }),
      );
      return { request, namesKey: managed.namesKey };
    },
    decide: async (requestId, decision, reason) =>
      await withSession(context, ({ lifecycles }) =>
        lifecycles.decide({ requestId, decision, decidedBy: requestedBy, reason }),
      ),
    revoke: async (idOrPrefix, input) => {
      const managed = await resolveManagedCertificate(context.store, idOrPrefix);
      const request = await withSession(context, ({ lifecycles }) =>
        lifecycles.requestRevocation(managed.id, { requestedBy, ...input }),
      );
      return { request, namesKey: managed.namesKey };
    },
  };
}

/** `certflow lifecycle status <id>`: state, dated plan, open request, ticket and last records of one lifecycle. */
export async function runLifecycleStatus(
  idOrPrefix: string,
  values: { json?: boolean },
  actions: LifecycleActions,
  io: LifecycleIo,
  now: Date,
): Promise<void> {
  const { managed, lifecycle: view } = await actions.status(idOrPrefix);
  if (values.json) {
    io.out(JSON.stringify({ managed, lifecycle: view }, null, 2));
    return;
  }
  const subject = view.certificate ? null : await actions.subjectOf(managed.currentFingerprint);
  describeStatus(view, managed, subject, now).forEach((line) => io.out(line));
}

function printRequest(request: LifecycleRequest, headline: string, values: { json?: boolean }, io: LifecycleIo) {
  if (values.json) {
    io.out(JSON.stringify(request, null, 2));
    return;
  }
  io.out(headline);
  io.out(`  ${describeRequest(request)}`);
  decideHint(request).forEach((hint) => io.out(`  ${hint}`));
}

function requireText(flag: string, value: string | undefined, why: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${flag} <text> is required: ${why}`);
  return value.trim();
}

/** The lifecycle a request belongs to, and its names when known: `3f2a9c1e0b7d4a65 (www.example.com)`. */
function lifecycleOf(request: LifecycleRequest, namesKey: string | undefined): string {
  const managedId = parseRequestId(request.id)?.managedCertificateId ?? request.id;
  return namesKey === undefined ? managedId : `${managedId} (${namesKey})`;
}

/** `certflow renew <id>`: asks the lifecycle for a renewal as the acting user (R-RA-1). */
export async function runRenew(
  idOrPrefix: string,
  values: { reason?: string; json?: boolean },
  actions: LifecycleActions,
  io: LifecycleIo,
): Promise<void> {
  const reason = values.reason === undefined ? 'renewal requested with certflow renew' : values.reason.trim();
  if (reason === '') throw new UsageError('--reason must not be empty; leave it out for the default');
  const { request, namesKey } = await actions.renew(idOrPrefix, reason);
  printRequest(request, `Renewal of ${lifecycleOf(request, namesKey)}: request ${request.id}`, values, io);
}

/** `certflow approve|reject <request id>`: decides an open request as the acting user (R-RA-2). */
export async function runDecision(
  decision: 'approve' | 'reject',
  requestId: string,
  values: { note?: string; reason?: string; json?: boolean },
  actions: LifecycleActions,
  io: LifecycleIo,
): Promise<void> {
  if (parseRequestId(requestId) === null) throw new InvalidRequestIdError(requestId);
  const reason =
    decision === 'reject'
      ? requireText('reason', values.reason, 'a rejection tells the requester what to fix')
      : values.note?.trim() || undefined;
  const request = await actions.decide(requestId, decision, reason);
  printRequest(request, `${decision === 'approve' ? 'Approved' : 'Rejected'} request ${request.id}`, values, io);
}

/** `certflow revoke <id>`: asks for a revocation (R-REV-1: owner or security lead, then an approval). */
export async function runRevoke(
  idOrPrefix: string,
  values: { reason?: string; 'revocation-reason'?: string; 'no-replace'?: boolean; json?: boolean },
  actions: LifecycleActions,
  io: LifecycleIo,
): Promise<void> {
  const reason = requireText('reason', values.reason, 'say why the certificate is revoked');
  const raw = values['revocation-reason'];
  if (raw === undefined || !(REVOCATION_REASONS as readonly string[]).includes(raw)) {
    throw new UsageError(
      `--revocation-reason ${raw === undefined ? 'is required' : `"${raw}" is not a reason`}: use one of ${REVOCATION_REASONS.join(', ')}`,
    );
  }
  const replace = !values['no-replace'];
  const { request, namesKey } = await actions.revoke(idOrPrefix, {
    reason,
    revocationReason: raw as RevocationReason,
    replace,
  });
  const what = replace ? 'a replacement is issued and installed first' : 'no replacement: the certificate is retired';
  printRequest(request, `Revocation of ${lifecycleOf(request, namesKey)}, ${what}: request ${request.id}`, values, io);
}
