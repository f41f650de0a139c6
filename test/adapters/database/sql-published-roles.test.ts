/** The roles a worker publishes, in the inventory database (migration 008): one row per task queue, the last start wins. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import { SqlPublishedRoles } from '../../../src/adapters/database/sql-published-roles';

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('SqlPublishedRoles', () => {
  it('reads nothing before a worker published, then what the last start published, per task queue, across reopening', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-roles-'));
    const url = `sqlite:${path.join(dir, 'inventory.sqlite')}`;
    const first = await openInventoryDatabase({ url });
    const roles = new SqlPublishedRoles({ db: first.db });
    expect(await roles.read('certflow')).toBeNull();
    await roles.publish('certflow', {
      securityLeads: ['email:old@example.com'],
      admins: [],
      publishedBy: 'worker a',
      publishedAt: '2026-12-07T09:00:00.000Z',
    });
    await roles.publish('certflow', {
      securityLeads: ['email:sec@example.com', 'slack:U024BE7LH'],
      admins: ['user:root'],
      publishedBy: 'worker b',
      publishedAt: '2026-12-07T10:00:00.000Z',
    });
    await roles.publish('other-queue', {
      securityLeads: [],
      admins: [],
      publishedBy: 'worker c',
      publishedAt: '2026-12-07T10:00:00.000Z',
    });
    await first.store.close();
    const second = await openInventoryDatabase({ url });
    try {
      const reader = new SqlPublishedRoles({ db: second.db }).readerFor('certflow');
      expect(await reader()).toEqual({
        securityLeads: ['email:sec@example.com', 'slack:U024BE7LH'],
        admins: ['user:root'],
        publishedBy: 'worker b',
        publishedAt: '2026-12-07T10:00:00.000Z',
      });
      expect(await new SqlPublishedRoles({ db: second.db }).read('missing')).toBeNull();
    } finally {
      await second.store.close();
    }
  });

  it('R-SEC-2: tells whether a start changed the role lists (in any order), so running lifecycles re-read their roster', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-roles-'));
    const { store, db } = await openInventoryDatabase({ url: `sqlite:${path.join(dir, 'inventory.sqlite')}` });
    try {
      const roles = new SqlPublishedRoles({ db });
      const publish = (securityLeads: string[], admins: string[]) =>
        roles.publish('certflow', {
          securityLeads,
          admins,
          publishedBy: 'worker',
          publishedAt: '2026-12-07T10:00:00Z',
        });
      expect(await publish([], [])).toEqual({ changed: true });
      expect(await publish([], [])).toEqual({ changed: false });
      expect(await publish(['email:a@example.com', 'email:b@example.com'], [])).toEqual({ changed: true });
      expect(await publish(['email:b@example.com', 'email:a@example.com'], [])).toEqual({ changed: false });
      expect(await publish(['email:b@example.com', 'email:a@example.com'], ['user:root'])).toEqual({ changed: true });
      expect(await publish(['email:a@example.com'], ['user:root'])).toEqual({ changed: true });
    } finally {
      await store.close();
    }
  });
});
