/**
 * Managed certificates on the inventory database: assignment of versions by names, the current version and the
 * lifecycle phase, ticket and retirement their workflows report.
 */
import { createHash } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { CertificateFacts } from '../../core/domain/certificates/certificate-facts';
import { InventoryInputError, UnknownCertificateError } from '../../core/ports/inventory-errors';
import {
  checkBatchSize,
  checkBoolean,
  checkList,
  checkString,
  fullFingerprint,
  isoOf,
  parseInstant,
  requireText,
} from './inventory-input';
import type { InventoryDb, ManagedCertificatesTable } from './inventory-schema';
import type { InventorySql } from './inventory-sql';
import type {
  ManagedLifecycleState,
  ManagedAssignment,
  ManagedCertificate,
  ManagedCertificateFilter,
  ManagedCertificateStore,
} from '../../core/ports/inventory-store';

const MANAGED_COLUMNS: readonly (keyof ManagedCertificatesTable)[] = [
  'id',
  'current_fingerprint',
  'names_key',
  'names_hash',
  'phase',
  'phase_detail',
  'ticket_key',
  'retired',
  'created_at',
  'updated_at',
];

/** Managed certificates on `managed_certificates` and `managed_certificate_versions`. */
export class SqlManagedCertificateStore implements ManagedCertificateStore {
  constructor(private readonly inventory: InventorySql) {}

  async assignManagedCertificates(fingerprints: readonly string[], at: string): Promise<ManagedAssignment> {
    const atMs = parseInstant(at, 'at');
    const wanted = [
      ...new Set(
        checkList<string>(fingerprints, 'fingerprints').map((fp, index) =>
          fullFingerprint(fp, `fingerprints[${index}]`),
        ),
      ),
    ];
    if (wanted.length === 0) return { created: [], replaced: [] };
    return await this.inventory.write(async (db) => {
      // Two importers assigning the same names at once must not both create a managed certificate for them.
      if (this.inventory.dialect === 'postgres')
        await sql`lock table managed_certificates in share row exclusive mode`.execute(db);
      const known = await this.inventory.selectKnown(db, wanted);
      const unknown = wanted.filter((fp) => !known.has(fp));
      if (unknown.length > 0) throw new UnknownCertificateError(unknown);
      // A certificate this transaction created is assigned nowhere yet, and its facts are at hand.
      const fresh = this.inventory.firstWrites('managed_certificate_versions', wanted);
      const assigned = new Set<string>();
      const candidates: { fingerprint: string; notBefore: number; namesKey: string }[] = [];
      for (const fingerprint of fresh) {
        const facts = this.inventory.createdFacts(fingerprint)!;
        if (facts.role === 'end-entity')
          candidates.push({ fingerprint, notBefore: Date.parse(facts.notBefore), namesKey: namesKeyOf(facts) });
      }
      for (const chunk of this.inventory.chunks(
        wanted.filter((fp) => !fresh.has(fp)),
        1,
      )) {
        const rows = await db
          .selectFrom('managed_certificate_versions')
          .select('fingerprint')
          .where('fingerprint', 'in', chunk)
          .execute();
        for (const row of rows) assigned.add(row.fingerprint);
      }
      for (const chunk of this.inventory.chunks(
        wanted.filter((fp) => !assigned.has(fp) && !fresh.has(fp)),
        1,
      )) {
        const rows = await db
          .selectFrom('certificates')
          .select(['fingerprint', 'not_before', 'facts'])
          .where('fingerprint', 'in', chunk)
          .where('role', '=', 'end-entity')
          .where('revoked_at', 'is', null)
          .execute();
        for (const row of rows) {
          const facts = JSON.parse(row.facts) as CertificateFacts;
          candidates.push({
            fingerprint: row.fingerprint,
            notBefore: Number(row.not_before),
            namesKey: namesKeyOf(facts),
          });
        }
      }
      if (candidates.length === 0) return { created: [], replaced: [] };
      // Oldest first, so within one call a newer version replaces an older one whatever the input order.
      candidates.sort((a, b) => a.notBefore - b.notBefore || (a.fingerprint < b.fingerprint ? -1 : 1));

      const slots = await this.activeManagedByNames(db, [...new Set(candidates.map((item) => item.namesKey))]);
      const created: ManagedSlot[] = [];
      const versions: { fingerprint: string; slot: ManagedSlot }[] = [];
      for (const candidate of candidates) {
        let slot = slots.get(candidate.namesKey);
        if (slot === undefined) {
          slot = {
            row: {
              id: candidate.fingerprint.slice(0, 16),
              current_fingerprint: candidate.fingerprint,
              names_key: candidate.namesKey,
              names_hash: namesHash(candidate.namesKey),
              phase: 'monitoring',
              phase_detail: null,
              ticket_key: null,
              retired: 0,
              created_at: atMs,
              updated_at: atMs,
            },
            currentNotBefore: candidate.notBefore,
            firstFingerprint: candidate.fingerprint,
            previousFingerprint: null,
          };
          slots.set(candidate.namesKey, slot);
          created.push(slot);
        } else if (candidate.notBefore > slot.currentNotBefore) {
          if (slot.firstFingerprint === null && slot.previousFingerprint === null) {
            slot.previousFingerprint = slot.row.current_fingerprint;
          }
          slot.row = { ...slot.row, current_fingerprint: candidate.fingerprint, updated_at: atMs };
          slot.currentNotBefore = candidate.notBefore;
        }
        versions.push({ fingerprint: candidate.fingerprint, slot });
      }
      await this.giveUniqueIds(db, created);
      await this.inventory.insertRows(
        db,
        'managed_certificates',
        MANAGED_COLUMNS,
        created.map((slot) => MANAGED_COLUMNS.map((column) => slot.row[column])),
        'on conflict (id) do nothing',
      );
      const replaced = [...slots.values()].filter((slot) => slot.previousFingerprint !== null);
      for (const slot of replaced) {
        await db
          .updateTable('managed_certificates')
          .set({ current_fingerprint: slot.row.current_fingerprint, updated_at: atMs })
          .where('id', '=', slot.row.id)
          .execute();
      }
      await this.inventory.insertRows(
        db,
        'managed_certificate_versions',
        ['fingerprint', 'managed_id', 'assigned_at'],
        versions.map((version) => [version.fingerprint, version.slot.row.id, atMs]),
        'on conflict (fingerprint) do nothing',
      );
      return {
        created: created.map((slot) => managedFromRow(slot.row)),
        replaced: replaced.map((slot) => ({
          managed: managedFromRow(slot.row),
          previousFingerprint: slot.previousFingerprint!,
        })),
      };
    });
  }

  async getManagedCertificate(id: string): Promise<ManagedCertificate | null> {
    const row = await this.inventory.db
      .selectFrom('managed_certificates')
      .selectAll()
      .where('id', '=', managedId(id, 'id'))
      .executeTakeFirst();
    return row === undefined ? null : managedFromRow(row);
  }

  async findManagedCertificateByFingerprint(fingerprint: string): Promise<ManagedCertificate | null> {
    const row = await this.inventory.db
      .selectFrom('managed_certificate_versions as v')
      .innerJoin('managed_certificates as m', 'm.id', 'v.managed_id')
      .selectAll('m')
      .where('v.fingerprint', '=', fullFingerprint(fingerprint, 'fingerprint'))
      .executeTakeFirst();
    return row === undefined ? null : managedFromRow(row);
  }

  async findManagedCertificateByTicketKey(ticketKey: string): Promise<ManagedCertificate | null> {
    const row = await this.inventory.db
      .selectFrom('managed_certificates')
      .selectAll()
      .where('ticket_key', '=', requireText(ticketKey, 'ticketKey', 200))
      .orderBy('id')
      .executeTakeFirst();
    return row === undefined ? null : managedFromRow(row);
  }

  async listManagedCertificatesWithTicket(phase: string): Promise<ManagedCertificate[]> {
    const rows = await this.inventory.db
      .selectFrom('managed_certificates')
      .selectAll()
      .where('ticket_key', 'is not', null)
      .where('phase', '=', requireText(phase, 'phase', 100))
      .where('retired', '=', 0)
      .orderBy('id')
      .execute();
    return rows.map(managedFromRow);
  }

  async setManagedCertificateVersion(id: string, fingerprint: string, at: string): Promise<ManagedCertificate> {
    const managed = managedId(id, 'id');
    const fp = fullFingerprint(fingerprint, 'fingerprint');
    const atMs = parseInstant(at, 'at');
    return await this.inventory.write(async (db) => {
      const certificate = await db
        .selectFrom('certificates')
        .select('facts')
        .where('fingerprint', '=', fp)
        .executeTakeFirst();
      if (certificate === undefined) throw new UnknownCertificateError([fp]);
      const exists = await db
        .selectFrom('managed_certificates')
        .select('id')
        .where('id', '=', managed)
        .executeTakeFirst();
      if (exists === undefined) throw unknownManaged(managed);
      const owner = await db
        .selectFrom('managed_certificate_versions')
        .select('managed_id')
        .where('fingerprint', '=', fp)
        .executeTakeFirst();
      if (owner !== undefined && owner.managed_id !== managed) {
        throw new InventoryInputError(
          'fingerprint',
          `${fp.slice(0, 16)} is a version of managed certificate ${owner.managed_id}, not of ${managed}`,
        );
      }
      // The names follow the current version: a renewal that adds a SAN is still the same managed certificate.
      const namesKey = namesKeyOf(JSON.parse(certificate.facts) as CertificateFacts);
      const updated = await db
        .updateTable('managed_certificates')
        .set({ current_fingerprint: fp, names_key: namesKey, names_hash: namesHash(namesKey), updated_at: atMs })
        .where('id', '=', managed)
        .returningAll()
        .executeTakeFirstOrThrow();
      await db
        .insertInto('managed_certificate_versions')
        .values({ fingerprint: fp, managed_id: managed, assigned_at: atMs })
        .onConflict((conflict) => conflict.column('fingerprint').doNothing())
        .execute();
      return managedFromRow(updated);
    });
  }

  async updateManagedLifecycle(id: string, state: ManagedLifecycleState, at: string): Promise<void> {
    const managed = managedId(id, 'id');
    if (state === null || typeof state !== 'object')
      throw new InventoryInputError('state', 'must be { phase, detail }');
    const changes: Partial<ManagedCertificatesTable> = {
      phase: requireText(state.phase, 'state.phase', 64),
      phase_detail: state.detail === null ? null : checkString(state.detail, 'state.detail'),
      updated_at: parseInstant(at, 'at'),
    };
    if (state.ticketKey !== undefined) {
      changes.ticket_key = state.ticketKey === null ? null : requireText(state.ticketKey, 'state.ticketKey', 200);
    }
    if (state.retired !== undefined) changes.retired = checkBoolean(state.retired, 'state.retired') ? 1 : 0;
    const result = await this.inventory.write(
      async (db) =>
        await db.updateTable('managed_certificates').set(changes).where('id', '=', managed).executeTakeFirst(),
    );
    if (Number(result.numUpdatedRows) === 0) throw unknownManaged(managed);
  }

  async *eachManagedCertificate(
    filter: ManagedCertificateFilter,
    batchSize: number,
  ): AsyncIterable<ReadonlyArray<{ readonly managed: ManagedCertificate; readonly notAfter: string }>> {
    const size = checkBatchSize(batchSize);
    if (filter === null || typeof filter !== 'object') throw new InventoryInputError('filter', 'must be an object');
    const notAfterFrom =
      filter.notAfterFrom === undefined ? null : parseInstant(filter.notAfterFrom, 'filter.notAfterFrom');
    const includeRetired =
      filter.includeRetired === undefined ? false : checkBoolean(filter.includeRetired, 'filter.includeRetired');
    let after: string | null = null;
    for (;;) {
      let query = this.inventory.db
        .selectFrom('managed_certificates as m')
        .innerJoin('certificates as c', 'c.fingerprint', 'm.current_fingerprint')
        .selectAll('m')
        .select('c.not_after')
        .orderBy('m.id')
        .limit(size);
      if (after !== null) query = query.where('m.id', '>', after);
      if (notAfterFrom !== null) query = query.where('c.not_after', '>=', notAfterFrom);
      if (!includeRetired) query = query.where('m.retired', '=', 0);
      const rows = await query.execute();
      if (rows.length === 0) return;
      yield rows.map((row) => ({ managed: managedFromRow(row), notAfter: isoOf(row.not_after) }));
      if (rows.length < size) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  /** Active managed certificates with these names keys, by key; the oldest wins should two share one. */
  private async activeManagedByNames(db: InventoryDb, namesKeys: readonly string[]): Promise<Map<string, ManagedSlot>> {
    const slots = new Map<string, ManagedSlot>();
    const wanted = new Set(namesKeys);
    for (const chunk of this.inventory.chunks([...new Set(namesKeys.map(namesHash))], 1)) {
      const rows = await db
        .selectFrom('managed_certificates as m')
        .innerJoin('certificates as c', 'c.fingerprint', 'm.current_fingerprint')
        .selectAll('m')
        .select('c.not_before')
        .where('m.names_hash', 'in', chunk)
        .where('m.retired', '=', 0)
        .orderBy('m.created_at')
        .orderBy('m.id')
        .execute();
      for (const { not_before: notBefore, ...row } of rows) {
        if (!wanted.has(row.names_key) || slots.has(row.names_key)) continue;
        slots.set(row.names_key, {
          row: { ...row, created_at: Number(row.created_at), updated_at: Number(row.updated_at) },
          currentNotBefore: Number(notBefore),
          firstFingerprint: null,
          previousFingerprint: null,
        });
      }
    }
    return slots;
  }

  /**
   * A managed certificate's id is its first version's inventory id (16 hex digits); should that be taken (two
   * fingerprints sharing 64 bits, or a retired managed certificate), more digits of the fingerprint make it unique.
   */
  private async giveUniqueIds(db: InventoryDb, created: readonly ManagedSlot[]): Promise<void> {
    const taken = new Set<string>();
    for (const chunk of this.inventory.chunks(
      created.map((slot) => slot.row.id),
      1,
    )) {
      const rows = await db.selectFrom('managed_certificates').select('id').where('id', 'in', chunk).execute();
      for (const row of rows) taken.add(row.id);
    }
    const used = new Set<string>();
    for (const slot of created) {
      const first = slot.firstFingerprint!;
      let length = 16;
      while (taken.has(first.slice(0, length)) || used.has(first.slice(0, length))) length += 8;
      const id = first.slice(0, length);
      used.add(id);
      slot.row = { ...slot.row, id };
    }
  }
}

/** A managed certificate being assigned to: its row as it will be written and its current version's notBefore. */
interface ManagedSlot {
  row: Selectable<ManagedCertificatesTable>;
  currentNotBefore: number;
  /** Set for a managed certificate this assignment creates: its first version, whose id it takes. */
  firstFingerprint: string | null;
  /** Set once an existing managed certificate's current version is replaced: the version it had before. */
  previousFingerprint: string | null;
}

/**
 * The identity of a managed certificate: subject CN, DNS and IP SANs, lower case, sorted, deduplicated and
 * `,`-joined; a certificate with no names at all is its own managed certificate, keyed by its fingerprint.
 */
function namesKeyOf(facts: CertificateFacts): string {
  const names = [facts.subject.commonName ?? '', ...facts.subjectAltNames.dns, ...facts.subjectAltNames.ip]
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  return names.length === 0 ? `sha256:${facts.fingerprintSha256}` : [...new Set(names)].sort().join(',');
}

function namesHash(namesKey: string): string {
  return createHash('sha256').update(namesKey).digest('hex').slice(0, 32);
}

function managedFromRow(row: Selectable<ManagedCertificatesTable>): ManagedCertificate {
  return {
    id: row.id,
    currentFingerprint: row.current_fingerprint,
    namesKey: row.names_key,
    phase: row.phase,
    phaseDetail: row.phase_detail,
    ticketKey: row.ticket_key,
    retired: Number(row.retired) === 1,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
  };
}

/** A managed certificate id: the hex inventory id of its first version (16 or more digits). */
function managedId(value: unknown, field: string): string {
  const hex = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!/^[0-9a-f]{16,64}$/.test(hex)) {
    throw new InventoryInputError(field, `"${String(value)}" is not a managed certificate id (16 or more hex digits)`);
  }
  return hex;
}

function unknownManaged(id: string): InventoryInputError {
  return new InventoryInputError('id', `no managed certificate "${id}"; \`certflow list\` shows the inventory`);
}
