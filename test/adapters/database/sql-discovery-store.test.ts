import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openInventoryDatabase, type InventoryDatabaseHandle } from '../../../src/adapters/database/database';
import { SqlDiscoveryStore } from '../../../src/adapters/database/sql-discovery-store';
import {
  locationKey,
  type EndpointFinding,
  type EndpointLocation,
} from '../../../src/core/domain/discovery/endpoint-findings';
import type { ObservationWrite } from '../../../src/core/ports/discovery-store';
import { storeBackends } from '../../support/store-backends';

const T1 = '2026-06-01T00:00:00.000Z';
const T2 = '2026-06-02T00:00:00.000Z';
const T3 = '2026-06-03T00:00:00.000Z';
const WWW: EndpointLocation = { host: '127.0.0.1', port: 8443, sni: 'www.example.com' };
const BARE: EndpointLocation = { host: '127.0.0.1', port: 8443 };
const LEAF = 'a'.repeat(64);

const servedAt = (location: EndpointLocation, at: string, fingerprint = LEAF): ObservationWrite => ({
  location,
  outcome: 'served',
  observedAt: at,
  fingerprint,
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_128_GCM_SHA256',
  message: null,
});
const failedAt = (location: EndpointLocation, at: string): ObservationWrite => ({
  location,
  outcome: 'timeout',
  observedAt: at,
  fingerprint: null,
  protocol: null,
  cipher: null,
  message: 'no answer within 5 s',
});
const finding = (location: EndpointLocation, kind: EndpointFinding['kind'] = 'name-mismatch'): EndpointFinding => ({
  kind,
  severity: kind === 'expired-served' ? 'incident' : 'high',
  location,
  fingerprint: LEAF,
  message: `${kind} at ${location.port}`,
});

describe.each(storeBackends())('SqlDiscoveryStore on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  let dir: string;
  let handle: InventoryDatabaseHandle;
  let store: SqlDiscoveryStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-discovery-'));
    handle = await openInventoryDatabase({ url: await backend.url(dir) });
    store = new SqlDiscoveryStore({ db: handle.db });
  });
  afterEach(async () => {
    await handle.store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('R-INV-2: a location that stops answering keeps what it served and when, as last seen; it is never deleted', async () => {
    await store.recordScans([servedAt(WWW, T1), servedAt(BARE, T1, 'b'.repeat(64))], []);
    await store.recordScans([failedAt(WWW, T2)], []);
    const records = await store.endpointRecords([WWW, BARE, { host: '127.0.0.1', port: 9 }]);
    expect([...records.keys()].sort()).toEqual([locationKey(BARE), locationKey(WWW)].sort());
    expect(records.get(locationKey(WWW))).toEqual({
      location: WWW,
      fingerprint: LEAF,
      firstSeenAt: T1,
      lastSeenAt: T1,
      servingSince: T1,
      lastScannedAt: T2,
      lastOutcome: 'timeout',
      lastMessage: 'no answer within 5 s',
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
    });
    expect(records.get(locationKey(BARE))?.fingerprint).toBe('b'.repeat(64));

    await store.recordScans([servedAt(WWW, T3, 'c'.repeat(64))], []);
    const back = (await store.endpointRecords([WWW])).get(locationKey(WWW));
    expect(back).toMatchObject({ fingerprint: 'c'.repeat(64), firstSeenAt: T1, lastSeenAt: T3, servingSince: T3 });
  });

  it('R-MON-6: a finding that still holds is not duplicated; one that no longer holds is resolved; one that returns reopens', async () => {
    const first = await store.recordScans(
      [servedAt(WWW, T1), servedAt(BARE, T1)],
      [finding(WWW), finding(WWW, 'weak-protocol'), finding(BARE, 'expired-served')],
    );
    expect(first.opened.map((item) => item.kind)).toEqual(['name-mismatch', 'weak-protocol', 'expired-served']);
    expect(first).toMatchObject({ resolved: [], stillOpen: 0 });

    // WWW scanned again: the name mismatch holds, the weak protocol is gone. BARE was not scanned: untouched.
    const second = await store.recordScans([servedAt(WWW, T2)], [finding(WWW), finding(WWW)]);
    expect(second.opened).toEqual([]);
    expect(second.stillOpen).toBe(1);
    expect(second.resolved.map((item) => [item.kind, item.status, item.resolvedAt])).toEqual([
      ['weak-protocol', 'resolved', T2],
    ]);

    const open = await store.listFindings({}, { limit: 10 });
    expect(open.total).toBe(2);
    expect(open.items.map((item) => [item.kind, item.severity, item.firstSeenAt, item.lastSeenAt])).toEqual([
      ['expired-served', 'incident', T1, T1],
      ['name-mismatch', 'high', T1, T2],
    ]);

    const third = await store.recordScans([servedAt(WWW, T3)], [finding(WWW, 'weak-protocol')]);
    expect(third.opened.map((item) => item.kind)).toEqual(['weak-protocol']);
    expect(third.resolved.map((item) => item.kind)).toEqual(['name-mismatch']);
    const all = await store.listFindings({ status: 'all', host: '127.0.0.1' }, { limit: 10 });
    expect(all.items.map((item) => [item.kind, item.status, item.firstSeenAt, item.resolvedAt])).toEqual([
      ['expired-served', 'open', T1, null],
      ['weak-protocol', 'open', T3, null],
      ['name-mismatch', 'resolved', T1, T3],
    ]);
  });

  it('R-MON-6: findings filter by status, kind, host and certificate, and page', async () => {
    await store.recordScans(
      [servedAt(WWW, T1), servedAt({ host: 'shop.example.com', port: 443 }, T1)],
      [finding(WWW), finding({ host: 'shop.example.com', port: 443 }), finding(WWW, 'chain-incomplete')],
    );
    expect((await store.listFindings({ kind: 'chain-incomplete' }, { limit: 10 })).total).toBe(1);
    expect((await store.listFindings({ host: 'SHOP.example.com' }, { limit: 10 })).total).toBe(1);
    expect((await store.listFindings({ fingerprint: LEAF.toUpperCase() }, { limit: 10 })).total).toBe(3);
    expect((await store.listFindings({ status: 'resolved' }, { limit: 10 })).total).toBe(0);
    const page = await store.listFindings({}, { limit: 2, offset: 2 });
    expect([page.total, page.offset, page.items.length]).toEqual([3, 2, 1]);
  });
});
