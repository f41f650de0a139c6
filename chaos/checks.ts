/**
 * What the chaos scenario proves once the chaos stops: each check reads the outcome from the inventory, the CRL, the
 * Slack and Jira stand-ins' records or the workflows' state and becomes one PASS/FAIL row with its counts.
 */
import fs from 'node:fs';
import { x509 } from '../src/adapters/shared/x509';
import type { WorkflowClient } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import type { InventoryDatabase } from '../src/adapters/database/kysely-inventory-store';
import type { DemoJira } from '../src/adapters/jira/stand-in/demo-jira';
import { DEMO_CHANNEL, DEMO_USERS, type DemoSlack } from '../src/adapters/slack/stand-in/demo-workspace';
import type { RecordedMessage } from '../src/adapters/slack/stand-in/stand-in-state';
import type { CampaignProgress } from '../src/core/domain/campaigns/model';
import { decodeCertificates } from '../src/core/domain/certificates/decode-certificates';
import type { AuditEntry } from '../src/core/domain/inventory/model';
import type { InventoryStore } from '../src/core/ports/inventory-store';
import { campaignWorkflowId, lifecycleWorkflowId } from '../src/core/workflows/definitions';

/** One check of the summary table. */
export interface ChaosCheck {
  readonly check: string;
  readonly pass: boolean;
  readonly detail: string;
}

/** Runs `use` with a Temporal client of its own (the server restarts under the scenario). */
export type WithTemporal = <T>(use: (client: WorkflowClient) => Promise<T>) => Promise<T>;

/** A certificate the scenario expects replaced: its managed id, the version in service before and its file. */
export interface ReplacedCertificate {
  readonly managedId: string;
  readonly oldFingerprint: string;
  readonly oldSerial: string;
  readonly file: string;
}

/** Waits `ms`: between polls of a state, never instead of one. */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The campaign's end, once its workflow completed; undefined when it did not by `deadline`. */
export async function waitForCampaign(
  withTemporal: WithTemporal,
  campaignId: string,
  deadline: number,
): Promise<CampaignProgress | undefined> {
  while (Date.now() < deadline) {
    try {
      const end = await withTemporal(async (client) => {
        const handle = client.getHandle(campaignWorkflowId(campaignId));
        const description = await handle.describe();
        return description.status.name === 'RUNNING' ? undefined : ((await handle.result()) as CampaignProgress);
      });
      if (end !== undefined) return end;
    } catch {
      // The server may be restarting: ask again.
    }
    await pause(1000);
  }
  return undefined;
}

/** A lifecycle's state once settled: its status and what activity it still waits on. */
interface LifecycleState {
  readonly status: string;
  readonly pending: readonly string[];
}

/**
 * Waits until every lifecycle runs with no activity pending (what a lifecycle does between cycles), or `deadline`;
 * returns each one's last state. Retries after the chaos are allowed to finish; a lifecycle still retrying then is
 * stuck.
 */
export async function settleLifecycles(
  withTemporal: WithTemporal,
  managedIds: readonly string[],
  deadline: number,
): Promise<Map<string, LifecycleState>> {
  const states = new Map<string, LifecycleState>();
  for (;;) {
    const unsettled = managedIds.filter((id) => {
      const state = states.get(id);
      return state === undefined || state.status !== 'RUNNING' || state.pending.length > 0;
    });
    // One look at every lifecycle even past the deadline: a check without states would pass on nothing.
    if (unsettled.length === 0 || (Date.now() > deadline && states.size === managedIds.length)) return states;
    try {
      await withTemporal(async (client) => {
        for (const id of unsettled) {
          const description = await client.getHandle(lifecycleWorkflowId(id)).describe();
          states.set(id, {
            status: description.status.name,
            pending: (description.raw.pendingActivities ?? []).map(
              (activity) => `${activity.activityType?.name ?? '?'} (attempt ${activity.attempt ?? 0})`,
            ),
          });
        }
      });
    } catch {
      // The server may be restarting: ask again.
    }
    await pause(1000);
  }
}

async function auditRows(store: InventoryStore, action: string): Promise<AuditEntry[]> {
  const rows: AuditEntry[] = [];
  for await (const batch of store.eachAuditEntry({ action }, 1000)) rows.push(...batch);
  return rows;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** `n` of `total`, naming up to three examples of what failed. */
function tally(bad: readonly string[], total: number, what: string): string {
  const examples = bad.length === 0 ? '' : ` (e.g. ${bad.slice(0, 3).join('; ')})`;
  return `${total - bad.length}/${total} ${what}${examples}`;
}

function normalSerial(serial: string): string {
  return serial
    .toLowerCase()
    .replace(/[^0-9a-f]/g, '')
    .replace(/^0+/, '');
}

/** Everything the checks read. */
export interface CheckInputs {
  readonly certificates: number;
  readonly store: InventoryStore;
  readonly db: Kysely<InventoryDatabase>;
  readonly campaignEnd: CampaignProgress | undefined;
  readonly members: readonly ReplacedCertificate[];
  readonly owners: readonly ReplacedCertificate[];
  readonly lifecycles: ReadonlyMap<string, LifecycleState>;
  readonly slack: DemoSlack;
  readonly jira: DemoJira;
  readonly crlDer: Uint8Array;
  readonly ownExits: number;
}

/** Every check of the scenario, in the summary table's order. */
export async function chaosChecks(inputs: CheckInputs): Promise<ChaosCheck[]> {
  const { store, campaignEnd, members, owners } = inputs;
  const checks: ChaosCheck[] = [];
  const add = (check: string, bad: readonly string[], total: number, what: string) =>
    checks.push({ check, pass: bad.length === 0, detail: tally(bad, total, what) });

  const revokedCount = campaignEnd?.counts['old-revoked'] ?? 0;
  checks.push({
    check: 'campaign completed',
    pass: campaignEnd?.status === 'completed' && revokedCount === inputs.certificates,
    detail: `status ${campaignEnd?.status ?? 'still running'}, ${revokedCount}/${inputs.certificates} old versions revoked`,
  });

  const issued = await auditRows(store, 'certificate.issued');
  const issuedFor = countBy(issued, (row) => String(row.details.replaces));
  const newOf = new Map(issued.map((row) => [String(row.details.replaces), row.subject]));
  const replacedOnce = async (certificates: readonly ReplacedCertificate[]) => {
    const bad: string[] = [];
    for (const certificate of certificates) {
      const times = issuedFor.get(certificate.oldFingerprint) ?? 0;
      const managed = await store.getManagedCertificate(certificate.managedId);
      const deployed = decodeCertificates(fs.readFileSync(certificate.file), certificate.file).certificates[0];
      const fresh = newOf.get(certificate.oldFingerprint);
      if (times !== 1) bad.push(`${certificate.managedId} issued ${times}×`);
      else if (managed?.currentFingerprint !== fresh) bad.push(`${certificate.managedId} inventory not on the new one`);
      else if (deployed?.facts.fingerprintSha256 !== fresh) bad.push(`${certificate.file} not the new certificate`);
    }
    return bad;
  };
  add(
    'R-CAM-4 each selected certificate replaced exactly once',
    await replacedOnce(members),
    members.length,
    'issued once, in the inventory and on disk',
  );
  add(
    'owner renewals replaced exactly once',
    await replacedOnce(owners),
    owners.length,
    'issued once, in the inventory and on disk',
  );

  // An audit row for every step of every cycle: one per step, never two.
  const steps: [string, (certificate: ReplacedCertificate) => string | undefined][] = [
    ['ticket.opened', (certificate) => certificate.oldFingerprint],
    ['certificate.installed', (certificate) => newOf.get(certificate.oldFingerprint)],
    ['certificate.verified', (certificate) => newOf.get(certificate.oldFingerprint)],
  ];
  const auditBad: string[] = [];
  let auditExpected = 0;
  for (const [action, subjectOf] of steps) {
    const counts = countBy(await auditRows(store, action), (row) => row.subject);
    for (const certificate of [...members, ...owners]) {
      auditExpected += 1;
      const times = counts.get(subjectOf(certificate) ?? '') ?? 0;
      if (times !== 1) auditBad.push(`${action} ${certificate.managedId} ${times}×`);
    }
  }
  const revokedRows = countBy(await auditRows(store, 'certificate.revoked'), (row) => row.subject);
  for (const member of members) {
    auditExpected += 1;
    const times = revokedRows.get(member.oldFingerprint) ?? 0;
    if (times !== 1) auditBad.push(`certificate.revoked ${member.managedId} ${times}×`);
  }
  add('an audit row for every step, once', auditBad, auditExpected, 'step rows (ticket, install, verify, revoke)');

  const crl = new x509.X509Crl(inputs.crlDer);
  const onCrl = new Set(crl.entries.map((entry) => normalSerial(entry.serialNumber)));
  add(
    'every revocation in the CA’s CRL',
    members.filter((member) => !onCrl.has(normalSerial(member.oldSerial))).map((member) => member.oldSerial),
    members.length,
    `old serials on the CRL (${crl.entries.length} entries)`,
  );

  // Jira: one change ticket per cycle. The cycle label names the cycle's idempotency key: a second ticket for a cycle
  // carries the label of a ticket the audit log names.
  const issues = inputs.jira.standIn.issues();
  const cycleLabel = (labels: readonly string[]) => labels.find((label) => /^certflow-[0-9a-f]{16}$/.test(label));
  const opened = new Set((await auditRows(store, 'ticket.opened')).map((row) => String(row.details.ticket)));
  const openedLabels = new Set(
    issues.filter((issue) => opened.has(issue.key)).map((issue) => cycleLabel(issue.fields.labels) ?? issue.key),
  );
  const perCycle = countBy(
    issues.filter((issue) => openedLabels.has(cycleLabel(issue.fields.labels) ?? '')),
    (issue) => cycleLabel(issue.fields.labels) ?? '',
  );
  const cycles = members.length + owners.length;
  const ticketBad = [...perCycle]
    .filter(([, count]) => count > 1)
    .map(([label, count]) => `${label}: ${count} tickets`);
  if (perCycle.size !== cycles) ticketBad.push(`${perCycle.size} cycles have tickets, ${cycles} expected`);
  add(
    'exactly one Jira ticket per cycle',
    ticketBad,
    cycles,
    `cycles with one ticket (${issues.length} issues in all)`,
  );
  const commentBad: string[] = [];
  let comments = 0;
  for (const issue of issues) {
    const keys = issue.comments.flatMap((comment) =>
      comment.properties.map((property) => String((property.value as { idempotencyKey?: unknown }).idempotencyKey)),
    );
    comments += issue.comments.length;
    for (const [key, count] of countBy(keys, (key) => key))
      if (count > 1) commentBad.push(`${issue.key} ${key} ${count}×`);
    const unkeyed = issue.comments.length - keys.length;
    if (unkeyed > 0) commentBad.push(`${issue.key}: ${unkeyed} comment(s) without certflow's key`);
  }
  add('one Jira comment per step', commentBad, comments, 'comments, each key once');

  // Slack: every message the bot has in the workspace is one the delivery store recorded for its key, once.
  const channels = [
    DEMO_CHANNEL.id,
    ...Object.values(DEMO_USERS).flatMap((user) => inputs.slack.standIn.dmChannel(user.id) ?? []),
  ];
  const messages = channels.flatMap((channel) =>
    inputs.slack.standIn.messages(channel).filter((message) => !message.deleted),
  );
  const posted = messages.map((message) => `${message.channel}/${message.ts}`);
  const recorded = await sql<{ channel: string; ts: string; idempotency_key: string }>`
    select channel, ts, idempotency_key from slack_delivered_messages`.execute(inputs.db);
  const recordedRefs = new Set(recorded.rows.map((row) => `${row.channel}/${row.ts}`));
  // A stray message is told by the key it was posted under and its text, so a finding says which post went astray.
  const slackBad = messages
    .filter((message) => !recordedRefs.has(`${message.channel}/${message.ts}`))
    .map((message) => `${message.channel}/${message.ts} posted but no key has it: ${describePost(message)}`);
  slackBad.push(
    ...[...recordedRefs].filter((ref) => !posted.includes(ref)).map((ref) => `${ref} recorded but not in Slack`),
  );
  add(
    'one Slack message per notification key',
    slackBad,
    posted.length,
    `messages (${recorded.rows.length} recorded deliveries)`,
  );

  const stuck = [...inputs.lifecycles]
    .filter(([, state]) => state.status !== 'RUNNING' || state.pending.length > 0)
    .map(([id, state]) => `${id} ${state.status} ${state.pending.join(', ')}`);
  add('no lifecycle stuck', stuck, inputs.lifecycles.size, 'lifecycles running with nothing pending');

  checks.push({
    check: 'workers died only when killed',
    pass: inputs.ownExits === 0,
    detail: `${inputs.ownExits} worker(s) exited on their own`,
  });
  return checks;
}

/** A Slack message as a finding shows it: the delivery key in its metadata (if any), its text's start, its files. */
function describePost(message: RecordedMessage): string {
  const payload = message.metadata?.event_payload as { key?: unknown } | undefined;
  const key = typeof payload?.key === 'string' ? `key ${payload.key}` : 'no key';
  const files = message.files?.length ? `, ${message.files.length} file(s)` : '';
  return `${key}${files}, "${message.text.slice(0, 80)}"`;
}

/** The summary table: one row per check, PASS or FAIL with its counts. */
export function summaryTable(checks: readonly ChaosCheck[]): string {
  const width = Math.max(...checks.map((check) => check.check.length));
  return checks
    .map((check) => `${check.pass ? 'PASS' : 'FAIL'}  ${check.check.padEnd(width)}  ${check.detail}`)
    .join('\n');
}
