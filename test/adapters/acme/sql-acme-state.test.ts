/**
 * The ACME adapter's shared memory in the inventory database (migration 016, issue 19, R-REN-1), on SQLite and
 * PostgreSQL: what one process (the worker) writes, another handle (certflow start's HTTP server) reads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlAcmeState } from '../../../src/adapters/acme/acme-state';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import { storeBackends } from '../../support/store-backends';

describe.each(storeBackends())('the SQL ACME state on $name (R-REN-1)', (backend) => {
  let folder: string;
  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-acme-state-'));
    await backend.setup();
  }, 120_000);
  afterAll(async () => {
    await backend.teardown();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('R-REN-1: HTTP-01 answers and orders written through one handle are read through another', async () => {
    const url = await backend.url(folder);
    const worker = await openInventoryDatabase({ url });
    const server = await openInventoryDatabase({ url });
    try {
      const written = sqlAcmeState(worker.db);
      const read = sqlAcmeState(server.db);
      await written.putHttp01('token-1', 'token-1.thumbprint');
      await written.putHttp01('token-1', 'token-1.thumbprint');
      expect(await read.http01('token-1')).toBe('token-1.thumbprint');
      await written.removeHttp01('token-1');
      await written.removeHttp01('token-1');
      expect(await read.http01('token-1')).toBeNull();

      const order = { issuer: 'acme:pebble', idempotencyKey: 'lc/1', orderUrl: 'https://ca/order/1' };
      await written.saveOrder({ ...order, certificatePem: null, serialNumber: null, issuerDn: null });
      expect(await read.order('acme:pebble', 'lc/1')).toMatchObject({
        orderUrl: 'https://ca/order/1',
        certificatePem: null,
      });
      await written.saveOrder({
        ...order,
        certificatePem: 'PEM',
        serialNumber: 'abc1',
        issuerDn: 'CN=Pebble Intermediate',
      });
      expect(await read.order('acme:pebble', 'lc/1')).toMatchObject({ certificatePem: 'PEM', serialNumber: 'abc1' });
      expect(await read.order('acme:other', 'lc/1')).toBeNull();
      expect(await read.certificateBySerial('acme:pebble', 'abc1')).toBe('PEM');
      expect(await read.certificateBySerial('acme:other', 'abc1')).toBeNull();
      expect(await read.issuedUnder('acme:pebble', 'CN=Pebble Intermediate')).toBe(true);
      expect(await read.issuedUnder('acme:other', 'CN=Pebble Intermediate')).toBe(false);
    } finally {
      await worker.store.close();
      await server.store.close();
    }
  }, 60_000);
});
