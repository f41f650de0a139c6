import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { OwnerGroup } from '../../../src/core/domain/inventory/model';
import { UnknownCertificateError } from '../../../src/core/ports/inventory-errors';
import type { InventoryDatabase } from '../../../src/adapters/database/inventory-schema';
import { InventorySql } from '../../../src/adapters/database/inventory-sql';
import type {
  AuditLog,
  InventoryStore,
  OwnerGroupStore,
  PolicyResultStore,
} from '../../../src/core/ports/inventory-store';
import { KyselyInventoryStore } from '../../../src/adapters/database/kysely-inventory-store';
import { inventoryMigrations } from '../../../src/adapters/database/migrations';
import { SqlAuditLog } from '../../../src/adapters/database/sql-audit-log';
import { SqlOwnerGroupStore } from '../../../src/adapters/database/sql-owner-group-store';
import { SqlPolicyResultStore } from '../../../src/adapters/database/sql-policy-result-store';

const NOW = '2026-06-01T00:00:00.000Z';

const payments: OwnerGroup = {
  id: 'payments-web',
  name: 'Payments web',
  contacts: [{ name: 'Alice', email: 'alice@example.com' }],
  approvers: [{ name: 'Bob', email: 'bob@example.com' }],
  managementContact: null,
  incidentResponseContact: null,
  slack: {},
  jira: {},
  reminderDays: null,
  autoRenew: false,
};

let store: InventoryStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function migratedDatabase(): Promise<Kysely<InventoryDatabase>> {
  const db = new Kysely<InventoryDatabase>({
    dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }),
  });
  const { error } = await new Migrator({
    db,
    provider: { getMigrations: async () => inventoryMigrations('sqlite') },
  }).migrateToLatest();
  if (error !== undefined) throw new Error('inventory migrations failed', { cause: error });
  return db;
}

describe('inventory aggregate stores', () => {
  it('each works alone behind its narrow port, on the database the whole store reads', async () => {
    const db = await migratedDatabase();
    store = new KyselyInventoryStore(db, 'sqlite');
    const inventory = new InventorySql(db, 'sqlite');
    const groups: OwnerGroupStore = new SqlOwnerGroupStore(inventory);
    const auditLog: AuditLog = new SqlAuditLog(inventory);
    const policyResults: PolicyResultStore = new SqlPolicyResultStore(inventory);

    expect(await groups.upsertOwnerGroup(payments)).toBe('created');
    const [entry] = await auditLog.appendAudit([
      { at: NOW, actor: 'user:alice', action: 'group.saved', subject: payments.id, where: 'cli', details: {} },
    ]);
    await expect(
      policyResults.savePolicyResults([
        { fingerprintSha256: 'a'.repeat(64), policyVersion: 'v1', compliant: true, violations: [], evaluatedAt: NOW },
      ]),
    ).rejects.toBeInstanceOf(UnknownCertificateError);

    expect(await store.getOwnerGroup(payments.id)).toEqual(payments);
    expect((await store.queryAudit({ action: 'group.saved' }, { limit: 10 })).items).toEqual([entry]);
  });
});
