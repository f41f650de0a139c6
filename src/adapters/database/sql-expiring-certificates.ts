/**
 * The monthly report's read of the inventory (R-MON-5): active managed certificates joined to their current version,
 * with the range on `certificates.not_after` (indexed since migration 001) and the owner group on its own index, so a
 * month's report reads the certificates in its window, not the inventory.
 */
import type { Kysely } from 'kysely';
import type { ExpiringCertificate } from '../../core/domain/reports/monthly-report';
import type { ExpiringCertificates, ExpiryRange } from '../../core/ports/expiring-certificates';
import { isoOf, parseInstant } from './inventory-input';
import type { InventoryDatabase } from './kysely-inventory-store';

/** {@link ExpiringCertificates} over the inventory database. */
export class SqlExpiringCertificates implements ExpiringCertificates {
  private readonly db: Kysely<InventoryDatabase>;

  constructor(options: { readonly db: Kysely<InventoryDatabase> }) {
    this.db = options.db;
  }

  private inRange(range: Omit<ExpiryRange, 'ownerGroup'>) {
    const from = parseInstant(range.from, 'range.from');
    const to = parseInstant(range.to, 'range.to');
    return this.db
      .selectFrom('certificates as c')
      .innerJoin('managed_certificates as m', 'm.current_fingerprint', 'c.fingerprint')
      .where('c.not_after', '>=', from)
      .where('c.not_after', '<', to)
      .where('m.retired', '=', 0);
  }

  async listExpiring(range: ExpiryRange): Promise<ExpiringCertificate[]> {
    let query = this.inRange(range)
      .select([
        'm.id',
        'm.names_key',
        'm.phase',
        'm.ticket_key',
        'c.fingerprint',
        'c.subject_cn',
        'c.owner_group',
        'c.not_before',
        'c.not_after',
      ])
      .orderBy('c.not_after')
      .orderBy('m.id');
    if (range.ownerGroup !== undefined) query = query.where('c.owner_group', '=', range.ownerGroup);
    const rows = await query.execute();
    return rows.map((row) => ({
      managedCertificateId: row.id,
      fingerprintSha256: row.fingerprint,
      commonName: row.subject_cn,
      names: row.names_key === '' ? [] : row.names_key.split(','),
      ownerGroup: row.owner_group,
      notBefore: isoOf(row.not_before),
      notAfter: isoOf(row.not_after),
      phase: row.phase,
      ticketKey: row.ticket_key,
    }));
  }

  async countExpiringByGroup(
    range: Omit<ExpiryRange, 'ownerGroup'>,
  ): Promise<Array<{ ownerGroup: string | null; count: number }>> {
    const rows = await this.inRange(range)
      .select(['c.owner_group'])
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .groupBy('c.owner_group')
      .orderBy('c.owner_group')
      .execute();
    return rows.map((row) => ({ ownerGroup: row.owner_group, count: Number(row.count) }));
  }
}
