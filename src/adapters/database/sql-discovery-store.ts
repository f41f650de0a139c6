/**
 * Network discovery's store in the inventory database (SQLite or PostgreSQL), tables of migration 014:
 * - `endpoint_observations`: one row per scanned location (host, port, SNI name, `''` for none): the leaf it last
 *   served and since when, when it was first scanned, last served and last scanned, and how the last scan went.
 *   A location that stops answering keeps its fingerprint and last seen; rows are never deleted.
 * - `endpoint_findings`: one row per finding (location, kind, fingerprint), open or resolved, with first and last seen.
 * Instants are epoch milliseconds in a bigint.
 */
import { sql, type Kysely, type SqlBool } from 'kysely';
import {
  findingKey,
  locationKey,
  type EndpointFinding,
  type EndpointLocation,
  type FindingKind,
  type FindingSeverity,
} from '../../core/domain/discovery/endpoint-findings';
import type {
  DiscoveryStore,
  EndpointRecord,
  FindingChanges,
  FindingFilter,
  ObservationWrite,
  StoredFinding,
} from '../../core/ports/discovery-store';
import type { Page } from '../../core/ports/inventory-store';
import type { InventoryDatabase } from './kysely-inventory-store';

/** Row of `endpoint_observations`. */
interface EndpointObservationsTable {
  host: string;
  port: number;
  sni: string;
  fingerprint: string | null;
  first_seen_at: number;
  last_seen_at: number | null;
  serving_since: number | null;
  last_scanned_at: number;
  last_outcome: string;
  last_message: string | null;
  protocol: string | null;
  cipher: string | null;
}

/** Row of `endpoint_findings`. */
interface EndpointFindingsTable {
  host: string;
  port: number;
  sni: string;
  kind: string;
  fingerprint: string;
  severity: string;
  message: string;
  status: string;
  first_seen_at: number;
  last_seen_at: number;
  resolved_at: number | null;
}

interface DiscoveryTables {
  endpoint_observations: EndpointObservationsTable;
  endpoint_findings: EndpointFindingsTable;
}

const SEVERITY_RANK: Record<FindingSeverity, number> = { incident: 0, high: 1, medium: 2, low: 3 };
const iso = (value: number | null) => (value === null ? null : new Date(Number(value)).toISOString());

function locationOf(row: { host: string; port: number; sni: string }): EndpointLocation {
  return row.sni === ''
    ? { host: row.host, port: Number(row.port) }
    : { host: row.host, port: Number(row.port), sni: row.sni };
}

function recordOf(row: EndpointObservationsTable): EndpointRecord {
  return {
    location: locationOf(row),
    fingerprint: row.fingerprint,
    firstSeenAt: iso(row.first_seen_at)!,
    lastSeenAt: iso(row.last_seen_at),
    servingSince: iso(row.serving_since),
    lastScannedAt: iso(row.last_scanned_at)!,
    lastOutcome: row.last_outcome,
    lastMessage: row.last_message,
    protocol: row.protocol,
    cipher: row.cipher,
  };
}

function findingOf(row: EndpointFindingsTable): StoredFinding {
  return {
    kind: row.kind as FindingKind,
    severity: row.severity as FindingSeverity,
    location: locationOf(row),
    fingerprint: row.fingerprint,
    message: row.message,
    status: row.status === 'open' ? 'open' : 'resolved',
    firstSeenAt: iso(row.first_seen_at)!,
    lastSeenAt: iso(row.last_seen_at)!,
    resolvedAt: iso(row.resolved_at),
  };
}

/** The columns that name a location, as stored. */
function locationColumns(location: EndpointLocation) {
  return { host: location.host.toLowerCase(), port: location.port, sni: (location.sni ?? '').toLowerCase() };
}

/** Changes one stored finding, named by its primary key. */
async function updateFinding(
  db: Kysely<DiscoveryTables>,
  row: EndpointFindingsTable,
  changes: Partial<EndpointFindingsTable>,
): Promise<void> {
  await db
    .updateTable('endpoint_findings')
    .set(changes)
    .where('host', '=', row.host)
    .where('port', '=', row.port)
    .where('sni', '=', row.sni)
    .where('kind', '=', row.kind)
    .where('fingerprint', '=', row.fingerprint)
    .execute();
}

/** Keeps network discovery's observations and findings in the inventory database. */
export class SqlDiscoveryStore implements DiscoveryStore {
  private readonly db: Kysely<DiscoveryTables>;

  constructor(options: { readonly db: Kysely<InventoryDatabase> }) {
    // Migration 014 created these tables in the inventory database; its own type does not list them.
    this.db = options.db as unknown as Kysely<DiscoveryTables>;
  }

  async endpointRecords(locations: readonly EndpointLocation[]): Promise<ReadonlyMap<string, EndpointRecord>> {
    return new Map(
      (await this.observationRows(this.db, locations)).map((row) => [locationKey(locationOf(row)), recordOf(row)]),
    );
  }

  async recordScans(
    observations: readonly ObservationWrite[],
    findings: readonly EndpointFinding[],
  ): Promise<FindingChanges> {
    if (observations.length === 0) return { opened: [], resolved: [], stillOpen: 0 };
    return await this.db.transaction().execute(async (db) => {
      const scannedAt = new Map(observations.map((item) => [locationKey(item.location), Date.parse(item.observedAt)]));
      const before = new Map(
        (
          await this.observationRows(
            db,
            observations.map((item) => item.location),
          )
        ).map((row) => [locationKey(locationOf(row)), row]),
      );
      for (const observation of observations) {
        await this.writeObservation(db, observation, before.get(locationKey(observation.location)));
      }
      const hosts = [...new Set(observations.map((item) => item.location.host.toLowerCase()))];
      return await this.reconcileFindings(db, hosts, scannedAt, findings);
    });
  }

  async listFindings(filter: FindingFilter, page: { limit: number; offset?: number }): Promise<Page<StoredFinding>> {
    const status = filter.status ?? 'open';
    let query = this.db.selectFrom('endpoint_findings');
    if (status !== 'all') query = query.where('status', '=', status);
    if (filter.host !== undefined) query = query.where('host', '=', filter.host.toLowerCase());
    if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
    if (filter.fingerprint !== undefined) query = query.where('fingerprint', '=', filter.fingerprint.toLowerCase());
    if (filter.ownerGroup !== undefined) {
      const group = filter.ownerGroup;
      query = query.where(
        sql<SqlBool>`fingerprint in (select fingerprint from certificates where owner_group = ${group})`,
      );
    }
    const total = await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirst();
    const offset = page.offset ?? 0;
    const severity = sql<number>`case severity ${sql.join(
      Object.entries(SEVERITY_RANK).map(([name, rank]) => sql`when ${name} then ${rank}`),
      sql` `,
    )} else 9 end`;
    const rows = await query
      .selectAll()
      .orderBy('status')
      .orderBy(severity)
      .orderBy('last_seen_at', 'desc')
      .orderBy('host')
      .orderBy('port')
      .orderBy('sni')
      .orderBy('kind')
      .orderBy('fingerprint')
      .limit(page.limit)
      .offset(offset)
      .execute();
    return { items: rows.map(findingOf), total: Number(total?.count ?? 0), offset };
  }

  private async observationRows(
    db: Kysely<DiscoveryTables>,
    locations: readonly EndpointLocation[],
  ): Promise<EndpointObservationsTable[]> {
    if (locations.length === 0) return [];
    const wanted = new Set(locations.map(locationKey));
    const hosts = [...new Set(locations.map((location) => location.host.toLowerCase()))];
    const rows = await db.selectFrom('endpoint_observations').selectAll().where('host', 'in', hosts).execute();
    return rows.filter((row) => wanted.has(locationKey(locationOf(row))));
  }

  private async writeObservation(
    db: Kysely<DiscoveryTables>,
    observation: ObservationWrite,
    before: EndpointObservationsTable | undefined,
  ): Promise<void> {
    const at = Date.parse(observation.observedAt);
    const served = observation.fingerprint !== null;
    const changed = served && before?.fingerprint !== observation.fingerprint;
    // A location that serves nothing now keeps what it served last, and when: "last seen", never deleted.
    const row: EndpointObservationsTable = {
      ...locationColumns(observation.location),
      fingerprint: served ? observation.fingerprint : (before?.fingerprint ?? null),
      first_seen_at: before?.first_seen_at ?? at,
      last_seen_at: served ? at : (before?.last_seen_at ?? null),
      serving_since: changed ? at : (before?.serving_since ?? null),
      last_scanned_at: at,
      last_outcome: observation.outcome,
      last_message: observation.message,
      protocol: served ? observation.protocol : (before?.protocol ?? null),
      cipher: served ? observation.cipher : (before?.cipher ?? null),
    };
    const { host: _host, port: _port, sni: _sni, ...update } = row;
    await db
      .insertInto('endpoint_observations')
      .values(row)
      .onConflict((conflict) => conflict.columns(['host', 'port', 'sni']).doUpdateSet(update))
      .execute();
  }

  private async reconcileFindings(
    db: Kysely<DiscoveryTables>,
    hosts: readonly string[],
    scannedAt: ReadonlyMap<string, number>,
    findings: readonly EndpointFinding[],
  ): Promise<FindingChanges> {
    const existing = new Map(
      (await db.selectFrom('endpoint_findings').selectAll().where('host', 'in', hosts).execute())
        .filter((row) => scannedAt.has(locationKey(locationOf(row))))
        .map((row) => [findingKey(findingOf(row)), row]),
    );
    const opened: EndpointFinding[] = [];
    let stillOpen = 0;
    const holding = new Set<string>();
    for (const finding of findings) {
      const key = findingKey(finding);
      if (holding.has(key)) continue;
      holding.add(key);
      const at = scannedAt.get(locationKey(finding.location));
      if (at === undefined) {
        throw new Error(`a finding at ${locationKey(finding.location)} is not about a location of this batch of scans`);
      }
      const row = existing.get(key);
      if (row?.status === 'open') {
        stillOpen += 1;
        await updateFinding(db, row, { severity: finding.severity, message: finding.message, last_seen_at: at });
        continue;
      }
      opened.push(finding);
      const values: EndpointFindingsTable = {
        ...locationColumns(finding.location),
        kind: finding.kind,
        fingerprint: finding.fingerprint,
        severity: finding.severity,
        message: finding.message,
        status: 'open',
        first_seen_at: at,
        last_seen_at: at,
        resolved_at: null,
      };
      const { host: _host, port: _port, sni: _sni, kind: _kind, fingerprint: _fingerprint, ...reopen } = values;
      await db
        .insertInto('endpoint_findings')
        .values(values)
        .onConflict((conflict) => conflict.columns(['host', 'port', 'sni', 'kind', 'fingerprint']).doUpdateSet(reopen))
        .execute();
    }
    const resolved: StoredFinding[] = [];
    for (const [key, row] of existing) {
      if (row.status !== 'open' || holding.has(key)) continue;
      const at = scannedAt.get(locationKey(locationOf(row))) ?? row.last_seen_at;
      await updateFinding(db, row, { status: 'resolved', resolved_at: at });
      resolved.push(findingOf({ ...row, status: 'resolved', resolved_at: at }));
    }
    return { opened, resolved, stillOpen };
  }
}
