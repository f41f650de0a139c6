/**
 * The campaign store in the inventory database (SQLite or PostgreSQL).
 *
 * Tables (created by src/adapters/database/migrations/006-campaigns.ts):
 * - `campaigns`: one row per campaign: its definition as JSON (the first one written wins) and the status its
 *   workflow last mirrored.
 * - `campaign_members`: one row per selected certificate version (`campaign_id`, `fingerprint`), with its managed
 *   certificate, a stable `ordinal` (enrolment order), the owner group at enrolment (NO_OWNER_GROUP for none), the
 *   state, attempts, `final` (a failure no retry fixes) and `claim_key` (the claim that last handed it out: a
 *   `pending` member with a claim key is under way, one without is waiting).
 * Selection runs in SQL over the inventory's tables (see the top of kysely-inventory-store.ts), so enrolling tens of
 * thousands of certificates is one INSERT … SELECT. Instants are epoch milliseconds in a bigint.
 */
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import {
  FINISHED_MEMBER_STATES,
  NO_OWNER_GROUP,
  type CampaignDefinition,
  type CampaignMember,
  type CampaignMemberState,
  type CampaignPreview,
  type CampaignSelector,
  type CampaignStatus,
} from '../../core/domain/campaigns/model';
import { globToLikePattern, validateCampaignSelector } from '../../core/domain/campaigns/selector';
import type { InventoryDatabase } from './kysely-inventory-store';
import type {
  CampaignStore,
  ClaimResult,
  EnrolmentResult,
  MemberStateChange,
  StoredCampaign,
} from '../../core/ports/campaign-store';
import { DAY_MS } from '../../core/domain/duration';

/** Row of `campaigns`. */
interface CampaignsTable {
  id: string;
  definition: string;
  status: string;
  created_at: number;
  updated_at: number;
}

/** Row of `campaign_members`. */
interface CampaignMembersTable {
  campaign_id: string;
  fingerprint: string;
  managed_certificate_id: string;
  ordinal: number;
  owner_group: string;
  subject: string;
  not_after: number;
  state: string;
  attempts: number;
  detail: string | null;
  final: number;
  claim_key: string | null;
  enrolled_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** The tables of this store. */
interface CampaignTables {
  campaigns: CampaignsTable;
  campaign_members: CampaignMembersTable;
}

/** Options of {@link SqlCampaignStore}. */
export interface SqlCampaignStoreOptions {
  /** The inventory database, migrated (`openInventoryDatabase` hands it out). */
  readonly db: Kysely<InventoryDatabase>;
  /** The clock of writes that take no instant; `Date.now` by default. */
  readonly nowMs?: () => number;
}

const SAMPLE_SIZE = 20;
const ms = (iso: string) => Date.parse(iso);
const iso = (value: number | null) => (value === null ? null : new Date(Number(value)).toISOString());

/** Every selector field as SQL conditions over `managed_certificates m` joined to `certificates c`. */
function selectionConditions(selector: CampaignSelector): RawBuilder<SqlBool>[] {
  const s = validateCampaignSelector(selector);
  const conditions: RawBuilder<SqlBool>[] = [sql`m.retired = 0`, sql`c.role = 'end-entity'`];
  const list = (values: readonly string[]) => sql.join(values.map((value) => sql`${value}`));
  if (s.issuerDn !== undefined) conditions.push(sql`c.issuer_folded = ${s.issuerDn.toLowerCase()}`);
  if (s.issuerFingerprint !== undefined) conditions.push(sql`c.issuer_fingerprint = ${s.issuerFingerprint}`);
  if (s.signatureHashes !== undefined) conditions.push(sql`c.signature_hash in (${list(s.signatureHashes)})`);
  if (s.keyAlgorithm !== undefined) conditions.push(sql`c.key_algorithm = ${s.keyAlgorithm}`);
  if (s.keySizeBelow !== undefined) conditions.push(sql`c.key_size < ${s.keySizeBelow}`);
  if (s.notBeforeFrom !== undefined) conditions.push(sql`c.not_before >= ${ms(s.notBeforeFrom)}`);
  if (s.notBeforeUntil !== undefined) conditions.push(sql`c.not_before < ${ms(s.notBeforeUntil)}`);
  if (s.names !== undefined) {
    const patterns = s.names.map(globToLikePattern);
    // The CN has no folded column; SQL lower() folds ASCII only, which host names are.
    const cn = sql.join(
      patterns.map((pattern) => sql`lower(c.subject_cn) like ${pattern} escape '\\'`),
      sql` or `,
    );
    const dns = sql.join(
      patterns.map((pattern) => sql`v.folded like ${pattern} escape '\\'`),
      sql` or `,
    );
    conditions.push(
      sql`((${cn}) or exists (select 1 from certificate_values v where v.first_seen_at = c.first_seen_at and v.fingerprint = c.fingerprint and v.kind = 'san:dns' and (${dns})))`,
    );
  }
  if (s.ownerGroups !== undefined) conditions.push(sql`c.owner_group in (${list(s.ownerGroups)})`);
  if (s.tags !== undefined)
    conditions.push(
      sql`exists (select 1 from certificate_values t where t.first_seen_at = c.first_seen_at and t.fingerprint = c.fingerprint and t.kind = 'tag' and t.folded in (${list(s.tags.map((tag) => tag.toLowerCase()))}))`,
    );
  if (s.violations !== undefined)
    conditions.push(
      sql`exists (select 1 from policy_rule_violations r where r.fingerprint = c.fingerprint and r.rule_id in (${list(s.violations)}))`,
    );
  return conditions;
}

const selected = (conditions: RawBuilder<SqlBool>[]) =>
  sql`managed_certificates m join certificates c on c.fingerprint = m.current_fingerprint where ${sql.join(conditions, sql` and `)}`;

/** Keeps campaigns and their members in the inventory database. */
export class SqlCampaignStore implements CampaignStore {
  private readonly db: Kysely<CampaignTables>;
  private readonly nowMs: () => number;

  constructor(options: SqlCampaignStoreOptions) {
    // Migration 006 created these tables in the inventory database; its own type does not list them.
    this.db = options.db as unknown as Kysely<CampaignTables>;
    this.nowMs = options.nowMs ?? Date.now;
  }

  async createCampaign(definition: CampaignDefinition, at: string): Promise<StoredCampaign> {
    await this.db
      .insertInto('campaigns')
      .values({
        id: definition.id,
        definition: JSON.stringify(definition),
        status: 'running',
        created_at: ms(at),
        updated_at: ms(at),
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute();
    return (await this.getCampaign(definition.id))!;
  }

  async getCampaign(id: string): Promise<StoredCampaign | null> {
    const row = await this.db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : campaignOf(row);
  }

  async listCampaigns(options: { status?: CampaignStatus; limit?: number } = {}): Promise<StoredCampaign[]> {
    let query = this.db.selectFrom('campaigns').selectAll();
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit ?? 100)
      .execute();
    return rows.map(campaignOf);
  }

  async setCampaignStatus(id: string, status: CampaignStatus, at: string): Promise<void> {
    await this.db
      .updateTable('campaigns')
      .set({ status, updated_at: ms(at) })
      .where('id', '=', id)
      .execute();
  }

  async previewSelector(selector: CampaignSelector, now: string): Promise<CampaignPreview> {
    const from = selected(selectionConditions(selector));
    const nowMs = ms(now);
    const band = sql`case when c.not_after <= ${nowMs} then 'expired' when c.not_after < ${nowMs + 30 * DAY_MS} then '<30d' when c.not_after < ${nowMs + 90 * DAY_MS} then '30-90d' when c.not_after < ${nowMs + 365 * DAY_MS} then '90-365d' else '>365d' end`;
    const grouped = async (key: RawBuilder<unknown>) => {
      const result = await sql<{ key: string; count: number }>`
        select ${key} as key, count(*) as count from ${from} group by 1 order by count(*) desc, 1`.execute(this.db);
      return result.rows.map((row) => ({ key: row.key, count: Number(row.count) }));
    };
    const byOwnerGroup = await grouped(sql`coalesce(c.owner_group, ${NO_OWNER_GROUP})`);
    const byIssuer = await grouped(sql`coalesce(c.issuer_cn, c.issuer)`);
    const byExpiryBand = await grouped(band);
    const sample = await sql<{ id: string; subject: string; owner_group: string | null; not_after: number }>`
      select m.id, c.subject, c.owner_group, c.not_after from ${from} order by c.not_after, m.id limit ${SAMPLE_SIZE}`.execute(
      this.db,
    );
    return {
      selector,
      total: byOwnerGroup.reduce((sum, entry) => sum + entry.count, 0),
      byOwnerGroup,
      byIssuer,
      byExpiryBand,
      sample: sample.rows.map((row) => ({
        managedCertificateId: row.id,
        subject: row.subject,
        ownerGroup: row.owner_group ?? NO_OWNER_GROUP,
        notAfter: iso(row.not_after)!,
      })),
    };
  }

  async enrolMembers(campaignId: string, selector: CampaignSelector, at: string): Promise<EnrolmentResult> {
    const atMs = ms(at);
    const conditions = selectionConditions(selector);
    // Never again a managed certificate the campaign replaced or is replacing (its replacement may still match);
    // only one whose every membership was skipped may join with a newer version.
    // Two NOT EXISTS, not one with OR: each then walks its own index (the primary key, the managed-id index).
    conditions.push(
      sql`not exists (select 1 from campaign_members x where x.campaign_id = ${campaignId} and x.fingerprint = c.fingerprint)`,
      sql`not exists (select 1 from campaign_members y where y.campaign_id = ${campaignId} and y.managed_certificate_id = m.id and y.state <> 'skipped')`,
    );
    return await this.db.transaction().execute(async (db) => {
      const top = await sql<{ top: number | null }>`
        select max(ordinal) as top from campaign_members where campaign_id = ${campaignId}`.execute(db);
      const base = Number(top.rows[0]?.top ?? 0);
      await sql`
        insert into campaign_members (campaign_id, fingerprint, managed_certificate_id, ordinal, owner_group, subject,
          not_after, state, attempts, detail, final, claim_key, enrolled_at, updated_at, finished_at)
        select ${campaignId}, c.fingerprint, m.id, ${base} + row_number() over (order by m.id, c.fingerprint),
          coalesce(c.owner_group, ${NO_OWNER_GROUP}), c.subject, c.not_after, 'pending', 0, null, 0, null,
          ${atMs}, ${atMs}, null
        from ${selected(conditions)}
        on conflict (campaign_id, fingerprint) do nothing`.execute(db);
      const counts = await sql<{ group: string; count: number }>`
        select owner_group as "group", count(*) as count from campaign_members
        where campaign_id = ${campaignId} and ordinal > ${base} group by owner_group order by owner_group`.execute(db);
      const byOwnerGroup = counts.rows.map((row) => ({ group: row.group, count: Number(row.count) }));
      return { enrolled: byOwnerGroup.reduce((sum, entry) => sum + entry.count, 0), byOwnerGroup };
    });
  }

  async claimMembers(input: {
    readonly campaignId: string;
    readonly claimKey: string;
    readonly limit: number;
    readonly maxAttempts: number;
    readonly retryAfterMs: number;
    readonly now: string;
  }): Promise<ClaimResult> {
    const nowMs = ms(input.now);
    const retryBefore = nowMs - input.retryAfterMs;
    return await this.db.transaction().execute(async (db) => {
      const members = db.selectFrom('campaign_members').where('campaign_id', '=', input.campaignId).orderBy('ordinal');
      const earlier = await members.selectAll().where('claim_key', '=', input.claimKey).execute();
      if (earlier.length === 0 && input.limit > 0) {
        const pending = await members
          .select('fingerprint')
          .where('state', '=', 'pending')
          .where('claim_key', 'is', null)
          .limit(input.limit)
          .execute();
        const retryable =
          pending.length >= input.limit
            ? []
            : await members
                .select('fingerprint')
                .where('state', '=', 'failed')
                .where('final', '=', 0)
                .where('attempts', '<', input.maxAttempts)
                .where('updated_at', '<=', retryBefore)
                .limit(input.limit - pending.length)
                .execute();
        const fingerprints = [...pending, ...retryable].map((row) => row.fingerprint);
        if (fingerprints.length > 0)
          await db
            .updateTable('campaign_members')
            .set({ state: 'pending', claim_key: input.claimKey, attempts: sql`attempts + 1`, updated_at: nowMs })
            .where('campaign_id', '=', input.campaignId)
            .where('fingerprint', 'in', fingerprints)
            .execute();
      }
      const claimed =
        earlier.length > 0 ? earlier : await members.selectAll().where('claim_key', '=', input.claimKey).execute();
      const waiting = await db
        .selectFrom('campaign_members')
        .select((eb) => eb.fn.min('updated_at').as('oldest'))
        .where('campaign_id', '=', input.campaignId)
        .where('state', '=', 'failed')
        .where('final', '=', 0)
        .where('attempts', '<', input.maxAttempts)
        .executeTakeFirst();
      const oldest = waiting?.oldest === null || waiting?.oldest === undefined ? null : Number(waiting.oldest);
      return {
        // A member's first attempt was claimed from pending, any later one from failed.
        members: claimed.map((row) => ({
          managedCertificateId: row.managed_certificate_id,
          fingerprintSha256: row.fingerprint,
          ownerGroup: row.owner_group,
          previousState: row.attempts > 1 ? 'failed' : 'pending',
          attempt: Number(row.attempts),
        })),
        nextRetryAt: oldest === null ? null : iso(Math.max(oldest + input.retryAfterMs, nowMs)),
      };
    });
  }

  /**
   * Applies a state change. A member that is unknown (its lifecycle reported after the campaign was cancelled and
   * cleaned up, or a report raced enrolment) or already finished is left alone without an error: reports may race.
   */
  async updateMemberState(change: MemberStateChange): Promise<void> {
    const atMs = ms(change.at);
    const finished = FINISHED_MEMBER_STATES.includes(change.state);
    await this.db
      .updateTable('campaign_members')
      .set({
        state: change.state,
        detail: change.detail,
        updated_at: atMs,
        ...(change.final === true ? { final: 1 } : {}),
        ...(finished ? { finished_at: atMs } : {}),
      })
      .where('campaign_id', '=', change.campaignId)
      .where('fingerprint', '=', change.fingerprintSha256)
      .where('state', 'not in', [...FINISHED_MEMBER_STATES])
      .execute();
  }

  async skipPendingMembers(
    campaignId: string,
    detail: string,
    at: string,
  ): Promise<ReadonlyArray<{ readonly group: string; readonly count: number }>> {
    const atMs = ms(at);
    const rows = await this.db
      .updateTable('campaign_members')
      .set({ state: 'skipped', detail, updated_at: atMs, finished_at: atMs })
      .where('campaign_id', '=', campaignId)
      .where('state', '=', 'pending')
      .where('claim_key', 'is', null)
      .returning('owner_group')
      .execute();
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row.owner_group, (counts.get(row.owner_group) ?? 0) + 1);
    return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([group, count]) => ({ group, count }));
  }

  async getMember(campaignId: string, fingerprintSha256: string): Promise<CampaignMember | null> {
    const row = await this.db
      .selectFrom('campaign_members')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .where('fingerprint', '=', fingerprintSha256)
      .executeTakeFirst();
    return row === undefined ? null : memberOf(row);
  }

  async listMembers(
    campaignId: string,
    options: {
      readonly states?: readonly CampaignMemberState[];
      readonly ownerGroup?: string;
      readonly limit?: number;
      readonly offset?: number;
    } = {},
  ): Promise<CampaignMember[]> {
    let query = this.db.selectFrom('campaign_members').selectAll().where('campaign_id', '=', campaignId);
    if (options.states !== undefined) {
      if (options.states.length === 0) return [];
      query = query.where('state', 'in', [...options.states]);
    }
    if (options.ownerGroup !== undefined) query = query.where('owner_group', '=', options.ownerGroup);
    const rows = await query
      .orderBy('ordinal')
      .limit(options.limit ?? 1000)
      .offset(options.offset ?? 0)
      .execute();
    return rows.map(memberOf);
  }

  async *eachMember(campaignId: string, batchSize: number): AsyncIterable<readonly CampaignMember[]> {
    let after = 0;
    for (;;) {
      // Keyset on the ordinal: stable while members are enrolled behind the cursor.
      const rows = await this.db
        .selectFrom('campaign_members')
        .selectAll()
        .where('campaign_id', '=', campaignId)
        .where('ordinal', '>', after)
        .orderBy('ordinal')
        .limit(Math.max(1, batchSize))
        .execute();
      if (rows.length === 0) return;
      after = Number(rows[rows.length - 1]!.ordinal);
      yield rows.map(memberOf);
    }
  }

  async countMembers(
    campaignId: string,
  ): Promise<ReadonlyArray<{ readonly group: string; readonly state: CampaignMemberState; readonly count: number }>> {
    const rows = await this.db
      .selectFrom('campaign_members')
      .select((eb) => ['owner_group', 'state', eb.fn.countAll<number>().as('count')])
      .where('campaign_id', '=', campaignId)
      .groupBy(['owner_group', 'state'])
      .orderBy('owner_group')
      .orderBy('state')
      .execute();
    return rows.map((row) => ({
      group: row.owner_group,
      state: row.state as CampaignMemberState,
      count: Number(row.count),
    }));
  }
}

function campaignOf(row: CampaignsTable): StoredCampaign {
  return {
    definition: JSON.parse(row.definition) as CampaignDefinition,
    status: row.status as CampaignStatus,
    updatedAt: iso(row.updated_at)!,
  };
}

function memberOf(row: CampaignMembersTable): CampaignMember {
  return {
    campaignId: row.campaign_id,
    managedCertificateId: row.managed_certificate_id,
    fingerprintSha256: row.fingerprint,
    ownerGroup: row.owner_group,
    subject: row.subject,
    notAfter: iso(row.not_after)!,
    state: row.state as CampaignMemberState,
    attempts: Number(row.attempts),
    detail: row.detail,
    enrolledAt: iso(row.enrolled_at)!,
    updatedAt: iso(row.updated_at)!,
    finishedAt: iso(row.finished_at),
  };
}
