/**
 * What /metrics reports, read from the inventory database in a handful of GROUP BY queries over indexed columns
 * (migration 019 adds the covering indexes), so a scrape costs the same few statements at 50,000 certificates as at
 * fifty and every number survives a restart of the worker that changed it.
 *
 * Certificates counted are those in service: not revoked, and not a replaced version of a managed certificate (nor
 * one of a retired managed certificate). Lifecycle phases and open requests come from the phase each lifecycle
 * workflow last reported into `managed_certificates`, which any process holding the database can read without asking
 * Temporal.
 */
import { sql, type Kysely } from 'kysely';
import { DAY_MS } from '../../core/domain/duration';
import {
  ENDED_CAMPAIGN_STATUSES,
  FINISHED_MEMBER_STATES,
  type CampaignDefinition,
} from '../../core/domain/campaigns/model';
import type { InventoryDatabase } from '../database/kysely-inventory-store';

/** The days-to-expiry buckets, each certificate in exactly one: upper bounds in days, then `later` (over 120). */
export const EXPIRY_BUCKET_DAYS = [7, 14, 30, 60, 90, 120] as const;

/** A bucket's label: `expired`, `7d` … `120d` (expires within that many days, after the previous bound), `later`. */
export type ExpiryBucket = 'expired' | `${(typeof EXPIRY_BUCKET_DAYS)[number]}d` | 'later';

/** Every bucket label in order, so an empty bucket is reported as 0 rather than missing. */
export const EXPIRY_BUCKETS: readonly ExpiryBucket[] = [
  'expired',
  ...EXPIRY_BUCKET_DAYS.map((days) => `${days}d` as const),
  'later',
];

/** Lifecycle phases in which a renewal or revocation request is open (asked and not yet done). */
export const OPEN_REQUEST_PHASES = ['awaiting-approval', 'issuing', 'installing', 'verifying', 'revocation-pending'];

/** How long a Slack delivery may stay part-sent before it counts as failed: longer than any digest window. */
export const UNFINISHED_DELIVERY_AFTER_MS = 15 * 60_000;

/** Certificates in service in one expiry bucket and owner group (null: unowned). */
export interface CertificateCount {
  readonly expiry: ExpiryBucket;
  readonly ownerGroup: string | null;
  readonly count: number;
}

/** Open requests in one phase and when the longest-waiting of them entered it. */
export interface OpenRequests {
  readonly phase: string;
  readonly count: number;
  readonly oldestSinceMs: number;
}

/** One campaign that has not ended: its members by state, and what its burndown is measured against. */
export interface CampaignProgressMetrics {
  readonly id: string;
  readonly startedAtMs: number;
  readonly deadlineMs: number;
  readonly members: Readonly<Record<string, number>>;
  /** Members whose old certificate is replaced and revoked, or that needed nothing (FINISHED_MEMBER_STATES). */
  readonly done: number;
  readonly total: number;
}

/** Everything /metrics reports at one instant. */
export interface MetricsSnapshot {
  readonly takenAtMs: number;
  readonly certificates: readonly CertificateCount[];
  /** Certificates in service violating each policy rule. */
  readonly ruleViolations: Readonly<Record<string, number>>;
  /** Managed certificates that are not retired, by their lifecycle's phase. */
  readonly lifecyclePhases: Readonly<Record<string, number>>;
  readonly openRequests: readonly OpenRequests[];
  readonly campaigns: readonly CampaignProgressMetrics[];
  /** Change-ticket steps the ticketing system refused for good (audit log `ticket.refused`), ever. */
  readonly ticketFailures: number;
  /** Slack notifications that reached part of their audience and then stopped for over 15 minutes. */
  readonly unfinishedNotifications: number;
}

/** Reads a count the driver may return as a string (PostgreSQL's bigint). */
function count(value: unknown): number {
  return Number(value);
}

/**
 * Certificates that are not in service although not revoked: every version of a managed certificate but its current
 * one, and every version of a retired one. Only managed certificates with more than one version (counted from the
 * versions' managed_id index alone) or retired are looked up, so the cost follows the renewals, not the inventory.
 */
const outOfService = sql`select v.fingerprint from managed_certificate_versions v
  join managed_certificates m on m.id = v.managed_id
  where v.managed_id in (
    select managed_id from managed_certificate_versions group by managed_id having count(*) > 1
    union select id from managed_certificates where retired = 1)
  and (m.current_fingerprint <> v.fingerprint or m.retired = 1)`;

/** The bucket of a certificate expiring at `notAfterMs`, seen at `nowMs`. */
export function expiryBucketOf(notAfterMs: number, nowMs: number): ExpiryBucket {
  if (notAfterMs <= nowMs) return 'expired';
  const days = EXPIRY_BUCKET_DAYS.find((bound) => notAfterMs <= nowMs + bound * DAY_MS);
  return days === undefined ? 'later' : `${days}d`;
}

function expiryCase(nowMs: number) {
  const bounds = EXPIRY_BUCKET_DAYS.map((days) => sql`when not_after <= ${nowMs + days * DAY_MS} then ${`${days}d`}`);
  return sql`case when not_after <= ${nowMs} then 'expired' ${sql.join(bounds, sql` `)} else 'later' end`;
}

/**
 * Unrevoked certificates by bucket and owner group from the covering index on (owner_group, not_after, revoked_at),
 * and violations per rule from the rule index, less what belongs to certificates out of service: those are read once,
 * with their rules, by one pass over the versions (they are the replaced versions, not the inventory); revoked ones'
 * violations come from the same covering index.
 */
async function readCertificatesAndViolations(
  db: Kysely<InventoryDatabase>,
  nowMs: number,
): Promise<{ certificates: CertificateCount[]; ruleViolations: Record<string, number> }> {
  const { rows: unrevoked } = await sql<{ expiry: ExpiryBucket; owner_group: string | null; n: unknown }>`
    select ${expiryCase(nowMs)} as expiry, owner_group, count(*) as n
    from certificates where revoked_at is null
    group by owner_group, 1`.execute(db);
  const { rows: violations } = await sql<{ rule_id: string; n: unknown }>`
    select rule_id, count(*) as n from policy_rule_violations group by rule_id`.execute(db);
  const { rows: revokedViolations } = await sql<{ rule_id: string; n: unknown }>`
    select rule_id, count(*) as n from policy_rule_violations
    where fingerprint in (select fingerprint from certificates where revoked_at is not null)
    group by rule_id`.execute(db);
  const { rows: replaced } = await sql<{
    fingerprint: string;
    owner_group: string | null;
    not_after: unknown;
    rule_id: string | null;
  }>`
    select c.fingerprint, c.owner_group, c.not_after, p.rule_id
    from (${outOfService}) r join certificates c on c.fingerprint = r.fingerprint
    left join policy_rule_violations p on p.fingerprint = c.fingerprint
    where c.revoked_at is null`.execute(db);

  const counts = new Map<string, CertificateCount>();
  const add = (expiry: ExpiryBucket, ownerGroup: string | null, n: number) => {
    const key = JSON.stringify([expiry, ownerGroup]);
    counts.set(key, { expiry, ownerGroup, count: (counts.get(key)?.count ?? 0) + n });
  };
  for (const row of unrevoked) add(row.expiry, row.owner_group, count(row.n));
  const rules: Record<string, number> = Object.fromEntries(violations.map((row) => [row.rule_id, count(row.n)]));
  for (const row of revokedViolations) rules[row.rule_id] = (rules[row.rule_id] ?? 0) - count(row.n);
  const subtracted = new Set<string>();
  for (const row of replaced) {
    if (!subtracted.has(row.fingerprint)) add(expiryBucketOf(count(row.not_after), nowMs), row.owner_group, -1);
    subtracted.add(row.fingerprint);
    if (row.rule_id !== null) rules[row.rule_id] = (rules[row.rule_id] ?? 0) - 1;
  }
  return {
    certificates: [...counts.values()].filter((entry) => entry.count > 0),
    ruleViolations: Object.fromEntries(Object.entries(rules).filter(([, n]) => n > 0)),
  };
}

async function readLifecycles(
  db: Kysely<InventoryDatabase>,
): Promise<{ phases: Record<string, number>; open: OpenRequests[] }> {
  const { rows } = await sql<{ phase: string; n: unknown; oldest: unknown }>`
    select phase, count(*) as n, min(updated_at) as oldest
    from managed_certificates where retired = 0
    group by phase`.execute(db);
  return {
    phases: Object.fromEntries(rows.map((row) => [row.phase, count(row.n)])),
    open: rows
      .filter((row) => OPEN_REQUEST_PHASES.includes(row.phase))
      .map((row) => ({ phase: row.phase, count: count(row.n), oldestSinceMs: count(row.oldest) })),
  };
}

async function readCampaigns(db: Kysely<InventoryDatabase>): Promise<CampaignProgressMetrics[]> {
  const ended = sql.join(ENDED_CAMPAIGN_STATUSES.map((status) => sql`${status}`));
  const { rows: campaigns } = await sql<{ id: string; definition: string }>`
    select id, definition from campaigns where status not in (${ended})`.execute(db);
  if (campaigns.length === 0) return [];
  const ids = sql.join(campaigns.map((campaign) => sql`${campaign.id}`));
  const { rows: members } = await sql<{ campaign_id: string; state: string; n: unknown }>`
    select campaign_id, state, count(*) as n from campaign_members
    where campaign_id in (${ids}) group by campaign_id, state`.execute(db);
  return campaigns.map((campaign) => {
    const definition = JSON.parse(campaign.definition) as CampaignDefinition;
    const states: Record<string, number> = {};
    for (const row of members) if (row.campaign_id === campaign.id) states[row.state] = count(row.n);
    const total = Object.values(states).reduce((sum, n) => sum + n, 0);
    const done = FINISHED_MEMBER_STATES.reduce((sum, state) => sum + (states[state] ?? 0), 0);
    return {
      id: campaign.id,
      startedAtMs: Date.parse(definition.launchedAt),
      deadlineMs: Date.parse(definition.deadline),
      members: states,
      done,
      total,
    };
  });
}

async function readFailures(
  db: Kysely<InventoryDatabase>,
  nowMs: number,
): Promise<{ tickets: number; notifications: number }> {
  const { rows: tickets } = await sql<{ n: unknown }>`
    select count(*) as n from audit_log where action = 'ticket.refused'`.execute(db);
  const { rows: notifications } = await sql<{ n: unknown }>`
    select count(*) as n from slack_deliveries
    where receipt is null and updated_at < ${nowMs - UNFINISHED_DELIVERY_AFTER_MS}`.execute(db);
  return { tickets: count(tickets[0]?.n ?? 0), notifications: count(notifications[0]?.n ?? 0) };
}

/** Reads every metric at `nowMs` in one read transaction, so the numbers agree with one another. */
export async function readMetricsSnapshot(db: Kysely<InventoryDatabase>, nowMs: number): Promise<MetricsSnapshot> {
  return await db.transaction().execute(async (trx) => {
    const { certificates, ruleViolations } = await readCertificatesAndViolations(trx, nowMs);
    const lifecycles = await readLifecycles(trx);
    const campaigns = await readCampaigns(trx);
    const failures = await readFailures(trx, nowMs);
    return {
      takenAtMs: nowMs,
      certificates,
      ruleViolations,
      lifecyclePhases: lifecycles.phases,
      openRequests: lifecycles.open,
      campaigns,
      ticketFailures: failures.tickets,
      unfinishedNotifications: failures.notifications,
    };
  });
}
