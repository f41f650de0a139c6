/** Policy results on the inventory database: the latest per certificate, and its rule ids for `violatesRule`. */
import type { Insertable } from 'kysely';
import type { PolicyResult, PolicyViolation } from '../../core/domain/inventory/model';
import { InventoryInputError, UnknownCertificateError } from '../../core/ports/inventory-errors';
import { checkList, fullFingerprint, parseInstant, requireText } from './inventory-input';
import type { PolicyResultsTable } from './inventory-schema';
import type { InventorySql } from './inventory-sql';
import type { PolicyResultStore } from '../../core/ports/inventory-store';

const POLICY_COLUMNS = ['fingerprint', 'policy_version', 'compliant', 'violations', 'evaluated_at'] as const;
/** A later result replaces the stored one. */
const POLICY_UPSERT = `on conflict (fingerprint) do update set ${POLICY_COLUMNS.slice(1)
  .map((column) => `${column} = excluded.${column}`)
  .join(', ')}`;

/** The latest policy result per certificate, on `policy_results` and `policy_rule_violations` (R-POL-6). */
export class SqlPolicyResultStore implements PolicyResultStore {
  constructor(private readonly inventory: InventorySql) {}

  async savePolicyResults(results: readonly PolicyResult[]): Promise<void> {
    const byFingerprint = new Map<string, Insertable<PolicyResultsTable> & { ruleIds: string[] }>();
    results.forEach((result, index) => {
      const row = policyRow(result, `results[${index}]`);
      byFingerprint.set(row.fingerprint, row);
    });
    if (byFingerprint.size === 0) return;
    await this.inventory.write(async (db) => {
      const fingerprints = [...byFingerprint.keys()];
      const known = await this.inventory.selectKnown(db, fingerprints);
      const unknown = fingerprints.filter((fp) => !known.has(fp));
      if (unknown.length > 0) throw new UnknownCertificateError(unknown);
      const rows = [...byFingerprint.values()];
      await this.inventory.insertRows(
        db,
        'policy_results',
        POLICY_COLUMNS,
        rows.map((row) => POLICY_COLUMNS.map((column) => row[column])),
        POLICY_UPSERT,
      );
      // A certificate this transaction created has no violations recorded to replace.
      const fresh = this.inventory.firstWrites('policy_rule_violations', fingerprints);
      for (const chunk of this.inventory.chunks(
        fingerprints.filter((fp) => !fresh.has(fp)),
        1,
      )) {
        await db.deleteFrom('policy_rule_violations').where('fingerprint', 'in', chunk).execute();
      }
      await this.inventory.insertRows(
        db,
        'policy_rule_violations',
        ['rule_id', 'fingerprint'],
        rows.flatMap((row) => row.ruleIds.map((ruleId) => [ruleId, row.fingerprint])),
        '',
      );
    });
  }
}

function policyRow(
  result: PolicyResult,
  field: string,
): Insertable<PolicyResultsTable> & { fingerprint: string; ruleIds: string[] } {
  if (result === null || typeof result !== 'object') throw new InventoryInputError(field, 'must be a policy result');
  const fingerprint = fullFingerprint(result.fingerprintSha256, `${field}.fingerprintSha256`);
  const policyVersion = requireText(result.policyVersion, `${field}.policyVersion`);
  if (typeof result.compliant !== 'boolean')
    throw new InventoryInputError(`${field}.compliant`, 'must be true or false');
  const violations = checkList<PolicyViolation>(result.violations, `${field}.violations`);
  const ruleIds = violations.map((violation, index) =>
    requireText(violation?.ruleId, `${field}.violations[${index}].ruleId`),
  );
  return {
    fingerprint,
    policy_version: policyVersion,
    compliant: result.compliant ? 1 : 0,
    violations: JSON.stringify(violations),
    evaluated_at: parseInstant(result.evaluatedAt, `${field}.evaluatedAt`),
    ruleIds: [...new Set(ruleIds)],
  };
}
