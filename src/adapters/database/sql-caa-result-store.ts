/** R-CAA-1 findings on the inventory database (`caa_results`, migration 022): each check replaces the last one's. */
import type { Kysely } from 'kysely';
import type { CaaFinding, CaaResultStore } from '../../core/ports/caa-results';
import type { InventoryDatabase } from './inventory-schema';

interface CaaResultTables {
  caa_results: {
    fingerprint: string;
    name: string;
    managed_certificate_id: string;
    issuer: string;
    identity: string;
    rule_id: string;
    rule: string;
    severity: string;
    message: string;
    remedy: string;
    checked_at: string;
  };
}

/** Rows inserted per statement: well under both databases' parameter limits (11 columns a row). */
const CHUNK = 500;

/** The CAA findings of the last check, on the inventory database. */
export class SqlCaaResultStore implements CaaResultStore {
  private readonly db: Kysely<CaaResultTables>;

  constructor(inventory: Kysely<InventoryDatabase>) {
    this.db = inventory as unknown as Kysely<CaaResultTables>;
  }

  async replaceCaaResults(findings: readonly CaaFinding[], checkedAt: string): Promise<void> {
    const rows = findings.map((finding) => ({
      fingerprint: finding.fingerprintSha256,
      name: finding.name,
      managed_certificate_id: finding.managedCertificateId,
      issuer: finding.issuer,
      identity: finding.identity,
      rule_id: finding.violation.ruleId,
      rule: finding.violation.rule,
      severity: finding.violation.severity,
      message: finding.violation.message,
      remedy: finding.violation.remedy,
      checked_at: checkedAt,
    }));
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('caa_results').execute();
      for (let start = 0; start < rows.length; start += CHUNK) {
        await trx
          .insertInto('caa_results')
          .values(rows.slice(start, start + CHUNK))
          .onConflict((conflict) => conflict.columns(['fingerprint', 'name']).doNothing())
          .execute();
      }
    });
  }
}
