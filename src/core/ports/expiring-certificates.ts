/**
 * The inventory's expiry view for the monthly report (R-MON-5): managed certificates whose current version expires in
 * a range, read through the notAfter index, whole or for one owner group. The SQL inventory implements it
 * (src/adapters/database/sql-expiring-certificates.ts).
 */
import type { ExpiringCertificate } from '../domain/reports/monthly-report';

/** A notAfter range [from, to) in ISO 8601, optionally one owner group's certificates only. */
export interface ExpiryRange {
  readonly from: string;
  readonly to: string;
  /** Only this owner group's; absent: every certificate, owned or not. */
  readonly ownerGroup?: string;
}

/** Reads the active managed certificates expiring in a range. */
export interface ExpiringCertificates {
  /** The certificates, soonest to expire first. */
  listExpiring(range: ExpiryRange): Promise<ExpiringCertificate[]>;
  /** How many expire in the range per owner group (null: unowned), for deciding who gets a report. */
  countExpiringByGroup(
    range: Omit<ExpiryRange, 'ownerGroup'>,
  ): Promise<Array<{ ownerGroup: string | null; count: number }>>;
}
