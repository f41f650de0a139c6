/** Migrations land out of their numbers' order: an inventory that ran a later one still takes an earlier one. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openInventoryDatabase } from '../../../src/adapters/database/database';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-unordered-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

describe('inventory migrations out of order', () => {
  it('an inventory that ran 025 before 022 existed takes 022 when it opens', async () => {
    const url = `sqlite:${path.join(folder, 'inventory.sqlite')}`;
    const first = await openInventoryDatabase({ url });
    // What an inventory migrated before 022 landed looks like: 025 ran, 022 did not.
    await sql`drop table caa_results`.execute(first.db);
    await sql`delete from inventory_migrations where name = '022-caa-results'`.execute(first.db);
    await first.store.close();

    const reopened = await openInventoryDatabase({ url });
    const tables = await sql<{ name: string }>`select name from sqlite_master where name = 'caa_results'`.execute(
      reopened.db,
    );
    expect(tables.rows).toEqual([{ name: 'caa_results' }]);
    await reopened.store.close();
  });
});
