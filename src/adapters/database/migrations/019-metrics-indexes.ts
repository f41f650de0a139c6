/**
 * Issue 20's /metrics reads its counts from indexes alone (src/adapters/metrics/metrics-snapshot.ts). EXPLAIN at
 * 50,000 certificates showed a scan of every certificate's row (facts and DER) for the expiry buckets by owner group,
 * a table scan with a temporary B-tree for the lifecycle phases, and a scan of every Slack delivery ever made for
 * the unfinished ones. (Which versions are out of service stays a pass over the versions with a lookup each: an index
 * on the managed side was not chosen by SQLite's planner over the primary key.)
 */
import { sql, type Kysely, type Migration } from 'kysely';

/** Adds the covering indexes of the metrics' GROUP BYs (same SQL in both databases; the last one is partial). */
export function metricsIndexesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('certificates_metrics_idx')
        .on('certificates')
        .columns(['owner_group', 'not_after', 'revoked_at'])
        .execute();
      await db.schema
        .createIndex('managed_certificates_phase_idx')
        .on('managed_certificates')
        .columns(['retired', 'phase', 'updated_at'])
        .execute();
      await db.schema
        .createIndex('slack_deliveries_unfinished_idx')
        .on('slack_deliveries')
        .column('updated_at')
        .where(sql.ref('receipt'), 'is', null)
        .execute();
    },
  };
}
